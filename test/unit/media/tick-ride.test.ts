// The media clock ridden by the playing call's packets (Ticker.ride + JitterBuffer.nextPopReady, wired
// as the media worker wires them), on fake timers: packets at a steady 20 ms, the clock's own timers
// (deadlines, the watchdog) as it arms them. Each frame carries its number, so what is played says
// which packet it came from.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RIDE_WATCH_MS, Ticker } from '../../../main/media/clock.js';
import { JitterBuffer } from '../../../main/media/jitter-buffer.js';

const F = 160;
const frame = (n: number) => new Int16Array(F).fill(n + 1);
const fake = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] });

afterEach(() => {
  vi.useRealTimers();
});

interface Tick {
  at: number;
  byPacket: boolean;
  played: number | null;
}

/** Packet n arrives at arrival(n) ms (null: lost); when each tick came, whether a packet's arrival brought it, and what it played. */
function simulate(arrival: (n: number) => number | null, untilMs: number, ride: boolean) {
  fake();
  const jb = new JitterBuffer({ minMs: 20, maxMs: 200 });
  const ticks: Tick[] = [];
  let byPacket = false;
  const t = new Ticker(
    20,
    (at) => {
      const pcm = jb.pop(F, at);
      ticks.push({ at, byPacket, played: pcm ? pcm[F - 1]! - 1 : null });
      const slack = Math.min(19, jb.takePhaseSlackMs()); // the worker's phase follow
      if (slack >= 1) {
        t.advance(slack);
        jb.clockAdvanced(slack);
      }
    },
    { now: () => performance.now(), ioFirst: true },
  );
  t.startClock();
  for (let n = 0; n * 20 < untilMs; n++) {
    const at = arrival(n);
    if (at === null || at > untilMs) continue;
    setTimeout(() => {
      jb.push((1000 + n * F) >>> 0, frame(n), performance.now());
      if (!ride) return;
      byPacket = true;
      // the media worker's RTP listener
      if (jb.targetMs - jb.minMs >= 6 || !jb.settled) t.unride();
      else {
        if (t.isRidden) t.ride(0);
        if (jb.nextPopReady(F) && !t.ride(19)) t.unride();
      }
      byPacket = false;
    }, at);
  }
  vi.advanceTimersByTime(untilMs);
  t.stop();
  vi.useRealTimers();
  return { ticks, stats: jb.stats() };
}

const steady = (n: number) => 3 + n * 20;

describe('the media clock ridden by the playing call\'s packets', () => {
  it('once settled, each tick comes on the arrival of the packet it plays, and every packet is played once, in order', () => {
    const { ticks, stats } = simulate(steady, 4000, true);
    const late = ticks.slice(-100); // the last 2 s
    expect(late.every((k) => k.byPacket)).toBe(true); // no timer brought any of them
    for (const k of late) expect(k.played).toBe(Math.round((k.at - 3) / 20)); // that very packet: no wait
    // in order, each once, but for the one frame the buffer trims as it settles (its start-up margin)
    const played = ticks.map((k) => k.played).filter((p): p is number => p !== null);
    const steps = played.slice(1).map((p, i) => p - played[i]!);
    expect(steps.filter((d) => d !== 1)).toEqual([2]);
    expect(stats.trimmed).toBe(1);
    expect(stats.underruns).toBe(0);
    expect(stats.concealed).toBe(0);
    expect(ticks.length).toBeGreaterThanOrEqual(198); // one tick per period still
    expect(ticks.length).toBeLessThanOrEqual(201);
  });

  it('not ridden, the same packets wait for the timer (the margin the buffer keeps: 14 ms)', () => {
    const { ticks } = simulate(steady, 4000, false);
    const late = ticks.slice(-100);
    expect(late.every((k) => !k.byPacket)).toBe(true);
    for (const k of late) expect(k.at - steady(k.played!)).toBeGreaterThan(12);
  });

  it('a packet 10 ms late still brings its tick on its own arrival: nothing concealed', () => {
    const lateOne = 150;
    const { ticks, stats } = simulate((n) => steady(n) + (n === lateOne ? 10 : 0), 4000, true);
    expect(stats.underruns).toBe(0);
    expect(stats.concealed).toBe(0);
    expect(ticks.find((x) => x.played === lateOne)).toMatchObject({ at: steady(lateOne) + 10, byPacket: true });
  });

  it('a packet lost: its tick comes with the next packet, concealed, without the underrun (and re-prime) it costs on the timer', () => {
    const lost = 150;
    const arrival = (n: number) => (n === lost ? null : steady(n));
    const ridden = simulate(arrival, 4000, true);
    const timed = simulate(arrival, 4000, false);
    expect(timed.stats.underruns).toBe(1); // the buffer is one packet deep at zero jitter
    expect(ridden.stats.underruns).toBe(0);
    expect(ridden.stats.concealed).toBe(1);
    const i = ridden.ticks.findIndex((x) => x.played === lost - 1);
    expect(ridden.ticks[i + 1]).toMatchObject({ at: steady(lost + 1), byPacket: true }); // the lost one's, concealed
    expect(ridden.ticks[i + 2]).toMatchObject({ at: steady(lost + 1), byPacket: true, played: lost + 1 });
    expect(ridden.ticks.slice(-50).every((x) => x.byPacket)).toBe(true);
  });

  it('the packets stop: within the watchdog\'s period the timer ticks again, every period, to the end', () => {
    const stopAt = 150;
    const { ticks } = simulate((n) => (n < stopAt ? steady(n) : null), 4000, true);
    const last = ticks.findIndex((x) => x.played === stopAt - 1);
    expect(ticks[last]!.byPacket).toBe(true);
    const after = ticks.slice(last + 1);
    expect(after.every((x) => !x.byPacket)).toBe(true);
    // the first of them came at most RIDE_WATCH_MS late (caught up at once), then one per period
    const deadline = steady(stopAt) + 14;
    expect(after[0]!.at - deadline).toBeLessThanOrEqual(RIDE_WATCH_MS + 1);
    expect(after.length).toBeGreaterThanOrEqual(Math.floor((4000 - steady(stopAt)) / 20) - 1);
    const gaps = after.slice(1).map((x, i) => x.at - after[i]!.at);
    expect(gaps.slice(5).every((g) => g >= 18 && g <= 22)).toBe(true);
  });
});

describe('Ticker.ride', () => {
  it('ticks at once for a deadline within the window, once; unride() goes back to the deadlines', () => {
    fake();
    const times: number[] = [];
    const t = new Ticker(20, (at) => times.push(at), { now: () => performance.now() });
    t.startClock();
    vi.advanceTimersByTime(5); // 15 ms ahead of the first deadline
    expect(t.ride(10)).toBe(false);
    expect(t.ride(19)).toBe(true);
    vi.advanceTimersByTime(30); // 35: the next deadline (40) is 5 ms ahead
    expect(t.ride(0)).toBe(false);
    vi.advanceTimersByTime(10); // 45: it passed with no ride, and no timer for it
    expect(times).toEqual([5]);
    expect(t.ride(0)).toBe(true); // caught up now
    expect(times).toEqual([5, 45]);
    t.unride();
    vi.advanceTimersByTime(40); // the deadlines at 60 and 80
    t.stop();
    expect(times).toEqual([5, 45, 60, 80]);
  });

  it('on real timers with ioFirst, rides leave no stale timer behind, and the watchdog takes over when they stop', async () => {
    let ticks = 0;
    const t = new Ticker(20, () => ticks++, { ioFirst: true });
    t.startClock();
    const t0 = performance.now();
    // something else wakes the thread every 7 ms, as packets would; it catches up what passed
    const rider = setInterval(() => t.ride(t.isRidden ? 5 : 19), 7);
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(rider);
    await new Promise((r) => setTimeout(r, 300));
    t.stop();
    const periods = (performance.now() - t0) / 20;
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(periods) - 3);
    expect(ticks).toBeLessThanOrEqual(Math.ceil(periods) + 1);
  });
});
