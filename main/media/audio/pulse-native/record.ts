// A record stream over the native protocol, in process: the server sends our source's audio in
// fragments of `latencyMs` (20 ms by default, ADJUST_LATENCY: the source is asked for that latency,
// so it wakes once per fragment, as parec --latency-msec did) straight into the ring the media clock
// reads. Its latency is the server's own figure (GET_RECORD_LATENCY, at most once a second, sent when a
// fragment arrives: no timer): the source's latency plus what the server still holds for us.
// While the media clock runs, the socket is read only on the clock's wake-up (fetch(), then paused at
// the next read()): a fragment waits in the kernel until the tick that would have read it from the
// ring anyway, and the thread wakes 50 times a second fewer. So a fragment's age cannot be dated by
// when we read it: the latency reply dates the stream itself (see latencyMs).
import type { AudioInputStream } from '../port.js';
import { PcmRing, S16Assembler } from '../port.js';
import { CMD, connectStream, type NativeStreamOptions, type PulseConnection } from './connection.js';
import { bytesFor, INVALID_INDEX, SAMPLE_S16LE, type TagReader } from './wire.js';

const QUERY_EVERY_MS = 1000;

export class NativeInput implements AudioInputStream {
  closed = false;
  private conn: PulseConnection | null = null;
  private index: number | null = null;
  private readonly ring: PcmRing;
  private readonly asm = new S16Assembler();
  /** When the last audio reached us. */
  private dataAt: number | null = null;
  /** Samples taken in since the stream began. */
  private received = 0;
  /** From the server's last latency reply: when (wall clock, ms) the sample `at` was captured; null before one. */
  private dated: { at: number; capturedMs: number } | null = null;
  /** Read the socket only when fetch()ed (the media clock runs). */
  private onDemand = false;
  private lastQuery = -Infinity;
  private querying = false;

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
    if (this.onDemand) conn.pauseReading();
  }

  private onCommand(command: number, r: TagReader): void {
    const index = r.u32();
    if (index !== this.index) return;
    if (command === CMD.RECORD_STREAM_KILLED || command === CMD.RECORD_STREAM_MOVED) this.close();
  }

  private onData(channel: number, data: Buffer): void {
    if (channel !== this.index || this.closed) return;
    const pcm = this.asm.push(data);
    this.ring.push(pcm);
    this.received += pcm.length;
    this.dataAt = this.now();
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
        r.timeval(); // ours, echoed
        const serverNowMs = r.timeval(); // the server's clock (the same machine's wall clock) when it replied
        const held = Number(r.s64() - r.s64()); // write index - read index: what waits for us in the server
        // the reply comes after every fragment sent before it: the newest of those (our `received`-th
        // sample) was this old when the server replied
        const ageMs = sourceUsec / 1000 + (held / 2 / this.opts.rate) * 1000;
        this.dated = { at: this.received, capturedMs: serverNowMs - ageMs };
      })
      .catch(() => undefined)
      .finally(() => (this.querying = false));
  }

  /**
   * How old the newest sample we hold is. Once the server has replied: the sample it dated, and those
   * after it at the stream's rate, against the wall clock (re-dated each second: the source's clock and
   * ours drift apart slowly). Before: what was asked, plus the time since the newest audio came.
   */
  get latencyMs(): number {
    if (this.dated) return Date.now() - (this.dated.capturedMs + ((this.received - this.dated.at) / this.opts.rate) * 1000);
    return this.opts.latencyMs + (this.dataAt === null ? 0 : this.now() - this.dataAt);
  }

  read(samples: number): Int16Array | null {
    if (this.onDemand) this.conn?.pauseReading();
    return this.ring.read(samples);
  }

  fetch(): void {
    this.onDemand = true;
    this.conn?.resumeReading();
  }

  takeAsItComes(): void {
    this.onDemand = false;
    this.conn?.resumeReading();
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
