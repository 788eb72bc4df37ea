// The portaudio backend (naudiodon) through the whole engine: the main thread lists devices with
// naudiodon, then the media worker loads it again to play the call and read the microphone (that
// second load used to fail: "Module did not self-register", and the call played nothing). A private
// PulseAudio with the lab's sinks, reached the way PortAudio reaches it on Linux (ALSA's pulse plugin;
// PULSE_SINK / PULSE_SOURCE pick the sink and source behind ALSA's `pulse` device). What is played is
// recorded from the sink's monitor by parec; what is captured is what the far end (a headless engine) heard.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Session } from 'sip.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NaudiodonAudio } from '../../../main/media/audio/naudiodon.js';
import { int16ToBuffer } from '../../../main/media/audio/port.js';
import { encodeWav, readWav } from '../../../main/media/audio/wav.js';
import { MediaEngine } from '../../../main/media/engine.js';
import type { MediaSessionDescriptionHandler } from '../../../main/media/session-description-handler.js';
import { aimAlsaPlugin, startPrivatePulse, type PrivatePulse } from '../../support/private-pulse.js';
import { hearsTone as hears } from '../../support/pulse-audio.js';
import { expectWholeTone } from '../../support/whole-tone.js';
import { sine } from '../../unit/media/helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PULSE_DEVICE = 'pa:pulse';
let pulse: PrivatePulse;
let tmp: string;
let restoreEnv = () => {};

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portaudio-test-'));
  pulse = await startPrivatePulse();
  restoreEnv = aimAlsaPlugin(pulse);
  await sleep(300);
}, 30_000);

afterAll(async () => {
  restoreEnv();
  await pulse?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});


describe('portaudio backend (naudiodon) in the media worker', () => {
  it("plays a call's audio on the headset sink and sends what the mic source captures", async () => {
    const toneFile = path.join(tmp, 'tone1000.wav');
    fs.writeFileSync(toneFile, encodeWav(sine(1000, 4), 8000));
    const peerDir = path.join(tmp, 'peer');
    fs.mkdirSync(peerDir);
    // the main thread loads naudiodon first (device listing), as the app does
    const errors: string[] = [];
    const phone = await MediaEngine.create({
      audio: { backend: 'portaudio' },
      routing: { talkOutputDeviceId: PULSE_DEVICE, microphoneDeviceId: PULSE_DEVICE },
      onError: (m) => errors.push(m),
    });
    expect(phone.devices().error).toBeNull();
    expect(phone.devices().outputs.map((d) => d.id)).toContain(PULSE_DEVICE);
    expect(phone.devices().inputs.map((d) => d.id)).toContain(PULSE_DEVICE);
    const peer = await MediaEngine.create({ audio: { backend: 'file', inputs: { tone: toneFile }, outputs: ['talk'], outputDir: peerDir }, routing: { microphoneDeviceId: 'tone', talkOutputDeviceId: 'talk' } });
    const sa = phone.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 35000, rtpPortMax: 35100 })({} as Session) as MediaSessionDescriptionHandler;
    const sb = peer.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 35200, rtpPortMax: 35300 })({} as Session) as MediaSessionDescriptionHandler;
    // the lab microphone hears 440 Hz: mic = remap of micfeed.monitor
    const feed = spawn('pacat', ['--playback', '--raw', '--format=s16le', '--rate=8000', '--channels=1', '--device=micfeed'], { env: pulse.env, stdio: ['pipe', 'ignore', 'ignore'] });
    feed.stdin.write(int16ToBuffer(sine(440, 6, 8000, 0.5)));
    try {
      const offer = await sb.getDescription();
      await sa.setDescription(offer.body);
      const answer = await sa.getDescription();
      await sb.setDescription(answer.body);
      await sleep(1500); // the ALSA plugin's stream starts
      const headset = await pulse.record('headset.monitor', 1000);
      expect(hears(headset, 1000)).toBe(true);
      expect(sa.stats().packetsReceived).toBeGreaterThan(40);
      expect(sa.stats().packetsSent).toBeGreaterThan(40);
      expect(errors).toEqual([]);
    } finally {
      feed.kill('SIGKILL');
      sa.close();
      sb.close();
      await phone.close();
      await peer.close();
    }
    // what the phone's worker captured from `mic` reached the far end
    const heard = readWav(path.join(peerDir, 'talk.wav'));
    const tail = heard.samples.subarray(Math.min(8000, heard.samples.length));
    expect(hears(tail, 440)).toBe(true);
  }, 60_000);

  // Also a main-thread stream after the worker of the test above loaded naudiodon: its addon's one AudioIO
  // class reference was the worker's then ("start is not a function" here before streams loaded afresh).
  it('a sound card change while a stream keeps PortAudio initialised is passed on when the stream closes', async () => {
    const cards = path.join(tmp, 'snd');
    fs.mkdirSync(cards);
    const port = new NaudiodonAudio({ cardDir: cards });
    await port.refresh();
    let changes = 0;
    const stop = port.watch(() => changes++);
    const out = port.openOutput(PULSE_DEVICE, { rate: 8000, name: 'test' });
    try {
      fs.writeFileSync(path.join(cards, 'controlC1'), '');
      await sleep(1000); // the watch settles a burst in 300 ms
      expect(changes).toBe(0); // PortAudio's list is frozen while the stream is open: not yet
      out.close();
      // told once naudiodon has quit the stream (PortAudio terminated on its thread pool), not before
      for (let t = 0; t < 3000 && changes === 0; t += 20) await sleep(20);
      expect(changes).toBe(1);
      await port.refresh();
      expect(port.stale).toBe(false);
    } finally {
      stop();
      port.close();
    }
  }, 30_000);
  it('finish() plays a tone written at once whole, then closes the stream', async () => {
    const port = new NaudiodonAudio();
    await port.refresh();
    const recording = pulse.record('headset.monitor', 4000);
    await sleep(300);
    const out = port.openOutput(PULSE_DEVICE, { rate: 8000, name: 'finish' });
    out.write(sine(660, 0.5, 8000, 0.4));
    await out.finish();
    expect(out.closed).toBe(true);
    const heard = await recording;
    port.close();
    expectWholeTone(heard, 660, { ms: 500 });
  });
});
