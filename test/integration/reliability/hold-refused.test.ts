// Answering never waits on another call's network: a caller whose side refuses the hold re-INVITE (488, as
// some gateways do) or never answers it (a far end that vanished) is held here at once, the next call is
// answered without waiting, and a notice says the far end did not accept the hold. Real sipp callers
// through Kamailio.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, LAB_PASSWORD, labPaths, SIP_HOST, SIP_PORT, startSipp, uacInviteArgs } from '../../lab/peers.js';
import { hangUpAppCalls, must, onCleanup, openApp, runCleanups, waitCall, waitNewRinging } from './helpers.js';
import type { TestApp } from './helpers.js';

const APP_USER = '5081';
let t: TestApp;
const known = new Set<string>();

beforeAll(async () => {
  await ensureLab();
  t = await openApp({ user: APP_USER, config: { audio: { backend: 'none' } } });
}, 90_000);
afterAll(runCleanups, 60_000);

/** A sipp caller whose answer to our hold re-INVITE is the scenario's (488, or nothing). */
async function callerWith(scenario: 'uac-hold-488.xml' | 'uac-hold-silent.xml', user: string) {
  const sipp = await startSipp(
    ['-sf', path.join(labPaths().repo, 'test', 'lab', 'sipp', scenario), `${SIP_HOST}:${SIP_PORT}`, '-s', APP_USER,
      '-key', 'caller', user, '-au', user, '-ap', LAB_PASSWORD, '-m', '1'],
    { timeoutMs: 120_000 },
  );
  onCleanup(() => sipp.stop());
  const ringing = await waitNewRinging(t.phone, known, `${user} rings`);
  known.add(ringing.callId);
  must(await t.phone.invoke('answer', { callId: ringing.callId }), 'answer first');
  await waitCall(t.phone, ringing.callId, (c) => c.state === 'active', 'first active');
  return ringing.callId;
}

/** A plain second caller (sipp's ordinary UAC, a long call). */
async function secondCaller(user: string): Promise<string> {
  const sipp = await startSipp(uacInviteArgs({ to: APP_USER, caller: user, durationMs: 60_000 }), { timeoutMs: 120_000 });
  onCleanup(() => sipp.stop());
  const ringing = await waitNewRinging(t.phone, known, `${user} rings`);
  known.add(ringing.callId);
  return ringing.callId;
}

describe('a far end that does not accept the hold', () => {
  it('refuses it with 488: the next call is answered at once, the first stays held here with a notice', async () => {
    const first = await callerWith('uac-hold-488.xml', '5082');
    const second = await secondCaller('5083');
    must(await t.phone.invoke('answer', { callId: second }), 'answer second');
    const s = await t.phone.waitFor(
      (x) => x.notices.some((n) => n.callId === first && n.what.kind === 'hold-not-accepted'),
      10_000,
      'hold-not-accepted notice',
    );
    const notice = s.notices.find((n) => n.callId === first && n.what.kind === 'hold-not-accepted')!;
    expect(notice.what).toMatchObject({ cause: { kind: 'sip', code: 488 } });
    expect(s.calls.find((c) => c.callId === first)).toMatchObject({ state: 'held', heldLocally: true });
    expect(s.calls.find((c) => c.callId === second)?.state).toBe('active');
    expect(s.activeCallId).toBe(second);
    await hangUpAppCalls(t);
  });

  it('never answers it: the next call is answered without waiting; the notice comes after the 32 s bound', async () => {
    const first = await callerWith('uac-hold-silent.xml', '5084');
    const second = await secondCaller('5085');
    must(await t.phone.invoke('answer', { callId: second }), 'answer second');
    const answered = await waitCall(t.phone, second, (c) => c.state === 'active', 'second active');
    expect(answered.state).toBe('active');
    // The hold re-INVITE is still unanswered (no notice yet), so the answer did not wait for it.
    expect(t.phone.state!.calls.find((c) => c.callId === first)).toMatchObject({ state: 'held', heldLocally: true });
    expect(t.phone.state!.notices.some((n) => n.callId === first && n.what.kind === 'hold-not-accepted')).toBe(false);
    const s = await t.phone.waitFor(
      (x) => x.notices.some((n) => n.callId === first && n.what.kind === 'hold-not-accepted'),
      45_000,
      'hold-not-accepted after the timeout',
    );
    const what = s.notices.find((n) => n.callId === first && n.what.kind === 'hold-not-accepted')!.what;
    // Our 32 s bound, or sip.js's own timer B (a local 408), whichever fires first.
    expect(JSON.stringify(what)).toMatch(/"kind":"timeout","operation":"hold"|"code":408/);
    expect(s.calls.find((c) => c.callId === first)?.state).toBe('held');
    await hangUpAppCalls(t);
  }, 90_000);
});
