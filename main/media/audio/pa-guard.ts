// PortAudio's Pa_Initialize/Pa_Terminate are process-wide and not thread-safe, and naudiodon calls them
// around every getDevices() and every stream (a stream's Pa_CloseStream + Pa_Terminate run on libuv's
// thread pool when it quits). The main thread lists devices while the media worker's streams start and
// quit: a list taken while a stream quit crashed the whole process (SIGSEGV in Pa_Initialize; seen as
// vitest's "Channel closed"). So the process keeps one count, in memory every thread shares: naudiodon
// streams alive anywhere, from their creation until naudiodon says they have quit. Nothing lists
// devices while it is above zero. Each thread counts in a slot of its own (0: the main thread), so a
// worker that is terminated with a quit unfinished can be let go of by the thread that ran it.
const SLOTS = 16;
let memory = new SharedArrayBuffer(SLOTS * 4);
let counts = new Int32Array(memory);
let mine = 0;
const nap = new Int32Array(new SharedArrayBuffer(4));
const taken = new Set<number>();

/** For a new media worker: the shared memory and a slot of its own (0, the main thread's, when none is free). */
export function portAudioGuardFor(): { memory: SharedArrayBuffer; slot: number } {
  // Hosts are made on the main thread only: which slots are held is known here, not from the counts
  // (a live worker with no stream open counts 0).
  for (let slot = 1; slot < SLOTS; slot++) {
    if (!taken.has(slot)) {
      taken.add(slot);
      return { memory, slot };
    }
  }
  return { memory, slot: 0 };
}

/** The worker that held `slot` is gone: what it still counted died with it. */
export function releasePortAudioSlot(slot: number): void {
  if (slot > 0) Atomics.store(counts, slot, 0);
  taken.delete(slot);
}

/** In the media worker: count with the rest of the process, in its own slot. */
export function adoptPortAudioGuard(guard: { memory: SharedArrayBuffer; slot: number }): void {
  memory = guard.memory;
  counts = new Int32Array(memory);
  mine = guard.slot;
}

export function portAudioStreamsAlive(): number {
  let n = 0;
  for (let i = 0; i < SLOTS; i++) n += Math.max(0, Atomics.load(counts, i));
  return n;
}

/** Streams this thread has alive. */
export function ownPortAudioStreams(): number {
  return Atomics.load(counts, mine);
}

export function portAudioStreamCreated(): void {
  Atomics.add(counts, mine, 1);
}

export function portAudioStreamQuit(): void {
  Atomics.sub(counts, mine, 1);
}

/**
 * Blocks this thread until no other thread's stream is alive, at most `ms` (this thread's own quits
 * end in callbacks on this thread, which a wait here would hold up). True when none is.
 */
export function waitForNoPortAudioStream(ms: number): boolean {
  const deadline = Date.now() + ms;
  while (portAudioStreamsAlive() - ownPortAudioStreams() > 0) {
    if (Date.now() >= deadline) return false;
    Atomics.wait(nap, 0, 0, 5);
  }
  return true;
}

/**
 * Waits, without blocking this thread, until `done()` holds, looking every `everyMs` (and not before
 * `atLeastMs` has passed), and gives up at `atMostMs`. True when it held. For the counts above: a quit's
 * callback runs on its own thread's loop, which this wait leaves free (waitForNoPortAudioStream does not).
 */
export async function waitUntil(done: () => boolean, bound: { atMostMs: number; everyMs: number; atLeastMs?: number }): Promise<boolean> {
  const start = performance.now();
  const waited = () => performance.now() - start;
  while (waited() < (bound.atLeastMs ?? 0) || !done()) {
    if (waited() >= bound.atMostMs) return false;
    await new Promise((r) => setTimeout(r, bound.everyMs));
  }
  return true;
}
