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
// `ride(ms)` ticks now for a deadline at most that far ahead (the media worker: when the packet the next
// tick plays arrives, the tick rides that wake-up instead of the timer's own, 14 ms later). While ridden
// the clock arms no timer per period (clearing a node timer does not stop the wake-up it was armed for):
// a deadline that passes unridden (a packet lost) is caught up by the next ride, and a watchdog every
// RIDE_WATCH_MS goes back to the timer once one has passed with no ride at all (the packets stopped).
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
/** While ridden, how often the clock looks whether the rides stopped: the longest a tick can be late then. */
export const RIDE_WATCH_MS = 50;

export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export class Ticker {
  private start = 0;
  private n = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** Which arming of the timer may fire: a stop, a start or a ride makes a waiting setImmediate stale. */
  private armed = 0;
  /** Ticked by ride() (no timer per period; the watchdog instead). */
  private ridden = false;
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
    this.ridden = false;
    this.start = this.now();
    this.n = 0;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.disarm();
  }

  private disarm(): void {
    this.armed++;
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

  /**
   * Tick now if the next deadline is at most `withinMs` away (under one period) or past: that tick
   * comes sooner (with those past before it), the deadlines after it stay where they were, and the
   * clock is ridden from here on (see the head of the file). False (nothing done) when it is further off.
   */
  ride(withinMs: number): boolean {
    if (!this.running || this.start + (this.n + 1) * this.periodMs - this.now() > withinMs) return false;
    if (!this.ridden) {
      this.disarm();
      this.ridden = true;
    }
    this.fire(true);
    return true;
  }

  /** Back to the timer at once (what rode the clock will not any more). */
  unride(): void {
    if (!this.ridden) return;
    this.ridden = false;
    this.disarm();
    if (this.running) this.schedule();
  }

  get isRidden(): boolean {
    return this.ridden;
  }

  get isRunning(): boolean {
    return this.running;
  }

  private schedule(): void {
    if (!this.running) return;
    if (this.ridden) {
      if (!this.timer) this.timer = setTimeout(() => this.watch(), RIDE_WATCH_MS);
      return;
    }
    const deadline = this.start + (this.n + 1) * this.periodMs;
    const delay = Math.max(0, deadline - this.now());
    const armed = ++this.armed;
    if (this.timer) clearTimeout(this.timer); // unride() from a tick armed one already
    // a stop, a new start or a ride while the immediate waits: that one is stale
    this.timer = setTimeout(() => (this.ioFirst ? setImmediate(() => armed === this.armed && this.fire()) : this.fire()), delay);
  }

  private watch(): void {
    this.timer = null;
    if (!this.ridden) return;
    // a deadline passed with no ride: the rides stopped; the timer ticks what is due, and on from there
    if (this.now() > this.start + (this.n + 1) * this.periodMs) this.unride();
    else this.schedule();
  }

  private fire(early = false): void {
    if (!this.running) return;
    let now = this.now();
    let due = Math.floor((now - this.start + EARLY_OK_MS) / this.periodMs); // ticks that should have happened by now
    if (early) due = Math.max(due, this.n + 1);
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
