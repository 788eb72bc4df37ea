// The settings' microphone test on a real (private) PulseAudio: the lab's `mic` source (a remap of the
// micfeed sink's monitor) fed with a tone is heard as sound at its level; unfed, it is silence. The hard
// cases: a chosen microphone that is not connected, one that vanished after the list was read (parec
// fails: no signal), a call with audio (refused), a call starting during the test (stopped).
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from 'sip.js';
import { MediaEngine } from '../../../main/media/engine.js';
import type { MediaSessionDescriptionHandler } from '../../../main/media/session-description-handler.js';
import { startPrivatePulse, type PrivatePulse } from '../../support/private-pulse.js';
import { sine } from '../../unit/media/helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let pulse: PrivatePulse;
let engine: MediaEngine;

beforeAll(async () => {
  pulse = await startPrivatePulse();
  // an idle null sink renders in 2 s blocks: keep the mic's chain in real time, as a sound card is
  pulse.keep('micfeed.monitor');
  pulse.keep('mic');
  engine = await MediaEngine.create({ audio: { backend: 'pulse', server: pulse.server }, followHotPlug: false });
  await sleep(500);
});
afterAll(async () => {
  await engine?.close();
  await pulse?.stop();
});

/** Plays a 1 kHz tone at half of full scale (-6 dBFS peak, -9 dBFS RMS) into micfeed, for `seconds`. */
function feedMic(seconds: number): ChildProcess {
  const feed = spawn('pacat', ['--playback', '--raw', '--format=s16le', '--rate=8000', '--channels=1', '--device=micfeed'], { env: pulse.env });
  feed.stdin.end(Buffer.from(sine(1000, seconds, 8000, 0.5).buffer));
  return feed;
}

describe('the microphone test', () => {
  it('a tone into the microphone is heard at its level', async () => {
    const feed = feedMic(5);
    try {
      await sleep(300);
      const r = await engine.testMicrophone('mic');
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.kind).toBe('sound');
      if (r.value.kind !== 'sound') return;
      expect(r.value.peakDbfs).toBeGreaterThan(-8);
      expect(r.value.peakDbfs).toBeLessThan(-4);
      expect(r.value.rmsDbfs).toBeGreaterThan(-12);
      expect(r.value.rmsDbfs).toBeLessThan(r.value.peakDbfs);
      expect(r.value.seconds).toBe(3);
    } finally {
      feed.kill('SIGKILL');
    }
  });

  it('nothing into it (the default input) is silence', async () => {
    await sleep(500);
    const r = await engine.testMicrophone(null);
    expect(r).toEqual({ ok: true, value: { kind: 'silence', peakDbfs: null, seconds: 3 } });
  });

  it('a second press while it listens gets the same answer, from one listen', async () => {
    const [a, b] = await Promise.all([engine.testMicrophone('mic'), engine.testMicrophone('mic')]);
    expect(b).toBe(a);
  });

  it('a chosen microphone that is not connected is refused by its name', async () => {
    const r = await engine.testMicrophone('usbmic');
    expect(r).toEqual({ ok: false, error: { code: 'media-failure', why: { kind: 'device-not-connected', role: 'microphone', device: 'usbmic' } } });
  });

  it('one that vanished after the list was read gives no signal (parec cannot open it)', async () => {
    const module = pulse.pactl('load-module', 'module-remap-source', 'source_name=usbmic', 'master=micfeed.monitor', 'source_properties=device.description=USBMic').trim();
    expect((await engine.refreshDevices()).inputs.map((d) => d.id)).toContain('usbmic');
    pulse.pactl('unload-module', module); // followHotPlug is off: the engine still lists it
    const r = await engine.testMicrophone('usbmic');
    expect(r).toEqual({ ok: false, error: { code: 'media-failure', why: { kind: 'mic-no-signal', seconds: 3 } } });
    await engine.refreshDevices();
  });

  it('is refused while a call has audio, and stopped by a call that starts during it', async () => {
    const factory = engine.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 34000, rtpPortMax: 34098 });
    const call = factory({} as Session) as MediaSessionDescriptionHandler;
    try {
      expect(await engine.testMicrophone('mic')).toEqual({ ok: false, error: { code: 'invalid-state', why: { kind: 'mic-test-during-call' } } });
    } finally {
      call.close();
    }
    const running = engine.testMicrophone('mic');
    await sleep(500);
    const late = factory({} as Session) as MediaSessionDescriptionHandler;
    try {
      expect(await running).toEqual({ ok: false, error: { code: 'invalid-state', why: { kind: 'mic-test-interrupted' } } });
    } finally {
      late.close();
    }
    // after the call, the test runs again
    expect((await engine.testMicrophone('mic')).ok).toBe(true);
  });
});
