// PortAudio's Pa_Initialize/Pa_Terminate are process-wide and not thread-safe, and naudiodon calls them
// around every getDevices() and every stream (a stream's Pa_CloseStream + Pa_Terminate run on libuv's
// thread pool when it quits). The main thread lists devices while the media worker's streams start and
// quit: a list taken while a stream quit crashed the whole process (SIGSEGV in Pa_Initialize; seen as
// vitest's "Channel closed"). So the process keeps one count, in memory both threads share: naudiodon
// streams alive anywhere, from their creation until naudiodon says they have quit. Nothing lists
// devices while it is above zero.
let alive = new Int32Array(new SharedArrayBuffer(4));

/** The count's memory, for the media worker (sent in its init message). */
export function portAudioGuardMemory(): SharedArrayBuffer {
  return alive.buffer as SharedArrayBuffer;
}

/** In the media worker: count with the main thread. */
export function adoptPortAudioGuard(memory: SharedArrayBuffer): void {
  alive = new Int32Array(memory);
}

export function portAudioStreamsAlive(): number {
  return Atomics.load(alive, 0);
}

export function portAudioStreamCreated(): void {
  Atomics.add(alive, 0, 1);
}

export function portAudioStreamQuit(): void {
  if (Atomics.sub(alive, 0, 1) === 1) Atomics.notify(alive, 0);
}

/**
 * Waits (blocking this thread) until no stream is alive, at most `ms`: for the one listing that cannot
 * be skipped (a stream opened before any list). True when none is.
 */
export function waitForNoPortAudioStream(ms: number): boolean {
  const deadline = Date.now() + ms;
  for (let n = Atomics.load(alive, 0); n > 0; n = Atomics.load(alive, 0)) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    Atomics.wait(alive, 0, n, left);
  }
  return true;
}
