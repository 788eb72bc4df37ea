// RFC 3261 section 17 retransmission for unreliable transports, the parts sip.js 0.21.2 leaves out:
//   Timer A (client INVITE: T1, 2T1, 4T1 ... until any response or Timer B = 64*T1),
//   Timer E (client non-INVITE: min(2^n*T1, T2), T2 once a provisional arrived, until a final or Timer F),
//   Timer G (server non-2xx final response to INVITE: min(2^n*T1, T2) until the ACK or Timer H).
// The 2xx to an INVITE we answered is retransmitted by sip.js itself (SessionDialog
// start2xxRetransmissionTimer, RFC 6026 8.1) until the ACK arrives, so it is not repeated here.
//
// sip.js also sets the timers that keep a finished transaction around to zero (Timers D, I, J, K: right
// for its reliable WebSocket, wrong for UDP, where they are 32 s or T4). So for 64*T1 after a
// transaction ended, this layer does what the transaction would have done:
//   Timer K: retransmitted final responses to our non-INVITE requests are absorbed (sip.js would only
//     log "no matching transaction");
//   Timer J: a retransmitted non-INVITE request we already answered (our final response was lost) gets
//     that response again and is absorbed; sip.js would take it for a new request: a second BYE is
//     answered 481, a second NOTIFY, INFO or REFER is acted on twice;
//   Timer D: a retransmitted non-2xx final response to our INVITE (our ACK was lost) gets the ACK
//     again; sip.js would drop it, and the server would repeat it until its Timer H.
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

interface Remembered {
  text: string;
  until: number;
}

export interface RetransmitStats {
  retransmissions: number;
  absorbed: number;
}

export class Retransmitter {
  private readonly pending = new Map<string, Pending>();
  private readonly finished = new Map<string, number>();
  /** Timer J: our final response to a non-INVITE request, by `s:<branch>:<method>`. */
  private readonly answered = new Map<string, Remembered>();
  /** Timer D: our ACK to a non-2xx final response, by the INVITE's `c:<branch>:INVITE`. */
  private readonly acked = new Map<string, Remembered>();
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
      if (peek.method === 'ACK') {
        // An ACK to a non-2xx response has the INVITE's branch; one to a 2xx a new one (never matched).
        this.remember(this.acked, `c:${peek.branch}:INVITE`, text);
        return;
      }
      const kind = peek.method === 'INVITE' ? 'A' : 'E';
      this.start(`c:${peek.branch}:${peek.method}`, kind, text);
      return;
    }
    if (peek.cseqMethod === 'INVITE') {
      if (peek.status >= 300) this.start(`s:${peek.branch}`, 'G', text);
    } else if (peek.status >= 200 && peek.cseqMethod) {
      this.remember(this.answered, `s:${peek.branch}:${peek.cseqMethod}`, text);
    }
  }

  /** Call for every message from the network; returns false if it must not reach sip.js. */
  incoming(peek: Peek | null): boolean {
    if (!peek || !peek.branch) return true;
    if (peek.kind === 'request') {
      if (peek.method === 'ACK') this.stop(`s:${peek.branch}`);
      else if (peek.method !== 'INVITE') {
        // Timer J: answered already, our answer was lost.
        const answer = this.recall(this.answered, `s:${peek.branch}:${peek.method}`);
        if (answer !== null) return this.absorb(answer);
      }
      return true;
    }
    const method = peek.cseqMethod ?? '';
    const key = `c:${peek.branch}:${method}`;
    const entry = this.pending.get(key);
    if (!entry) {
      if (method === 'INVITE' && peek.status >= 300) {
        // Timer D: the final response again, so our ACK was lost: ACK again.
        const ack = this.recall(this.acked, key);
        if (ack !== null) return this.absorb(ack);
      } else if (method !== 'INVITE' && peek.status >= 200) {
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
      this.finished.delete(`${key}:${peek.status}`);
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
    this.answered.clear();
    this.acked.clear();
  }

  private remember(map: Map<string, Remembered>, key: string, text: string): void {
    const now = this.now();
    // Kept in the order they expire (each lives `timeout` from its set, and a key set again moves to the end):
    // only the expired head is looked at, not the thousands a presence flood leaves here (bench/ui profile).
    for (const [k, r] of map) {
      if (r.until > now) break;
      map.delete(k);
    }
    map.delete(key);
    map.set(key, { text, until: now + this.config.timeout });
  }

  private recall(map: Map<string, Remembered>, key: string): string | null {
    const r = map.get(key);
    if (!r) return null;
    if (r.until > this.now()) return r.text;
    map.delete(key);
    return null;
  }

  /** Send `text` again in place of sip.js (the finished transaction's part) and keep the message from it. */
  private absorb(text: string): false {
    this.stats.absorbed++;
    this.stats.retransmissions++;
    try {
      this.resend(text);
    } catch {
      /* the peer retransmits again */
    }
    return false;
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
    for (const [key, until] of this.finished) {
      if (until > now) break;
      this.finished.delete(key);
    }
  }
}
