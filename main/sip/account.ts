// The SIP account: REGISTER with digest auth, refresh before expiry, re-register with a growing
// back-off (1 s doubling to 30 s) while the server is unreachable or failing, a dead server noticed within
// ~25 s by the look at it every 15 s (server-watch.ts: the binding fetch while registered, else OPTIONS; an
// unanswered one confirmed by a second), while unreachable a quick probe every 2 s so that a returning
// server is re-registered within seconds, whatever the back-off says. Un-REGISTER on stop.
// The 15 s look also holds a NAT's UDP mapping open, so that the proxy's INVITEs still reach us: the
// shortest UDP mapping timeouts met in practice are 30 s (Linux conntrack's default for a flow that has
// seen no reply yet, many home routers), RFC 4787 asks for at least 2 min; 15 s stays under 30 s with one lost.
// Wrong credentials (401/403 after auth) are NOT retried on their own: that would lock the account.
//
// REGISTER is sent through sip.js's core (digest auth, transactions) rather than its Registerer, whose
// automatic refresh hides the response codes we need to tell these states apart.
import { TransportState } from 'sip.js';
import type { Core } from 'sip.js';
import type { URI, UserAgent } from 'sip.js';
import type { RegistrationState } from '../../shared/domain.js';
import type { Cause } from '../../shared/facts.js';
import type { SipLog } from './log.js';
import { nullLog } from './log.js';
import { ServerWatch } from './server-watch.js';
import { authorizeAhead, RegisterClient } from './sipjs-seams/index.js';
import type { ReusableDigest } from './sipjs-seams/index.js';
import type { SipTransportBase } from './transport-base.js';

type IncomingResponse = Core.IncomingResponse;

export interface AccountOptions {
  ua: UserAgent;
  transport: SipTransportBase;
  /** Request-URI of REGISTER, e.g. sip:127.0.0.1. */
  registrar: URI;
  /** Address of record, e.g. sip:3001@127.0.0.1. */
  aor: URI;
  /** Where keep-alive OPTIONS go: sip:host:port of the proxy. */
  keepAliveTarget: URI;
  expires?: number;
  keepAliveIntervalMs?: number;
  keepAliveTimeoutMs?: number;
  /** While unreachable: how often to probe for the server's return (default 2000). */
  recoveryProbeIntervalMs?: number;
  /** How long a REGISTER may stay unanswered before the server counts as unreachable. */
  registerTimeoutMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** While registered: how often the registrar is asked for our bindings (default 15 s; when it is the keep-alive interval, as by default, the fetch is the keep-alive; 0: never). */
  bindingCheckIntervalMs?: number;
  /** Called on each tick of the account's one clock (every min(keep-alive, binding check)): other periodic looks ride on it. */
  onTick?: () => void;
  /** Each 2xx to a REGISTER: its top Via (the received/rport the server saw, RFC 3581). */
  onRegistered?: (topVia: string | undefined) => void;
  log?: SipLog;
  now?: () => number;
}

const ALLOW = 'Allow: ACK,CANCEL,INVITE,BYE,OPTIONS,INFO,NOTIFY,REFER,UPDATE';

export class SipAccount {
  private readonly listeners = new Set<(state: RegistrationState) => void>();
  private _state: RegistrationState = { kind: 'unregistered' };
  private readonly callId: string;
  private cseq = 0;
  private attempt = 0;
  private generation = 0;
  private backoff: number;
  private pending: Core.OutgoingRequest | null = null;
  private pendingSince = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** The account's one clock: binding fetch, else keep-alive OPTIONS when due (and the caller's onTick). */
  private tickTimer: ReturnType<typeof setInterval> | null = null;
  private recoveryTimer: ReturnType<typeof setInterval> | null = null;
  /** When the registrar last answered a REGISTER (a fetch, a refresh, a challenge) (ms, `now`): it was alive then. */
  private heardAt = Number.NEGATIVE_INFINITY;
  /** What the clock sends (the binding fetch, the keep-alive probes): it asks and reports; the state machine is here. */
  private readonly watch: ServerWatch;
  /** The credentials that answered the registrar's last challenge: the next REGISTER carries them at once. */
  private digest: ReusableDigest | null = null;
  /** A Contact we registered before ours changed: removed (expires=0) by the next REGISTER. */
  private retiring: string | null = null;
  private running = false;
  private readonly log: SipLog;
  private readonly now: () => number;
  private readonly expires: number;
  private readonly transportListener = (state: TransportState): void => this.onTransportState(state);
  /** REGISTER requests sent (first transmissions), for tests and diagnostics. */
  registerCount = 0;
  /** REGISTERs (fetches included) sent with credentials from the last challenge, and how many of them were challenged again. */
  readonly digestReuse = { sent: 0, challenged: 0 };

  constructor(private readonly o: AccountOptions) {
    this.log = o.log ?? nullLog;
    this.now = o.now ?? Date.now;
    this.expires = o.expires ?? 300;
    this.backoff = o.backoffMinMs ?? 1000;
    this.callId = `${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
    this.watch = new ServerWatch(
      {
        isRunning: () => this.running,
        state: () => this._state,
        generation: () => this.generation,
        registering: () => this.pending !== null,
        recovering: () => this.recoveryTimer !== null,
        heardAt: () => this.heardAt,
        fetch: (delegate) => this.send(null, delegate),
        bindingLost: () => {
          // register() counts this attempt and says the same again (not told twice).
          this.setState({ kind: 'registering', attempt: this.attempt + 1 });
          this.register();
        },
        serverAnswered: () => this.serverAnswered(),
        serverLost: (why) => {
          this.abandonPending();
          this.unreachable(why);
        },
      },
      { ua: o.ua, aor: o.aor, keepAliveTarget: o.keepAliveTarget, keepAliveTimeoutMs: o.keepAliveTimeoutMs, registerTimeoutMs: o.registerTimeoutMs, log: this.log, now: this.now },
    );
  }

  get state(): RegistrationState {
    return this._state;
  }

  onState(listener: (state: RegistrationState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.o.transport.stateChange.addListener(this.transportListener);
    const keepAliveMs = this.o.keepAliveIntervalMs ?? 15_000;
    const bindingCheck = this.o.bindingCheckIntervalMs ?? 15_000;
    // One clock, not one per duty (each wake-up of an idle process costs CPU of its own): the tick sends the
    // binding fetch when one is due, and its answer is the keep-alive's answer too (it shows the server alive
    // and keeps a NAT's mapping open); else OPTIONS, unless the server was heard from within the interval.
    // With the defaults every tick is a fetch: no OPTIONS while registered.
    const tickMs = bindingCheck > 0 ? Math.min(keepAliveMs, bindingCheck) : keepAliveMs;
    this.tickTimer = setInterval(() => {
      this.o.onTick?.();
      const registered = this._state.kind === 'registered';
      if (registered && bindingCheck > 0 && this.now() - this.watch.fetchSentAt >= bindingCheck - tickMs / 2) this.watch.fetchBindings();
      else if (!registered || this.now() - this.heardAt >= keepAliveMs) this.watch.probe();
    }, tickMs);
    this.register();
  }

  /** Our Contact changed (another address, a NAT's mapping): register the new one, removing `previous`. */
  replaceContact(previous: string): void {
    if (!this.running) return;
    this.retiring = previous;
    this.reregister();
  }

  /** Network changed or machine woke: register now, whatever the state (also after wrong credentials). */
  reregister(): void {
    if (!this.running) return;
    this.backoff = this.o.backoffMinMs ?? 1000;
    this.abandonPending();
    this.register();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.clearTimers();
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = null;
    this.stopRecoveryProbes();
    this.o.transport.stateChange.removeListener(this.transportListener);
    const wasRegistered = this._state.kind === 'registered';
    this.abandonPending();
    if (wasRegistered && this.o.transport.isConnected()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 3000);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        try {
          this.send(0, { onAccept: done, onReject: done });
        } catch {
          done();
        }
      });
    }
    this.setState({ kind: 'unregistered' });
  }

  private register(): void {
    if (!this.running) return;
    this.clearTimers();
    if (this.pending) return;
    this.attempt++;
    if (this._state.kind !== 'registered') this.setState({ kind: 'registering', attempt: this.attempt });
    const generation = ++this.generation;
    const timeout = setTimeout(() => {
      if (generation !== this.generation) return;
      this.abandonPending();
      this.unreachable({ kind: 'timeout', operation: 'register', seconds: Math.round((this.o.registerTimeoutMs ?? 8000) / 1000) });
    }, this.o.registerTimeoutMs ?? 8000);
    const settle = (): boolean => {
      clearTimeout(timeout);
      if (generation !== this.generation) return false;
      this.pending = null;
      return true;
    };
    this.pendingSince = this.now();
    try {
      this.pending = this.send(this.expires, {
        onAccept: (response) => settle() && this.accepted(response),
        onReject: (response) => settle() && this.rejected(response),
        onRedirect: (response) => settle() && this.rejected(response),
      });
    } catch (error) {
      settle();
      this.unreachable({ kind: 'error', detail: (error as Error).message });
    }
  }

  /** A REGISTER for our Contact with `expires`, or with no Contact at all (null): a binding fetch, RFC 3261 10.2.3. */
  private send(expires: number | null, delegate: Core.OutgoingRequestDelegate): Core.OutgoingRequest {
    const core = this.o.ua.userAgentCore;
    const headers: string[] = [];
    if (expires !== null) {
      if (this.retiring !== null && expires > 0) headers.push(`Contact: ${this.retiring};expires=0`);
      headers.push(`Contact: ${this.o.ua.contact.toString({ register: true })};expires=${expires}`, `Expires: ${expires}`);
    }
    const message = core.makeOutgoingRequestMessage(
      'REGISTER',
      this.o.registrar,
      this.o.aor,
      this.o.aor,
      { callId: this.callId, cseq: ++this.cseq },
      [...headers, ALLOW],
    );
    if (expires !== null) this.registerCount++;
    // One round trip instead of two: the last challenge's nonce again (Kamailio without one_time_nonce takes
    // a nonce until its nonce_expire). A nonce the server no longer takes (expired; signed before it
    // restarted; a one-time nonce) is challenged as usual, and sip.js answers that challenge as a first one.
    const ahead = this.digest !== null && authorizeAhead(message, this.digest);
    if (ahead) this.digestReuse.sent++;
    // sip.js increments the CSeq itself when it answers a digest challenge: the next REGISTER goes above it.
    const track = (response: IncomingResponse): void => {
      this.cseq = Math.max(this.cseq, message.cseq);
      if (response.message.hasHeader('via')) this.heardAt = this.now();
    };
    const request = new RegisterClient(
      core,
      message,
      {
        onAccept: (r) => (track(r), delegate.onAccept?.(r)),
        onReject: (r) => (track(r), delegate.onReject?.(r)),
        onRedirect: (r) => (track(r), delegate.onRedirect?.(r)),
        onProgress: (r) => delegate.onProgress?.(r),
        onTrying: (r) => delegate.onTrying?.(r),
      },
      (digest) => {
        this.heardAt = this.now(); // a challenge is an answer
        if (ahead) this.digestReuse.challenged++;
        this.digest = digest;
      },
    );
    this.cseq = Math.max(this.cseq, message.cseq);
    return request;
  }

  private accepted(response: IncomingResponse): void {
    this.cseq = Math.max(this.cseq, Number(/^\d+/.exec(response.message.getHeader('cseq') ?? '')?.[0] ?? this.cseq));
    const expires = this.grantedExpires(response);
    this.attempt = 0;
    this.backoff = this.o.backoffMinMs ?? 1000;
    this.retiring = null;
    this.setState({ kind: 'registered', expiresAt: this.now() + expires * 1000 });
    // Refresh well before expiry: at 85%, but at least 5 s early.
    const refreshIn = Math.max(1000, Math.min(expires * 850, expires * 1000 - 5000));
    this.refreshTimer = setTimeout(() => this.register(), refreshIn);
    this.o.onRegistered?.(response.message.getHeader('via'));
  }

  private grantedExpires(response: IncomingResponse): number {
    const ours = this.o.ua.contact.uri.user;
    const contacts = response.message.getHeaders('contact');
    for (let i = 0; i < contacts.length; i++) {
      const c = response.message.parseHeader('contact', i) as
        | { uri: URI; getParam(n: string): string | undefined }
        | undefined;
      if (c && c.uri.user === ours) {
        const e = Number(c.getParam('expires'));
        if (Number.isFinite(e) && e > 0) return e;
      }
    }
    const header = Number(response.message.getHeader('expires'));
    return Number.isFinite(header) && header > 0 ? header : this.expires;
  }

  private rejected(response: IncomingResponse): void {
    const code = response.message.statusCode ?? 0;
    const reason = response.message.reasonPhrase ?? '';
    const local = !response.message.hasHeader('via');
    if (local) {
      this.unreachable(
        code === 408
          ? { kind: 'timeout', operation: 'register', seconds: 32 }
          : { kind: 'sip', code, phrase: reason || null },
      );
      return;
    }
    if (code === 401 || code === 403 || code === 407) {
      this.setState({ kind: 'wrong-credentials', code, reason });
      return;
    }
    const retryAfter = Number(response.message.getHeader('retry-after'));
    const delay = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : this.nextBackoff();
    this.setState({ kind: 'server-error', code, reason, retryAt: this.now() + delay });
    this.retryTimer = setTimeout(() => this.register(), delay);
  }

  private unreachable(cause: Cause): void {
    if (!this.running) return;
    this.clearTimers();
    const delay = this.nextBackoff();
    this.setState({ kind: 'unreachable', cause, retryAt: this.now() + delay });
    this.retryTimer = setTimeout(() => this.register(), delay);
  }

  private nextBackoff(): number {
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.o.backoffMaxMs ?? 30_000);
    return delay;
  }

  /** The server answers again: register at once if we were waiting for it (or our REGISTER stalled). */
  private serverAnswered(): void {
    const kind = this._state.kind;
    const stalled = kind === 'registering' && this.recoveryTimer !== null && this.pending !== null && this.now() - this.pendingSince > 1500;
    if (kind === 'unreachable' || kind === 'server-error' || stalled) {
      this.log.info('server answers again: re-registering');
      this.backoff = this.o.backoffMinMs ?? 1000;
      this.abandonPending();
      this.register();
    }
  }

  private onTransportState(state: TransportState): void {
    if (!this.running) return;
    if (state === TransportState.Disconnected && this._state.kind !== 'unreachable') {
      this.abandonPending();
      this.unreachable({ kind: 'connection-lost' });
    } else if (state === TransportState.Connected && this._state.kind === 'unreachable') {
      this.backoff = this.o.backoffMinMs ?? 1000;
      this.register();
    }
  }

  private abandonPending(): void {
    this.generation++;
    const pending = this.pending;
    this.pending = null;
    try {
      pending?.dispose();
    } catch {
      /* already gone */
    }
  }

  private clearTimers(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.refreshTimer = null;
    this.retryTimer = null;
  }

  private startRecoveryProbes(): void {
    if (this.recoveryTimer || !this.running) return;
    this.recoveryTimer = setInterval(() => this.watch.probe(), this.o.recoveryProbeIntervalMs ?? 2000);
  }

  private stopRecoveryProbes(): void {
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
    this.recoveryTimer = null;
  }

  private setState(state: RegistrationState): void {
    const same = JSON.stringify(state) === JSON.stringify(this._state);
    this._state = state;
    // Quick probes from the first "unreachable" until registered (or refused) again.
    if (state.kind === 'unreachable') this.startRecoveryProbes();
    else if (state.kind !== 'registering') this.stopRecoveryProbes();
    if (same) return;
    for (const l of [...this.listeners]) {
      try {
        l(state);
      } catch (error) {
        this.log.error(`registration listener threw: ${(error as Error).message}`);
      }
    }
  }
}
