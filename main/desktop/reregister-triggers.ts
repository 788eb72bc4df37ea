// Resume, unlock and a network change all go to the one re-register path (the `reregister` command); a burst
// of them (a laptop waking: resume, unlock and new addresses within a second) is one re-registration.
export type ReregisterTrigger = 'resume' | 'unlock' | 'network';

const SEEN_KEPT = 20;

export class ReregisterTriggers {
  private pending: ReturnType<typeof setTimeout> | null = null;
  /** The most recent triggers (at most SEEN_KEPT), for the log and tests: a 12-hour shift of wakes must not grow it. */
  readonly seen: ReregisterTrigger[] = [];

  constructor(
    private readonly reregister: () => void,
    private readonly settleMs = 500,
  ) {}

  trigger(why: ReregisterTrigger): void {
    this.seen.push(why);
    if (this.seen.length > SEEN_KEPT) this.seen.splice(0, this.seen.length - SEEN_KEPT);
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.reregister();
    }, this.settleMs);
  }

  stop(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
  }
}
