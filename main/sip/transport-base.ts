// What the UDP, TCP and TLS transports share: sip.js's Transport surface, state, and a guarded
// hand-over of received text to sip.js (its parser may throw on garbage: that must never crash us).
import { EmitterImpl, TransportState } from 'sip.js';
import type { Core, Emitter, Transport } from 'sip.js';
import { isKeepAlive, peekMessage } from './wire.js';
import type { Peek } from './wire.js';

type Logger = Core.Logger;

export interface SipTransportOptions {
  /** The proxy/registrar: the one flow this transport talks to. */
  host: string;
  port: number;
  /** Local address to bind (default 127.0.0.1 for host 127.0.0.1, else 0.0.0.0). */
  localAddress?: string;
  /** TLS: PEM file of the CA that must have signed the server's certificate. */
  caFile?: string;
  /** TLS: name to verify the certificate against (default: host). */
  servername?: string;
  /** Told about every transport-level problem worth a line in the log. */
  onProblem?: (message: string) => void;
}

/** Sees each message before anything else reads it, and each message sip.js sends (main/sip/sipjs-seams/early-ringing.ts). */
export interface TransportHook {
  /**
   * A received message, before the transport's own look at it: the hook's Peek when the hook has read it
   * already (a new INVITE it answered), which the transport then takes as its own; else null.
   */
  received(text: string): Peek | null;
  /** sip.js has handled (or dropped, or never got) that message. */
  handled(): void;
  /** On its way out: the text to send, or null to send nothing. */
  sending(text: string): string | null;
}

export interface TransportCounters {
  received: number;
  sent: number;
  keepAlives: number;
  malformed: number;
  absorbed: number;
  retransmissions: number;
  /** Datagrams from senders that are not our proxy, dropped (main/sip/source-gate.ts). */
  refused: number;
}

export abstract class SipTransportBase implements Transport {
  abstract readonly protocol: string;
  onConnect: (() => void) | undefined;
  onDisconnect: ((error?: Error) => void) | undefined;
  onMessage: ((message: string) => void) | undefined;

  readonly counters: TransportCounters = {
    received: 0,
    sent: 0,
    keepAlives: 0,
    malformed: 0,
    absorbed: 0,
    retransmissions: 0,
    refused: 0,
  };
  /** Local port of the socket (Contact and Via need it); 0 before connect. */
  localPort = 0;
  localHost = '';
  hook: TransportHook | null = null;

  protected _state: TransportState = TransportState.Disconnected;
  private readonly _stateChange = new EmitterImpl<TransportState>();
  private malformedLogged = false;
  private readonly packetListeners = new Set<(direction: 'in' | 'out', text: string) => void>();

  constructor(
    protected readonly logger: Logger,
    protected readonly options: SipTransportOptions,
  ) {
    if (!options || typeof options.host !== 'string' || !Number.isInteger(options.port)) {
      throw new Error('SIP transport needs transportOptions { host, port }');
    }
  }

  get state(): TransportState {
    return this._state;
  }

  get stateChange(): Emitter<TransportState> {
    return this._stateChange;
  }

  isConnected(): boolean {
    return this._state === TransportState.Connected;
  }

  abstract connect(): Promise<void>;
  abstract disconnect(): Promise<void>;
  abstract send(message: string): Promise<void>;

  async dispose(): Promise<void> {
    await this.disconnect();
    this._stateChange.removeAllListeners();
  }

  /** Watch raw traffic (tests and diagnostics). */
  onPacket(listener: (direction: 'in' | 'out', text: string) => void): () => void {
    this.packetListeners.add(listener);
    return () => this.packetListeners.delete(listener);
  }

  protected transition(state: TransportState, error?: Error): void {
    if (this._state === state) return;
    const old = this._state;
    this._state = state;
    this._stateChange.emit(state);
    if (state === TransportState.Connected) this.onConnect?.();
    if (state === TransportState.Disconnected && old !== TransportState.Connecting) this.onDisconnect?.(error);
    if (state === TransportState.Disconnected && old === TransportState.Connecting && error) this.onDisconnect?.(error);
  }

  protected notePacket(direction: 'in' | 'out', text: string): void {
    for (const l of this.packetListeners) {
      try {
        l(direction, text);
      } catch {
        /* a watcher never breaks the transport */
      }
    }
  }

  /** Hand a received message to sip.js, unless `filter` (which sees the peek) keeps it back. */
  protected deliver(text: string, filter?: (peek: Peek | null) => boolean): void {
    this.counters.received++;
    if (isKeepAlive(text)) {
      this.counters.keepAlives++;
      return;
    }
    this.notePacket('in', text);
    const hook = this.hook;
    let peek: Peek | null = null;
    if (hook) this.guarded(() => (peek = hook.received(text)));
    this.handOver(text, filter, peek);
    if (hook) this.guarded(() => hook.handled());
  }

  private handOver(text: string, filter?: (peek: Peek | null) => boolean, peeked: Peek | null = null): void {
    // A new INVITE the hook has read is not read twice on its way to the 180.
    const peek = peeked ?? peekMessage(text);
    if (!peek) {
      this.malformed(`not a SIP message (${JSON.stringify(text.slice(0, 40))})`);
      return;
    }
    if (filter && !filter(peek)) {
      this.counters.absorbed++;
      return;
    }
    try {
      this.onMessage?.(text);
    } catch (error) {
      this.malformed(error instanceof Error ? error.message : String(error));
    }
  }

  /** What to put on the wire for sip.js's `message` (the hook may drop or amend it), null for nothing. */
  protected outgoing(message: string): string | null {
    const hook = this.hook;
    if (!hook) return message;
    let text: string | null = message;
    this.guarded(() => (text = hook.sending(message)));
    return text;
  }

  /** A failing hook costs its own job, never the message or the process. */
  private guarded(job: () => unknown): void {
    try {
      job();
    } catch (error) {
      this.problem(`SIP ${this.protocol} transport hook failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  protected malformed(why: string): void {
    this.counters.malformed++;
    if (!this.malformedLogged) {
      this.malformedLogged = true;
      const msg = `SIP ${this.protocol}: dropped a malformed message (${why}); further ones are only counted`;
      this.logger.warn(msg);
      this.options.onProblem?.(msg);
    }
  }

  protected problem(message: string): void {
    this.logger.warn(message);
    this.options.onProblem?.(message);
  }
}
