// A playback stream over the native protocol, in process: the frames the media clock writes go straight
// into the server's buffer for our stream (no helper process, no pipe). We choose the buffer:
// - the sink's latency (its wake-up period) is what the stream asks for (`latencyMs`, 20 by default):
//   ADJUST_LATENCY gives the sink (tlength - 2 minreq) / 2;
// - minreq 100 ms: the server's REQUESTs (which we do not wait for: we write on our own clock) come
//   ~10 times a second instead of every 5 ms;
// - prebuf 10 ms: playing starts (and after a dry spell restarts) with the first frame (even one the
//   pacer wrote a sample short).
// What is queued is known from the server's own figures: GET_PLAYBACK_LATENCY (at most twice a second,
// sent from write(): no timer) gives its read index and the sink's latency, and between replies the
// position advances at the nominal rate (capped at what was written: a stream that ran dry waits).
import type { AudioOutputStream } from '../port.js';
import { boundedFinish, FINISH_GRACE_MS } from '../port.js';
import { CMD, connectStream, type NativeStreamOptions, type PulseConnection } from './connection.js';
import { audioFrame, bytesFor, INVALID_INDEX, SAMPLE_S16LE, type TagReader } from './wire.js';

const MINREQ_MS = 100;
const PREBUF_MS = 10;
/** Never hold more than this unplayed (ours + the server's): beyond it the device is not consuming. */
const MAX_QUEUE_MS = 1000;
const QUERY_EVERY_MS = 500;

export class NativeOutput implements AudioOutputStream {
  closed = false;
  private ended = false;
  private conn: PulseConnection | null = null;
  private index: number | null = null;
  /** Written before the stream exists (the server is slow to answer): sent once it does. */
  private early: Int16Array[] = [];
  private earlySamples = 0;
  /** Samples handed to the server. */
  private sent = 0;
  /** The playing position (samples of ours heard), as of `posAt`; posAt < 0: not playing. */
  private pos = 0;
  private posAt = -1;
  /** Not playing yet by the server's last word (before its first reply, a sink waking from idle, a stream run dry): the position holds. */
  private waiting = true;
  private sinkLatencyMs: number;
  private lastQuery = -Infinity;
  private querying = false;
  private finishing: Promise<void> | null = null;
  private ready: Promise<void>;

  constructor(
    private readonly opts: NativeStreamOptions,
    private readonly onExit: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sinkLatencyMs = opts.latencyMs;
    this.ready = this.open().catch(() => this.end());
  }

  get rate(): number {
    return this.opts.rate;
  }
  get deviceId(): string | null {
    return this.opts.deviceId;
  }

  private async open(): Promise<void> {
    const { rate, latencyMs, deviceId, name } = this.opts;
    const conn = await connectStream(this.opts, () => this.closed, { onClose: () => this.end(), onCommand: (command, r) => this.onCommand(command, r) });
    if (!conn) return;
    this.conn = conn;
    const tlength = bytesFor(2 * latencyMs + 2 * MINREQ_MS, rate);
    const reply = await conn.request(CMD.CREATE_PLAYBACK_STREAM, 'create playback stream', (w) =>
      w
        .sampleSpec({ format: SAMPLE_S16LE, channels: 1, rate })
        .channelMap([0]) // mono
        .u32(INVALID_INDEX)
        .string(deviceId) // by name, as pacat --device; null: the default sink
        .u32(INVALID_INDEX) // maxlength: the server's (4 MB); we bound the queue ourselves
        .bool(false) // not corked
        .u32(tlength)
        .u32(bytesFor(PREBUF_MS, rate))
        .u32(bytesFor(MINREQ_MS, rate))
        .u32(0) // sync id
        .cvolume([0x10000]) // 100 %, not set (volume_set below)
        // no_remap, no_remix, fix_format, fix_rate, fix_channels, dont_move, variable_rate:
        // dont_move: a sink that goes kills the stream, as it does pacat's, and the engine re-routes
        .bool(false).bool(false).bool(false).bool(false).bool(false).bool(true).bool(false)
        .bool(false) // start muted
        .bool(true) // adjust latency
        .proplist({ 'media.name': name })
        .bool(false) // volume set
        .bool(false) // early requests
        .bool(false) // muted set
        .bool(false) // don't inhibit auto-suspend
        .bool(false) // fail on suspend
        .bool(false) // relative volume
        .bool(false) // passthrough
        .u8(0), // no formats: the sample spec above
    );
    this.index = reply.u32();
    reply.u32(); // sink input index
    reply.u32(); // missing
    for (let i = 0; i < 4; i++) reply.u32(); // maxlength, tlength, prebuf, minreq as granted
    reply.sampleSpec();
    reply.channelMap();
    reply.u32(); // sink index
    reply.string(); // sink name
    reply.bool(); // sink suspended
    this.sinkLatencyMs = Number(reply.usec()) / 1000;
    if (this.closed) return;
    for (const pcm of this.early) this.send(pcm);
    this.early = [];
    this.earlySamples = 0;
  }

  private onCommand(command: number, r: TagReader): void {
    const index = r.u32();
    if (index !== this.index) return;
    // a sink that goes kills a DONT_MOVE stream; moved anyway (never asked for): the routing is no longer ours
    if (command === CMD.PLAYBACK_STREAM_KILLED || command === CMD.PLAYBACK_STREAM_MOVED) this.end();
  }

  /**
   * The one way a stream ends, once: close(), finish() done, or lost (the device unplugged, the
   * server stopped or refused the stream), which the engine sees as `closed`, as a pacat that exits.
   */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.closed = true;
    this.early = [];
    this.earlySamples = 0;
    this.conn?.close(); // the server drops the stream and what it still holds
    this.conn = null;
    this.onExit();
  }

  private heardSamples(t: number): number {
    if (this.posAt < 0 || this.waiting) return this.pos;
    return Math.min(this.sent, this.pos + ((t - this.posAt) * this.opts.rate) / 1000);
  }

  private send(pcm: Int16Array): void {
    const conn = this.conn;
    if (!conn || this.index === null) return;
    const t = this.now();
    if (!this.waiting && (this.posAt < 0 || this.heardSamples(t) >= this.sent)) {
      // first frame, or dry: playing (re)starts with this one
      this.pos = this.sent;
      this.posAt = t;
    }
    conn.sendRaw(audioFrame(this.index, pcm));
    this.sent += pcm.length;
    this.maybeQuery(t);
  }

  /**
   * The server's read index and the sink's latency: where playing really is. Asked from write() and
   * queuedMs() (the media clock calls both every tick), so no timer of our own; while the server has
   * not started playing (an idle sink waking, a stream run dry) at every call, one at a time.
   */
  private maybeQuery(t: number): void {
    const conn = this.conn;
    const index = this.index;
    if (!conn || index === null || this.querying || (!this.waiting && t - this.lastQuery < QUERY_EVERY_MS)) return;
    this.lastQuery = t;
    this.querying = true;
    const sentThen = this.sent;
    conn
      .request(CMD.GET_PLAYBACK_LATENCY, 'get playback latency', (w) => w.u32(index).timeval(Date.now()))
      .then((r) => {
        const sinkUsec = Number(r.usec());
        r.usec();
        const running = r.bool();
        r.timeval();
        r.timeval();
        r.s64(); // write index: what we had sent when it was asked (sentThen)
        const read = Number(r.s64()) / 2;
        // heard = read by the sink less what the sink still holds; the reply is a round trip old at most
        this.waiting = !running;
        const heard = running ? read - (sinkUsec / 1e6) * this.opts.rate : read;
        this.pos = Math.max(0, Math.min(sentThen, heard));
        this.posAt = this.now();
      })
      .catch(() => undefined)
      .finally(() => (this.querying = false));
  }

  write(pcm: Int16Array): void {
    if (this.closed || this.finishing) return;
    if ((this.queuedMs() ?? 0) + this.latencyMs > MAX_QUEUE_MS) return; // drop: never block the media clock
    if (this.index === null) {
      this.early.push(pcm.slice());
      this.earlySamples += pcm.length;
      return;
    }
    if (this.conn && this.conn.backlog > bytesFor(MAX_QUEUE_MS, this.opts.rate)) return; // the server is not reading
    this.send(pcm);
  }

  /** The sink's own latency (its block ahead), as the server configured it for us. */
  get latencyMs(): number {
    return this.sinkLatencyMs;
  }

  /** Written and not heard, less the sink's latency: what waits in the server's buffer for us (and our early frames). */
  queuedMs(): number {
    const early = (this.earlySamples / this.opts.rate) * 1000;
    if (this.index === null) return early;
    const t = this.now();
    this.maybeQuery(t);
    const pending = ((this.sent - this.heardSamples(t)) / this.opts.rate) * 1000;
    return Math.max(0, pending - this.sinkLatencyMs) + early;
  }

  close(): void {
    this.end();
  }

  /** DRAIN: the server answers once it has played all we sent; bounded, then closed as by close(). */
  finish(timeoutMs?: number): Promise<void> {
    if (this.finishing) return this.finishing;
    if (this.closed) return Promise.resolve();
    const bound = timeoutMs ?? this.queuedMs() + this.latencyMs + FINISH_GRACE_MS;
    const drained = this.ready.then(() => {
      const conn = this.conn;
      if (!conn || this.index === null) return;
      const index = this.index;
      return conn.request(CMD.DRAIN_PLAYBACK_STREAM, 'drain', (w) => w.u32(index));
    });
    this.finishing = boundedFinish(bound, () => this.close(), drained.finally(() => this.close()));
    return this.finishing;
  }
}
