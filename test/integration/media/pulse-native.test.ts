// The pulse backend's in-process streams (main/media/audio/pulse-native/) against a real, private
// PulseAudio with the lab's null sinks: what they play is recorded from the sink's monitor by parec
// (independent of the code under test), what they record is fed by pacat.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { int16ToBuffer } from '../../../main/media/audio/port.js';
import { PulseCliAudio } from '../../../main/media/audio/pulse-cli.js';
import { startPrivatePulse, type PrivatePulse } from '../../support/private-pulse.js';
import { hearsTone as hears, loudMs } from '../../support/pulse-audio.js';
import { expectWholeTone } from '../../support/whole-tone.js';
import { dominant, SCAN, sine } from '../../unit/media/helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let pulse: PrivatePulse;

beforeAll(async () => {
  pulse = await startPrivatePulse();
  for (const s of ['spk.monitor', 'headset.monitor']) pulse.keep(s);
  await sleep(1000); // an idle null sink renders 2 s blocks: the keepers have it on 20 ms ones before we play
});
afterAll(async () => pulse?.stop());

async function until(what: () => boolean, ms: number): Promise<boolean> {
  for (let t = 0; t < ms; t += 50) {
    if (what()) return true;
    await sleep(50);
  }
  return what();
}

/** Read and drop all an input holds, a frame at a time. */
function drain(input: { read(n: number): Int16Array | null }): void {
  while (input.read(160) !== null) continue;
}

/** A source of our own (the monitor of a null sink) fed with a tone by pacat. */
function feed(sink: string, freq: number, seconds: number) {
  const p = spawn('pacat', ['--playback', '--raw', '--format=s16le', '--rate=8000', '--channels=1', `--device=${sink}`], { env: pulse.env, stdio: ['pipe', 'ignore', 'ignore'] });
  p.stdin.write(int16ToBuffer(sine(freq, seconds, 8000, 0.5)));
  return p;
}

describe('pulse backend, native streams', () => {
  it('plays a tone on a 20 ms clock to the chosen sink only, and what it says is queued is what the server holds', async () => {
    const port = new PulseCliAudio({ server: pulse.server });
    const out = port.openOutput('headset', { rate: 8000, name: 'talk' });
    const tone = sine(1000, 4, 8000, 0.5);
    let i = 0;
    let n = 0;
    const timer = setInterval(() => {
      const len = n++ % 3 === 0 ? 159 : 160; // as the pacer writes them
      if (i + len <= tone.length) out.write(tone.subarray(i, i + len));
      i += len;
    }, 20);
    await sleep(600);
    const [got, other] = await Promise.all([pulse.record('headset.monitor', 1000), pulse.record('spk.monitor', 1000)]);
    // ours against pactl's view of the same stream: its buffer + the sink's latency = our queue + our latency
    const ours = out.queuedMs()! + out.latencyMs;
    const info = pulse.pactl('list', 'sink-inputs');
    const ours2 = out.queuedMs()! + out.latencyMs;
    const usec = (what: string) => Number(new RegExp(`${what}: (\\d+) usec`).exec(info)?.[1]) / 1000;
    const server = usec('Buffer Latency') + usec('Sink Latency');
    clearInterval(timer);
    out.close();
    port.close();
    expect(out.closed).toBe(true);
    expect(hears(got, 1000)).toBe(true);
    expect(dominant(got, SCAN).freq).toBe(1000);
    expect(loudMs(other)).toBe(0);
    expect(server).toBeGreaterThan(0);
    // one 20 ms write may fall between our two looks, and the sink's block moves its latency by up to one block
    expect(server).toBeGreaterThanOrEqual(Math.min(ours, ours2) - 30);
    expect(server).toBeLessThanOrEqual(Math.max(ours, ours2) + 30);
  }, 30_000);

  it('finish() plays a tone written at once whole, stream after stream, then closes it', async () => {
    const port = new PulseCliAudio({ server: pulse.server });
    for (let k = 0; k < 3; k++) {
      const recording = pulse.record('headset.monitor', 3000);
      await sleep(300);
      const out = port.openOutput('headset', { rate: 8000, name: `finish ${k}`, latencyMs: 60 });
      out.write(sine(660, 0.5, 8000, 0.4));
      expect(out.queuedMs()).toBeGreaterThan(400); // before the stream exists it is all ours, and counted
      await out.finish();
      expect(out.closed).toBe(true);
      const heard = await recording;
      expectWholeTone(heard, 660, { ms: 500, label: `stream ${k}` });
    }
    port.close();
  }, 60_000);

  it('close() stops at once: what was queued is not heard', async () => {
    const port = new PulseCliAudio({ server: pulse.server });
    const out = port.openOutput('headset', { rate: 8000, name: 'cut' });
    out.write(sine(880, 2, 8000, 0.4));
    await sleep(500);
    out.close();
    await sleep(200);
    const after = await pulse.record('headset.monitor', 800);
    expect(loudMs(after)).toBe(0);
    port.close();
  }, 30_000);

  it('records the chosen source', async () => {
    const p = feed('spk', 440, 4);
    const port = new PulseCliAudio({ server: pulse.server, includeMonitors: true });
    const input = port.openInput('spk.monitor', { rate: 8000, name: 'mic' });
    const frames: Int16Array[] = [];
    const t0 = performance.now();
    while (performance.now() - t0 < 4000 && frames.length < 60) {
      await sleep(20);
      for (let f = input.read(160); f; f = input.read(160)) frames.push(f);
    }
    const latency = input.latencyMs;
    input.close();
    port.close();
    p.kill('SIGKILL');
    expect(frames.length).toBeGreaterThanOrEqual(40);
    const got = new Int16Array(frames.length * 160);
    frames.forEach((f, k) => got.set(f, k * 160));
    expect(hears(got.subarray(got.length / 2), 440)).toBe(true);
    expect(latency).toBeGreaterThanOrEqual(0);
    expect(input.closed).toBe(true);
  }, 30_000);

  it('a record stream read on a clock with hold() and collect(): nothing reaches the process while held, collect() takes in what waited, whole', async () => {
    const p = feed('spk', 440, 6);
    const port = new PulseCliAudio({ server: pulse.server, includeMonitors: true });
    const input = port.openInput('spk.monitor', { rate: 8000, name: 'mic' });
    try {
      expect(await until(() => input.available() > 0, 5000)).toBe(true);
      await sleep(500); // the tone is on; fragments have been seen arriving (what the held ones are dated by)
      drain(input);
      input.hold!();
      await sleep(150);
      expect(input.available()).toBe(0); // 7 fragments came and wait in the socket
      input.collect!();
      const waited = input.available();
      expect(waited).toBeGreaterThanOrEqual(8 * 120); // >= 120 of the 150 ms, taken in at once
      expect(waited).toBeLessThanOrEqual(8 * 200);
      // dated by when they arrived: the newest is 0-20 ms old (plus the source's latency), not "just now"
      expect(input.latencyMs).toBeGreaterThanOrEqual(0);
      expect(input.latencyMs).toBeLessThan(80);
      // a clock's reads, 20 ms apart, held between: the tone comes through and none of it is lost
      // (once a second the hold is let go for a period, to see a fragment arrive)
      drain(input);
      const frames: Int16Array[] = [];
      const t0 = performance.now();
      while (performance.now() - t0 < 2500) {
        input.collect!();
        for (let f = input.read(160); f; f = input.read(160)) frames.push(f);
        input.hold!();
        await sleep(20);
      }
      const ms = frames.length * 20;
      expect(ms).toBeGreaterThan(2500 - 100);
      expect(ms).toBeLessThan(2500 + 60);
      const got = new Int16Array(frames.length * 160);
      frames.forEach((f, k) => got.set(f, k * 160));
      expect(hears(got, 440)).toBe(true);
      expect(input.closed).toBe(false);
    } finally {
      input.close();
      port.close();
      p.kill('SIGKILL');
    }
  }, 30_000);

  it('a sink or source unloaded mid-stream ends the stream (closed, as pacat and parec exiting)', async () => {
    const module = pulse.pactl('load-module', 'module-null-sink', 'sink_name=usbhead', 'rate=48000', 'sink_properties=device.description=USBHeadset').trim();
    pulse.keep('usbhead.monitor');
    const port = new PulseCliAudio({ server: pulse.server, includeMonitors: true });
    const out = port.openOutput('usbhead', { rate: 8000, name: 'talk' });
    const input = port.openInput('usbhead.monitor', { rate: 8000, name: 'mic' });
    const timer = setInterval(() => out.write(sine(500, 0.02, 8000, 0.4)), 20);
    // a new null sink is idle: its first blocks may take ~2 s
    expect(await until(() => input.available() > 0, 5000)).toBe(true);
    expect(out.closed).toBe(false);
    expect(input.closed).toBe(false);
    pulse.pactl('unload-module', module);
    expect(await until(() => out.closed && input.closed, 3000)).toBe(true);
    clearInterval(timer);
    port.close();
  }, 30_000);

  it('the server going away ends both streams (closed, as pacat and parec exiting)', async () => {
    const other = await startPrivatePulse();
    try {
      const port = new PulseCliAudio({ server: other.server, includeMonitors: true });
      const out = port.openOutput('headset', { rate: 8000, name: 'talk' });
      const input = port.openInput('headset.monitor', { rate: 8000, name: 'mic' });
      const timer = setInterval(() => out.write(sine(500, 0.02, 8000, 0.4)), 20);
      expect(await until(() => input.available() > 0, 5000)).toBe(true);
      await other.stop();
      expect(await until(() => out.closed && input.closed, 3000)).toBe(true);
      clearInterval(timer);
      port.close();
    } finally {
      await other.stop();
    }
  }, 30_000);

  it('a device that does not exist: the stream ends at once', async () => {
    const port = new PulseCliAudio({ server: pulse.server });
    const out = port.openOutput('no-such-sink', { rate: 8000, name: 'talk' });
    const input = port.openInput('no-such-source', { rate: 8000, name: 'mic' });
    out.write(new Int16Array(160));
    expect(await until(() => out.closed && input.closed, 3000)).toBe(true);
    await out.finish(); // resolves: nothing to play
    port.close();
  }, 30_000);
});
