// The PhoneApi over the web host's loopback WebSocket: JSON frames carrying ClientMessage / ServerMessage.
// Reconnects with back-off; requests in flight when the socket drops fail with a typed error, never hang.
import type { ClientMessage, CommandArgs, CommandName, CommandResult, PhoneApi, ServerMessage } from '../../shared/commands.js';
import type { PhoneError, Result } from '../../shared/errors.js';
import type { PhoneState } from '../../shared/state.js';

/** A PhoneApi that can also say whether its carrier is up (the IPC one always is). */
export interface ConnectionAware {
  isConnected(): boolean;
  onConnectionChange(listener: (connected: boolean) => void): () => void;
}

/** What a command gets while the carrier to the phone core is down. */
export const CONNECTION_LOST: PhoneError = { code: 'internal', why: { kind: 'core-unreachable' } };

/** The slice of the DOM WebSocket this class uses (so tests can pass a fake). */
export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(): void;
}

export interface WebSocketPhoneApiOptions {
  /** Creates a socket; defaults to the browser's WebSocket. */
  createSocket?: (url: string) => SocketLike;
  /** Reconnect delays in ms; the last one repeats. */
  backoffMs?: readonly number[];
  /** A request with no answer after this long fails. */
  requestTimeoutMs?: number;
}

const OPEN = 1;

interface Pending {
  resolve: (result: Result<unknown>) => void;
  timer: ReturnType<typeof setTimeout>;
}

function failure(error: PhoneError): { ok: false; error: PhoneError } {
  return { ok: false, error };
}

function isServerMessage(value: unknown): value is ServerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  if (kind === 'state') return typeof (value as { state?: unknown }).state === 'object';
  if (kind === 'result') return typeof (value as { requestId?: unknown }).requestId === 'number';
  return false;
}

export class WebSocketPhoneApi implements PhoneApi, ConnectionAware {
  private socket: SocketLike | null = null;
  private connected = false;
  private closed = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly stateListeners = new Set<(state: PhoneState) => void>();
  private readonly connectionListeners = new Set<(connected: boolean) => void>();
  private lastState: PhoneState | null = null;
  private readonly createSocket: (url: string) => SocketLike;
  private readonly backoffMs: readonly number[];
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly url: string,
    options: WebSocketPhoneApiOptions = {},
  ) {
    this.createSocket = options.createSocket ?? ((u) => new WebSocket(u) as unknown as SocketLike);
    this.backoffMs = options.backoffMs ?? [250, 500, 1000, 2000, 4000, 5000];
    this.requestTimeoutMs = options.requestTimeoutMs ?? 20_000;
    this.connect();
  }

  invoke<K extends CommandName>(name: K, args: CommandArgs<K>): Promise<Result<CommandResult<K>>> {
    const socket = this.socket;
    if (!socket || !this.connected || socket.readyState !== OPEN) {
      return Promise.resolve(failure(CONNECTION_LOST));
    }
    const requestId = this.nextRequestId++;
    const message: ClientMessage = { kind: 'command', requestId, name, args };
    return new Promise<Result<CommandResult<K>>>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        resolve(failure({ code: 'internal', why: { kind: 'core-timeout', command: name } }));
      }, this.requestTimeoutMs);
      this.pending.set(requestId, { resolve: resolve as (r: Result<unknown>) => void, timer });
      try {
        socket.send(JSON.stringify(message));
      } catch {
        clearTimeout(timer);
        this.pending.delete(requestId);
        resolve(failure(CONNECTION_LOST));
      }
    });
  }

  onState(listener: (state: PhoneState) => void): () => void {
    this.stateListeners.add(listener);
    if (this.lastState) listener(this.lastState);
    return () => this.stateListeners.delete(listener);
  }

  isConnected(): boolean {
    return this.connected;
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** Stops for good (no reconnect); fails whatever is in flight. */
  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
    this.dropped();
  }

  private connect(): void {
    if (this.closed) return;
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    // A fresh connection may talk to a restarted core whose versions start again.
    let lastVersion = -Infinity;
    socket.onopen = () => {
      this.attempt = 0;
      this.setConnected(true);
    };
    socket.onmessage = (ev) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (!isServerMessage(parsed)) return;
      if (parsed.kind === 'state') {
        if (parsed.state.version < lastVersion) return;
        lastVersion = parsed.state.version;
        this.lastState = parsed.state;
        for (const l of [...this.stateListeners]) l(parsed.state);
      } else {
        const p = this.pending.get(parsed.requestId);
        if (!p) return;
        this.pending.delete(parsed.requestId);
        clearTimeout(p.timer);
        p.resolve(parsed.result);
      }
    };
    socket.onerror = () => {
      /* onclose follows */
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.dropped();
      this.scheduleReconnect();
    };
  }

  private dropped(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(failure(CONNECTION_LOST));
      this.pending.delete(id);
    }
    this.setConnected(false);
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delays = this.backoffMs;
    const delay = delays[Math.min(this.attempt, delays.length - 1)] ?? 1000;
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    for (const l of [...this.connectionListeners]) l(connected);
  }
}

export function isConnectionAware(api: PhoneApi): api is PhoneApi & ConnectionAware {
  const candidate = api as Partial<ConnectionAware>;
  return typeof candidate.onConnectionChange === 'function' && typeof candidate.isConnected === 'function';
}
