// No call outlives its far end. A far end that vanished without a BYE (crashed phone, lost network, a
// BYE lost on the way) stops sending RTP: an established call that receives none for rtpTimeoutMs, while
// neither side holds it, is over.
//
// Why 30 s by default: a live G.711 peer sends 50 packets a second, and our SDP offers no silence
// suppression, so even a quiet caller never pauses RTP for seconds; a re-INVITE, a Wi-Fi roam or a
// congested uplink stalls it for a few seconds at most. 30 s is ten times any such stall, and the same
// order as common PBX defaults (Asterisk's rtptimeout is usually set to 30-60 s), while a dispatcher
// whose caller is gone gets the line back within half a minute instead of talking to silence.
// A held call is not watched (the holder's side may send nothing: RFC 3264 sendonly/inactive);
// session timers (session-timer.ts) cover that case when the far end supports them.

export interface RtpInactivityOptions {
  /** No RTP received for this long while not on hold: the far end is gone. 0 turns the watch off. */
  rtpTimeoutMs: number;
  /** How often the counter is read (default timeout/6, at most 5 s). Only while the call is up. */
  checkEveryMs?: number;
}

export const DEFAULT_RTP_TIMEOUT_MS = 30_000;

export interface WatchTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realTimers: WatchTimers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

/** What the watch reads: the packets received so far (null: no media session), and whether either side holds. */
export interface WatchedCall {
  packetsReceived(): number | null;
  onHold(): boolean;
}

/** One timer per established call; it reads the media counter every few seconds and stops with the call. */
export class RtpInactivityWatch {
  private timer: unknown = null;
  private lastCount: number | null = null;
  private lastChangeAt = 0;
  private readonly checkEveryMs: number;

  constructor(
    private readonly call: WatchedCall,
    private readonly onGone: (silentMs: number) => void,
    private readonly options: RtpInactivityOptions,
    private readonly timers: WatchTimers = realTimers,
  ) {
    this.checkEveryMs = options.checkEveryMs ?? Math.min(5000, Math.max(100, Math.floor(options.rtpTimeoutMs / 6)));
  }

  start(): void {
    if (this.options.rtpTimeoutMs <= 0 || this.timer !== null) return;
    this.lastCount = this.call.packetsReceived();
    this.lastChangeAt = this.timers.now();
    this.arm();
  }

  stop(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.timer = this.timers.setTimeout(() => this.check(), this.checkEveryMs);
  }

  private check(): void {
    this.timer = null;
    const now = this.timers.now();
    const count = this.call.packetsReceived();
    // On hold, or media moving (or a new media session whose counter started again): the clock restarts.
    if (this.call.onHold() || count === null || count !== this.lastCount) {
      this.lastCount = count;
      this.lastChangeAt = now;
      this.arm();
      return;
    }
    const silentMs = now - this.lastChangeAt;
    if (silentMs >= this.options.rtpTimeoutMs) {
      this.onGone(silentMs);
      return;
    }
    this.arm();
  }
}
