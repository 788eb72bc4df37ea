// RTP reception statistics (RFC 3550 appendix A.1/A.3/A.8) and RTCP SR/RR/SDES/BYE packets (section 6).

const RTP_SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

/** Per-source receive statistics: loss from sequence numbers, interarrival jitter. */
export class ReceptionStats {
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private initialised = false;
  received = 0;
  // for fraction lost between reports
  private expectedPrior = 0;
  private receivedPrior = 0;
  /** Interarrival jitter in timestamp units (RFC 3550 A.8, kept as a float). */
  private jitterTs = 0;
  private lastTransit: number | null = null;
  private readonly rate: number;
  /** Middle 32 bits of the NTP time of the last SR received, and when (ms, monotonic). */
  lastSr: { ntpMiddle: number; atMs: number } | null = null;

  constructor(clockRate = 8000) {
    this.rate = clockRate;
  }

  reset(): void {
    this.initialised = false;
    this.received = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.jitterTs = 0;
    this.lastTransit = null;
    this.cycles = 0;
  }

  /** Record a packet. `arrivalMs`: local monotonic arrival time. Returns false for a packet judged invalid. */
  update(seq: number, timestamp: number, arrivalMs: number): boolean {
    if (!this.initialised) {
      this.initialised = true;
      this.baseSeq = seq;
      this.maxSeq = seq;
      this.badSeq = RTP_SEQ_MOD + 1;
      this.cycles = 0;
    } else {
      const udelta = (seq - this.maxSeq) & 0xffff;
      if (udelta < MAX_DROPOUT) {
        if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD; // wrapped
        this.maxSeq = seq;
      } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        // a very large jump: accept only if the next packet follows it (source restarted)
        if (seq === this.badSeq) {
          this.initialised = false;
          this.reset();
          return this.update(seq, timestamp, arrivalMs);
        }
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
      // else: duplicate or reordered, counted as received
    }
    this.received++;
    const transit = (arrivalMs * this.rate) / 1000 - timestamp;
    if (this.lastTransit !== null) {
      const d = Math.abs(transit - this.lastTransit);
      if (d < this.rate * 10) this.jitterTs += (d - this.jitterTs) / 16;
    }
    this.lastTransit = transit;
    return true;
  }

  get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  get expected(): number {
    return this.initialised ? this.extendedMax - this.baseSeq + 1 : 0;
  }

  /** Cumulative packets lost (may be negative with duplicates, per RFC 3550). */
  get lost(): number {
    return this.expected - this.received;
  }

  get jitterMs(): number {
    return (this.jitterTs / this.rate) * 1000;
  }

  get jitterTimestampUnits(): number {
    return Math.round(this.jitterTs);
  }

  /** Fraction lost since the last call, as the 8-bit fixed point value of a report block. */
  takeFractionLost(): number {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval === 0 || lostInterval <= 0) return 0;
    return Math.min(255, Math.floor((lostInterval << 8) / expectedInterval));
  }

  get hasData(): boolean {
    return this.initialised;
  }
}

export interface ReportBlock {
  ssrc: number;
  fractionLost: number;
  cumulativeLost: number;
  extendedHighestSeq: number;
  jitter: number;
  lsr: number;
  dlsr: number;
}

export interface SenderInfo {
  ntpSec: number;
  ntpFrac: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export type RtcpPacket =
  | { type: 'sr'; ssrc: number; sender: SenderInfo; reports: ReportBlock[] }
  | { type: 'rr'; ssrc: number; reports: ReportBlock[] }
  | { type: 'sdes'; chunks: { ssrc: number; cname: string | null }[] }
  | { type: 'bye'; ssrcs: number[] }
  | { type: 'other'; packetType: number };

const PT_SR = 200;
const PT_RR = 201;
const PT_SDES = 202;
const PT_BYE = 203;

function header(buf: Buffer, count: number, pt: number, lengthBytes: number): void {
  buf[0] = 0x80 | (count & 0x1f);
  buf[1] = pt;
  buf.writeUInt16BE(lengthBytes / 4 - 1, 2);
}

function writeReport(buf: Buffer, off: number, r: ReportBlock): void {
  buf.writeUInt32BE(r.ssrc >>> 0, off);
  buf[off + 4] = r.fractionLost & 0xff;
  const lost = Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost)) & 0xffffff;
  buf[off + 5] = (lost >> 16) & 0xff;
  buf[off + 6] = (lost >> 8) & 0xff;
  buf[off + 7] = lost & 0xff;
  buf.writeUInt32BE(r.extendedHighestSeq >>> 0, off + 8);
  buf.writeUInt32BE(r.jitter >>> 0, off + 12);
  buf.writeUInt32BE(r.lsr >>> 0, off + 16);
  buf.writeUInt32BE(r.dlsr >>> 0, off + 20);
}

export function encodeSenderReport(ssrc: number, sender: SenderInfo, reports: ReportBlock[]): Buffer {
  const len = 28 + reports.length * 24;
  const buf = Buffer.alloc(len);
  header(buf, reports.length, PT_SR, len);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  buf.writeUInt32BE(sender.ntpSec >>> 0, 8);
  buf.writeUInt32BE(sender.ntpFrac >>> 0, 12);
  buf.writeUInt32BE(sender.rtpTimestamp >>> 0, 16);
  buf.writeUInt32BE(sender.packetCount >>> 0, 20);
  buf.writeUInt32BE(sender.octetCount >>> 0, 24);
  reports.forEach((r, i) => writeReport(buf, 28 + i * 24, r));
  return buf;
}

export function encodeReceiverReport(ssrc: number, reports: ReportBlock[]): Buffer {
  const len = 8 + reports.length * 24;
  const buf = Buffer.alloc(len);
  header(buf, reports.length, PT_RR, len);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  reports.forEach((r, i) => writeReport(buf, 8 + i * 24, r));
  return buf;
}

export function encodeSdes(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8').subarray(0, 255);
  const chunk = 4 + 2 + text.length + 1; // ssrc, CNAME item, END
  const padded = Math.ceil(chunk / 4) * 4;
  const buf = Buffer.alloc(4 + padded);
  header(buf, 1, PT_SDES, buf.length);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  buf[8] = 1; // CNAME
  buf[9] = text.length;
  text.copy(buf, 10);
  return buf;
}

export function encodeBye(ssrc: number): Buffer {
  const buf = Buffer.alloc(8);
  header(buf, 1, PT_BYE, 8);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  return buf;
}

function readReports(buf: Buffer, off: number, count: number): ReportBlock[] {
  const out: ReportBlock[] = [];
  for (let i = 0; i < count && off + 24 <= buf.length; i++, off += 24) {
    let lost = (buf[off + 5]! << 16) | (buf[off + 6]! << 8) | buf[off + 7]!;
    if (lost & 0x800000) lost -= 0x1000000;
    out.push({
      ssrc: buf.readUInt32BE(off),
      fractionLost: buf[off + 4]!,
      cumulativeLost: lost,
      extendedHighestSeq: buf.readUInt32BE(off + 8),
      jitter: buf.readUInt32BE(off + 12),
      lsr: buf.readUInt32BE(off + 16),
      dlsr: buf.readUInt32BE(off + 20),
    });
  }
  return out;
}

/** Parses a compound RTCP packet; returns [] if it is not RTCP. */
export function decodeRtcp(data: Uint8Array): RtcpPacket[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: RtcpPacket[] = [];
  let off = 0;
  while (off + 4 <= buf.length) {
    if (buf[off]! >> 6 !== 2) break;
    const count = buf[off]! & 0x1f;
    const pt = buf[off + 1]!;
    const len = (buf.readUInt16BE(off + 2) + 1) * 4;
    if (off + len > buf.length) break;
    const p = buf.subarray(off, off + len);
    if (pt === PT_SR && p.length >= 28) {
      out.push({
        type: 'sr',
        ssrc: p.readUInt32BE(4),
        sender: {
          ntpSec: p.readUInt32BE(8),
          ntpFrac: p.readUInt32BE(12),
          rtpTimestamp: p.readUInt32BE(16),
          packetCount: p.readUInt32BE(20),
          octetCount: p.readUInt32BE(24),
        },
        reports: readReports(p, 28, count),
      });
    } else if (pt === PT_RR && p.length >= 8) {
      out.push({ type: 'rr', ssrc: p.readUInt32BE(4), reports: readReports(p, 8, count) });
    } else if (pt === PT_SDES) {
      const chunks: { ssrc: number; cname: string | null }[] = [];
      let c = 4;
      for (let i = 0; i < count && c + 4 <= p.length; i++) {
        const ssrc = p.readUInt32BE(c);
        c += 4;
        let cname: string | null = null;
        while (c < p.length && p[c] !== 0) {
          const type = p[c]!;
          const l = p[c + 1] ?? 0;
          if (type === 1) cname = p.subarray(c + 2, c + 2 + l).toString('utf8');
          c += 2 + l;
        }
        c = Math.ceil((c + 1) / 4) * 4;
        chunks.push({ ssrc, cname });
      }
      out.push({ type: 'sdes', chunks });
    } else if (pt === PT_BYE) {
      const ssrcs: number[] = [];
      for (let i = 0; i < count && 4 + i * 4 + 4 <= p.length; i++) ssrcs.push(p.readUInt32BE(4 + i * 4));
      out.push({ type: 'bye', ssrcs });
    } else {
      out.push({ type: 'other', packetType: pt });
    }
    off += len;
  }
  return out;
}

/** NTP timestamp (seconds since 1900, 32.32 fixed point) of the wall clock now. */
export function ntpNow(nowMs = Date.now()): { sec: number; frac: number } {
  const sec = Math.floor(nowMs / 1000) + 2208988800;
  const frac = Math.floor(((nowMs % 1000) / 1000) * 0x100000000);
  return { sec: sec >>> 0, frac: frac >>> 0 };
}
