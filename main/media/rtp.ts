// RTP fixed header (RFC 3550 section 5.1): encode, decode, and 16/32-bit wrap-around arithmetic.
import { randomBytes } from 'node:crypto';

export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs?: number[];
  payload: Uint8Array;
}

export const RTP_VERSION = 2;
const FIXED_HEADER = 12;

export function encodeRtp(p: RtpPacket): Buffer {
  const csrcs = p.csrcs ?? [];
  if (csrcs.length > 15) throw new RangeError('at most 15 CSRCs');
  const buf = Buffer.allocUnsafe(FIXED_HEADER + csrcs.length * 4 + p.payload.length);
  buf[0] = (RTP_VERSION << 6) | csrcs.length;
  buf[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  buf.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(p.timestamp >>> 0, 4);
  buf.writeUInt32BE(p.ssrc >>> 0, 8);
  csrcs.forEach((c, i) => buf.writeUInt32BE(c >>> 0, FIXED_HEADER + i * 4));
  buf.set(p.payload, FIXED_HEADER + csrcs.length * 4);
  return buf;
}

/** Parses an RTP packet; null if it is not valid RTP v2 (too short, wrong version, bad padding/extension). */
export function decodeRtp(buf: Uint8Array): RtpPacket | null {
  if (buf.length < FIXED_HEADER) return null;
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  if (b0 >> 6 !== RTP_VERSION) return null;
  const padding = (b0 & 0x20) !== 0;
  const extension = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let offset = FIXED_HEADER + cc * 4;
  if (buf.length < offset) return null;
  const csrcs: number[] = [];
  for (let i = 0; i < cc; i++) csrcs.push(view.getUint32(FIXED_HEADER + i * 4));
  if (extension) {
    if (buf.length < offset + 4) return null;
    const words = view.getUint16(offset + 2);
    offset += 4 + words * 4;
    if (buf.length < offset) return null;
  }
  let end = buf.length;
  if (padding) {
    const pad = buf[buf.length - 1]!;
    if (pad === 0 || offset + pad > buf.length) return null;
    end -= pad;
  }
  const payloadType = b1 & 0x7f;
  // 72-76 are RTCP packet types (SR/RR/SDES/BYE/APP) seen when RTP and RTCP share a port (RFC 5761).
  if (payloadType >= 72 && payloadType <= 76) return null;
  return {
    payloadType,
    marker: (b1 & 0x80) !== 0,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    csrcs,
    payload: buf.subarray(offset, end),
  };
}

/** b - a for 16-bit sequence numbers, in [-32768, 32767]. */
export function seqDiff(a: number, b: number): number {
  return ((((b - a) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

/** b - a for 32-bit timestamps, as a signed 32-bit value. */
export function tsDiff(a: number, b: number): number {
  return ((b >>> 0) - (a >>> 0)) | 0;
}

export function randomUint32(): number {
  return randomBytes(4).readUInt32BE(0);
}

export function randomUint16(): number {
  return randomBytes(2).readUInt16BE(0);
}

/** Sender side state of one RTP stream: SSRC, sequence and timestamp (random starts, RFC 3550 5.1). */
export class RtpSender {
  readonly ssrc = randomUint32();
  private seq = randomUint16();
  private ts = randomUint32();
  /** Set when the stream resumes after a gap (mute, hold, silence): the next packet carries the marker bit. */
  private gap = true;
  packetsSent = 0;
  octetsSent = 0;
  lastSentTimestamp = 0;

  /** Advance the media clock without sending (muted / held: "RTP keeps its clock"). */
  skip(samples: number): void {
    this.ts = (this.ts + samples) >>> 0;
    this.gap = true;
  }

  /** Build the next packet of `samples` duration; advances seq and timestamp. */
  next(payloadType: number, payload: Uint8Array, samples: number): Buffer {
    const buf = encodeRtp({ payloadType, marker: this.gap, sequenceNumber: this.seq, timestamp: this.ts, ssrc: this.ssrc, payload });
    this.gap = false;
    this.lastSentTimestamp = this.ts;
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + samples) >>> 0;
    this.packetsSent++;
    this.octetsSent += payload.length;
    return buf;
  }

  /** A packet with an explicit timestamp (RFC 4733 events keep the timestamp of the event start). */
  nextAt(payloadType: number, payload: Uint8Array, timestamp: number, marker: boolean): Buffer {
    const buf = encodeRtp({ payloadType, marker, sequenceNumber: this.seq, timestamp, ssrc: this.ssrc, payload });
    this.seq = (this.seq + 1) & 0xffff;
    this.packetsSent++;
    this.octetsSent += payload.length;
    return buf;
  }

  /** The timestamp the next audio packet will carry. */
  get timestamp(): number {
    return this.ts;
  }
}
