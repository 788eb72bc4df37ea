import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileAudio } from '../../../main/media/audio/file.js';
import { PcmRing, S16Assembler } from '../../../main/media/audio/port.js';
import { resample } from '../../../main/media/audio/resample.js';
import { encodeWav, parseWav, readWav } from '../../../main/media/audio/wav.js';
import { Ticker } from '../../../main/media/clock.js';
import { AudioRinger } from '../../../main/media/ringer.js';
import { ringPattern } from '../../../main/media/tones.js';
import { dominant, goertzel, rms, SCAN, sine } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Ticker (drift-correcting 20 ms clock)', () => {
  it('keeps the long-run rate exact even when callbacks are slow, and catches up after a stall', () => {
    // driven by its own clock (the outcome, not the machine's timing): every 7th tick takes 8 ms of
    // work, tick 20 stalls for 70 ms; the timer fires when due, or as late as the work made it
    let now = 0;
    const times: number[] = [];
    const t = new Ticker(20, (at) => {
      times.push(at);
      if (times.length % 7 === 0) now += 8;
      if (times.length === 20) now += 70;
    }, { now: () => now });
    t.startClock();
    const fire = () => (t as unknown as { fire(): void }).fire();
    while (now < 1000) {
      now = Math.max(now, (Math.floor(now / 20) + 1) * 20); // the next deadline (or now, if past it)
      fire();
    }
    t.stop();
    // every period up to the end was ticked exactly once: the 70 ms stall was caught up, not skipped
    expect(times.length).toBe(Math.floor(now / 20));
    expect(t.stats.skipped).toBe(0);
    // the caught-up ticks ran back to back after the stall (3 periods late at most: 70 ms + the work)
    expect(t.stats.maxLateMs).toBeGreaterThanOrEqual(60);
    expect(t.stats.maxLateMs).toBeLessThan(100);
  });

  it('with ioFirst, the datagrams that arrived while the thread was held off are read before the catch-up ticks', async () => {
    // real sockets on loopback: 5 RTP-sized datagrams reach the kernel while this thread is busy past
    // the next deadlines (a stall of the media thread); the tick that follows must see them all
    const seen = async (ioFirst: boolean) => {
      const rx = dgram.createSocket('udp4');
      const tx = dgram.createSocket('udp4');
      await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
      let got = 0;
      rx.on('message', () => got++);
      const atTicks: number[] = [];
      let t: Ticker | null = null;
      const done = new Promise<void>((resolve) => {
        t = new Ticker(20, () => {
          atTicks.push(got);
          if (atTicks.length === 1) resolve();
        }, { ioFirst });
      });
      for (let i = 0; i < 5; i++) await new Promise<void>((r) => tx.send(Buffer.alloc(172), rx.address().port, '127.0.0.1', () => r()));
      t!.startClock();
      const until = performance.now() + 70; // held off: past three deadlines, the datagrams unread
      while (performance.now() < until) {
        /* busy */
      }
      await done;
      t!.stop();
      rx.close();
      tx.close();
      return atTicks[0];
    };
    // (without ioFirst the first tick saw 0 of them here: libuv runs timers before it polls)
    expect(await seen(true)).toBe(5);
  });

  it('advance() moves every later deadline earlier, without adding or losing a tick', () => {
    let now = 0;
    const times: number[] = [];
    const t = new Ticker(20, (at) => {
      times.push(at);
      if (times.length === 10) t.advance(7);
    }, { now: () => now });
    t.startClock();
    const deadline = () => (t as unknown as { start: number; n: number }).start + ((t as unknown as { n: number }).n + 1) * 20;
    while (times.length < 30) {
      now = deadline(); // the timer fires at each deadline
      (t as unknown as { fire(): void }).fire();
    }
    t.stop();
    // ticks 1..10 at 20 k, then 7 ms earlier: 213, 233, ...: one shorter period, no burst, no skip
    expect(times.slice(8, 13)).toEqual([180, 200, 213, 233, 253]);
    expect(times[29]).toBe(30 * 20 - 7);
    expect(t.stats.skipped).toBe(0);
  });

  it('a timer firing under a millisecond early ticks at once (not a second wake-up for the rest); 2 ms early does not', () => {
    let now = 0;
    const times: number[] = [];
    const t = new Ticker(20, (at) => times.push(at), { now: () => now });
    t.startClock();
    const fire = () => (t as unknown as { fire(): void }).fire();
    now = 19.4; // libuv counts whole milliseconds: a 20 ms timer may come at 19.4
    fire();
    expect(times).toEqual([19.4]);
    now = 38; // 2 ms before the next deadline: too early, nothing due
    fire();
    expect(times).toEqual([19.4]);
    now = 40;
    fire();
    t.stop();
    expect(times).toEqual([19.4, 40]);
    expect(t.stats.skipped).toBe(0);
  });

  it('resynchronises instead of bursting after a long stall', () => {
    let now = 0;
    let n = 0;
    const t = new Ticker(20, () => n++, { now: () => now });
    t.startClock();
    now = 1000; // 50 periods later
    (t as unknown as { fire(): void }).fire();
    t.stop();
    expect(n).toBe(1);
    expect(t.stats.skipped).toBe(49);
  });
});

describe('audio helpers', () => {
  it('WAV write/read round trip and mu-law WAV', () => {
    const s = sine(1000, 0.1);
    const back = parseWav(encodeWav(s, 8000));
    expect(back.rate).toBe(8000);
    expect(Array.from(back.samples)).toEqual(Array.from(s));
  });

  it('resampling 8k -> 48k -> 8k keeps a tone', () => {
    const s = sine(440, 0.5);
    const up = resample(s, 8000, 48000);
    expect(up.length).toBeGreaterThan(23900);
    expect(dominant(up.subarray(100), SCAN, 48000).freq).toBe(440);
    const down = resample(up, 48000, 8000);
    expect(Math.abs(down.length - s.length)).toBeLessThanOrEqual(2);
    expect(dominant(down.subarray(100), SCAN).freq).toBe(440);
  });

  it('PcmRing bounds latency by dropping the oldest; S16Assembler joins odd splits', () => {
    const r = new PcmRing(4);
    r.push(Int16Array.of(1, 2, 3));
    r.push(Int16Array.of(4, 5, 6));
    expect(r.dropped).toBe(2);
    expect(Array.from(r.read(4)!)).toEqual([3, 4, 5, 6]);
    expect(r.read(1)).toBeNull();
    const asm = new S16Assembler();
    const buf = Buffer.alloc(4);
    buf.writeInt16LE(-2, 0);
    buf.writeInt16LE(300, 2);
    expect(Array.from(asm.push(buf.subarray(0, 3)))).toEqual([-2]);
    expect(Array.from(asm.push(buf.subarray(3)))).toEqual([300]);
  });
});

describe('AudioRinger', () => {
  it('the generated pattern is 425 Hz for 1 s, then 4 s of silence', () => {
    const p = ringPattern(0.5);
    expect(p.period).toBe(40000);
    const buf = new Int16Array(40000);
    p.fill(buf, 0);
    expect(dominant(buf.subarray(0, 8000), SCAN).freq).toBe(425);
    expect(rms(buf.subarray(8000))).toBe(0);
  });

  it('a ring cancelled in the same turn (a call answered at once) never opens the ring device', async () => {
    let opened = 0;
    const port = new FileAudio({ outputs: ['spk'] });
    const openOutput = port.openOutput.bind(port);
    port.openOutput = (id, options) => (opened++, openOutput(id, options));
    const ringer = new AudioRinger({ port, ringDevice: () => 'spk', callWaitingDevice: () => 'spk' });
    ringer.setMode('ringing');
    ringer.setMode('silent');
    await sleep(50);
    expect(opened).toBe(0);
    ringer.setMode('ringing');
    await sleep(50);
    expect(opened).toBe(1);
    ringer.close();
  });

  it('rings on the ring device, beeps on the talk device, stops at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringer-'));
    const port = new FileAudio({ outputs: ['spk', 'headset'], outputDir: dir });
    const ringer = new AudioRinger({ port, ringDevice: () => 'spk', callWaitingDevice: () => 'headset' });
    try {
      ringer.setMode('ringing');
      await sleep(300);
      ringer.setMode('silent');
      const rung = readWav(path.join(dir, 'spk.wav'));
      // ~600 ms written ahead + 300 ms elapsed; nothing after silent
      expect(rung.samples.length).toBeGreaterThan(0.6 * 8000);
      expect(rung.samples.length).toBeLessThan(1.2 * 8000);
      expect(dominant(rung.samples, SCAN).freq).toBe(425);
      expect(fs.existsSync(path.join(dir, 'headset.wav'))).toBe(false);

      ringer.setMode('call-waiting');
      await sleep(100);
      ringer.setMode('silent');
      const beep = readWav(path.join(dir, 'headset.wav'));
      expect(goertzel(beep.samples.subarray(0, 1600), 425)).toBeGreaterThan(0);
      const level = Math.max(...Array.from(beep.samples).map(Math.abs));
      expect(level).toBeLessThan(0.2 * 32767); // soft
      expect(level).toBeGreaterThan(0.05 * 32767);
      expect(ringer.mode).toBe('silent');
    } finally {
      ringer.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
