// When a new PortAudio output stream plays in real time. Through ALSA's pulse plugin a new stream
// first underruns: each write fails until the plugin's stream has connected, PortAudio recovers and
// calls back for more at once, and what it takes meanwhile is lost (CI heard 20 ms of a 500 ms tone).
// naudiodon shows no stream time; what it shows is when its queue (maxQueue chunks) takes the next
// chunk. So short chunks of silence are written one at a time until the queue takes them at the pace
// they play, and only then is what the stream was given handed on (audify.ts settles the same way
// on RtAudio's stream time). The silence still queued then, at most maxQueue chunks, is what it costs.

/** Silence written per priming chunk: maxQueue (4) of them bound the delay settling adds to 20 ms. */
export const PRIME_MS = 5;
/** Settled once SETTLE_WINDOW_MS of silence was taken over at least half as long; while failing it goes 10-30x faster. */
const SETTLE_WINDOW_MS = 100;
/** Past this, what is held is handed on anyway (a device that never settles still plays, as before). */
export const SETTLE_CAP_MS = 5000;

export class PaceGate {
  settled = false;
  private stopped = false;
  private readonly taken: number[] = [];
  private readonly opened: number;
  private readonly waiters: (() => void)[] = [];

  /**
   * writeSilence(done) writes PRIME_MS of silence and calls done(ok) once the stream took it;
   * onSettled runs once, before any whenSettled() waiter.
   */
  constructor(
    private readonly writeSilence: (done: (ok: boolean) => void) => void,
    private readonly onSettled: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.opened = now();
    this.prime();
  }

  private prime(): void {
    if (this.settled || this.stopped) return;
    this.writeSilence((ok) => {
      if (!ok) return this.stop(); // the stream is gone: nothing will play
      const t = this.now();
      this.taken.push(t);
      const n = SETTLE_WINDOW_MS / PRIME_MS;
      while (this.taken.length > n + 1) this.taken.shift();
      const paced = this.taken.length > n && t - this.taken[0]! >= SETTLE_WINDOW_MS / 2;
      if (paced || t - this.opened >= SETTLE_CAP_MS) this.settle();
      else this.prime();
    });
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettled();
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once settled, or at once when the stream was stopped meanwhile. */
  whenSettled(): Promise<void> {
    if (this.settled || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The stream is closing: prime no more, release the waiters. */
  stop(): void {
    this.stopped = true;
    for (const w of this.waiters.splice(0)) w();
  }
}
