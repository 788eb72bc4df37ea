// RFC 3261 section 17 retransmission for unreliable transports, the parts sip.js 0.21.2 leaves out:
//   Timer A (client INVITE: T1, 2T1, 4T1 ... until any response or Timer B = 64*T1),
//   Timer E (client non-INVITE: min(2^n*T1, T2), T2 once a provisional arrived, until a final or Timer F),
//   Timer G (server non-2xx final response to INVITE: min(2^n*T1, T2) until the ACK or Timer H).
// The 2xx to an INVITE we answered is retransmitted by sip.js itself (SessionDialog
// start2xxRetransmissionTimer, RFC 6026 8.1) until the ACK arrives, so it is not repeated here.
// Retransmitted final responses to our non-INVITE requests that arrive after the transaction ended
// are absorbed (sip.js would only log "no matching transaction").
import type { Peek } from './wire.js';

export interface RetransmitConfig {
  t1: number;
  t2: number;
  /** Timer B/F/H: 64*T1. */
  timeout: number;
}

export const RFC3261_TIMERS: RetransmitConfig = { t1: 500, t2: 4000, timeout: 64 * 500 };

interface Pending {
  kind: 'A' | 'E' | 'G';
  text: string;
  interval: number;
  timer: ReturnType<typeof setTimeout> | null;
  deadline: ReturnType<typeof setTimeout>;
  sends: number;
}

export interface RetransmitStats {
  retransmissions: number;
  absorbed: number;
}

export class Retransmitter {
  private readonly pending = new Map<string, Pending>();
  private readonly finished = new Map<string, number>();
  readonly stats: RetransmitStats = { retransmissions: 0, absorbed: 0 };

  constructor(
    private readonly resend: (text: string) => void,
    private readonly config: RetransmitConfig = RFC3261_TIMERS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Call for every message handed to the network (first transmission). */
  outgoing(text: string, peek: Peek | null): void {
    if (!peek || !peek.branch) return;
    if (peek.kind === 'request') {
      if (peek.method === 'ACK') return;
      const kind = peek.method === 'INVITE' ? 'A' : 'E';
      this.start(`c:${peek.branch}:${peek.method}`, kind, text);
      return;
    }
    if (peek.cseqMethod === 'INVITE' && peek.status >= 300) {
      this.start(`s:${peek.branch}`, 'G', text);
    }
  }

  /** Call for every message from the network; returns false if it must not reach sip.js. */
  incoming(peek: Peek | null): boolean {
    if (!peek || !peek.branch) return true;
    if (peek.kind === 'request') {
      if (peek.method === 'ACK') this.stop(`s:${peek.branch}`);
      return true;
    }
    const method = peek.cseqMethod ?? '';
    const key = `c:${peek.branch}:${method}`;
    const entry = this.pending.get(key);
    if (!entry) {
      if (method !== 'INVITE' && peek.status >= 200) {
        this.expireFinished();
        const seen = this.finished.get(`${key}:${peek.status}`);
        if (seen !== undefined) {
          this.stats.absorbed++;
          return false;
        }
      }
      return true;
    }
    if (entry.kind === 'A') {
      this.stop(key);
    } else if (peek.status >= 200) {
      this.stop(key);
      this.finished.set(`${key}:${peek.status}`, this.now() + this.config.timeout);
    } else if (entry.timer !== null) {
      // Proceeding: keep retransmitting, but every T2.
      clearTimeout(entry.timer);
      entry.interval = this.config.t2;
      entry.timer = setTimeout(() => this.fire(key), entry.interval);
    }
    return true;
  }

  /** Keys of transactions still being retransmitted (for tests and diagnostics). */
  active(): string[] {
    return [...this.pending.keys()];
  }

  clear(): void {
    for (const key of [...this.pending.keys()]) this.stop(key);
    this.finished.clear();
  }

  private start(key: string, kind: Pending['kind'], text: string): void {
    this.stop(key);
    const entry: Pending = {
      kind,
      text,
      interval: this.config.t1,
      timer: null,
      deadline: setTimeout(() => this.stop(key), this.config.timeout),
      sends: 0,
    };
    entry.timer = setTimeout(() => this.fire(key), entry.interval);
    this.pending.set(key, entry);
  }

  private fire(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    entry.sends++;
    this.stats.retransmissions++;
    try {
      this.resend(entry.text);
    } catch {
      /* a failed send is retried on the next tick of the timer */
    }
    entry.interval = entry.kind === 'A' ? entry.interval * 2 : Math.min(entry.interval * 2, this.config.t2);
    entry.timer = setTimeout(() => this.fire(key), entry.interval);
  }

  private stop(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    if (entry.timer !== null) clearTimeout(entry.timer);
    clearTimeout(entry.deadline);
    this.pending.delete(key);
  }

  private expireFinished(): void {
    const now = this.now();
    for (const [key, until] of this.finished) if (until <= now) this.finished.delete(key);
  }
}
