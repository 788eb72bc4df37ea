// Attended transfer [условная переадресация] through the app, with linphone-daemon on both far ends
// (baresip 1.0 puts Replaces into the request URI, so it can neither send nor honour it properly):
// the caller is put on hold, the dispatcher calls the second party, "Connect subscribers" sends REFER
// with Replaces on the caller's leg, NOTIFY 200 ends the original leg; a refusing or hanging-up
// target leaves both remaining parties with the dispatcher and PhoneState says what happened;
// "Back to caller" drops the consultation.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TransferProgress } from '../../../shared/domain.js';
import { ensureLab, startLinphone, waitUntil } from '../../lab/peers.js';
import type { LinphonePeer } from '../../lab/peers.js';
import { answeredCallFrom, endLinphoneCalls, hangUpAppCalls, liveLinphoneCalls, must, onCleanup, openApp, runCleanups, waitCall, watchStates } from './helpers.js';
import type { TestApp } from './helpers.js';
import { noticeEn } from '../../support/words.js';

const APP_USER = '5031';
let t: TestApp;
let caller: LinphonePeer;
let target: LinphonePeer;
const known = new Set<string>();

beforeAll(async () => {
  await ensureLab();
  t = await openApp({ user: APP_USER, config: { audio: { backend: 'none' } } });
  [caller, target] = await Promise.all([startLinphone({ user: '5030' }), startLinphone({ user: '5032', autoAnswer: true })]);
  onCleanup(() => caller.stop());
  onCleanup(() => target.stop());
}, 90_000);
afterAll(runCleanups, 60_000);
afterEach(async () => {
  // Leave no call behind for the next test: on the app, then on the peers.
  await hangUpAppCalls(t);
  for (const peer of [caller, target]) await endLinphoneCalls(peer);
  await t.phone.waitFor((s) => s.calls.every((c) => c.state === 'ended'), 20_000, 'app idle').catch(() => undefined);
});


/** The peer's call in a state matching `state` (with its daemon id). */
async function peerCall(peer: LinphonePeer, state: RegExp, what: string): Promise<{ id: number; from: string }> {
  return waitUntil(
    async () => {
      for (const id of await liveLinphoneCalls(peer)) {
        const st = await peer.callStatus(id);
        if (st && state.test(st.state)) return { id, from: st.from ?? '' };
      }
      return undefined;
    },
    { timeoutMs: 10_000, intervalMs: 200, what },
  );
}

/** The caller calls the dispatcher, who answers: returns the call id. */
const callerConnected = (): Promise<string> => answeredCallFrom(t, caller, APP_USER, known);

/** The dispatcher starts a consultation call to `target` about `callId`: returns the consultation's call id. */
async function consult(callId: string, target: string): Promise<string> {
  const { consultationCallId } = must(await t.phone.invoke('startConsultation', { callId, target }), 'startConsultation');
  known.add(consultationCallId);
  return consultationCallId;
}

describe('attended transfer', () => {
  it('consult, then "Connect subscribers": REFER with Replaces, NOTIFY 200, the caller talks to the target', async () => {
    const { phone, app } = t;
    const statuses: string[] = [];
    const stopWatching = await watchStates(app, (s) => {
      for (const c of s.calls) {
        const tr = c.transfer as TransferProgress | null;
        if (tr?.kind === 'attended' && statuses.at(-1) !== tr.status) statuses.push(tr.status);
      }
    });
    const callId = await callerConnected();
    const consultationCallId = await consult(callId, '5032');
    // The caller was put on hold before the target was called; the consultation is the active call.
    const consulting = await phone.waitFor((s) => s.activeCallId === consultationCallId, 15_000, 'consultation active');
    expect(consulting.calls.find((c) => c.callId === callId)).toMatchObject({ state: 'held', heldLocally: true });
    expect(consulting.calls.find((c) => c.callId === consultationCallId)).toMatchObject({ consultationFor: callId });
    await waitUntil(async () => (await caller.callStatus())?.state.includes('PausedByRemote'), { timeoutMs: 10_000, what: 'caller sees hold' });

    must(await phone.invoke('connectSubscribers', { callId }), 'connectSubscribers');
    const done = await waitCall(phone, callId, (c) => c.state === 'ended', 'caller leg ended', 20_000);
    expect(done.endReason).toBe('transferred');
    expect(done.transfer).toMatchObject({ kind: 'attended', status: 'succeeded' });
    const consultation = await waitCall(phone, consultationCallId, (c) => c.state === 'ended', 'consultation ended', 20_000);
    expect(consultation.endReason).toBe('transferred');
    await waitUntil(() => statuses.at(-1) === 'succeeded', { timeoutMs: 3000, what: `statuses ${statuses.join(',')}` });
    expect(statuses).toEqual(['consulting', 'connecting', 'succeeded']);
    // The caller and the target now talk to each other: one call each, with each other.
    const talking = await peerCall(target, /StreamsRunning/, 'target talks to the caller');
    expect(talking.from).toContain('5030');
    const history = must(await phone.invoke('listHistory', { query: { pageSize: 50 } }), 'history');
    expect(history.entries.find((h) => h.callId === callId)).toMatchObject({ outcome: 'transferred' });
    stopWatching();
  });

  it('the target hangs up during the consultation: the caller stays held with the dispatcher, and PhoneState says so', async () => {
    const { phone } = t;
    const callId = await callerConnected();
    const consultationCallId = await consult(callId, '5032');
    await waitCall(phone, consultationCallId, (c) => c.state === 'active', 'consultation active');
    const st = await peerCall(target, /StreamsRunning/, 'target answered');
    await target.terminate(st.id);

    const ended = await waitCall(phone, consultationCallId, (c) => c.state === 'ended', 'consultation ended');
    expect(ended.endReason).toBe('hung-up-remote');
    const s = await phone.waitFor((x) => x.calls.find((c) => c.callId === callId)?.transfer?.status === 'failed', 5000, 'transfer failed');
    const callerCall = s.calls.find((c) => c.callId === callId)!;
    expect(callerCall).toMatchObject({ state: 'held', transfer: { kind: 'attended', status: 'failed' } });
    expect(s.notices.some((n) => n.callId === callId && /still on hold/.test(noticeEn(n)))).toBe(true);
    // Connect is refused now; the dispatcher takes the caller back.
    expect((await phone.invoke('connectSubscribers', { callId })).ok).toBe(false);
    must(await phone.invoke('resume', { callId }), 'resume');
    await waitCall(phone, callId, (c) => c.state === 'active', 'caller back');
    await waitUntil(async () => (await caller.callStatus())?.state.includes('StreamsRunning'), { timeoutMs: 10_000, what: 'caller hears us' });
    must(await phone.invoke('hangup', { callId }), 'hangup');
  });

  it('the target refuses the consultation call: the caller stays with the dispatcher, and PhoneState says why', async () => {
    const { phone } = t;
    const refuser = await startLinphone({ user: '5033' });
    onCleanup(() => refuser.stop());
    const callId = await callerConnected();
    const consultationCallId = await consult(callId, '5033');
    const ringing = await peerCall(refuser, /IncomingReceived/, 'target rings');
    await refuser.terminate(ringing.id); // declines the incoming call
    const ended = await waitCall(phone, consultationCallId, (c) => c.state === 'ended', 'consultation refused');
    expect(['rejected', 'busy']).toContain(ended.endReason);
    const s = await phone.waitFor((x) => x.calls.find((c) => c.callId === callId)?.transfer?.status === 'failed', 5000, 'transfer failed');
    const callerCall = s.calls.find((c) => c.callId === callId)!;
    expect(callerCall.state).toBe('held');
    const failedTransfer = callerCall.transfer as Extract<TransferProgress, { kind: 'attended' }>;
    expect(`${failedTransfer.endReason} ${JSON.stringify(failedTransfer.cause)}`).toMatch(/rejected|busy|603|486/i);
    expect(s.notices.some((n) => n.callId === callId)).toBe(true);
    must(await phone.invoke('resume', { callId }), 'resume');
    await waitCall(phone, callId, (c) => c.state === 'active', 'caller back');
    must(await phone.invoke('hangup', { callId }), 'hangup');
  });

  it('"Back to caller" drops the consultation and takes the caller off hold', async () => {
    const { phone } = t;
    const callId = await callerConnected();
    const consultationCallId = await consult(callId, '5032');
    await waitCall(phone, consultationCallId, (c) => c.state === 'active', 'consultation active');
    must(await phone.invoke('backToCaller', { callId }), 'backToCaller');
    const ended = await waitCall(phone, consultationCallId, (c) => c.state === 'ended', 'consultation dropped');
    expect(ended.endReason).toBe('hung-up-local');
    const back = await waitCall(phone, callId, (c) => c.state === 'active', 'caller back');
    expect(back.transfer).toBeNull();
    expect(phone.state!.activeCallId).toBe(callId);
    await waitUntil(async () => (await liveLinphoneCalls(target)).length === 0, { timeoutMs: 10_000, what: 'target call gone' });
    await waitUntil(async () => (await caller.callStatus())?.state.includes('StreamsRunning'), { timeoutMs: 10_000, what: 'caller hears us' });
    must(await phone.invoke('hangup', { callId }), 'hangup');
  });
});
