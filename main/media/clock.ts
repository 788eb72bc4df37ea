// A steady periodic clock for the media thread. setInterval drifts (each period adds the callback's
// lateness); this schedules every tick against an absolute deadline (start + n x period, measured with
// process.hrtime), so errors do not accumulate. A tick that comes late by less than `maxCatchUp`
// periods is caught up (the callback runs once per missed period, keeping RTP timestamps exact);
// after a longer stall (machine suspended, debugger) the clock resynchronises instead of bursting.
export interface TickerStats {
  ticks: number;
  /** Periods skipped by resynchronising after a stall. */
  skipped: number;
  /** Worst lateness of a tick, ms. */
  maxLateMs: number;
}

export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export class Ticker {
  private start = 0;
  private n = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  readonly stats: TickerStats = { ticks: 0, skipped: 0, maxLateMs: 0 };

  constructor(
    readonly periodMs: number,
    private readonly onTick: (nowMs: number) => void,
    private readonly maxCatchUp = 5,
    private readonly now: () => number = monotonicMs,
    private readonly onError?: (e: Error) => void,
  ) {}

  startClock(): void {
    if (this.running) return;
    this.running = true;
    this.start = this.now();
    this.n = 0;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  get isRunning(): boolean {
    return this.running;
  }

  private schedule(): void {
    if (!this.running) return;
    const deadline = this.start + (this.n + 1) * this.periodMs;
    const delay = Math.max(0, deadline - this.now());
    this.timer = setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    if (!this.running) return;
    let now = this.now();
    const due = Math.floor((now - this.start) / this.periodMs); // ticks that should have happened by now
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
