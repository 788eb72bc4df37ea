// Starts the TypeScript media worker when running from sources (tests, `node --import tsx`).
// Compiled builds start media-worker.js directly and never load this file.
// tsImport, not register(): with tsx's register() inside a worker thread, timers in modules it
// loaded never fired (tsx 4.21, Node 20) -- a silent stop of the media clock.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
