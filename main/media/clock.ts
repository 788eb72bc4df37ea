// A steady periodic clock for the media thread. setInterval drifts (each period adds the callback's
// lateness); this schedules every tick against an absolute deadline (start + n x period, measured with
// process.hrtime), so errors do not accumulate. A tick that comes late by less than `maxCatchUp`
// periods is caught up (the callback runs once per missed period, keeping RTP timestamps exact);
// after a longer stall (machine suspended, debugger) the clock resynchronises instead of bursting.
// With `ioFirst`, each firing waits one turn of the event loop (setImmediate) before it ticks, so the
// I/O that became ready meanwhile (RTP datagrams waiting in the socket) is read first: libuv runs
// timers before polling, so after a stall of the thread the catch-up ticks would otherwise pop the
// jitter buffer dry while the packets that arrived during the stall are still unread in the kernel
// (an underrun, then a re-prime that adds delay, for packets that were on time).
// `advance(ms)` moves the phase earlier (the media worker: to the talking call's packet arrivals).
export interface TickerStats {
  ticks: number;
  /** Periods skipped by resynchronising after a stall. */
  skipped: number;
  /** Worst lateness of a tick, ms. */
  maxLateMs: number;
}

/**
 * A timer may fire this much before its deadline and still tick: libuv's timers count whole
 * milliseconds, so about one firing in four came 0-1 ms early, found nothing due and slept again
 * for the rest (a wake-up of the media thread for nothing, ~12 a second).
 */
const EARLY_OK_MS = 1;

export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export class Ticker {
  private start = 0;
  private n = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private gen = 0;
  readonly stats: TickerStats = { ticks: 0, skipped: 0, maxLateMs: 0 };

  private readonly maxCatchUp: number;
  private readonly now: () => number;
  private readonly onError?: (e: Error) => void;
  private readonly ioFirst: boolean;

  constructor(
    readonly periodMs: number,
    private readonly onTick: (nowMs: number) => void,
    opts: { maxCatchUp?: number; now?: () => number; onError?: (e: Error) => void; ioFirst?: boolean } = {},
  ) {
    this.maxCatchUp = opts.maxCatchUp ?? 5;
    this.now = opts.now ?? monotonicMs;
    this.onError = opts.onError;
    this.ioFirst = opts.ioFirst ?? false;
  }

  startClock(): void {
    if (this.running) return;
    this.running = true;
    this.gen++;
    this.start = this.now();
    this.n = 0;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Move the clock's phase `ms` earlier (0 <= ms < one period): the next deadline, and every one after
   * it, comes that much sooner. No tick is added or lost (no catch-up: the period between two ticks
   * is shorter once). Called from a tick, it applies from the next one.
   */
  advance(ms: number): void {
    if (!(ms > 0)) return;
    this.start -= Math.min(ms, this.periodMs - 1);
  }

  get isRunning(): boolean {
    return this.running;
  }

  private schedule(): void {
    if (!this.running) return;
    const deadline = this.start + (this.n + 1) * this.periodMs;
    const delay = Math.max(0, deadline - this.now());
    const gen = this.gen;
    // a stop and a new start while the immediate waits: that one belongs to the old clock
    this.timer = setTimeout(() => (this.ioFirst ? setImmediate(() => gen === this.gen && this.fire()) : this.fire()), delay);
  }

  private fire(): void {
    if (!this.running) return;
    let now = this.now();
    const due = Math.floor((now - this.start + EARLY_OK_MS) / this.periodMs); // ticks that should have happened by now
    if (due - this.n > this.maxCatchUp) {
      this.stats.skipped += due - this.n - 1;
      this.n = due - 1;
    }
    while (this.n < due && this.running) {
      this.n++;
      const late = now - (this.start + this.n * this.periodMs);
      if (late > this.stats.maxLateMs) this.stats.maxLateMs = late;
      this.stats.ticks++;
      try {
        this.onTick(now);
      } catch (e) {
        // a failing tick must not stop the clock
        this.onError?.(e as Error);
      }
      now = this.now();
    }
    this.schedule();
  }
}
