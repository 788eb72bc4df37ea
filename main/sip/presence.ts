// SIP presence (RFC 3856/3903/3863): PUBLISH our own status (PIDF open/closed) with refresh, SUBSCRIBE
// to colleagues' presence and parse the PIDF in their NOTIFYs. A server that answers 489/405/501 does
// not do presence: we say so once (onSupport(false)) and stop asking.
// Built on sip.js's core: its api Subscriber/Publisher swallow the response codes we need.
// Here: the watches (SUBSCRIBE, its paced refresh, NOTIFY) and whether the server does presence; our own
// PUBLISH is presence-publication.ts.
import { UserAgent } from 'sip.js';
import type { Core, URI } from 'sip.js';
import type { OwnPresence } from '../../shared/domain.js';
import type { SipLog } from './log.js';
import { nullLog } from './log.js';
import { parsePidf } from './pidf.js';
import { PRESENCE_UNSUPPORTED as UNSUPPORTED, PresencePublication } from './presence-publication.js';
import { PresenceYield } from './presence-yield.js';
import { TokenBucket } from './token-bucket.js';

export { buildPidf, parsePidf, type PidfStatus } from './pidf.js';

/** The longest wait between two attempts of a watch that keeps failing. */
const MAX_RETRY_MS = 600_000;

export interface PresenceOptions {
  core: Core.UserAgentCore;
  ua: UserAgent;
  aor: URI;
  publishExpires?: number;
  subscribeExpires?: number;
  /** Wait before retrying a failed SUBSCRIBE/PUBLISH (other than "unsupported"); doubled per failure up to maxRetryMs (10 min), then 1-2x that. */
  retryMs?: number;
  maxRetryMs?: number;
  /**
   * SUBSCRIBEs waiting for their answer at once (default 8); the rest wait their turn. A phone book of
   * 10,000 employees must not become 10,000 transactions in one burst: the server drops what it cannot
   * take, every dropped one is retransmitted and retried, and the flood starves the calls (bench/ui).
   */
  maxPendingSubscribes?: number;
  /**
   * SUBSCRIBEs started per second at most (default 100; a burst of a quarter of that may go at once). With
   * only the in-flight cap, 10,000 went out at ~350/s (each challenged once, each with its NOTIFY: ~2,000
   * messages a second); Kamailio's transactions in their wait state filled its 64 MB and it answered 500 to
   * everything for seconds, BYEs of calls included (bench/ui: stuck calls), and the app's loop was busy with
   * presence while calls rang.
   */
  maxSubscribesPerSecond?: number;
  /** For tests: where in its window each refresh falls (default Math.random). */
  random?: () => number;
  log?: SipLog;
}

/**
 * When a subscription with `remainingSeconds` left is refreshed: at a random point between 60% and 90% of
 * the time left, never later than a second before it runs out. sip.js's own auto-refresh fires at exactly
 * 90%, so 10,000 watches subscribed in one burst would all refresh in the same burst, every 540 s.
 */
export function refreshDelayMs(remainingSeconds: number, random: () => number = Math.random): number {
  const remaining = Math.max(remainingSeconds, 0) * 1000;
  const at = remaining * (0.6 + 0.3 * Math.min(Math.max(random(), 0), 1));
  return Math.max(0, Math.min(at, remaining - 1000));
}

interface Watch {
  uri: string;
  target: URI;
  dialog: Core.Subscription | null;
  request: Core.OutgoingSubscribeRequest | null;
  retry: ReturnType<typeof setTimeout> | null;
  /** When the active subscription is refreshed (a re-SUBSCRIBE in its dialog, paced like the first one). */
  refresh: ReturnType<typeof setTimeout> | null;
  closed: boolean;
  /** What we last told the listeners about this person. */
  told: boolean | null;
  /** This watch's SUBSCRIBE holds one of the maxPendingSubscribes places. */
  pending: boolean;
  queued: boolean;
  /** Failed attempts in a row (reset by a NOTIFY): each doubles the wait before the next one. */
  failures: number;
}

export class SipPresence {
  private readonly presenceListeners = new Set<(uri: string, online: boolean) => void>();
  private readonly supportListeners = new Set<(supported: boolean) => void>();
  private supported: boolean | null = null;
  private readonly watches = new Map<string, Watch>();
  /** Watches whose SUBSCRIBE waits for a free place, first come first served. */
  private readonly queue: Watch[] = [];
  private pendingCount = 0;
  /** The SUBSCRIBEs' rate (maxSubscribesPerSecond). */
  private readonly rate: TokenBucket;
  private drainTimer: ReturnType<typeof setTimeout> | null = null;
  /** New SUBSCRIBEs wait while a call rings in (the rule: presence-yield.ts). */
  private readonly callYield = new PresenceYield();
  private readonly publication: PresencePublication;
  private readonly log: SipLog;
  private stopped = false;

  constructor(private readonly o: PresenceOptions) {
    this.log = o.log ?? nullLog;
    this.rate = new TokenBucket(o.maxSubscribesPerSecond ?? 100);
    this.publication = new PresencePublication({
      core: o.core,
      aor: o.aor,
      publishExpires: o.publishExpires,
      retryMs: o.retryMs,
      log: this.log,
      supported: () => this.supported,
      setSupported: (supported) => this.setSupported(supported),
    });
    this.callYield.onResume(() => {
      if (this.drainTimer) clearTimeout(this.drainTimer);
      this.drainTimer = null;
      this.drain();
    });
  }

  /** The call centre: how many calls ring in now. New SUBSCRIBEs wait for them (presence-yield.ts). */
  callsRinging(count: number): void {
    this.callYield.callsRinging(count);
  }

  onPresence(listener: (uri: string, online: boolean) => void): () => void {
    this.presenceListeners.add(listener);
    return () => this.presenceListeners.delete(listener);
  }

  onSupport(listener: (supported: boolean) => void): () => void {
    this.supportListeners.add(listener);
    return () => this.supportListeners.delete(listener);
  }

  /** PUBLISH our status; resolves when the server answered (or gave up). */
  setOwn(presence: OwnPresence): Promise<void> {
    return this.publication.set(presence);
  }

  watch(uris: string[]): void {
    const wanted = new Set(uris);
    const dropped = [...this.watches.values()].filter((w) => !wanted.has(w.uri));
    // All marked closed first: a place freed by one of them must not go to another one being dropped.
    for (const w of dropped) w.closed = true;
    for (const w of dropped) {
      this.closeWatch(w, true);
      this.watches.delete(w.uri);
    }
    for (const uri of wanted) {
      if (this.watches.has(uri)) continue;
      const target = UserAgent.makeURI(uri);
      if (!target) {
        this.log.warn(`presence: not a SIP URI: ${uri}`);
        continue;
      }
      const w: Watch = { uri, target, dialog: null, request: null, retry: null, refresh: null, closed: false, told: null, pending: false, queued: false, failures: 0 };
      this.watches.set(uri, w);
      if (this.supported !== false) this.subscribe(w);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    this.publication.halt();
    for (const w of this.watches.values()) this.closeWatch(w, true);
    this.watches.clear();
    this.queue.length = 0;
    await this.publication.withdraw();
  }

  private setSupported(supported: boolean): void {
    if (this.supported === supported) return;
    const first = this.supported === null || supported === false;
    this.supported = supported;
    if (!first) return;
    for (const l of [...this.supportListeners]) l(supported);
    if (!supported) for (const w of this.watches.values()) this.closeWatch(w, false);
  }

  /** Number of SUBSCRIBEs sent and not yet answered (for tests and the pacing). */
  get pendingSubscribes(): number {
    return this.pendingCount;
  }

  private subscribe(w: Watch): void {
    if (w.closed || this.stopped || this.supported === false || w.pending) return;
    const full = this.queue.length > 0 || this.pendingCount >= (this.o.maxPendingSubscribes ?? 8);
    if (full || this.callYield.waitMs() > 0 || !this.rate.take()) {
      if (!w.queued) {
        w.queued = true;
        this.queue.push(w);
      }
      if (this.pendingCount < (this.o.maxPendingSubscribes ?? 8)) this.scheduleDrain();
      return;
    }
    this.start(w);
  }

  /** The queue waits for the rate or a ringing call: go on when the next token is due and the call let it. */
  private scheduleDrain(): void {
    if (this.drainTimer || this.stopped) return;
    const wait = Math.max(this.rate.msUntilNext(), this.callYield.waitMs());
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      this.drain();
    }, wait);
  }

  /** Starts queued SUBSCRIBEs, first come first served, while places and the rate allow. */
  private drain(): void {
    while (this.queue.length > 0 && this.pendingCount < (this.o.maxPendingSubscribes ?? 8)) {
      if (this.callYield.waitMs() > 0 || !this.rate.take()) {
        this.scheduleDrain();
        return;
      }
      const next = this.queue.shift()!;
      next.queued = false;
      if (next.closed || this.stopped || this.supported === false || next.pending) continue;
      this.start(next);
    }
  }

  private start(w: Watch): void {
    w.pending = true;
    this.pendingCount++;
    if (w.dialog) this.sendRefresh(w, w.dialog);
    else this.sendSubscribe(w);
  }

  /** After each NOTIFY (the first one, and the one that follows every refresh): when to refresh next. */
  private scheduleRefresh(w: Watch, dialog: Core.Subscription): void {
    if (w.refresh) clearTimeout(w.refresh);
    w.refresh = null;
    if (w.closed || this.stopped) return;
    const remaining = dialog.subscriptionExpires;
    if (!(remaining > 0)) return;
    w.refresh = setTimeout(() => {
      w.refresh = null;
      if (w.dialog === dialog) this.subscribe(w);
    }, refreshDelayMs(remaining, this.o.random));
  }

  /** A re-SUBSCRIBE in the dialog; its NOTIFY (onNotify) schedules the one after. */
  private sendRefresh(w: Watch, dialog: Core.Subscription): void {
    const expires = this.o.subscribeExpires ?? 600;
    const headers = [
      'Allow: ACK,CANCEL,INVITE,BYE,OPTIONS,INFO,NOTIFY,REFER',
      'Event: presence',
      `Expires: ${expires}`,
      `Contact: ${this.o.ua.contact.toString()}`,
    ];
    try {
      dialog.subscribe(
        {
          onAccept: () => this.settled(w),
          onReject: (response) => {
            this.settled(w);
            // A refusal that does not end the dialog (sip.js ends it, and onTerminated retries, for the rest):
            // the subscription holds until it expires; try again within what is left.
            if (w.dialog === dialog) this.scheduleRefresh(w, dialog);
            this.log.warn(`SUBSCRIBE refresh ${w.uri} refused: ${response.message.statusCode ?? 0}`);
          },
        },
        { extraHeaders: headers },
      );
    } catch {
      // The dialog is no longer pending or active: start a fresh subscription.
      this.settled(w);
      w.dialog = null;
      this.subscribe(w);
    }
  }

  /** The SUBSCRIBE of `w` was answered (or failed, or its watch closed): the next one in line may go. */
  private settled(w: Watch): void {
    if (!w.pending) return;
    w.pending = false;
    this.pendingCount--;
    this.drain();
  }

  private sendSubscribe(w: Watch): void {
    const core = this.o.core;
    const expires = this.o.subscribeExpires ?? 600;
    const message = core.makeOutgoingRequestMessage('SUBSCRIBE', w.target, this.o.aor, w.target, {}, [
      'Event: presence',
      'Accept: application/pidf+xml',
      `Expires: ${expires}`,
      `Contact: ${this.o.ua.contact.toString()}`,
      'Allow: ACK,CANCEL,INVITE,BYE,OPTIONS,INFO,NOTIFY,REFER',
    ]);
    const retryLater = (): void => {
      this.settled(w);
      w.dialog = null;
      w.request = null;
      // Without a subscription nobody says this person is online any more: not online until a NOTIFY does.
      if (w.told === true) this.tell(w, false);
      if (w.closed || this.stopped || this.supported === false) return;
      if (w.retry) clearTimeout(w.retry);
      if (w.refresh) clearTimeout(w.refresh);
      w.refresh = null;
      // Doubled for each failure in a row, up to 10 minutes: a server that cannot hold this many subscriptions
      // (the lab's 64 MB Kamailio holds a few thousand and answers 500 to the rest) is not asked again by
      // thousands of watches every 30 s for the whole shift, which kept the app and the server busy under the calls.
      // Spread so that what failed together (a server restart) does not retry together: by a quarter of the
      // wait while it doubles; once capped the waits no longer pull apart by growing, so by the whole cap
      // (10-20 min): a quarter kept them in waves of up to 56/s every ~11 minutes.
      w.failures++;
      const base = this.o.retryMs ?? 30_000;
      const cap = Math.max(base, this.o.maxRetryMs ?? MAX_RETRY_MS);
      const doubled = base * 2 ** Math.min(w.failures - 1, 10);
      const wait = doubled < cap ? doubled * (1 + Math.random() / 4) : cap * (1 + Math.random());
      w.retry = setTimeout(() => {
        w.retry = null;
        this.subscribe(w);
      }, wait);
    };
    w.request = core.subscribe(message, {
      onAccept: () => {
        this.settled(w);
        this.setSupported(true);
      },
      onNotify: ({ request, subscription }) => {
        this.settled(w);
        w.failures = 0;
        this.onNotify(w, request);
        if (subscription && !w.dialog) {
          w.dialog = subscription;
          // Not sip.js's autoRefresh (all at 90%, unpaced): our own, spread and paced (scheduleRefresh).
          this.scheduleRefresh(w, subscription);
          subscription.delegate = {
            onNotify: (req) => this.onNotify(w, req),
            onTerminated: () => retryLater(),
          };
        }
      },
      onNotifyTimeout: () => retryLater(),
      onReject: (response) => {
        const code = response.message.statusCode ?? 0;
        if (UNSUPPORTED.has(code)) {
          this.setSupported(false);
          this.settled(w);
        } else {
          this.log.warn(`SUBSCRIBE ${w.uri} refused: ${code} ${response.message.reasonPhrase ?? ''}`);
          retryLater();
        }
      },
      onRedirect: () => retryLater(),
    });
  }

  private onNotify(w: Watch, request: Core.IncomingNotifyRequest): void {
    try {
      request.accept();
    } catch {
      /* dialog already gone */
    }
    const status = parsePidf(request.message.body);
    // An active subscription's NOTIFY without a document: the presence server knows of no
    // publication for this person, so they are not online.
    const online = status?.online ?? (request.message.body.trim() === '' ? false : null);
    if (online !== null) this.tell(w, online);
    const state = request.message.getHeader('subscription-state') ?? '';
    if (/^\s*terminated/i.test(state) && !w.closed) {
      // The server ended it (e.g. expired or reset): subscribe afresh after a while.
      w.dialog = null;
      if (w.refresh) clearTimeout(w.refresh);
      w.refresh = null;
    } else if (w.dialog) {
      this.scheduleRefresh(w, w.dialog);
    }
  }

  private tell(w: Watch, online: boolean): void {
    if (w.closed || w.told === online) return;
    w.told = online;
    for (const l of [...this.presenceListeners]) l(w.uri, online);
  }

  private closeWatch(w: Watch, unsubscribe: boolean): void {
    w.closed = true;
    this.settled(w);
    if (w.queued) {
      w.queued = false;
      this.queue.splice(this.queue.indexOf(w), 1);
    }
    if (w.retry) clearTimeout(w.retry);
    w.retry = null;
    if (w.refresh) clearTimeout(w.refresh);
    w.refresh = null;
    try {
      if (unsubscribe && w.dialog) w.dialog.unsubscribe();
      else w.dialog?.dispose();
      w.request?.dispose();
    } catch {
      /* already gone */
    }
    w.dialog = null;
    w.request = null;
  }
}
