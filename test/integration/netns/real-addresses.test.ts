// Real addresses (issue #13 part 2): the app in its own network namespace (10.77.1.2), Kamailio and baresip
// peers on the far side (10.77.2.2), with a masquerading NAT between them (DP_NETNS=nat) or a plain router
// (DP_NETNS=routed). No sip.localAddress is configured: the app must find its address, learn what the NAT
// shows, and get audio through both ways. Runs only inside test/lab/netns.mjs:
//   flock /tmp/dp-lab.lock node test/lab/netns.mjs run --nat -- npx vitest run --config vitest.config.ts \
//     --project integration test/integration/netns/real-addresses.test.ts
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { audioStats, ensureLab, labPaths, registrations, SIP_HOST, SIP_PORT, startBaresip, startLinphone } from '../../lab/peers.js';
import type { BaresipPeer, LinphonePeer } from '../../lab/peers.js';
import { feedMicrophone, recordSink, toneShare } from '../../support/pulse-audio.js';
import { hangUpAppCalls, must, onCleanup, openApp, runCleanups, waitCall, waitNewRinging } from '../reliability/helpers.js';
import type { TestApp } from '../reliability/helpers.js';

const mode = process.env.DP_NETNS;
const APP_USER = '5050';

if (!mode) console.log('real-addresses: skipped, run through node test/lab/netns.mjs run [--nat] -- ... (it makes the namespaces)');

describe.skipIf(!mode)(`the app behind ${mode === 'nat' ? 'a NAT' : 'a router'}`, () => {
  let t: TestApp;
  // The callee that answers at once is linphone: it sends RTP the moment it answers, before ours can open the
  // NAT's mapping, and like most phones and PBXs (RFC 4961 symmetric RTP) it then follows where our RTP comes
  // from. baresip 1.0 does not: it only ever sends to the SDP's address, so it calls in (we answer, and our
  // RTP opens the mapping first).
  let callee: LinphonePeer;
  let transferTarget: BaresipPeer;
  let caller: BaresipPeer;
  const known = new Set<string>();

  beforeAll(async () => {
    await ensureLab();
    t = await openApp({
      user: APP_USER,
      netns: process.env.DP_NETNS_APP,
      // No localAddress: the app finds it.
      config: { sip: { server: `${SIP_HOST}:${SIP_PORT}`, transport: 'udp', user: APP_USER, password: 'secret', displayName: 'Dispatcher' } },
    });
    callee = await startLinphone({ user: '5051', autoAnswer: true });
    onCleanup(() => callee.stop());
    transferTarget = await startBaresip({ user: '5053', autoAnswer: true });
    onCleanup(() => transferTarget.stop());
    caller = await startBaresip({ user: '5052', audioFile: labPaths().audio.tone440 });
    onCleanup(() => caller.stop());
  }, 120_000);
  afterAll(async () => {
    await runCleanups();
  }, 60_000);
  afterEach(async () => {
    if (t) await hangUpAppCalls(t);
  });

  it('registers from its own address, or the one the NAT shows', async () => {
    const contact = (await registrations(APP_USER))[0]?.contacts[0];
    const seenAs = mode === 'nat' ? process.env.DP_NETNS_NAT_ADDRESS : process.env.DP_NETNS_APP_ADDRESS;
    expect(contact?.address).toContain(`@${seenAs}:`);
  });

  /** The dispatcher hears the peer's 440 Hz on the headset sink (what the peer got of our 1000 Hz is read from its recording after the call). */
  async function dispatcherHearsPeer(callId: string): Promise<void> {
    await waitCall(t.phone, callId, (c) => (c.media?.packetsReceived ?? 0) > 50, 'RTP from the peer');
    const heard = await recordSink('headset', 2);
    const share = toneShare(heard, 440);
    if (share <= 0.5) console.log(`real-addresses: headset rms ${Math.round(Math.sqrt(heard.reduce((a, x) => a + x * x, 0) / Math.max(1, heard.length)))}, 440 Hz share ${share}`);
    expect(share, 'the dispatcher hears the peer').toBeGreaterThan(0.5);
  }

  it('calls out through it: audio both ways, a hold re-INVITE and back', async () => {
    const { phone } = t;
    const { callId } = must(await phone.invoke('dial', { target: '5051' }), 'dial');
    await waitCall(phone, callId, (c) => c.state === 'active', 'active');
    await callee.waitForCallState('StreamsRunning', { timeoutMs: 10_000 });
    // Both ways: RTP from the peer reaches us through the NAT, ours reaches it (RTCP says what it got).
    const talking = await waitCall(phone, callId, (c) => (c.media?.packetsReceived ?? 0) > 50 && (c.media?.packetsSent ?? 0) > 50, 'RTP both ways');
    must(await phone.invoke('hold', { callId }), 'hold');
    await waitCall(phone, callId, (c) => c.state === 'held', 'held');
    must(await phone.invoke('resume', { callId }), 'resume');
    const resumed = await waitCall(phone, callId, (c) => c.state === 'active', 'resumed');
    await waitCall(phone, callId, (c) => (c.media?.packetsReceived ?? 0) > (resumed.media?.packetsReceived ?? 0) + 25, 'RTP again after resume');
    expect(resumed.media?.packetsReceived ?? 0).toBeGreaterThan(talking.media?.packetsReceived ?? 0);
    must(await phone.invoke('hangup', { callId }), 'hangup');
    await waitCall(phone, callId, (c) => c.state === 'ended', 'ended');
  });

  it('takes a call in through it: audio both ways, then a blind transfer', async () => {
    const { phone } = t;
    const before = Date.now();
    const targetCalls = transferTarget.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;
    await caller.dial(APP_USER);
    const ringing = await waitNewRinging(phone, known, 'the peer calls in');
    known.add(ringing.callId);
    must(await phone.invoke('answer', { callId: ringing.callId }), 'answer');
    await waitCall(phone, ringing.callId, (c) => c.state === 'active', 'active');
    const mic = feedMicrophone(labPaths().audio.tone1000);
    onCleanup(() => mic.kill());
    await dispatcherHearsPeer(ringing.callId);
    await new Promise((r) => setTimeout(r, 1000));
    mic.kill();
    must(await phone.invoke('blindTransfer', { callId: ringing.callId, target: '5053' }), 'blindTransfer');
    const done = await waitCall(phone, ringing.callId, (c) => c.state === 'ended', 'transferred and ended', 20_000);
    expect(done.transfer?.status).toBe('succeeded');
    // The caller now talks to 5053 (its new call established).
    await transferTarget.waitFor('CALL_ESTABLISHED', { timeoutMs: 10_000 }).catch(() => undefined);
    expect(transferTarget.events.filter((e) => e.type === 'CALL_ESTABLISHED').length).toBeGreaterThan(targetCalls);
    await caller.hangup().catch(() => undefined);
    const rec = await caller.waitForRecording({ after: before });
    const st = await audioStats(rec.dec);
    expect(st.roughFrequency, 'the caller heard the dispatcher (1000 Hz) before the transfer').toBeGreaterThan(900);
  });
});
