// PaceGate: a PortAudio output is settled only once its queue takes silence at the pace it plays.
// The stream is played by a script of acceptance times (what naudiodon's queue shows).
import { describe, expect, it } from 'vitest';
import { PaceGate, PRIME_MS, SETTLE_CAP_MS } from '../../../main/media/audio/pa-settle.js';

/** A stream that takes each chunk `step(i)` ms after the one before; returns what the gate did. */
function run(step: (i: number) => number, maxChunks = 2000) {
  let t = 0;
  let chunks = 0;
  let settledAt = -1;
  const pending: (() => void)[] = [];
  const gate = new PaceGate(
    (done) => {
      if (chunks >= maxChunks) return done(false);
      pending.push(() => {
        t += step(chunks++);
        done(true);
      });
    },
    () => (settledAt = t),
    () => t,
  );
  // one write in flight at a time: run them in order, as the stream's callbacks would
  while (pending.length > 0) pending.shift()!();
  return { gate, settledAt, chunks };
}

describe('PaceGate (pa-settle)', () => {
  it('a stream taking silence at the pace it plays settles after about 100 ms of it', () => {
    const r = run(() => PRIME_MS);
    expect(r.gate.settled).toBe(true);
    expect(r.settledAt).toBeGreaterThanOrEqual(50);
    expect(r.settledAt).toBeLessThanOrEqual(110);
  });

  it('a stream racing ahead (failing writes recovered at once) does not settle until it plays in real time', () => {
    // 300 ms of racing at 20x, then real time
    const r = run((i) => (i < 1200 ? PRIME_MS / 20 : PRIME_MS));
    expect(r.gate.settled).toBe(true);
    expect(r.settledAt).toBeGreaterThan(300);
    expect(r.settledAt).toBeLessThanOrEqual(300 + 110);
  });

  it('a stream that never settles is handed on at the cap', () => {
    const r = run(() => PRIME_MS / 20, 10 * SETTLE_CAP_MS);
    expect(r.gate.settled).toBe(true);
    expect(r.settledAt).toBeGreaterThanOrEqual(SETTLE_CAP_MS);
    expect(r.settledAt).toBeLessThan(SETTLE_CAP_MS + PRIME_MS);
  });

  it('a stream gone while priming stops it and releases whoever waits for it', async () => {
    const r = run(() => PRIME_MS / 20, 10);
    expect(r.gate.settled).toBe(false);
    expect(r.chunks).toBe(10);
    await expect(r.gate.whenSettled()).resolves.toBeUndefined();
  });
});
