// Finishing an output stream on a real (private) PulseAudio: close() drops what pacat has not played,
// finish() plays all of it and then ends pacat, even when pacat connected to the server only after the
// last write (the server is stopped with SIGSTOP while pacat starts: a busy machine). The settings'
// test tone uses finish(): its two beeps are heard whole on the sink's monitor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulseCliAudio } from '../../../main/media/audio/pulse-cli.js';
import { MediaEngine } from '../../../main/media/engine.js';
import { startPrivatePulse, type PrivatePulse } from '../../support/private-pulse.js';
import { loudMs } from '../../support/pulse-audio.js';
import { expectWholeTone } from '../../support/whole-tone.js';
import { sine } from '../../unit/media/helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let pulse: PrivatePulse;

beforeAll(async () => {
  pulse = await startPrivatePulse();
  pulse.keep('headset.monitor');
  await sleep(500);
});
afterAll(async () => pulse?.stop());

/**
 * Record headset.monitor while `play` runs with the server stopped for `frozenMs` from its start
 * (pacat is spawned, written to and finished or closed before it can connect).
 */
async function withLateServer(frozenMs: number, play: () => Promise<void> | void): Promise<Int16Array> {
  const recording = pulse.record('headset.monitor', frozenMs + 3000);
  await sleep(500); // the recorder is connected before the server stops
  const thaw = pulse.freeze();
  let played: Promise<void> | void;
  try {
    played = play();
    await sleep(frozenMs);
  } finally {
    thaw();
  }
  await played;
  return recording;
}

describe('an output stream finished, not closed', () => {
  it('close() drops what a late pacat has not played (the reason for finish)', async () => {
    const port = new PulseCliAudio({ server: pulse.server });
    const heard = await withLateServer(800, () => {
      const out = port.openOutput('headset', { rate: 8000, latencyMs: 60 });
      out.write(sine(660, 0.5, 8000, 0.4));
      out.close();
    });
    port.close();
    expect(loudMs(heard)).toBe(0);
  });

  it('finish() plays all of a tone written before pacat connected, then pacat exits by itself', async () => {
    const port = new PulseCliAudio({ server: pulse.server });
    const out = port.openOutput('headset', { rate: 8000, latencyMs: 60 });
    let finished = false;
    const heard = await withLateServer(800, () => {
      out.write(sine(660, 0.5, 8000, 0.4));
      return out.finish().then(() => void (finished = true));
    });
    expect(finished).toBe(true);
    expect(out.closed).toBe(true);
    // written after finish(): refused
    out.write(sine(440, 0.5));
    port.close();
    // not played twice; a null sink catching up after the freeze can hand its monitor a few blocks more (CI: 540)
    expectWholeTone(heard, 660, { ms: 500, over: 100 });
  });

  it('a pacat that cannot finish is stopped at the bound', async () => {
    const port = new PulseCliAudio({ server: pulse.server });
    const thaw = pulse.freeze();
    const out = port.openOutput('headset', { rate: 8000 });
    try {
      out.write(sine(660, 0.5));
      await out.finish(300); // the server never answers within it
      expect(out.closed).toBe(true);
    } finally {
      thaw();
      port.close();
    }
  });

  it("the settings' test tone: both beeps heard whole on the device, with a late-connecting pacat", async () => {
    const engine = await MediaEngine.create({ audio: { backend: 'pulse', server: pulse.server }, followHotPlug: false });
    try {
      const heard = await withLateServer(800, () => engine.playTestTone('headset'));
      // two beeps of 250 ms each
      expectWholeTone(heard, 660, { ms: 500, over: 100 });
    } finally {
      await engine.close();
    }
  });
});
