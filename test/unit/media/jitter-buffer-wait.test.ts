// What the jitter buffer reports as its part of the playout delay (stats().waitMs), against the wait
// each packet really had: packets on a fake clock at a known phase (and jitter), each frame carrying
// its own number, so the value played says which packet it came from and when it had arrived.
import { describe, expect, it } from 'vitest';
import { JitterBuffer } from '../../../main/media/jitter-buffer.js';
import { seededRandom } from '../../support/seeded-random.js';

const F = 160;
/** Frame n carries n+1. */
const frame = (n: number) => new Int16Array(F).fill(n + 1);

/**
 * Packet n arrives at `arrival(n)`; a pop every 20 ms (at 20 k + 0.5, moved earlier by the slack the
 * buffer gives when `follow`, as the media worker's clock does). Per pop: the reported wait, and the
 * real waits of the packets whose first sample played in it (pop time + that sample's place - arrival).
 */
function run(arrival: (n: number) => number, pops: number, follow: boolean) {
  const jb = new JitterBuffer({ minMs: 20, maxMs: 200 });
  const reported: number[] = [];
  const real: number[][] = [];
  let next = 0;
  let shift = 0;
  let prev = 0;
  for (let k = 1; k <= pops; k++) {
    const t = k * 20 + 0.5 - shift;
    while (arrival(next) <= t) {
      jb.push((1000 + next * F) >>> 0, frame(next), arrival(next));
      next++;
    }
    const pcm = jb.pop(F, t);
    const started: number[] = [];
    if (pcm)
      for (let i = 0; i < F; i++) {
        const v = pcm[i]!;
        if (v !== prev && v > 0) started.push(t + i / 8 - arrival(v - 1)); // packet v - 1 starts playing here
        prev = v;
      }
    real.push(started);
    reported.push(jb.stats().waitMs ?? Number.NaN);
    const slack = jb.takePhaseSlackMs();
    if (follow && slack >= 1) {
      shift += slack;
      jb.clockAdvanced(slack);
    }
  }
  return { jb, reported, real };
}

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

describe('JitterBuffer: the wait it reports', () => {
  it('at zero jitter, whatever the phase, before and after the clock follows it: the reported wait is the real one', () => {
    for (const phase of [2, 8, 15, 19]) {
      const { jb, reported, real } = run((n) => n * 20 + phase, 300, true);
      // before the settle point (pops 30-45: the clock not moved yet) and long after it (pops 200-300)
      for (const [from, to] of [
        [30, 45],
        [200, 300],
      ] as const) {
        const waits = real.slice(from, to).flat();
        expect(Math.max(...waits) - Math.min(...waits)).toBeLessThan(0.5); // at zero jitter every packet waits the same
        for (const r of reported.slice(from, to)) expect(Math.abs(r - waits[0]!)).toBeLessThan(0.5);
      }
      // once the clock follows the packets, a packet waits its margin (6 ms + the drift control's 8 ms
      // band), which the level less the frame leaving (the figure reported before) put at 0
      const after = real.slice(200).flat();
      expect(Math.min(...after)).toBeGreaterThanOrEqual(6 + 8 - 1);
      expect(jb.stats().levelMs - 20).toBeLessThan(1);
      expect(jb.stats().underruns).toBe(0);
    }
  });

  it('with 0-10 ms of network jitter: the reported wait is the mean of the real waits over the last second, within 1.5 ms', () => {
    const rnd = seededRandom(7);
    const late: number[] = [];
    const arrival = (n: number) => {
      while (late.length <= n) late.push(rnd() * 10);
      return n * 20 + 3 + late[n]!;
    };
    const { jb, reported, real } = run(arrival, 1500, true);
    const s = jb.stats();
    expect(s.concealed).toBe(0); // every frame played is a packet's own (the values say which)
    for (const k of [500, 900, 1499]) {
      const recent = real.slice(k - 50, k + 1).flat();
      expect(recent.length).toBeGreaterThan(45);
      expect(Math.abs(reported[k]! - mean(recent))).toBeLessThan(1.5);
    }
    // the real waits spread with the jitter (this is not the zero-jitter case again)
    const all = real.slice(500).flat();
    expect(Math.max(...all) - Math.min(...all)).toBeGreaterThan(5);
  });

  it('is null before anything played and after a reset', () => {
    const { jb } = run((n) => n * 20 + 5, 20, false);
    expect(jb.stats().waitMs).not.toBeNull();
    jb.reset();
    expect(jb.stats().waitMs).toBeNull();
    expect(new JitterBuffer().stats().waitMs).toBeNull();
  });
});
