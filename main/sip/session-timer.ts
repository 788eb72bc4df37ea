// RFC 4028 session timers, where the far end supports them: the call is refreshed by a re-INVITE every
// half interval; a refresh that fails (408, 481, no answer) or one the far end owed and never sent ends
// the call as 'far-end-gone'. With a far end that does not know timers nothing changes.
//
// We ask to be the refresher whenever we may choose (refresher=uac on our INVITE; refresher=uas in our
// 200 when the caller left it open): our own refreshes need no support from sip.js for answering the far
// end's refreshes (sip.js answers a re-INVITE with a 200 that carries no Session-Expires, which by RFC 4028
// section 7.2 turns the far end's timer off). So when the far end is the refresher, we expect its first
// refresh in time and stop expecting after it, rather than end a call whose timer its own side turned off.
import type { Cause } from '../../shared/facts.js';

export interface SessionTimerOptions {
  /** Session-Expires we ask for, seconds (default 1800, RFC 4028's recommendation; 0: no session timers). */
  sessionExpiresS?: number;
}

export const DEFAULT_SESSION_EXPIRES_S = 1800;

/** What the timer needs of the leg. */
export interface RefreshingLeg {
  /** Sends a refresh re-INVITE with these headers: its status (2xx or not) and the answer's Session-Expires. */
  refresh(headers: string[]): Promise<{ code: number; sessionExpires: string | undefined }>;
  /** The far end is gone: end the call. */
  gone(cause: Cause): void;
  warn(message: string): void;
}

export interface TimerClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: TimerClock = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** "1800;refresher=uac" -> { seconds: 1800, refresher: 'uac' }; null when unreadable. */
export function parseSessionExpires(value: string | undefined): { seconds: number; refresher: 'uac' | 'uas' | null } | null {
  if (value === undefined) return null;
  const m = /^\s*(\d{1,10})\s*(?:;(.*))?$/.exec(value);
  if (!m) return null;
  const seconds = Number(m[1]);
  if (!(seconds > 0)) return null;
  const r = /(?:^|;)\s*refresher\s*=\s*(uac|uas)\s*(?:;|$)/i.exec(m[2] ?? '');
  return { seconds, refresher: r ? (r[1]!.toLowerCase() as 'uac' | 'uas') : null };
}

/** Does a Supported header list (all values) name the option tag? */
export function supportsTimer(supported: string[]): boolean {
  return supported.some((v) => v.split(',').some((tag) => tag.trim().toLowerCase() === 'timer'));
}

export class SessionTimer {
  private seconds = 0;
  private weRefresh = false;
  private active = false;
  private started = false;
  private timer: unknown = null;
  private readonly asked: number;

  constructor(
    private readonly leg: RefreshingLeg,
    options: SessionTimerOptions = {},
    private readonly clock: TimerClock = realClock,
  ) {
    this.asked = options.sessionExpiresS ?? DEFAULT_SESSION_EXPIRES_S;
  }

  /** Headers for our initial INVITE. */
  inviteHeaders(): string[] {
    if (this.asked <= 0) return [];
    return [`Session-Expires: ${this.asked};refresher=uac`, 'Supported: timer'];
  }

  /** Outgoing: the 2xx to our INVITE. No Session-Expires there: the far end does not do timers. */
  answered(sessionExpires: string | undefined): void {
    const se = parseSessionExpires(sessionExpires);
    if (this.asked <= 0 || !se) return;
    this.seconds = se.seconds;
    this.weRefresh = se.refresher !== 'uas';
    this.active = true;
    // sip.js reports the session established before it hands us the 2xx.
    if (this.started) this.arm();
  }

  /**
   * Incoming: headers for our 200 to the INVITE. We take part when the caller supports timers (RFC 4028
   * section 9), or when a proxy asked for them (Session-Expires without Supported: timer: we refresh).
   */
  answerHeaders(sessionExpires: string | undefined, supported: string[]): string[] {
    if (this.asked <= 0) return [];
    const se = parseSessionExpires(sessionExpires);
    const callerKnows = supportsTimer(supported);
    if (!se && !callerKnows) return [];
    this.seconds = se ? se.seconds : this.asked;
    const refresher = callerKnows ? (se?.refresher ?? 'uas') : 'uas';
    this.weRefresh = refresher === 'uas';
    this.active = true;
    const headers = [`Session-Expires: ${this.seconds};refresher=${refresher}`];
    // The caller must know that it has to refresh.
    if (refresher === 'uac') headers.push('Require: timer');
    return headers;
  }

  /** The call is established: the first refresh (ours or theirs) is due from now. */
  start(): void {
    this.started = true;
    if (this.active) this.arm();
  }

  /** The far end refreshed (a re-INVITE of its own): see the head of the file for why we stop expecting. */
  refreshedByFarEnd(): void {
    if (!this.active || this.weRefresh) return;
    this.end();
  }

  /** The call is over. */
  end(): void {
    this.active = false;
    this.stop();
  }

  private stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** RFC 4028 10: the refresher refreshes at half the interval; the other side gives up at SE - min(32, SE/3). */
  private arm(): void {
    this.stop();
    if (this.weRefresh) {
      this.timer = this.clock.setTimeout(() => void this.refresh(), (this.seconds * 1000) / 2);
    } else {
      const grace = Math.min(32, this.seconds / 3);
      this.timer = this.clock.setTimeout(() => this.leg.gone({ kind: 'session-refresh-failed', code: null, seconds: this.seconds }), (this.seconds - grace) * 1000);
    }
  }

  private async refresh(): Promise<void> {
    this.timer = null;
    let answer: { code: number; sessionExpires: string | undefined };
    try {
      answer = await this.leg.refresh([`Session-Expires: ${this.seconds};refresher=uac`, 'Supported: timer']);
    } catch (error) {
      // Another re-INVITE of ours is under way (hold, resume): try again shortly.
      this.leg.warn(`session refresh not sent: ${(error as Error).message}`);
      if (this.active) this.timer = this.clock.setTimeout(() => void this.refresh(), 2000);
      return;
    }
    if (!this.active) return;
    if (answer.code >= 200 && answer.code < 300) {
      const se = parseSessionExpires(answer.sessionExpires);
      if (!se) {
        this.active = false; // RFC 4028 7.2: no Session-Expires in the 2xx, no session timer
        return;
      }
      this.seconds = se.seconds;
      this.weRefresh = se.refresher !== 'uas';
      this.arm();
      return;
    }
    if (answer.code === 408 || answer.code === 481) {
      this.leg.gone({ kind: 'session-refresh-failed', code: answer.code, seconds: this.seconds });
      return;
    }
    // Refused for another reason (491 glare, 500...): the session goes on; try again in a little while.
    this.timer = this.clock.setTimeout(() => void this.refresh(), Math.min(32, this.seconds / 4) * 1000);
  }
}
