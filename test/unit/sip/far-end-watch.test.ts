// The RTP inactivity watch of an established call, on a fake clock: media moving keeps the call, on hold
// nothing counts, and a counter that stands still for the timeout ends it once.
import { describe, expect, it } from 'vitest';
import { RtpInactivityWatch, type WatchTimers } from '../../../main/sip/far-end-watch.js';

function fakeTimers(): WatchTimers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = next++;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(handle) {
      due.delete(handle as number);
    },
    pending: () => due.size,
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const first = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!first || first[1].at > end) break;
        due.delete(first[0]);
        now = first[1].at;
        first[1].fn();
      }
      now = end;
    },
  };
}

function watched(timeoutMs = 30_000) {
  const state = { packets: 0 as number | null, held: false, gone: [] as number[] };
  const timers = fakeTimers();
  const watch = new RtpInactivityWatch(
    { packetsReceived: () => state.packets, onHold: () => state.held },
    (silentMs) => state.gone.push(silentMs),
    { rtpTimeoutMs: timeoutMs },
    timers,
  );
  return { state, timers, watch };
}

describe('RtpInactivityWatch', () => {
  it('leaves a call whose RTP keeps coming', () => {
    const { state, timers, watch } = watched();
    watch.start();
    for (let s = 0; s < 120; s++) {
      state.packets = (state.packets ?? 0) + 50;
      timers.advance(1000);
    }
    expect(state.gone).toEqual([]);
  });

  it('ends a call whose RTP stopped, once, within one check of the timeout', () => {
    const { state, timers, watch } = watched();
    watch.start();
    state.packets = 500;
    timers.advance(1000);
    timers.advance(60_000);
    expect(state.gone.length).toBe(1);
    expect(state.gone[0]).toBeGreaterThanOrEqual(30_000);
    expect(state.gone[0]).toBeLessThan(30_000 + 5000 + 1000);
    expect(timers.pending()).toBe(0); // nothing left running after it fired
  });

  it('does not count silence while either side holds the call, and starts again on resume', () => {
    const { state, timers, watch } = watched();
    watch.start();
    state.held = true;
    timers.advance(10 * 60_000);
    expect(state.gone).toEqual([]);
    state.held = false;
    timers.advance(20_000);
    expect(state.gone).toEqual([]); // 20 s of silence since the resume: not yet
    timers.advance(20_000);
    expect(state.gone.length).toBe(1);
  });

  it('no media session to read: no verdict', () => {
    const { state, timers, watch } = watched();
    state.packets = null;
    watch.start();
    timers.advance(5 * 60_000);
    expect(state.gone).toEqual([]);
  });

  it('stop() leaves no timer; a zero timeout never starts one', () => {
    const a = watched();
    a.watch.start();
    expect(a.timers.pending()).toBe(1);
    a.watch.stop();
    expect(a.timers.pending()).toBe(0);
    const b = watched(0);
    b.watch.start();
    expect(b.timers.pending()).toBe(0);
  });
});
