// Real addresses (issue #13 part 2): the app in its own network namespace (10.77.1.2), Kamailio and baresip
// peers on the far side (10.77.2.2), with a masquerading NAT between them (DP_NETNS=nat) or a plain router
// (DP_NETNS=routed). No sip.localAddress is configured: the app must find its address and learn what the
// NAT shows. Behind the NAT the centre relays media (rtpengine beside Kamailio, test/lab/media-relay.mjs),
// as a cloud PBX does; routed, media flows end to end, so the addresses in our SDP are what is tested.
// Audio is checked both ways on every call: the peer's 440 Hz on the dispatcher's headset, the
// dispatcher's 1000 Hz microphone in the peer's recording. Runs only inside test/lab/netns.mjs:
//   flock /tmp/dp-lab.lock node test/lab/netns.mjs run --nat -- npx vitest run --config vitest.config.ts \
//     --project integration test/integration/netns/real-addresses.test.ts
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../../../main/media/audio/wav.js';
import { ensureLab, labPaths, registrations, SIP_HOST, SIP_PORT, startBaresip } from '../../lab/peers.js';
import type { BaresipPeer } from '../../lab/peers.js';
import { feedMicrophone, recordSink, rms, toneShare } from '../../support/pulse-audio.js';
import { hangUpAppCalls, must, onCleanup, openApp, runCleanups, waitCall, waitNewRinging } from '../reliability/helpers.js';
import type { TestApp } from '../reliability/helpers.js';

const mode = process.env.DP_NETNS;
const APP_USER = '5050';

if (!mode) console.log('real-addresses: skipped, run through node test/lab/netns.mjs run [--nat] -- ... (it makes the namespaces)');

/** The dump-*-dec.wav recordings (what the peer heard) of calls that started after `after`, oldest first. */
function heardByPeer(peer: BaresipPeer, after: number): string[] {
  return fs
    .readdirSync(peer.dir)
    .filter((f) => /^dump-.*-dec\.wav$/.test(f))
    .sort()
    .map((f) => path.join(peer.dir, f))
    .filter((f) => fs.statSync(f).mtimeMs >= after);
}

/** The first call's recording once baresip has closed it (its RIFF size written at the end), waited for up to 10 s. */
async function firstClosed(peer: BaresipPeer, after: number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const [file] = heardByPeer(peer, after);
    if (file && fs.statSync(file).size > 44 && fs.readFileSync(file).readUInt32LE(4) === fs.statSync(file).size - 8) return file;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no closed recording in ${peer.dir}`);
}

function expectTone(what: string, samples: Int16Array, frequency: number, rate = 8000): void {
  const share = toneShare(samples, frequency, rate);
  console.log(`real-addresses: ${what}: ${(samples.length / rate).toFixed(1)} s, rms ${Math.round(rms(samples))}, ${frequency} Hz share ${share.toFixed(3)}`);
  expect(share, what).toBeGreaterThan(0.5);
}

describe.skipIf(!mode)(`the app behind ${mode === 'nat' ? 'a NAT' : 'a router'}`, () => {
  let t: TestApp;
  let callee: BaresipPeer;
  let caller: BaresipPeer;
  let transferTarget: BaresipPeer;
  const known = new Set<string>();

  beforeAll(async () => {
    await ensureLab();
    t = await openApp({
      user: APP_USER,
      netns: process.env.DP_NETNS_APP,
      // No localAddress: the app finds it.
      config: { sip: { server: `${SIP_HOST}:${SIP_PORT}`, transport: 'udp', user: APP_USER, password: 'secret', displayName: 'Dispatcher' } },
    });
    // baresip 1.0 sends RTP only to the SDP's address (no symmetric RTP): behind the NAT it is the relay's.
    callee = await startBaresip({ user: '5051', autoAnswer: true, audioFile: labPaths().audio.tone440 });
    onCleanup(() => callee.stop());
    // No ringback: stopping it drains baresip's player for ~2 s before it ACKs and starts its RTP.
    caller = await startBaresip({ user: '5052', audioFile: labPaths().audio.tone440, ringback: false });
    onCleanup(() => caller.stop());
    transferTarget = await startBaresip({ user: '5053', autoAnswer: true });
    onCleanup(() => transferTarget.stop());
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

  /** RTP flows both ways and the dispatcher hears the peer's 440 Hz on the headset. */
  async function dispatcherHearsPeer(callId: string, what: string, after = 0): Promise<void> {
    const from = Date.now();
    await waitCall(phoneOf(), callId, (c) => (c.media?.packetsReceived ?? 0) > after, `RTP from the peer (${what})`);
    console.log(`real-addresses: ${what}: first RTP from the peer ${Date.now() - from} ms after the call went active (or was resumed)`);
    await waitCall(phoneOf(), callId, (c) => (c.media?.packetsReceived ?? 0) > after + 50 && (c.media?.packetsSent ?? 0) > 50, `RTP both ways (${what})`);
    expectTone(`the dispatcher hears the peer (${what})`, await recordSink('headset', 2), 440);
  }
  const phoneOf = () => t.phone;

  it('calls out through it: audio both ways, a hold re-INVITE and back', async () => {
    const { phone } = t;
    const before = Date.now();
    const mic = feedMicrophone(labPaths().audio.tone1000);
    onCleanup(() => mic.kill());
    const { callId } = must(await phone.invoke('dial', { target: '5051' }), 'dial');
    await waitCall(phone, callId, (c) => c.state === 'active', 'active');
    await dispatcherHearsPeer(callId, 'outgoing call');
    must(await phone.invoke('hold', { callId }), 'hold');
    await waitCall(phone, callId, (c) => c.state === 'held', 'held');
    must(await phone.invoke('resume', { callId }), 'resume');
    const resumed = await waitCall(phone, callId, (c) => c.state === 'active', 'resumed');
    await dispatcherHearsPeer(callId, 'after the resume', resumed.media?.packetsReceived ?? 0);
    mic.kill();
    must(await phone.invoke('hangup', { callId }), 'hangup');
    await waitCall(phone, callId, (c) => c.state === 'ended', 'ended');
    const wav = readWav(await firstClosed(callee, before));
    expectTone('the callee heard the dispatcher', wav.samples, 1000, wav.rate);
    if (mode === 'nat') expect(relayed(), 'the media went through the centre relay').toBe(true);
  });

  it('takes a call in through it: audio both ways, then a blind transfer', async () => {
    const { phone } = t;
    const before = Date.now();
    const targetCalls = transferTarget.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;
    const mic = feedMicrophone(labPaths().audio.tone1000);
    onCleanup(() => mic.kill());
    await caller.dial(APP_USER);
    const ringing = await waitNewRinging(phone, known, 'the peer calls in');
    known.add(ringing.callId);
    must(await phone.invoke('answer', { callId: ringing.callId }), 'answer');
    await waitCall(phone, ringing.callId, (c) => c.state === 'active', 'active');
    await dispatcherHearsPeer(ringing.callId, 'incoming call');
    mic.kill();
    must(await phone.invoke('blindTransfer', { callId: ringing.callId, target: '5053' }), 'blindTransfer');
    const done = await waitCall(phone, ringing.callId, (c) => c.state === 'ended', 'transferred and ended', 20_000);
    expect(done.transfer?.status).toBe('succeeded');
    // The caller now talks to 5053 (its new call established).
    await transferTarget.waitFor('CALL_ESTABLISHED', { timeoutMs: 10_000 }).catch(() => undefined);
    expect(transferTarget.events.filter((e) => e.type === 'CALL_ESTABLISHED').length).toBeGreaterThan(targetCalls);
    // Its first recording is the call with us (closed when we left it), the second the one with 5053.
    const wav = readWav(await firstClosed(caller, before));
    await caller.hangup().catch(() => undefined);
    expectTone('the caller heard the dispatcher before the transfer', wav.samples, 1000, wav.rate);
  });
});

/** rtpengine's log (media-relay.mjs) shows it handled offers and answers. */
function relayed(): boolean {
  const log = path.join(process.env.DP_LAB_DIR ?? '', 'rtpengine.log');
  const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
  return text.includes("Received command 'offer'") && text.includes("Received command 'answer'");
}
