// The count of naudiodon streams is one for the process: a stream the media worker creates keeps the
// main thread from listing devices until the worker says it has quit, and a worker terminated with a
// stream still counted is let go of by the thread that ran it (audio/pa-guard.ts).
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { portAudioGuardFor, portAudioStreamsAlive, releasePortAudioSlot, waitForNoPortAudioStream, waitUntil } from '../../../main/media/audio/pa-guard.js';

// The worker's side, as media-worker.ts and naudiodon.ts do it: count a stream in its slot, quit it when told.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const counts = new Int32Array(workerData.memory);
Atomics.add(counts, workerData.slot, 1);
parentPort.postMessage('created');
parentPort.on('message', (m) => {
  if (m !== 'quit') return;
  Atomics.sub(counts, workerData.slot, 1);
  parentPort.postMessage('quit');
});
`;

const next = (w: Worker) => new Promise<void>((r) => w.once('message', () => r()));

describe('PortAudio guard across threads', () => {
  it('a stream alive in another thread is seen here until it quits; a wait for it is bounded', async () => {
    const guard = portAudioGuardFor();
    expect(guard.slot).toBeGreaterThan(0);
    const second = portAudioGuardFor(); // another live worker, no stream yet: a slot of its own
    expect(second.slot).not.toBe(guard.slot);
    releasePortAudioSlot(second.slot);
    const worker = new Worker(WORKER, { eval: true, workerData: guard });
    try {
      await next(worker);
      expect(portAudioStreamsAlive()).toBe(1);
      expect(waitForNoPortAudioStream(50)).toBe(false);
      const quit = next(worker);
      worker.postMessage('quit');
      await quit;
      expect(portAudioStreamsAlive()).toBe(0);
      expect(waitForNoPortAudioStream(50)).toBe(true);
    } finally {
      await worker.terminate();
      releasePortAudioSlot(guard.slot);
    }
  });

  it('a worker terminated with a stream counted is let go of, and its slot is free again', async () => {
    const guard = portAudioGuardFor();
    const worker = new Worker(WORKER, { eval: true, workerData: guard });
    await next(worker);
    await worker.terminate();
    expect(portAudioStreamsAlive()).toBe(1); // what it counted outlives it...
    releasePortAudioSlot(guard.slot);
    expect(portAudioStreamsAlive()).toBe(0); // ...until its host lets go
    expect(portAudioGuardFor().slot).toBe(guard.slot);
  });
});

// The one bounded wait (naudiodon's refresh() for any stream to quit, the media worker's shutdown for its
// own), on fake timers: it looks at its steps, resolves once the count is 0, and gives up at the bound.
describe('waitUntil', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const watch = (p: Promise<boolean>) => {
    const seen: { result?: boolean } = {};
    void p.then((r) => (seen.result = r));
    return seen;
  };

  it('resolves true at the first look after the count falls to 0, looking every step', async () => {
    let count = 2;
    const looks: number[] = [];
    const start = performance.now();
    const seen = watch(
      waitUntil(
        () => {
          looks.push(performance.now() - start);
          return count === 0;
        },
        { atMostMs: 1000, everyMs: 20 },
      ),
    );
    await vi.advanceTimersByTimeAsync(110);
    expect(seen.result).toBeUndefined();
    expect(looks).toEqual([0, 20, 40, 60, 80, 100]);
    count = 0;
    await vi.advanceTimersByTimeAsync(10);
    expect(seen.result).toBe(true);
    expect(looks.at(-1)).toBe(120);
  });

  it('gives up at the bound: false, and no look after it', async () => {
    let looks = 0;
    const seen = watch(waitUntil(() => (looks++, false), { atMostMs: 100, everyMs: 20 }));
    await vi.advanceTimersByTimeAsync(99);
    expect(seen.result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(seen.result).toBe(false);
    const atBound = looks;
    await vi.advanceTimersByTimeAsync(200);
    expect(looks).toBe(atBound);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits at least atLeastMs even when the count is 0 at once; a bound of 0 does not wait', async () => {
    const seen = watch(waitUntil(() => true, { atLeastMs: 30, atMostMs: 600, everyMs: 10 }));
    await vi.advanceTimersByTimeAsync(29);
    expect(seen.result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(seen.result).toBe(true);
    const none = watch(waitUntil(() => false, { atMostMs: 0, everyMs: 20 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(none.result).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
