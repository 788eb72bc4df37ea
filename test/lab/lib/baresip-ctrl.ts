// baresip's ctrl_tcp protocol: JSON commands and events in netstrings, one command at a time (its
// "current call" is shared state), and its listcalls text read back as calls.
import net from 'node:net';
import { waitUntil } from './procs.js';

export type BaresipEventType =
  | 'CALL_INCOMING'
  | 'CALL_RINGING'
  | 'CALL_PROGRESS'
  | 'CALL_ESTABLISHED'
  | 'CALL_CLOSED'
  | 'CALL_TRANSFER'
  | 'CALL_TRANSFER_FAILED'
  | 'TRANSFER'
  | 'CALL_DTMF_START'
  | 'CALL_DTMF_END'
  | 'CALL_RTPESTAB'
  | 'CALL_RTCP'
  | 'CALL_LOCAL_SDP'
  | 'CALL_REMOTE_SDP'
  | 'CALL_MENC'
  | 'REGISTER_OK'
  | 'REGISTER_FAIL'
  | 'UNREGISTERING'
  | (string & {});

export interface BaresipEvent {
  event: true;
  type: BaresipEventType;
  class: string;
  accountaor: string;
  direction?: 'incoming' | 'outgoing';
  peeruri?: string;
  /** SIP Call-ID of the call (absent on some early events such as CALL_LOCAL_SDP of an outgoing call) */
  id?: string;
  param?: string;
  [key: string]: unknown;
}

interface BaresipResponse {
  response: true;
  ok: boolean;
  data: string;
  token?: string;
}

export interface CommandResult {
  ok: boolean;
  data: string;
}

export interface CallInfo {
  line: number;
  /** "0:00:03" as baresip prints it */
  duration: string;
  /** INCOMING, OUTGOING, RINGING, EARLY, ESTABLISHED, TERMINATED... */
  state: string;
  peerUri: string;
  /** The current call (target of accept/hangup/hold/transfer without a call id). */
  current: boolean;
}

// baresip colours its menu output.
const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g');
export const stripAnsi = (s: string): string => s.replace(ANSI, '');

function netstring(obj: unknown): string {
  const json = JSON.stringify(obj);
  return `${Buffer.byteLength(json)}:${json},`;
}

/** Parse baresip's listcalls text: "> [line 1]  0:00:01  ESTABLISHED   sip:9002@127.0.0.1". */
export function parseListCalls(data: string): CallInfo[] {
  const calls: CallInfo[] = [];
  for (const raw of data.split('\n')) {
    const line = stripAnsi(raw);
    const m = /^(>?)\s*\[line (\d+)\]\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line);
    if (m) {
      calls.push({ current: m[1] === '>', line: Number(m[2]), duration: m[3] ?? '', state: m[4] ?? '', peerUri: m[5] ?? '' });
    }
  }
  return calls;
}

export class CtrlTcp {
  private sock: net.Socket;
  private buf = Buffer.alloc(0);
  private nextToken = 1;
  private pending = new Map<string, (r: BaresipResponse) => void>();
  private chain: Promise<unknown> = Promise.resolve();
  closed = false;

  constructor(
    sock: net.Socket,
    private onEvent: (e: BaresipEvent) => void,
  ) {
    this.sock = sock;
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('close', () => {
      this.closed = true;
      for (const [, resolve] of this.pending) resolve({ response: true, ok: false, data: 'ctrl_tcp closed' });
      this.pending.clear();
    });
    sock.on('error', () => undefined);
  }

  static async connect(port: number, onEvent: (e: BaresipEvent) => void, timeoutMs: number): Promise<CtrlTcp> {
    const sock = await waitUntil(
      () =>
        new Promise<net.Socket | undefined>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          s.once('connect', () => resolve(s));
          s.once('error', () => resolve(undefined));
        }),
      { timeoutMs, intervalMs: 50, what: `baresip ctrl_tcp on ${port}` },
    );
    return new CtrlTcp(sock, onEvent);
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const colon = this.buf.indexOf(0x3a); // ':'
      if (colon < 0) return;
      const len = Number(this.buf.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(len)) {
        this.buf = Buffer.alloc(0); // desynchronised; drop
        return;
      }
      if (this.buf.length < colon + 1 + len + 1) return;
      const body = this.buf.subarray(colon + 1, colon + 1 + len).toString('utf8');
      this.buf = this.buf.subarray(colon + 1 + len + 1);
      let msg: unknown;
      try {
        msg = JSON.parse(body);
      } catch {
        continue;
      }
      if (typeof msg !== 'object' || msg === null) continue;
      if ('event' in msg) this.onEvent(msg as BaresipEvent);
      else if ('response' in msg) {
        const r = msg as BaresipResponse;
        const resolve = r.token ? this.pending.get(r.token) : undefined;
        if (r.token && resolve) {
          this.pending.delete(r.token);
          resolve(r);
        }
      }
    }
  }

  /** Run fn exclusively: baresip's "current call" is shared state (callfind, then hangup). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private exec(command: string, params: string | undefined, timeoutMs: number): Promise<CommandResult> {
    if (this.closed) return Promise.reject(new Error('baresip ctrl_tcp is closed'));
    const token = `t${this.nextToken++}`;
    return new Promise<CommandResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip command ${command} timed out`));
      }, timeoutMs);
      this.pending.set(token, (r) => {
        clearTimeout(timer);
        resolve({ ok: r.ok, data: r.data ?? '' });
      });
      this.sock.write(netstring(params === undefined ? { command, token } : { command, params, token }));
    });
  }

  send(command: string, params?: string, timeoutMs = 5000): Promise<CommandResult> {
    return this.exclusive(() => this.exec(command, params, timeoutMs));
  }

  /** Several commands back to back, with no other command in between. */
  sequence(steps: Array<[string, string | undefined]>, timeoutMs = 5000): Promise<CommandResult[]> {
    return this.exclusive(async () => {
      const out: CommandResult[] = [];
      for (const [c, p] of steps) out.push(await this.exec(c, p, timeoutMs));
      return out;
    });
  }

  close(): void {
    this.sock.destroy();
  }
}
