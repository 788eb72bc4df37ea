// AudifyAudio (RtAudio) against a real sound server: a private PulseAudio with the lab's sinks, reached
// the way RtAudio reaches it on Linux (ALSA's pulse plugin; PULSE_SINK / PULSE_SOURCE pick the sink and
// source behind ALSA's "PulseAudio Sound Server" device). What is played is recorded from the sink's
// monitor by parec, independently of the code under test.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudifyAudio, audifyLoadError } from '../../../main/media/audio/audify.js';
import { int16ToBuffer } from '../../../main/media/audio/port.js';
import { aimAlsaPlugin, startPrivatePulse, type PrivatePulse } from '../../support/private-pulse.js';
import { hearsTone as hears, loudMs, loudPart } from '../../support/pulse-audio.js';
import { expectWholeTone } from '../../support/whole-tone.js';
import { dominant, SCAN, sine } from '../../unit/media/helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PULSE_DEVICE = 'rt:PulseAudio Sound Server';
let pulse: PrivatePulse;
let restoreEnv = () => {};

// audify is optional (npm ci skips it where cmake/libasound2-dev were missing at install): say so and skip.
// .ci/run checks that it loads, so CI never skips this.
const missing = audifyLoadError();
if (missing) console.warn(`rtaudio tests skipped: audify does not load (${missing}); install cmake and libasound2-dev, then npm rebuild audify`);

beforeAll(async () => {
  if (missing) return;
  pulse = await startPrivatePulse();
  restoreEnv = aimAlsaPlugin(pulse);
  await sleep(500);
}, 30_000);

afterAll(async () => {
  restoreEnv();
  await pulse?.stop();
});

describe.skipIf(missing !== null)('AudifyAudio (RtAudio -> ALSA pulse plugin)', () => {
  it('lists the pulse device, plays a tone to the headset sink, and knows what it has queued', async () => {
    const port = new AudifyAudio();
    const list = await port.refresh();
    expect(list.error).toBeNull();
    expect(list.outputs.map((d) => d.id)).toContain(PULSE_DEVICE);
    expect(list.inputs.map((d) => d.id)).toContain(PULSE_DEVICE);
    const out = port.openOutput(PULSE_DEVICE, { rate: 8000, name: 'test' });
    const tone = sine(1000, 3, 8000, 0.5);
    // 20 ms frames on a 20 ms clock, some 1 sample short or long as the pacer writes them
    let i = 0;
    let n = 0;
    const timer = setInterval(() => {
      const len = n++ % 3 === 0 ? 159 : 160;
      if (i + len <= tone.length) out.write(tone.subarray(i, i + len));
      i += len;
    }, 20);
    await sleep(1500); // the plugin's stream starts (here up to ~1 s)
    const got = await pulse.record('headset.monitor', 1000);
    clearInterval(timer);
    const queued = out.queuedMs();
    out.close();
    port.close();
    expect(dominant(got, SCAN).freq).toBe(1000);
    expect(queued).not.toBeNull();
    // while it plays, our side holds what was written and not yet taken: at most its cap of one second,
    // plus the one 20 ms write that may cross it (on a loaded machine the plugin can start late enough to fill it)
    expect(queued!).toBeLessThanOrEqual(1000 + 40);
    expect(out.latencyMs).toBeGreaterThanOrEqual(0);
  }, 30_000);

  it('captures the mic source', async () => {
    const feed = spawn('pacat', ['--playback', '--raw', '--format=s16le', '--rate=8000', '--channels=1', '--device=micfeed'], { env: pulse.env, stdio: ['pipe', 'ignore', 'ignore'] });
    feed.stdin.write(int16ToBuffer(sine(440, 4, 8000, 0.5)));
    const port = new AudifyAudio();
    await port.refresh();
    const input = port.openInput(PULSE_DEVICE, { rate: 8000, name: 'test' });
    const frames: Int16Array[] = [];
    const t0 = performance.now();
    while (performance.now() - t0 < 3000 && frames.length < 50) {
      await sleep(20);
      for (let f = input.read(160); f; f = input.read(160)) frames.push(f);
    }
    input.close();
    port.close();
    feed.kill('SIGKILL');
    expect(frames.length).toBeGreaterThanOrEqual(25);
    const got = new Int16Array(frames.length * 160);
    frames.forEach((f, k) => got.set(f, k * 160));
    expect(dominant(got.subarray(got.length / 2), SCAN).freq).toBe(440);
  }, 30_000);

  // A new stream through the pulse plugin first fails every write (underruns) until the plugin's stream
  // has connected, and each frame handed meanwhile was lost: 0.5 s written at once was heard for 20-70 ms
  // from the second stream a process opened; and under load a 40 ms device buffer underruns later on,
  // losing more. Several streams in turn, each written at once on opening, as the ringer and the
  // settings' test tone open theirs (they ask for buffering: latencyMs).
  it('finish() plays a tone written at once whole, stream after stream, then closes it', async () => {
    const port = new AudifyAudio();
    await port.refresh();
    for (let k = 0; k < 3; k++) {
      const recording = pulse.record('headset.monitor', 6000); // ends well after finish() on a loaded machine
      await sleep(300);
      const out = port.openOutput(PULSE_DEVICE, { rate: 8000, name: `finish ${k}`, latencyMs: 60 });
      out.write(sine(660, 0.5, 8000, 0.4));
      await out.finish();
      expect(out.closed).toBe(true);
      const heard = await recording;
      expectWholeTone(heard, 660, { ms: 500, label: `stream ${k}` });
    }
    port.close();
  }, 60_000);

  // close() is the port's "stop at once": the ringer stopped on answer must not sound on. A buffered stream
  // (latencyMs) holds 4 periods of 40 ms in the device, which stopStream() would play out (snd_pcm_drain).
  // A second of tone is written; close() comes ~300 ms after the device took its first frame (it had
  // filled its buffer with silence while the stream settled, so the tone is heard a buffer later).
  // Drained, all the device had taken would be heard (`taken`, as its frame callbacks counted it by then:
  // measured, heard = taken). Dropped, its buffer is not: heard at most `taken` less 2 of the 4 periods (one
  // may be in the write that closeStream() lets finish, one for the measuring: the edge blocks of loudMs,
  // 10 ms each, and frame callbacks not yet counted). And never more than the time to close() + a period
  // + 60 ms (those edges, ~20 ms to date the first frame, the null sink's 20 ms render block).
  it('close() stops a buffered tone at once: what the device still holds is dropped, not played', async () => {
    const port = new AudifyAudio();
    await port.refresh();
    const recording = pulse.record('headset.monitor', 6000); // covers a stream that settles late on a loaded machine
    await sleep(300);
    const out = port.openOutput(PULSE_DEVICE, { rate: 8000, name: 'close', latencyMs: 60 });
    out.write(sine(660, 1, 8000, 0.4));
    const written = out.queuedMs()!;
    // nothing is handed before the stream settles (the head of audify.ts): the tone starts with the first frame taken
    let firstTaken = performance.now();
    while (out.queuedMs()! >= written && performance.now() - firstTaken < 5000) await sleep(5);
    firstTaken = performance.now();
    await sleep(300);
    const taken = written - out.queuedMs()!;
    const closedAfter = performance.now() - firstTaken;
    out.close();
    expect(out.closed).toBe(true);
    const heard = await recording;
    port.close();
    const ms = loudMs(heard);
    console.log(`close(): written ${written} ms, taken ${taken} ms, closed ${closedAfter.toFixed(0)} ms after the first frame, heard ${ms} ms`);
    expect(taken).toBeGreaterThan(0);
    expect(hears(loudPart(heard), 660)).toBe(true);
    expect(ms).toBeLessThanOrEqual(taken - 2 * 40);
    expect(ms).toBeLessThanOrEqual(closedAfter + 40 + 60);
  }, 30_000);
});
