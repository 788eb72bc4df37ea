// The count of naudiodon streams is one for the process: a stream the media worker creates keeps the
// main thread from listing devices until the worker says it has quit, and a worker terminated with a
// stream still counted is let go of by the thread that ran it (audio/pa-guard.ts).
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { portAudioGuardFor, portAudioStreamsAlive, releasePortAudioSlot, waitForNoPortAudioStream } from '../../../main/media/audio/pa-guard.js';

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
