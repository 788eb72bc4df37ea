// A record stream over the native protocol, in process: the server sends our source's audio in
// fragments of `latencyMs` (20 ms by default, ADJUST_LATENCY: the source is asked for that latency,
// so it wakes once per fragment, as parec --latency-msec did) straight into the ring the media clock
// reads. Its latency is the server's own figure (GET_RECORD_LATENCY, at most once a second, sent when a
// fragment arrives: no timer): the source's latency plus what the server still holds for us.
// The media clock holds the stream between its ticks (hold / collect): a fragment is read at the tick
// that uses it, and does not wake the thread 20 ms apart from the tick's own wake-up.
import type { AudioInputStream } from '../port.js';
import { PcmRing, S16Assembler } from '../port.js';
import { CMD, connectStream, type NativeStreamOptions, type PulseConnection } from './connection.js';
import { bytesFor, INVALID_INDEX, SAMPLE_S16LE, type TagReader } from './wire.js';

const QUERY_EVERY_MS = 1000;
/**
 * Held (hold()), fragments wait in the socket and collect() reads them, so when each arrived is not
 * seen: they are dated by the phase of the last fragment seen arriving, and once this often the hold is
 * let go for a period to see one again (a wake-up or two a second).
 */
const PHASE_EVERY_MS = 1000;

export class NativeInput implements AudioInputStream {
  closed = false;
  private conn: PulseConnection | null = null;
  private index: number | null = null;
  private readonly ring: PcmRing;
  private readonly asm = new S16Assembler();
  /** When the last audio reached us. */
  private dataAt: number | null = null;
  /** The server's figure for our stream (source latency + what it holds for us), ms; null before a reply. */
  private serverMs: number | null = null;
  private lastQuery = -Infinity;
  private querying = false;
  /** When a fragment was last seen arriving (read as it came, not by collect()). */
  private seenAt: number | null = null;
  private collecting = false;
  private held = false;

  constructor(
    private readonly opts: NativeStreamOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.ring = new PcmRing(Math.round(opts.rate * 0.2)); // keep at most 200 ms: capture latency stays bounded
    this.open().catch(() => this.close());
  }

  get rate(): number {
    return this.opts.rate;
  }
  get deviceId(): string | null {
    return this.opts.deviceId;
  }

  private async open(): Promise<void> {
    const { rate, latencyMs, deviceId, name } = this.opts;
    const conn = await connectStream(this.opts, () => this.closed, {
      onClose: () => this.close(),
      onCommand: (command, r) => this.onCommand(command, r),
      onData: (channel, data) => this.onData(channel, data),
    });
    if (!conn) return;
    this.conn = conn;
    const reply = await conn.request(CMD.CREATE_RECORD_STREAM, 'create record stream', (w) =>
      w
        .sampleSpec({ format: SAMPLE_S16LE, channels: 1, rate })
        .channelMap([0])
        .u32(INVALID_INDEX)
        .string(deviceId) // by name, as parec --device; null: the default source
        .u32(INVALID_INDEX) // maxlength: the server's
        .bool(false) // not corked
        .u32(bytesFor(latencyMs, rate)) // fragsize
        // no_remap, no_remix, fix_format, fix_rate, fix_channels, dont_move (a source that goes kills us), variable_rate
        .bool(false).bool(false).bool(false).bool(false).bool(false).bool(true).bool(false)
        .bool(false) // peak detect
        .bool(true) // adjust latency
        .proplist({ 'media.name': name })
        .u32(INVALID_INDEX) // direct on input: none
        .bool(false) // early requests
        .bool(false) // don't inhibit auto-suspend
        .bool(false) // fail on suspend
        .u8(0) // no formats
        .cvolume([0x10000])
        .bool(false) // start muted
        .bool(false) // volume set
        .bool(false) // muted set
        .bool(false) // relative volume
        .bool(false), // passthrough
    );
    this.index = reply.u32();
  }

  private onCommand(command: number, r: TagReader): void {
    const index = r.u32();
    if (index !== this.index) return;
    if (command === CMD.RECORD_STREAM_KILLED || command === CMD.RECORD_STREAM_MOVED) this.close();
  }

  private onData(channel: number, data: Buffer): void {
    if (channel !== this.index || this.closed) return;
    this.ring.push(this.asm.push(data));
    const now = this.now();
    const fragmentMs = (data.length / 2 / this.opts.rate) * 1000;
    if (this.collecting && this.seenAt !== null && fragmentMs > 0) {
      this.dataAt = this.seenAt + fragmentMs * Math.floor((now - this.seenAt) / fragmentMs);
    } else {
      this.dataAt = now;
      this.seenAt = now;
    }
    if (this.dataAt - this.lastQuery >= QUERY_EVERY_MS && !this.querying && this.conn) this.queryLatency(this.conn, channel);
  }

  private queryLatency(conn: PulseConnection, index: number): void {
    this.lastQuery = this.now();
    this.querying = true;
    conn
      .request(CMD.GET_RECORD_LATENCY, 'get record latency', (w) => w.u32(index).timeval(Date.now()))
      .then((r) => {
        r.usec(); // monitor latency (of a sink's monitor: counted in the source's for us)
        const sourceUsec = Number(r.usec());
        r.bool();
        r.timeval();
        r.timeval();
        const held = Number(r.s64() - r.s64()); // write index - read index: what waits for us in the server
        this.serverMs = sourceUsec / 1000 + (held / 2 / this.opts.rate) * 1000;
      })
      .catch(() => undefined)
      .finally(() => (this.querying = false));
  }

  /**
   * How old the newest sample we hold is: the server's figure (before its first reply, what was asked)
   * when it reached us, plus the time since; fragments come whole, so a read lands 0-20 ms after one.
   */
  get latencyMs(): number {
    return (this.serverMs ?? this.opts.latencyMs) + (this.dataAt === null ? 0 : this.now() - this.dataAt);
  }

  hold(): void {
    const hold = this.seenAt !== null && this.now() - this.seenAt < PHASE_EVERY_MS;
    if (hold === this.held) return;
    this.held = hold;
    if (this.held) this.conn?.holdReads();
    else this.conn?.wakeReads(); // a period read as it comes: the next fragment is seen arriving
  }

  collect(): void {
    if (!this.held || !this.conn) return;
    this.collecting = true;
    try {
      this.conn.readNow();
    } finally {
      this.collecting = false;
    }
  }

  read(samples: number): Int16Array | null {
    return this.ring.read(samples);
  }

  available(): number {
    return this.ring.length;
  }

  /** Stops at once; also how a lost stream ends (the source vanished, the server stopped): `closed`, as a parec that exits. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn?.close();
    this.conn = null;
  }
}
