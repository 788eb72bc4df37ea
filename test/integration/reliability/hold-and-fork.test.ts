// Hold/resume; "held by the far end" as its own state; answering while talking holds the current
// call first (never two open microphones); CANCEL and "answered elsewhere" (a forked INVITE: two app
// instances registered as the same user) take the call out of the queue at once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PhoneState } from '../../../shared/state.js';
import { ensureLab, registrations, startBaresip, waitUntil } from '../../lab/peers.js';
import type { BaresipPeer } from '../../lab/peers.js';
import { hangUpAppCalls, must, onCleanup, openApp, runCleanups, waitCall, waitNewRinging, watchStates } from './helpers.js';
import type { TestApp } from './helpers.js';

const APP_USER = '5061';
let t: TestApp;
let callee: BaresipPeer;
let caller: BaresipPeer;
const known = new Set<string>();

beforeAll(async () => {
  await ensureLab();
  t = await openApp({ user: APP_USER, config: { audio: { backend: 'none' } } });
  [callee, caller] = await Promise.all([startBaresip({ user: '5062', autoAnswer: true }), startBaresip({ user: '5063' })]);
  onCleanup(() => callee.stop());
  onCleanup(() => caller.stop());
}, 90_000);
afterAll(runCleanups, 60_000);
afterEach(async () => {
  await hangUpAppCalls(t);
  for (const p of [callee, caller]) {
    await waitUntil(async () => (await p.listCalls()).length === 0, { timeoutMs: 10_000, what: `${p.user} idle` }).catch(() => undefined);
  }
});

async function talkingToCallee(): Promise<string> {
  const { callId } = must(await t.phone.invoke('dial', { target: '5062' }), 'dial');
  known.add(callId);
  await waitCall(t.phone, callId, (c) => c.state === 'active', 'active');
  await callee.waitFor('CALL_ESTABLISHED');
  return callId;
}

describe('hold, far-end hold, answering while talking', () => {
  it('hold and resume; the far end holding us is shown as its own state', async () => {
    const { phone } = t;
    const callId = await talkingToCallee();
    must(await phone.invoke('hold', { callId }), 'hold');
    let c = await waitCall(phone, callId, (x) => x.state === 'held', 'held');
    expect(c).toMatchObject({ heldLocally: true, heldRemotely: false });
    expect(phone.state!.activeCallId).toBeNull();
    must(await phone.invoke('resume', { callId }), 'resume');
    c = await waitCall(phone, callId, (x) => x.state === 'active', 'resumed');
    expect(c.heldLocally).toBe(false);
    expect(phone.state!.activeCallId).toBe(callId);

    // The far end puts us on hold: our call stays ours (active, our microphone), flagged heldRemotely.
    await callee.hold();
    c = await waitCall(phone, callId, (x) => x.heldRemotely, 'held by the far end');
    expect(c).toMatchObject({ state: 'active', heldLocally: false });
    await callee.resume();
    c = await waitCall(phone, callId, (x) => !x.heldRemotely, 'far end resumed');
    expect(c.state).toBe('active');
    must(await phone.invoke('hangup', { callId }), 'hangup');
    await callee.waitFor('CALL_CLOSED');
  });

  it('answering a second call holds the current one first: never two open microphones', async () => {
    const { phone, app } = t;
    let maxActive = 0;
    await watchStates(app, (s: PhoneState) => {
      maxActive = Math.max(maxActive, s.calls.filter((c) => c.state === 'active').length);
    });
    const first = await talkingToCallee();
    await caller.dial(APP_USER);
    const ringing = await waitNewRinging(phone, known, 'second call rings');
    known.add(ringing.callId);
    must(await phone.invoke('answer', { callId: ringing.callId }), 'answer the second call');
    const s = await phone.waitFor((x) => x.activeCallId === ringing.callId, 10_000, 'second call active');
    expect(s.calls.find((c) => c.callId === first)).toMatchObject({ state: 'held', heldLocally: true });
    await caller.waitFor('CALL_ESTABLISHED');
    // And back: resuming the first holds the second.
    must(await phone.invoke('resume', { callId: first }), 'resume the first');
    const back = await phone.waitFor((x) => x.activeCallId === first, 10_000, 'first active again');
    expect(back.calls.find((c) => c.callId === ringing.callId)?.state).toBe('held');
    await new Promise((r) => setTimeout(r, 300)); // let the watcher see the last states
    expect(maxActive).toBe(1);
  });
});

describe('calls that go away while ringing', () => {
  it('CANCEL by the caller removes the call from the queue at once', async () => {
    const { phone } = t;
    await caller.dial(APP_USER);
    const ringing = await waitNewRinging(phone, known, 'rings');
    known.add(ringing.callId);
    expect(phone.state!.incomingQueue).toEqual([ringing.callId]);
    const t0 = Date.now();
    await caller.hangup();
    const hangupReturnedMs = Date.now() - t0;
    const s = await phone.waitFor((x) => !x.incomingQueue.includes(ringing.callId), 5000, 'out of the queue');
    const removedMs = Date.now() - t0;
    expect(s.calls.find((c) => c.callId === ringing.callId)).toMatchObject({ state: 'ended', endReason: 'cancelled-by-caller' });
    console.log(`hold-and-fork figures: cancel removed from the queue in ${removedMs} ms (baresip's hangup returned after ${hangupReturnedMs} ms)`);
    // baresip's hangup command itself may take a while (it drains its audio player first); from the
    // moment it returns, the CANCEL has been sent: the queue must be clear within a second of that.
    expect(removedMs - hangupReturnedMs).toBeLessThan(1000);
  });

  it('a forked call answered by another dispatcher on the same user leaves this queue at once', async () => {
    const user = '5064';
    const a = await openApp({ user, config: { audio: { backend: 'none' } } });
    const b = await openApp({ user, config: { audio: { backend: 'none' } } });
    await waitUntil(async () => ((await registrations(user))[0]?.contacts.length ?? 0) >= 2, { what: 'two contacts for 5064' });
    await caller.dial(user);
    const ra = await waitNewRinging(a.phone, new Set(), 'rings at A');
    const rb = await waitNewRinging(b.phone, new Set(), 'rings at B');
    must(await a.phone.invoke('answer', { callId: ra.callId }), 'A answers');
    const t0 = Date.now();
    await waitCall(a.phone, ra.callId, (c) => c.state === 'active', 'A talking');
    const gone = await b.phone.waitFor((x) => !x.incomingQueue.includes(rb.callId), 5000, 'out of B queue');
    const removedMs = Date.now() - t0;
    expect(gone.calls.find((c) => c.callId === rb.callId)).toMatchObject({ state: 'ended', endReason: 'answered-elsewhere' });
    expect(removedMs).toBeLessThan(1000);
    // B's history says so, and does not count it as missed.
    const history = must(await b.phone.invoke('listHistory', { query: { pageSize: 10 } }), 'history');
    expect(history.entries.find((h) => h.callId === rb.callId)?.outcome).toBe('answered-elsewhere');
    must(await a.phone.invoke('hangup', { callId: ra.callId }), 'hangup');
    await caller.waitFor('CALL_CLOSED');
    console.log(`hold-and-fork figures: answered elsewhere removed from the other queue in ${removedMs} ms`);
  });
});
