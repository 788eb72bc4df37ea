// 30 calls ringing at once (sipp, 10 a second): all 30 are in the incoming queue in arrival order;
// every other one is answered (and hung up by the dispatcher), the rest are cancelled by their callers
// after 15 s of ringing; none is lost: each ends the way it should, in PhoneState, in sipp and in
// the history.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_PASSWORD, SIP_HOST, SIP_PORT, ensureLab, startSipp } from '../../lab/peers.js';
import { must, onCleanup, openApp, runCleanups, waitCall } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const APP_USER = '5020';
const CALLER = '5029';
const CALLS = 30;

beforeAll(async () => {
  await ensureLab();
});
afterAll(runCleanups, 60_000);

describe('30 calls ringing at once', () => {
  it('all are queued in arrival order; each is answered or cancelled; none is lost', async () => {
    const { phone } = await openApp({ user: APP_USER, config: { audio: { backend: 'none' } } });
    const sipp = await startSipp(
      [
        '-sf', join(here, 'sipp/uac-ring-answer-or-cancel.xml'),
        `${SIP_HOST}:${SIP_PORT}`,
        '-s', APP_USER,
        '-key', 'caller', CALLER,
        '-au', CALLER,
        '-ap', LAB_PASSWORD,
        '-m', String(CALLS),
        '-l', String(CALLS),
        '-r', '10',
      ],
      { timeoutMs: 90_000 },
    );
    onCleanup(() => sipp.stop());

    // All 30 ring at once, queued in the order they arrived ("burst N" is sipp's call number N).
    const full = await phone.waitFor((s) => s.incomingQueue.length === CALLS, 20_000, `${CALLS} calls queued`);
    const queued = full.incomingQueue.map((id) => full.calls.find((c) => c.callId === id)!);
    expect(queued.map((c) => c.displayName)).toEqual(Array.from({ length: CALLS }, (_, i) => `burst ${i + 1}`));
    expect(queued.every((c) => c.state === 'ringing' && c.direction === 'incoming')).toBe(true);
    const startedAt = queued.map((c) => c.startedAt);
    expect([...startedAt].sort((a, b) => a - b)).toEqual(startedAt);

    // Answer every other one, oldest first (the way F2 takes the oldest), and hang up.
    const answered = queued.filter((_, i) => i % 2 === 0).map((c) => c.callId);
    const leftRinging = queued.filter((_, i) => i % 2 === 1).map((c) => c.callId);
    for (const callId of answered) {
      must(await phone.invoke('answer', { callId }), `answer ${callId}`);
      const s = await phone.waitFor((st) => st.activeCallId === callId, 10_000, `${callId} active`);
      expect(s.incomingQueue).not.toContain(callId);
      must(await phone.invoke('hangup', { callId }), `hangup ${callId}`);
      const ended = await waitCall(phone, callId, (c) => c.state === 'ended', 'ended');
      expect(ended.endReason).toBe('hung-up-local');
    }
    // The others stayed in the queue, in order, until their callers gave up.
    const mid = phone.state!;
    expect(mid.incomingQueue.filter((id) => leftRinging.includes(id))).toEqual(
      leftRinging.filter((id) => mid.calls.find((c) => c.callId === id)?.state === 'ringing'),
    );
    const after = await phone.waitFor((s) => s.incomingQueue.length === 0, 30_000, 'queue empty');
    expect(after.activeCallId).toBeNull();
    // Cancelled ones may already have lingered out of `calls`: the history has every call.
    const history = must(await phone.invoke('listHistory', { query: { pageSize: 100 } }), 'history');
    const byCall = new Map(history.entries.map((h) => [h.callId, h]));
    expect(answered.map((id) => byCall.get(id)?.outcome)).toEqual(answered.map(() => 'answered'));
    expect(leftRinging.map((id) => byCall.get(id)?.outcome)).toEqual(leftRinging.map(() => 'cancelled-by-caller'));

    // sipp: every call went through its scenario (answered ones got our BYE, the others their 487).
    const result = await sipp.done;
    expect(result.code, result.stdout.slice(-3000) + result.stderr.slice(-2000)).toBe(0);
    console.log(`queue-burst figures: ${JSON.stringify({ queued: CALLS, answered: answered.length, cancelled: leftRinging.length })}`);
  }, 120_000);
});
