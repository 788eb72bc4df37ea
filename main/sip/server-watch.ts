// The account's look at its server, one per tick of the account's 15 s clock (account.ts): is the server
// alive, and does the registrar still hold our binding?
// - While registered, a binding fetch: a REGISTER without Contact (RFC 3261 10.2.3) is answered with the
//   bindings the registrar holds. A registrar that restarted with its location table in memory (Kamailio's
//   and Asterisk's often are) has forgotten us while it still answers the keep-alive, and every call to us
//   gets 404 until our next refresh, minutes away; without our binding in the answer we register again at
//   once. Its answer is the keep-alive's answer too (the server is alive, a NAT's mapping stays open).
// - Otherwise, or when no fetch is due, OPTIONS to the proxy: any real answer means it is alive.
// An unanswered look (fetch or OPTIONS) is confirmed by one more OPTIONS before the server counts as
// unreachable, so that a lossy link does not flap the registration (20% loss each way leaves ~2% of probes
// unanswered after their retransmissions; two in a row ~0.03%).
// The account keeps the state machine: this room only asks and says what it found (WatchedAccount).
import type { Core, URI, UserAgent } from 'sip.js';
import type { RegistrationState } from '../../shared/domain.js';
import type { Cause } from '../../shared/facts.js';
import type { SipLog } from './log.js';
import { KeepAliveClient, PromptNonInviteClientTransaction } from './sipjs-seams/index.js';

type IncomingResponse = Core.IncomingResponse;

/** What the watch needs of the account it watches for. */
export interface WatchedAccount {
  isRunning(): boolean;
  state(): RegistrationState;
  /** Changes whenever the account abandons or starts a REGISTER: an answer from before is stale. */
  generation(): number;
  /** A REGISTER of ours is waiting for its answer. */
  registering(): boolean;
  /** The quick probes for a returning server are running (the account is, or just was, unreachable). */
  recovering(): boolean;
  /** When the registrar last answered a REGISTER (ms, `now`). */
  heardAt(): number;
  /** Send a REGISTER without Contact: a binding fetch. */
  fetch(delegate: Core.OutgoingRequestDelegate): Core.OutgoingRequest;
  /** The registrar answered a fetch without our binding. */
  bindingLost(): void;
  /** The server answered a probe. */
  serverAnswered(): void;
  /** A look and the probe that confirmed it went unanswered. */
  serverLost(why: Cause): void;
}

export interface ServerWatchOptions {
  ua: UserAgent;
  aor: URI;
  /** Where OPTIONS go: sip:host:port of the proxy. */
  keepAliveTarget: URI;
  keepAliveTimeoutMs?: number;
  /** How long a fetch may stay unanswered before it counts as done (the account's REGISTER timeout). */
  registerTimeoutMs?: number;
  log: SipLog;
  now: () => number;
}

export class ServerWatch {
  /** When the last binding fetch was sent (ms, `now`). */
  fetchSentAt = Number.NEGATIVE_INFINITY;
  private fetching = false;
  private probing = false;

  constructor(
    private readonly account: WatchedAccount,
    private readonly o: ServerWatchOptions,
  ) {}

  /**
   * Does the registrar still hold our binding? Every 15 s: a lost binding is repaired within ~15 s plus a
   * round trip, for one round trip per check while the registrar still takes the last challenge's nonce
   * (the account's send()), two when it challenges again. A restarted registrar refuses the old nonce
   * (signed with its old secret): challenged, answered, and its 200 lists no binding of ours.
   */
  fetchBindings(): void {
    const a = this.account;
    if (!a.isRunning() || this.fetching || a.registering() || a.state().kind !== 'registered') return;
    this.fetching = true;
    this.fetchSentAt = this.o.now();
    const generation = a.generation();
    const done = (): boolean => {
      this.fetching = false;
      return a.isRunning() && generation === a.generation() && !a.registering() && a.state().kind === 'registered';
    };
    const timer = setTimeout(() => done(), this.o.registerTimeoutMs ?? 8000);
    // The fetch stands in for the keep-alive: unanswered as long as a probe may be, it is confirmed by one
    // OPTIONS before the server counts as unreachable, exactly as an unanswered probe is (probe()).
    const sentAt = this.fetchSentAt;
    const unanswered = setTimeout(() => {
      if (a.heardAt() < sentAt && a.isRunning() && generation === a.generation()) {
        this.o.log.info('binding fetch unanswered: probing once more');
        this.probe(true);
      }
    }, this.o.keepAliveTimeoutMs ?? 5000);
    try {
      a.fetch({
        onAccept: (response) => {
          clearTimeout(timer);
          clearTimeout(unanswered);
          if (!done() || this.holdsOurBinding(response)) return;
          this.o.log.warn('the registrar has lost our binding (restarted?): registering again');
          a.bindingLost();
        },
        // Anything else says nothing about the binding; a local 408/503 (no answer) leaves the
        // confirming probe above to decide.
        onReject: (response) => {
          clearTimeout(timer);
          this.fetching = false;
          if (response.message.hasHeader('via')) clearTimeout(unanswered);
        },
      });
    } catch {
      clearTimeout(timer);
      done(); // the unanswered timer stays: a send that throws is no answer
    }
  }

  /** OPTIONS to the proxy; `confirming`: this one confirms an unanswered look, and its failure is final. */
  probe(confirming = false): void {
    const a = this.account;
    if (!a.isRunning() || this.probing) return;
    // A REGISTER in flight tells us the same, except while unreachable: then its retransmissions
    // come seconds apart, and the quick probe finds a returning server sooner.
    if (a.registering() && !a.recovering()) return;
    this.probing = true;
    const core = this.o.ua.userAgentCore;
    const timeoutMs = this.o.keepAliveTimeoutMs ?? 5000;
    let request: Core.OutgoingRequest | null = null;
    const finish = (alive: boolean, why: Cause | null): void => {
      if (!this.probing) return;
      this.probing = false;
      clearTimeout(timer);
      request?.dispose();
      if (!a.isRunning()) return;
      if (alive) a.serverAnswered();
      else if (a.state().kind !== 'unreachable') {
        if (!confirming) {
          this.o.log.info(`keep-alive unanswered (${JSON.stringify(why)}): probing once more`);
          this.probe(true);
          return;
        }
        this.o.log.warn(`keep-alive failed: ${JSON.stringify(why)}`);
        a.serverLost(why ?? { kind: 'connection-lost' });
      }
    };
    const timer = setTimeout(() => finish(false, { kind: 'timeout', operation: 'keep-alive', seconds: Math.round(timeoutMs / 1000) }), timeoutMs);
    try {
      const message = core.makeOutgoingRequestMessage('OPTIONS', this.o.keepAliveTarget, this.o.aor, this.o.keepAliveTarget, {});
      request = new KeepAliveClient(PromptNonInviteClientTransaction, core, message, {
        onAccept: () => finish(true, null),
        onReject: (r) =>
          r.message.hasHeader('via')
            ? finish(true, null)
            : finish(false, { kind: 'sip', code: r.message.statusCode ?? 0, phrase: r.message.reasonPhrase ?? null }),
        onRedirect: () => finish(true, null),
      });
    } catch (error) {
      finish(false, { kind: 'error', detail: (error as Error).message });
    }
  }

  private holdsOurBinding(response: IncomingResponse): boolean {
    const ours = this.o.ua.contact.uri.user;
    const contacts = response.message.getHeaders('contact');
    for (let i = 0; i < contacts.length; i++) {
      const c = response.message.parseHeader('contact', i) as { uri: URI } | undefined;
      if (c && c.uri.user === ours) return true;
    }
    return false;
  }
}
