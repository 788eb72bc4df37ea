// SIP over UDP for sip.js: one socket, one flow to the proxy, with the RFC 3261 retransmissions
// sip.js leaves out (see retransmit.ts). Garbage datagrams are counted and dropped, never thrown.
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { TransportState } from 'sip.js';
import type { Core } from 'sip.js';
import { Retransmitter, RFC3261_TIMERS } from './retransmit.js';
import type { RetransmitConfig } from './retransmit.js';
import { responseDestination, stampVia } from './local-address.js';
import type { SourceGate } from './source-gate.js';
import { SipTransportBase } from './transport-base.js';
import type { SipTransportOptions } from './transport-base.js';
import { peekMessage } from './wire.js';

export interface UdpTransportOptions extends SipTransportOptions {
  /** Bind this local port (0 = any). */
  localPort?: number;
  timers?: RetransmitConfig;
  /** Who may send to us (main/sip/source-gate.ts); none: everyone. */
  gate?: SourceGate;
}

export class UdpTransport extends SipTransportBase {
  readonly protocol = 'UDP';
  private socket: dgram.Socket | null = null;
  /** The server's address, resolved once per connect: every datagram goes there. */
  private serverAddress = '';
  private connecting: Promise<void> | null = null;
  /** disconnect() was called: sends fail until connect() is called again (no socket reopened behind a stop). */
  private closedByUs = false;
  private readonly retransmitter: Retransmitter;

  constructor(logger: Core.Logger, options: UdpTransportOptions) {
    super(logger, options);
    // A failed resend is not an error of its own: the timer (or the peer) tries again.
    this.retransmitter = new Retransmitter((text) => void this.write(text).catch(() => undefined), options.timers ?? RFC3261_TIMERS);
  }

  get retransmitStats(): { retransmissions: number; absorbed: number } {
    return this.retransmitter.stats;
  }

  connect(): Promise<void> {
    this.closedByUs = false;
    if (this.socket) return Promise.resolve();
    // One attempt at a time: a send may start one while another is under way.
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private open(): Promise<void> {
    this.transition(TransportState.Connecting);
    const options = this.options as UdpTransportOptions;
    return this.resolveServer().then(() => new Promise<void>((resolve, reject) => {
      // Our lookup hands the (already resolved) address back synchronously. Node's default, dns.lookup, answers
      // even an IP literal on the next tick, which holds each datagram back until all the synchronous work after
      // the send is done: a 180 Ringing would wait for the whole incoming-call bookkeeping.
      const socket = dgram.createSocket({ type: 'udp4', lookup: sameAddress });
      const onError = (error: Error): void => {
        socket.close();
        this.socket = null;
        this.transition(TransportState.Disconnected, error);
        reject(error);
      };
      socket.once('error', onError);
      socket.on('message', (data, from) => this.receive(data, from));
      const bindAddress = options.localAddress ?? (options.host === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0');
      socket.bind(options.localPort ?? 0, bindAddress, () => {
        socket.off('error', onError);
        socket.on('error', (error) => this.problem(`SIP UDP socket error: ${error.message}`));
        const address = socket.address();
        this.localPort = address.port;
        this.localHost = address.address;
        this.socket = socket;
        this.transition(TransportState.Connected);
        resolve();
      });
    }));
  }

  private async resolveServer(): Promise<void> {
    const host = this.options.host;
    if (isIP(host) === 4) {
      this.serverAddress = host;
      (this.options as UdpTransportOptions).gate?.setServer(host, this.options.port);
      return;
    }
    try {
      this.serverAddress = (await lookup(host, { family: 4 })).address;
      (this.options as UdpTransportOptions).gate?.setServer(this.serverAddress, this.options.port);
    } catch (error) {
      const why = new Error(`SIP server ${host} not found: ${(error as Error).message}`);
      this.transition(TransportState.Disconnected, why);
      throw why;
    }
  }

  disconnect(): Promise<void> {
    this.closedByUs = true;
    this.retransmitter.clear();
    const socket = this.socket;
    this.socket = null;
    if (!socket) {
      this.transition(TransportState.Disconnected);
      return Promise.resolve();
    }
    this.transition(TransportState.Disconnecting);
    return new Promise<void>((resolve) => {
      socket.close(() => {
        this.transition(TransportState.Disconnected);
        resolve();
      });
    });
  }

  async send(message: string): Promise<void> {
    // Not connected, e.g. the server's name did not resolve when the app started offline: try again now.
    if (!this.socket) {
      if (this.closedByUs) throw new Error('SIP UDP transport is not connected');
      await this.connect();
    }
    const text = this.outgoing(message);
    if (text === null) return;
    await this.write(text);
    this.retransmitter.outgoing(text, peekMessage(text));
  }

  private write(message: string): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('SIP UDP transport is not connected'));
    this.counters.sent++;
    this.counters.retransmissions = this.retransmitter.stats.retransmissions;
    this.notePacket('out', message);
    const to = this.destination(message);
    return new Promise<void>((resolve, reject) => {
      socket.send(message, to.port, to.address, (error) => (error ? reject(error) : resolve()));
    });
  }

  /**
   * Requests go to the proxy (our one flow). A response goes where RFC 3261 18.2.2 and RFC 3581 say: the
   * top Via's received/rport (which receive() stamped from the request's source), else its sent-by.
   */
  private destination(message: string): { address: string; port: number } {
    const server = { address: this.serverAddress, port: this.options.port };
    if (!message.startsWith('SIP/2.0 ')) return server;
    const via = /\r\n(?:Via|v)[ \t]*:[ \t]*([^\r\n,]*)/i.exec(message)?.[1];
    const to = via === undefined ? null : responseDestination(via);
    return to !== null && isIP(to.address) === 4 ? to : server;
  }

  private receive(data: Buffer, from: dgram.RemoteInfo): void {
    let text: string;
    try {
      text = data.toString('utf8');
    } catch {
      this.malformed('undecodable datagram');
      return;
    }
    const gate = (this.options as UdpTransportOptions).gate;
    if (gate && data.length > 4 && !gate.admits(from.address, from.port, text)) {
      this.counters.refused++;
      return;
    }
    // RFC 3261 18.2.1 / RFC 3581 4: a request's top Via learns where it really came from.
    if (!text.startsWith('SIP/2.0')) text = stampVia(text, from);
    this.deliver(text, (peek) => this.retransmitter.incoming(peek));
  }
}

/** dgram's lookup for addresses that are already IPv4 literals: answers at once, no tick later. */
function sameAddress(address: string, _family: unknown, callback: (error: Error | null, address: string, family: number) => void): void {
  callback(null, address, 4);
}
