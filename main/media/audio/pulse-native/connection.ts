// One connection to a PulseAudio server over its native protocol: connect (unix socket or TCP), AUTH
// (the cookie, or any 256 bytes where the server allows anonymous clients), SET_CLIENT_NAME, then
// commands with tagged replies and the server's own commands (REQUEST, STARTED, STREAM_KILLED...).
// Each talk stream owns one: closing it is how a stream stops at once, and a lost server ends it.
import fs from 'node:fs/promises';
import { readSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CONTROL_CHANNEL, frame, FrameReader, ProtocolError, TagReader, TagWriter } from './wire.js';

/** Command numbers (pulsecore/native-common.h). */
export const CMD = {
  ERROR: 0,
  REPLY: 2,
  CREATE_PLAYBACK_STREAM: 3,
  DELETE_PLAYBACK_STREAM: 4,
  CREATE_RECORD_STREAM: 5,
  DELETE_RECORD_STREAM: 6,
  AUTH: 8,
  SET_CLIENT_NAME: 9,
  DRAIN_PLAYBACK_STREAM: 12,
  GET_PLAYBACK_LATENCY: 14,
  GET_RECORD_LATENCY: 57,
  REQUEST: 61,
  OVERFLOW: 62,
  UNDERFLOW: 63,
  PLAYBACK_STREAM_KILLED: 64,
  RECORD_STREAM_KILLED: 65,
  PLAYBACK_STREAM_SUSPENDED: 76,
  RECORD_STREAM_SUSPENDED: 77,
  PLAYBACK_STREAM_MOVED: 78,
  RECORD_STREAM_MOVED: 79,
  STARTED: 86,
} as const;

/**
 * The protocol version we speak: 32 (PulseAudio 12+; the lab's 16.1 speaks 35). The server answers
 * with the lower of both, which decides the optional fields of each command. No SHM/memfd bits.
 */
export const OUR_VERSION = 32;
/** What one read of the socket takes at most (a 20 ms record fragment is 340 bytes with its header). */
const READ_BUFFER = 64 * 1024;
const MIN_VERSION = 22;

/** pa_error_code_t names of the codes we may meet (pulse/def.h). */
const ERRORS: Record<number, string> = {
  1: 'access denied',
  2: 'unknown command',
  3: 'invalid argument',
  4: 'entity exists',
  5: 'no such entity',
  6: 'connection refused',
  7: 'protocol error',
  8: 'timeout',
  9: 'no authentication key',
  10: 'internal error',
  11: 'connection terminated',
  12: 'entity killed',
  13: 'invalid server',
  17: 'not supported',
  19: 'too large',
  25: 'busy',
};

export class PulseError extends Error {
  constructor(
    readonly code: number,
    what: string,
  ) {
    super(`PulseAudio: ${what}: ${ERRORS[code] ?? `error ${code}`}`);
  }
}

/** Where to connect, from a server string (`unix:/path`, `/path`, `tcp:host:port`, `host`); null: the per-user default socket. */
export function parseServer(server: string | undefined, env: NodeJS.ProcessEnv): net.NetConnectOpts {
  // a list ("{machine}unix:/a tcp:b") is tried in order by libpulse; the first entry is enough here
  const first = server?.trim().split(/\s+/)[0]?.replace(/^\{[^}]*\}/, '');
  if (!first) {
    const runtime = env.XDG_RUNTIME_DIR ?? `/run/user/${process.getuid?.() ?? 0}`;
    return { path: path.join(runtime, 'pulse', 'native') };
  }
  if (first.startsWith('unix:')) return { path: first.slice(5) };
  if (first.startsWith('/')) return { path: first };
  const host = first.replace(/^tcp[46]?:/, '');
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(host);
  return { host: m?.[1] ?? host, port: Number(m?.[2] ?? 4713) };
}

/** The auth cookie (libpulse's places); anonymous servers accept any 256 bytes. */
async function readCookie(env: NodeJS.ProcessEnv): Promise<Buffer> {
  const home = env.HOME ?? os.homedir();
  const places = [env.PULSE_COOKIE, path.join(home, '.config', 'pulse', 'cookie'), path.join(home, '.pulse-cookie')];
  for (const p of places) {
    if (!p) continue;
    try {
      const c = await fs.readFile(p);
      if (c.length >= 256) return c.subarray(0, 256);
    } catch {
      /* not there: the next place */
    }
  }
  return Buffer.alloc(256);
}

/** What a stream of the pulse backend is opened with. */
export interface NativeStreamOptions {
  server: string | undefined;
  env: NodeJS.ProcessEnv;
  deviceId: string | null;
  rate: number;
  name: string;
  /** The device-side buffering wanted (the sink's / source's latency), ms. */
  latencyMs: number;
}

/**
 * The connection of one stream, its events set; null when the stream was closed while connecting (the
 * connection is dropped then: nothing is created on the server).
 */
export async function connectStream(opts: NativeStreamOptions, closed: () => boolean, events: ConnectionEvents): Promise<PulseConnection | null> {
  const conn = await PulseConnection.open(opts.server, opts.env, 'dispatch-phone');
  if (closed()) {
    conn.close();
    return null;
  }
  conn.events = events;
  return conn;
}

interface Pending {
  what: string;
  resolve: (r: TagReader) => void;
  reject: (e: Error) => void;
}

export interface ConnectionEvents {
  /** A command the server sent on its own (its tagstruct positioned after command and tag). */
  onCommand?: (command: number, r: TagReader) => void;
  /** Audio for a record stream. */
  onData?: (channel: number, data: Buffer) => void;
  /** The connection is gone (server stopped, socket error, protocol error, or close()). */
  onClose?: (why: Error | null) => void;
}

export class PulseConnection {
  version = OUR_VERSION;
  private readonly pending = new Map<number, Pending>();
  private nextTag = 0;
  private ended = false;
  events: ConnectionEvents = {};

  private readonly reader = new FrameReader((channel, payload) => this.onFrame(channel, payload));

  /** `readBuffer`: the socket's onread buffer, which readNow() also reads into (never both at once: one thread). */
  private constructor(
    private readonly socket: net.Socket,
    private readonly readBuffer: Buffer,
  ) {
    socket.setNoDelay?.(true);
    socket.on('error', (e) => this.end(e));
    socket.on('close', () => this.end(new Error('PulseAudio: connection closed')));
  }

  /** Connect and authenticate; rejects if the server is not there or refuses us. */
  static async open(server: string | undefined, env: NodeJS.ProcessEnv, clientName: string): Promise<PulseConnection> {
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER);
    let took = (_: number): void => undefined; // nothing comes before AUTH is sent
    const [socket, cookie] = await Promise.all([
      new Promise<net.Socket>((resolve, reject) => {
        // onread (our own read buffer) rather than 'data': with it, pause() stops reading at the socket
        // itself, which is what holdReads() needs (a paused 'data' stream still reads up to its high water mark)
        const callback = (n: number): boolean => {
          took(n);
          return true; // (false would pause)
        };
        const s = net.createConnection({ ...parseServer(server, env), onread: { buffer: readBuffer, callback } });
        s.once('connect', () => {
          s.off('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      }),
      readCookie(env),
    ]);
    const c = new PulseConnection(socket, readBuffer);
    took = (n) => c.took(n);
    try {
      const auth = await c.request(CMD.AUTH, 'auth', (w) => w.u32(OUR_VERSION).arbitrary(cookie));
      c.version = Math.min(OUR_VERSION, auth.u32() & 0xffff);
      if (c.version < MIN_VERSION) throw new Error(`PulseAudio: protocol version ${c.version} is too old (need ${MIN_VERSION})`);
      await c.request(CMD.SET_CLIENT_NAME, 'set client name', (w) => w.proplist({ 'application.name': clientName }));
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Bytes given to the socket and not yet taken by the kernel (a server that does not read). */
  get backlog(): number {
    return this.socket.writableLength;
  }

  /**
   * Stop the event loop reading the socket until wakeReads(): what the server sends meanwhile waits in
   * the kernel, and readNow() takes it (a record stream read once a tick by the media clock). libuv drops
   * the socket from its epoll set at its first event after the hold, so from then on a fragment that
   * comes costs the thread no wake-up of its own.
   */
  holdReads(): void {
    if (!this.ended) this.socket.pause();
  }

  wakeReads(): void {
    if (!this.ended) this.socket.resume();
  }

  /** While held: read what the socket holds, now (its fd is non-blocking: EAGAIN when it is empty). */
  readNow(): void {
    const fd = (this.socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (this.ended || fd === undefined || fd < 0) return;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, this.readBuffer);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') this.end(e as Error);
        return;
      }
      if (n === 0) return this.end(new Error('PulseAudio: connection closed'));
      this.took(n);
      if (n < this.readBuffer.length) return; // it held less than the buffer: that was all of it
    }
  }

  /** `n` bytes read into readBuffer: a copy goes to the frame reader (the buffer is read into again). */
  private took(n: number): void {
    try {
      this.reader.push(Buffer.from(this.readBuffer.subarray(0, n)));
    } catch (e) {
      this.end(e as Error);
    }
  }

  /** Send a command; resolves with its reply, positioned after command and tag. */
  request(command: number, what: string, args: (w: TagWriter) => void): Promise<TagReader> {
    if (this.ended) return Promise.reject(new Error(`PulseAudio: ${what}: connection closed`));
    const tag = this.nextTag++ >>> 0;
    const w = new TagWriter().u32(command).u32(tag);
    args(w);
    return new Promise<TagReader>((resolve, reject) => {
      this.pending.set(tag, { what, resolve, reject });
      this.socket.write(frame(CONTROL_CHANNEL, w.bytes()));
    });
  }

  /** Send a prepared audio frame (wire.ts audioFrame). */
  sendRaw(bytes: Buffer): void {
    if (!this.ended) this.socket.write(bytes);
  }

  private onFrame(channel: number, payload: Buffer): void {
    if (channel !== CONTROL_CHANNEL) {
      this.events.onData?.(channel, payload);
      return;
    }
    const r = new TagReader(payload);
    const command = r.u32();
    const tag = r.u32();
    if (command === CMD.REPLY || command === CMD.ERROR) {
      const p = this.pending.get(tag);
      if (!p) return;
      this.pending.delete(tag);
      if (command === CMD.REPLY) p.resolve(r);
      else p.reject(new PulseError(r.eof() ? 10 : r.u32(), p.what));
      return;
    }
    try {
      this.events.onCommand?.(command, r);
    } catch (e) {
      if (e instanceof ProtocolError) this.end(e);
      else throw e;
    }
  }

  private end(why: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.destroy();
    for (const p of this.pending.values()) p.reject(why ?? new Error(`PulseAudio: ${p.what}: connection closed`));
    this.pending.clear();
    this.events.onClose?.(why);
  }

  /** Drop the connection now: the server removes its streams at once (nothing more is played). */
  close(): void {
    this.end(null);
  }
}
