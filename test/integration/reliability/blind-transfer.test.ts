// Blind transfer [безусловная переадресация]: REFER the caller (linphone-daemon, which carries out
// REFER) to an employee or a number; progress comes from the NOTIFYs; when the transfer fails the
// caller comes back to the dispatcher, taken off hold, never left in silence.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TransferProgress } from '../../../shared/domain.js';
import { ensureLab, startBaresip, startLinphone, waitUntil } from '../../lab/peers.js';
import type { BaresipPeer, LinphonePeer } from '../../lab/peers.js';
import { answeredCallFrom, endLinphoneCalls, hangUpAppCalls, must, onCleanup, openApp, runCleanups, waitCall, watchStates } from './helpers.js';
import type { TestApp } from './helpers.js';

const APP_USER = '5051';
let t: TestApp;
let caller: LinphonePeer;
let employee: BaresipPeer;
const known = new Set<string>();

beforeAll(async () => {
  await ensureLab();
  t = await openApp({ user: APP_USER, config: { audio: { backend: 'none' } } });
  [caller, employee] = await Promise.all([startLinphone({ user: '5050' }), startBaresip({ user: '5052', autoAnswer: true })]);
  onCleanup(() => caller.stop());
  onCleanup(() => employee.stop());
}, 90_000);
afterAll(runCleanups, 60_000);
afterEach(async () => {
  await hangUpAppCalls(t);
  await endLinphoneCalls(caller, 12);
  if ((await employee.listCalls().catch(() => [])).length > 0) await employee.hangup().catch(() => undefined);
});

/** The caller calls the dispatcher, who answers: returns the call id. */
const callerConnected = (): Promise<string> => answeredCallFrom(t, caller, APP_USER, known);

/** Records the blind-transfer statuses of a call as PhoneState shows them. */
async function transferStatuses(callId: string): Promise<string[]> {
  const seen: string[] = [];
  await watchStates(t.app, (s) => {
    const tr = s.calls.find((c) => c.callId === callId)?.transfer as TransferProgress | null | undefined;
    if (tr?.kind === 'blind' && seen.at(-1) !== tr.status) seen.push(tr.status);
  });
  return seen;
}

describe('blind transfer', () => {
  it('to an employee: REFER, NOTIFY progress, the caller ends up talking to the employee', async () => {
    const { phone } = t;
    const callId = await callerConnected();
    const statuses = await transferStatuses(callId);
    must(await phone.invoke('blindTransfer', { callId, target: '5052' }), 'blindTransfer');
    const ended = await waitCall(phone, callId, (c) => c.state === 'ended', 'transferred', 20_000);
    expect(ended.endReason).toBe('transferred');
    expect(ended.transfer).toMatchObject({ kind: 'blind', target: '5052', status: 'succeeded' });
    // The watcher is a second WebSocket client: let it catch up with the last state.
    await waitUntil(() => statuses.at(-1) === 'succeeded', { timeoutMs: 3000, what: `statuses ${statuses.join(',')} end in succeeded` });
    expect(statuses[0]).toBe('trying');
    const established = await employee.waitFor('CALL_ESTABLISHED', { timeoutMs: 10_000 });
    expect(established.peeruri ?? '').toContain('5050');
    const history = must(await phone.invoke('listHistory', { query: { pageSize: 50 } }), 'history');
    expect(history.entries.find((h) => h.callId === callId)).toMatchObject({ outcome: 'transferred', transferredTo: '5052' });
  });

  it('to a number nobody answers for: the transfer fails and the held caller comes back, off hold', async () => {
    const { phone } = t;
    const callId = await callerConnected();
    must(await phone.invoke('hold', { callId }), 'hold');
    await waitCall(phone, callId, (c) => c.state === 'held', 'held');
    const statuses = await transferStatuses(callId);
    must(await phone.invoke('blindTransfer', { callId, target: '8 912 345 67 89' }), 'blindTransfer');
    const failed = await phone.waitFor(
      (s) => s.calls.find((c) => c.callId === callId)?.transfer?.status === 'failed',
      20_000,
      'transfer failed',
    );
    const transfer = failed.calls.find((c) => c.callId === callId)!.transfer as Extract<TransferProgress, { kind: 'blind' }>;
    expect(transfer.target).toBe('+79123456789');
    expect(transfer.cause).toMatchObject({ kind: 'sip', code: 404 });
    expect(failed.notices.some((n) => n.callId === callId && n.level === 'error')).toBe(true);
    expect(statuses[0]).toBe('trying');
    // Back with the dispatcher, off hold, microphone open: never left in silence.
    const back = await waitCall(phone, callId, (c) => c.state === 'active' && !c.heldLocally, 'caller taken off hold', 10_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\nnotices: ${JSON.stringify(phone.state?.notices)}\napp log: ${t.app.output.join('\n')}`);
      },
    );
    expect(back.endReason).toBeNull();
    expect(phone.state!.activeCallId).toBe(callId);
    // linphone pauses its side when it starts a transfer and leaves it paused when the transfer fails:
    // PhoneState shows that as "held by the far end", its own state, not as our hold.
    // Our resume re-INVITE goes out behind the local change: wait until the caller's side has settled (its call
    // shows again, paused by itself or running) before reading it.
    // PausedByRemote is not settled: it is our own hold, the resume not landed yet (seen in CI).
    const settled = (state: string) => /StreamsRunning|CallPaused$/.test(state);
    const far = await waitUntil(
      async () => {
        const current = await caller.callStatus();
        if (current) return settled(current.state) ? current : undefined;
        for (let n = 1; n <= 12; n++) {
          const st = await caller.callStatus(n);
          if (st && settled(st.state)) return { ...st, id: st.id ?? n };
        }
        return undefined;
      },
      { timeoutMs: 10_000, what: "the caller's call settles after the failed transfer" },
    );
    console.log(`blind-transfer: after the failure the caller's own state is ${far?.state}; PhoneState heldRemotely=${back.heldRemotely}`);
    if (far && /CallPaused$/.test(far.state)) {
      expect(back.heldRemotely).toBe(true);
      // linphone-daemon shows no Id for the current call: find it by number.
      let id = far.id;
      for (let n = 1; id === undefined && n <= 12; n++) if (/Paused/.test((await caller.callStatus(n))?.state ?? '')) id = n;
      await caller.resume(id);
    }
    await waitUntil(async () => (await caller.callStatus())?.state.includes('StreamsRunning'), {
      timeoutMs: 10_000,
      what: 'the caller hears the dispatcher again',
    });
    const s = await waitCall(phone, callId, (c) => !c.heldRemotely && (c.media?.packetsReceived ?? 0) > 0, 'media flowing', 10_000);
    expect(s.state).toBe('active');
  });
});
