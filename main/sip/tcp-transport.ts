// SIP over TCP for sip.js: one connection to the proxy, messages framed by Content-Length, and
// reconnection (1 s doubling to 30 s) when the connection drops. A send while disconnected tries to
// connect first; if that fails sip.js sees a transport error (it turns it into a local 503).
import net from 'node:net';
import { TransportState } from 'sip.js';
import type { Core } from 'sip.js';
import { SipTransportBase } from './transport-base.js';
import type { SipTransportOptions } from './transport-base.js';
import { StreamFramer } from './wire.js';

export interface StreamTransportOptions extends SipTransportOptions {
  connectTimeoutMs?: number;
  /** Reconnect automatically after an unexpected close (default true). */
  reconnect?: boolean;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export abstract class StreamTransport extends SipTransportBase {
  private socket: net.Socket | null = null;
  private connecting: Promise<void> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectDelay: number;
  private stopped = false;
  private readonly framer = new StreamFramer();

  constructor(logger: Core.Logger, options: StreamTransportOptions) {
    super(logger, options);
    this.reconnectDelay = options.reconnectMinMs ?? 1000;
  }

  /** Open the socket; resolve when it is ready for SIP (TCP connected / TLS verified). */
  protected abstract open(onReady: () => void): net.Socket;
  /** Turn a connection error into a message a person can act on. */
  protected describeError(error: Error): string {
    return `SIP ${this.protocol} connection to ${this.options.host}:${this.options.port} failed: ${error.message}`;
  }

  private get streamOptions(): StreamTransportOptions {
    return this.options as StreamTransportOptions;
  }

  connect(): Promise<void> {
    this.stopped = false;
    if (this.socket && this.isConnected()) return Promise.resolve();
    if (this.connecting) return this.connecting;
    this.clearReconnect();
    this.transition(TransportState.Connecting);
    const attempt = new Promise<void>((resolve, reject) => {
      let settled = false;
      const timeout = setTimeout(() => fail(new Error('connect timeout')), this.streamOptions.connectTimeoutMs ?? 5000);
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        socket?.destroy();
        const described = new Error(this.describeError(error));
        this.problem(described.message);
        this.transition(TransportState.Disconnected, described);
        this.scheduleReconnect();
        reject(described);
      };
      let socket: net.Socket | null = null;
      try {
        socket = this.open(() => {
          if (settled || !socket) return;
          settled = true;
          clearTimeout(timeout);
          socket.off('error', fail);
          this.attach(socket);
          resolve();
        });
      } catch (error) {
        fail(error as Error);
        return;
      }
      socket.once('error', fail);
    });
    this.connecting = attempt.finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    this.framer.reset();
    this.localPort = socket.localPort ?? 0;
    this.localHost = socket.localAddress ?? '';
    this.reconnectDelay = this.streamOptions.reconnectMinMs ?? 1000;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk: Buffer) => {
      let messages: string[];
      try {
        messages = this.framer.push(chunk);
      } catch (error) {
        this.malformed(error instanceof Error ? error.message : String(error));
        socket.destroy();
        return;
      }
      for (const m of messages) this.deliver(m);
    });
    socket.on('error', (error) => this.problem(`SIP ${this.protocol} socket error: ${error.message}`));
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) {
        this.transition(TransportState.Disconnected);
        return;
      }
      this.transition(TransportState.Disconnected, new Error(`SIP ${this.protocol} connection closed by the server`));
      this.scheduleReconnect();
    });
    this.transition(TransportState.Connected);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.streamOptions.reconnect === false || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, this.streamOptions.reconnectMaxMs ?? 30_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch(() => undefined);
    }, delay);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  disconnect(): Promise<void> {
    this.stopped = true;
    this.clearReconnect();
    const socket = this.socket;
    this.socket = null;
    if (!socket) {
      this.transition(TransportState.Disconnected);
      return Promise.resolve();
    }
    this.transition(TransportState.Disconnecting);
    return new Promise<void>((resolve) => {
      socket.once('close', () => {
        this.transition(TransportState.Disconnected);
        resolve();
      });
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  async send(message: string): Promise<void> {
    if (!this.socket || !this.isConnected()) {
      if (this.stopped) throw new Error(`SIP ${this.protocol} transport is stopped`);
      await this.connect();
    }
    const socket = this.socket;
    if (!socket) throw new Error(`SIP ${this.protocol} transport is not connected`);
    const text = this.outgoing(message);
    if (text === null) return;
    this.counters.sent++;
    this.notePacket('out', text);
    await new Promise<void>((resolve, reject) => {
      socket.write(text, (error) => (error ? reject(error) : resolve()));
    });
  }
}

export class TcpTransport extends StreamTransport {
  readonly protocol: string = 'TCP';

  protected open(onReady: () => void): net.Socket {
    const o = this.options;
    const socket = net.connect({ host: o.host, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
    socket.once('connect', onReady);
    return socket;
  }
}
