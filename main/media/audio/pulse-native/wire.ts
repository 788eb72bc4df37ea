// The PulseAudio native protocol on the wire: packets (pstream frames) and tagstructs (typed values).
// Every frame starts with five big-endian u32: payload length, channel, offset high, offset low, flags.
// Channel 0xffffffff carries a command (a tagstruct); any other channel is audio for that stream index
// (a "memblock": raw samples, its offset/flags the seek; we always append: relative, 0). No SHM/memfd is
// negotiated, so every sample travels in these frames.

export const FRAME_HEADER = 20;
export const CONTROL_CHANNEL = 0xffffffff;
export const INVALID_INDEX = 0xffffffff;
/** The server refuses larger frames (pstream.c FRAME_SIZE_MAX_ALLOW). */
const MAX_FRAME = 1024 * 1024 * 16;

/** Tag bytes (pulsecore/tagstruct.h). */
const T = {
  STRING: 0x74, // 't'
  STRING_NULL: 0x4e, // 'N'
  U32: 0x4c, // 'L'
  U8: 0x42, // 'B'
  U64: 0x52, // 'R'
  S64: 0x72, // 'r'
  SAMPLE_SPEC: 0x61, // 'a'
  ARBITRARY: 0x78, // 'x'
  TRUE: 0x31, // '1'
  FALSE: 0x30, // '0'
  TIMEVAL: 0x54, // 'T'
  USEC: 0x55, // 'U'
  CHANNEL_MAP: 0x6d, // 'm'
  CVOLUME: 0x76, // 'v'
  PROPLIST: 0x50, // 'P'
  FORMAT_INFO: 0x66, // 'f'
} as const;

export interface SampleSpec {
  /** PA_SAMPLE_S16LE = 3 */
  format: number;
  channels: number;
  rate: number;
}
export const SAMPLE_S16LE = 3;

/** Bytes for `ms` of s16 mono at `rate`, whole samples. */
export const bytesFor = (ms: number, rate: number) => Math.round((ms * rate) / 1000) * 2;

/** Builds one tagstruct; grows as needed. */
export class TagWriter {
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  private byte(b: number): this {
    this.room(1);
    this.buf[this.pos++] = b;
    return this;
  }
  private raw32(v: number): void {
    this.room(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }
  private raw64(v: bigint): void {
    this.room(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }

  u32(v: number): this {
    this.byte(T.U32).raw32(v);
    return this;
  }
  u8(v: number): this {
    return this.byte(T.U8).byte(v & 0xff);
  }
  u64(v: bigint): this {
    this.byte(T.U64).raw64(v);
    return this;
  }
  s64(v: bigint): this {
    this.byte(T.S64).raw64(v);
    return this;
  }
  usec(v: bigint): this {
    this.byte(T.USEC).raw64(v);
    return this;
  }
  bool(v: boolean): this {
    return this.byte(v ? T.TRUE : T.FALSE);
  }
  /** null is the protocol's "no string" (e.g. no device name: the default). */
  string(s: string | null): this {
    if (s === null) return this.byte(T.STRING_NULL);
    const b = Buffer.from(s, 'utf8');
    this.byte(T.STRING);
    this.room(b.length + 1);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    this.buf[this.pos++] = 0;
    return this;
  }
  arbitrary(b: Uint8Array): this {
    this.byte(T.ARBITRARY).raw32(b.length);
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  sampleSpec(s: SampleSpec): this {
    this.byte(T.SAMPLE_SPEC).byte(s.format).byte(s.channels).raw32(s.rate);
    return this;
  }
  channelMap(positions: number[]): this {
    this.byte(T.CHANNEL_MAP).byte(positions.length);
    for (const p of positions) this.byte(p);
    return this;
  }
  cvolume(volumes: number[]): this {
    this.byte(T.CVOLUME).byte(volumes.length);
    for (const v of volumes) this.raw32(v);
    return this;
  }
  timeval(ms: number): this {
    const sec = Math.floor(ms / 1000);
    this.byte(T.TIMEVAL).raw32(sec);
    this.raw32(Math.floor((ms - sec * 1000) * 1000));
    return this;
  }
  /** Strings are stored with their NUL, as pa_proplist_sets does. */
  proplist(props: Record<string, string>): this {
    this.byte(T.PROPLIST);
    for (const [k, v] of Object.entries(props)) {
      const value = Buffer.from(`${v}\0`, 'utf8');
      this.string(k).u32(value.length).arbitrary(value);
    }
    return this.byte(T.STRING_NULL);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export class ProtocolError extends Error {}

/** Reads one tagstruct in order; a tag that is not the one expected is a protocol error. */
export class TagReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private tag(expected: number): void {
    const t = this.buf[this.pos];
    if (t !== expected) throw new ProtocolError(`tagstruct: expected '${String.fromCharCode(expected)}', found ${t === undefined ? 'the end' : `'${String.fromCharCode(t)}'`} at ${this.pos}`);
    this.pos++;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ProtocolError('tagstruct: truncated');
  }
  private raw32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  private raw8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  eof(): boolean {
    return this.pos >= this.buf.length;
  }
  u32(): number {
    this.tag(T.U32);
    return this.raw32();
  }
  u8(): number {
    this.tag(T.U8);
    return this.raw8();
  }
  private raw64(tag: number, signed: boolean): bigint {
    this.tag(tag);
    this.need(8);
    const v = signed ? this.buf.readBigInt64BE(this.pos) : this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  u64(): bigint {
    return this.raw64(T.U64, false);
  }
  s64(): bigint {
    return this.raw64(T.S64, true);
  }
  usec(): bigint {
    return this.raw64(T.USEC, false);
  }
  bool(): boolean {
    const t = this.raw8();
    if (t === T.TRUE) return true;
    if (t === T.FALSE) return false;
    throw new ProtocolError(`tagstruct: expected a boolean at ${this.pos - 1}`);
  }
  string(): string | null {
    if (this.buf[this.pos] === T.STRING_NULL) {
      this.pos++;
      return null;
    }
    this.tag(T.STRING);
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new ProtocolError('tagstruct: unterminated string');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  arbitrary(): Buffer {
    this.tag(T.ARBITRARY);
    const n = this.raw32();
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  sampleSpec(): SampleSpec {
    this.tag(T.SAMPLE_SPEC);
    const format = this.raw8();
    const channels = this.raw8();
    return { format, channels, rate: this.raw32() };
  }
  channelMap(): number[] {
    this.tag(T.CHANNEL_MAP);
    const n = this.raw8();
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.raw8());
    return out;
  }
  cvolume(): number[] {
    this.tag(T.CVOLUME);
    const n = this.raw8();
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.raw32());
    return out;
  }
  /** ms since the epoch. */
  timeval(): number {
    this.tag(T.TIMEVAL);
    const sec = this.raw32();
    return sec * 1000 + this.raw32() / 1000;
  }
  proplist(): Record<string, string> {
    this.tag(T.PROPLIST);
    const out: Record<string, string> = {};
    for (;;) {
      const key = this.string();
      if (key === null) return out;
      const n = this.u32();
      const v = this.arbitrary();
      if (v.length !== n) throw new ProtocolError('tagstruct: proplist length');
      out[key] = v.toString('utf8').replace(/\0$/, '');
    }
  }
  /** A format info (encoding + proplist): read past it. */
  formatInfo(): void {
    this.tag(T.FORMAT_INFO);
    this.u8();
    this.proplist();
  }
}

/** One frame: header + payload in one buffer, ready for a single socket write. */
export function frame(channel: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(channel >>> 0, 4);
  out.writeUInt32BE(0, 8); // offset (seek relative by 0: append)
  out.writeUInt32BE(0, 12);
  out.writeUInt32BE(0, 16); // flags: PA_SEEK_RELATIVE, no SHM
  out.set(payload, FRAME_HEADER);
  return out;
}

/**
 * s16 samples as one audio frame for `channel`, little-endian (the format we open streams with)
 * whatever the host's order: the samples are copied straight into the frame.
 */
export function audioFrame(channel: number, pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + pcm.length * 2);
  out.writeUInt32BE(pcm.length * 2, 0);
  out.writeUInt32BE(channel >>> 0, 4);
  out.fill(0, 8, FRAME_HEADER);
  for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i]!, FRAME_HEADER + i * 2);
  return out;
}

/** Cuts the socket's byte stream into frames (a frame may span reads; a read may hold several). */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly onFrame: (channel: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size >= FRAME_HEADER) {
      const head = this.peek(FRAME_HEADER);
      const length = head.readUInt32BE(0);
      if (length > MAX_FRAME) throw new ProtocolError(`frame of ${length} bytes`);
      if (this.size < FRAME_HEADER + length) return;
      const whole = this.take(FRAME_HEADER + length);
      this.onFrame(whole.readUInt32BE(4), whole.subarray(FRAME_HEADER));
    }
  }

  /** The first n bytes, joined only when they span chunks. */
  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.size -= n;
    return out;
  }
}
