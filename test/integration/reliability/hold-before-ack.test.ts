// A hold pressed right after answering, before the caller's ACK of our 200 has come (a far gateway, a
// slow path; or F2 on a second call at once, which holds the first). RFC 3261 14.1: no re-INVITE while
// that INVITE transaction is in progress; sip.js ends the call (BYE) if the ACK then finds our offer
// pending. The call is held here at once; the hold re-INVITE waits for the ACK and is accepted; resume
// and hang-up follow. A real sipp caller (its ACK 400 ms late) through Kamailio.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, LAB_PASSWORD, labPaths, sleep, SIP_HOST, SIP_PORT, startSipp } from '../../lab/peers.js';
import { hangUpAppCalls, must, onCleanup, openApp, runCleanups, waitCall, waitNewRinging } from './helpers.js';
import type { TestApp } from './helpers.js';

const APP_USER = '5086';
const CALLER = '5087';
let t: TestApp;

beforeAll(async () => {
  await ensureLab();
  t = await openApp({ user: APP_USER, config: { audio: { backend: 'none' } } });
}, 90_000);
afterAll(runCleanups, 60_000);

describe('a hold before the caller has acknowledged the answer', () => {
  it('waits for the ACK, is accepted, and the call lives on to resume and hang up', async () => {
    const sipp = await startSipp(
      ['-sf', path.join(labPaths().repo, 'test', 'lab', 'sipp', 'uac-slow-ack.xml'), `${SIP_HOST}:${SIP_PORT}`, '-s', APP_USER,
        '-key', 'caller', CALLER, '-au', CALLER, '-ap', LAB_PASSWORD, '-m', '1'],
      { timeoutMs: 60_000 },
    );
    onCleanup(() => sipp.stop());
    const ringing = await waitNewRinging(t.phone, new Set(), `${CALLER} rings`);
    const callId = ringing.callId;
    must(await t.phone.invoke('answer', { callId }), 'answer');
    // at once: the caller's ACK is still 400 ms away
    must(await t.phone.invoke('hold', { callId }), 'hold');
    const held = await waitCall(t.phone, callId, (c) => c.state === 'held', 'held here');
    expect(held.heldLocally).toBe(true);
    // past the ACK and the re-INVITE's answer: the call is still there, held, and nothing was refused
    await sleep(1500);
    const s = t.phone.state!;
    expect(s.calls.find((c) => c.callId === callId)).toMatchObject({ state: 'held' });
    expect(s.notices.filter((n) => n.callId === callId).map((n) => n.what.kind)).toEqual([]);
    must(await t.phone.invoke('resume', { callId }), 'resume');
    await waitCall(t.phone, callId, (c) => c.state === 'active', 'resumed');
    await sleep(500);
    expect(t.phone.state!.notices.filter((n) => n.callId === callId).map((n) => n.what.kind)).toEqual([]);
    await hangUpAppCalls(t);
    // sipp's scenario ends well only if no re-INVITE came before its ACK, each was answered, and our BYE ended it
    const r = await sipp.done;
    expect(r.code, r.stderr.slice(-800)).toBe(0);
  }, 60_000);
});
