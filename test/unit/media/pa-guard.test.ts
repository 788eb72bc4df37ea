// The count of naudiodon streams is one for the process: a stream the media worker creates keeps the
// main thread from listing devices until the worker says it has quit (audio/pa-guard.ts).
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { portAudioGuardMemory, portAudioStreamsAlive, waitForNoPortAudioStream } from '../../../main/media/audio/pa-guard.js';

// The worker's side, as media-worker.ts does it: adopt the memory, count a stream, quit it when told.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const alive = new Int32Array(workerData);
Atomics.add(alive, 0, 1);
parentPort.postMessage('created');
parentPort.once('message', () => {
  if (Atomics.sub(alive, 0, 1) === 1) Atomics.notify(alive, 0);
  parentPort.postMessage('quit');
});
`;

describe('PortAudio guard across threads', () => {
  it("a stream alive in another thread is seen here, and its quit wakes a wait", async () => {
    const worker = new Worker(WORKER, { eval: true, workerData: portAudioGuardMemory() });
    try {
      await new Promise<void>((r) => worker.once('message', () => r()));
      expect(portAudioStreamsAlive()).toBe(1);
      expect(waitForNoPortAudioStream(50)).toBe(false); // bounded: gives up while the stream lives
      const quit = new Promise<void>((r) => worker.once('message', () => r()));
      worker.postMessage('quit');
      await quit;
      expect(portAudioStreamsAlive()).toBe(0);
      expect(waitForNoPortAudioStream(50)).toBe(true);
    } finally {
      await worker.terminate();
    }
  });
});
