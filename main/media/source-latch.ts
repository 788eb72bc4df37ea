// Safe symmetric RTP: which source address a call's RTP is accepted from (and answered to).
// - The address in the remote description is trusted at once: its packets play, whatever their SSRC
//   (an SSRC change from the signalled address is a restarted stream, not an intruder).
// - Another address takes over only after it has sent a run of `runLength` consecutive packets
//   (sequence numbers +1 each) of the negotiated payload type and of the stream's SSRC (before any
//   packet was accepted: of one SSRC), with no packet from the current source in between. That is
//   the NAT case (the SDP names a private address; the real packets come from the public one) and a
//   NAT rebinding mid-call (same SSRC, new port).
// - A stray source (another SSRC, or anything while the current source keeps sending) never takes
//   the stream: its packets are dropped, neither played nor answered.
// The packets of a run are held and handed back on the switch, so the first 200 ms are not lost.

export interface Source {
  address: string;
  port: number;
}

export type LatchEvent =
  | { kind: 'latched'; from: Source | null; to: Source; ssrc: number; packets: number }
  | { kind: 'stray'; source: Source; ssrc: number };

interface Candidate<T> {
  source: Source;
  ssrc: number;
  seq: number;
  held: T[];
}

const same = (a: Source | null, b: Source) => a !== null && a.port === b.port && a.address === b.address;
/** Strays are logged once per address:port, and at most this many per remote description. */
const STRAY_LOG_LIMIT = 8;

export class SourceLatch<T> {
  private current: Source | null = null;
  private ssrc: number | null = null;
  private candidate: Candidate<T> | null = null;
  private readonly straysLogged = new Set<string>();
  /** Packets dropped because they came from a source that is not (yet) the stream's. */
  dropped = 0;

  constructor(
    private readonly runLength = 10,
    private readonly onEvent: (e: LatchEvent) => void = () => undefined,
  ) {}

  /** A new remote description: trust its address (null: none usable yet). */
  reset(signalled: Source | null): void {
    this.current = signalled;
    this.ssrc = null;
    this.candidate = null;
    this.straysLogged.clear();
  }

  /** Where RTP is accepted from and sent to; null before any address is known. */
  get source(): Source | null {
    return this.current;
  }

  /**
   * One RTP packet of an accepted payload type from `from`. Returns the packets to process now (the
   * packet itself, or a whole run on a switch), or null when it is dropped.
   */
  offer(from: Source, ssrc: number, seq: number, item: T): T[] | null {
    if (same(this.current, from)) {
      this.ssrc = ssrc;
      this.candidate = null; // the current source is alive: nobody accumulates a run meanwhile
      return [item];
    }
    this.dropped++;
    if (this.ssrc !== null && ssrc !== this.ssrc) {
      this.logStray(from, ssrc);
      return null;
    }
    const c = this.candidate;
    if (c && same(c.source, from) && c.ssrc === ssrc && ((c.seq + 1) & 0xffff) === seq) {
      c.seq = seq;
      c.held.push(item);
    } else {
      if (c) this.logStray(c.source, c.ssrc);
      this.candidate = { source: { ...from }, ssrc, seq, held: [item] };
    }
    const run = this.candidate!;
    if (run.held.length < this.runLength) return null;
    this.onEvent({ kind: 'latched', from: this.current, to: run.source, ssrc, packets: run.held.length });
    this.current = run.source;
    this.ssrc = ssrc;
    this.candidate = null;
    this.dropped -= run.held.length;
    return run.held;
  }

  private logStray(source: Source, ssrc: number): void {
    const key = `${source.address}:${source.port}`;
    if (this.straysLogged.has(key) || this.straysLogged.size >= STRAY_LOG_LIMIT) return;
    this.straysLogged.add(key);
    this.onEvent({ kind: 'stray', source, ssrc });
  }
}
