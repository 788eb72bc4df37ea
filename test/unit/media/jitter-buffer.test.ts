import { describe, expect, it } from 'vitest';
import { JitterBuffer } from '../../../main/media/jitter-buffer.js';

const F = 160;
/** Frame n carries the value n+1 in every sample, so the output says which frame was played. */
const frame = (n: number) => new Int16Array(F).fill(n + 1);
const tsOf = (n: number) => (1000 + n * F) >>> 0;

function playAll(jb: JitterBuffer, arrivals: { n: number; at: number }[], until: number): (number | null)[] {
  const out: (number | null)[] = [];
  const sorted = [...arrivals].sort((a, b) => a.at - b.at);
  let i = 0;
  for (let t = 0; t <= until; t += 20) {
    while (i < sorted.length && sorted[i]!.at <= t) {
      jb.push(tsOf(sorted[i]!.n), frame(sorted[i]!.n), sorted[i]!.at);
      i++;
    }
    const pcm = jb.pop(F, t + 0.5);
    out.push(pcm ? pcm[0]! : null);
  }
  return out;
}

describe('JitterBuffer', () => {
  it('waits its minimum delay, then plays in order', () => {
    const jb = new JitterBuffer();
    const out = playAll(jb, Array.from({ length: 10 }, (_, n) => ({ n, at: n * 20 })), 240);
    const played = out.filter((x) => x !== null);
    expect(out[0]).toBeNull(); // priming (20 ms)
    expect(played.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('reorders packets that arrive out of order', () => {
    const jb = new JitterBuffer({ minMs: 40 });
    const order = [0, 2, 1, 3, 5, 4, 6, 7];
    const arrivals = order.map((n, k) => ({ n, at: k * 20 }));
    const played = playAll(jb, arrivals, 260).filter((x): x is number => x !== null);
    expect(played.slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(jb.stats().late).toBe(0);
  });

  it('conceals a lost frame by repeating the previous one (faded) and keeps going', () => {
    const jb = new JitterBuffer({ minMs: 40 });
    const arrivals = [0, 1, 2, 4, 5, 6, 7, 8].map((n) => ({ n, at: n * 20 }));
    const out = playAll(jb, arrivals, 240).filter((x): x is number => x !== null);
    // frame 3 (value 4) is missing: it is replaced by frame 2's audio (value 3, attenuated <= 3)
    const i = out.indexOf(3);
    expect(out[i + 1]).toBeLessThanOrEqual(3);
    expect(out[i + 1]).toBeGreaterThan(0);
    expect(out[i + 2]).toBe(5);
    expect(jb.stats().concealed).toBeGreaterThanOrEqual(1);
  });

  it('fades to silence over a long loss', () => {
    const jb = new JitterBuffer({ minMs: 20 });
    const big = new Int16Array(F).fill(10000);
    jb.push(tsOf(0), big, 0);
    expect(jb.pop(F, 25)![0]).toBe(10000);
    const levels: number[] = [];
    for (let k = 1; k <= 6; k++) {
      const p = jb.pop(F, 25 + k * 20);
      levels.push(p ? Math.max(...Array.from(p).map(Math.abs)) : 0);
    }
    expect(levels[0]).toBeGreaterThan(0);
    for (let k = 1; k < levels.length; k++) expect(levels[k]).toBeLessThanOrEqual(levels[k - 1]!);
    expect(levels[levels.length - 1]).toBe(0);
  });

  it('drops a packet that arrives after its time was played, and duplicates', () => {
    const jb = new JitterBuffer({ minMs: 20 });
    const arrivals = [0, 1, 3, 4, 5].map((n) => ({ n, at: n * 20 }));
    arrivals.push({ n: 2, at: 130 }); // frame 2 comes far too late
    arrivals.push({ n: 4, at: 90 }); // duplicate
    playAll(jb, arrivals, 200);
    expect(jb.stats().late).toBe(1);
    expect(jb.stats().duplicates).toBe(1);
  });

  it('adapts: target delay grows with jitter and stays within [min, max]', () => {
    const jb = new JitterBuffer();
    expect(jb.targetMs).toBe(20);
    // packets with +-30 ms of random delay
    let seed = 1;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 60;
    for (let n = 0; n < 200; n++) jb.push(tsOf(n), frame(n), n * 20 + rnd());
    expect(jb.targetMs).toBeGreaterThan(40);
    expect(jb.targetMs).toBeLessThanOrEqual(200);
    const jb2 = new JitterBuffer();
    for (let n = 0; n < 200; n++) jb2.push(tsOf(n), frame(n), n * 20 + (n % 2) * 1000);
    expect(jb2.targetMs).toBe(200);
  });

  it('never holds more than max: a burst is trimmed back toward the target', () => {
    const jb = new JitterBuffer({ minMs: 20, maxMs: 200 });
    for (let n = 0; n < 30; n++) jb.push(tsOf(n), frame(n), 0); // 600 ms arrive at once
    jb.pop(F, 250); // after priming
    expect(jb.bufferedMs()).toBeLessThanOrEqual(200);
    expect(jb.stats().dropped).toBeGreaterThan(0);
  });

  it('a start-up excess (packets queued while the talk stream opened) is skipped at the settle point, not played out fast', () => {
    const jb = new JitterBuffer({ minMs: 20, maxMs: 200 });
    // 120 ms arrive at once (a slow device open), then one frame every 20 ms
    const arrivals = [...Array(6).keys()].map((n) => ({ n, at: 0 }));
    for (let n = 6; n < 200; n++) arrivals.push({ n, at: (n - 5) * 20 });
    const out = playAll(jb, arrivals, 200 * 20);
    const s = jb.stats();
    // the excess over target + one frame went at the settle point (frame 50) in one skip of whole frames
    expect(s.dropped).toBeGreaterThanOrEqual(3);
    expect(s.dropped).toBeLessThanOrEqual(6);
    expect(jb.bufferedMs()).toBeLessThanOrEqual(s.targetMs + 20);
    // no frame after the settle point was time-compressed to eat the excess
    expect(s.adjusted).toBe(0);
    // and what played after the skip is every frame in order, none repeated
    const played = out.filter((v): v is number => v !== null).slice(60);
    played.splice(played.indexOf(200) + 1); // the last frame (after it: its concealment)
    for (let i = 1; i < played.length; i++) expect(played[i]).toBe(played[i - 1]! + 1);
  });

  it('survives RTP timestamp wrap-around', () => {
    const jb = new JitterBuffer({ minMs: 20 });
    const base = 0xffffffff - 2 * F + 1;
    const out: number[] = [];
    for (let n = 0; n < 6; n++) {
      jb.push((base + n * F) >>> 0, frame(n), n * 20);
      const p = jb.pop(F, n * 20 + 21);
      if (p) out.push(p[0]!);
    }
    expect(out).toEqual([1, 2, 3, 4, 5, 6].slice(0, out.length));
    expect(out.length).toBeGreaterThanOrEqual(5);
  });

  it('plays 30 ms packets (ptime 30) out in 20 ms frames without gaps', () => {
    const jb = new JitterBuffer({ minMs: 40 });
    const out: number[] = [];
    let sample = 0;
    let next = 0;
    for (let t = 0; t <= 600; t += 10) {
      if (t % 30 === 0) {
        const pcm = new Int16Array(240);
        for (let i = 0; i < 240; i++) pcm[i] = (sample + i) % 30000;
        jb.push((5000 + sample) >>> 0, pcm, t);
        sample += 240;
      }
      if (t % 20 === 0) {
        const p = jb.pop(160, t + 0.5);
        if (p) out.push(...Array.from(p));
      }
      next = t;
    }
    expect(next).toBe(600);
    expect(out.length).toBeGreaterThan(160 * 20);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBe(i % 30000);
    expect(jb.stats().concealed).toBe(0);
  });
});
