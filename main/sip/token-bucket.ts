// A token bucket: at most `rate` takes a second on average, a burst of a quarter of that at once (at least
// one). SipPresence paces its SUBSCRIBEs with it (presence.ts, maxSubscribesPerSecond).

export class TokenBucket {
  private tokens: number | null = null;
  private at = 0;

  /** `rate`: takes a second; not finite or <= 0: no limit. */
  constructor(
    private readonly rate: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** One take's worth, if there is one now. */
  take(): boolean {
    const rate = this.rate;
    if (!Number.isFinite(rate) || rate <= 0) return true;
    const burst = Math.max(1, Math.round(rate / 4));
    const now = this.now();
    this.tokens = Math.min(burst, this.tokens === null ? burst : this.tokens + ((now - this.at) * rate) / 1000);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long until the next take is due, ms (at least 1). */
  msUntilNext(): number {
    return Math.max(1, Math.ceil(((1 - (this.tokens ?? 0)) * 1000) / this.rate));
  }
}
