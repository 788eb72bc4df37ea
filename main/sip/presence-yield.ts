// When presence waits for the calls (issue #11), the rule in one place:
// - a new call ringing in (its INVITE reached the call centre) stops new SUBSCRIBEs at once: the bucket is
//   paused, so the Node loop that handles the INVITE, its identification and its PhoneState has no new
//   presence transactions (each a send, a retransmission record, a challenge, a NOTIFY to parse) beside it;
// - they go on as soon as no call rings in any more (answered, declined or ended);
// - the wait is bounded: at most YIELD_MAX_MS after the newest ringing call, so a call left ringing does not
//   stop presence for long, and after a wait that ran into its bound presence gets at least YIELD_GAP_MS
//   before the next new call may stop it again (a queue that never empties still lets presence refresh:
//   at worst 1 s in 4, ~25 SUBSCRIBEs a second, more than the ~20/s that 10,000 refreshes need).
// SUBSCRIBEs already sent are not held back: their answers and NOTIFYs come as they come (at most
// maxPendingSubscribes of them, presence.ts).

/** A ringing call stops new SUBSCRIBEs for at most this long after its INVITE. */
export const YIELD_MAX_MS = 3000;
/** After a wait that ran into YIELD_MAX_MS: presence goes at least this long before the next wait. */
export const YIELD_GAP_MS = 1000;

export class PresenceYield {
  /** When the present wait ends at the latest; null: presence does not wait. */
  private until: number | null = null;
  /** The bound's end of the last wait that ran into it: no new wait before this + YIELD_GAP_MS. */
  private boundedAt = -Infinity;
  private ringing = 0;
  private readonly resumeListeners = new Set<() => void>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** The call centre: how many calls ring in now (from their INVITE until answered, declined or ended). */
  callsRinging(count: number): void {
    const before = this.ringing;
    this.ringing = Math.max(0, count);
    if (this.ringing === 0) {
      this.end();
      return;
    }
    if (this.ringing <= before) return;
    // A new call rings: wait (again) from now, unless presence is owed its gap after a bounded wait.
    this.expire();
    const now = this.now();
    if (this.until === null && now < this.boundedAt + YIELD_GAP_MS) return;
    this.until = now + YIELD_MAX_MS;
  }

  /** How long new SUBSCRIBEs must still wait, ms; 0: they may go now. */
  waitMs(): number {
    this.expire();
    return this.until === null ? 0 : Math.max(1, this.until - this.now());
  }

  /** Told when a wait ends because no call rings any more (a wait that runs into its bound is seen by waitMs). */
  onResume(listener: () => void): () => void {
    this.resumeListeners.add(listener);
    return () => this.resumeListeners.delete(listener);
  }

  private expire(): void {
    if (this.until !== null && this.now() >= this.until) {
      this.boundedAt = this.until;
      this.until = null;
    }
  }

  private end(): void {
    if (this.until === null) return;
    this.until = null;
    for (const l of [...this.resumeListeners]) l();
  }
}
