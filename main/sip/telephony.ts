// The SIP side as the call centre sees it (the Telephony port): one sip.js UserAgent over our own
// transport, the account (registration), presence, and the call legs; here the UserAgent is built (its
// options: user-agent-setup.ts) and what it receives is wired: INVITE (with Replaces), REFER, new legs.
import { Invitation, Inviter, UserAgent } from 'sip.js';
import type { Referral, SessionDescriptionHandlerFactory } from 'sip.js';
import type { OwnPresence, RegistrationState } from '../../shared/domain.js';
import { fail, ok } from '../../shared/errors.js';
import type { Result } from '../../shared/errors.js';
import type { CallLeg, IncomingInfo, Telephony } from '../calls/ports.js';
import type { MediaOptions } from '../media/contract.js';
import { SipAccount } from './account.js';
import { SipCallLeg, type FarEndOptions } from './call-leg.js';
import { reportingAbout } from './leg-reporting.js';
import type { DialogKeeper } from './dialog-recovery.js';
import { parseReplaces } from './headers.js';
import type { SipLog } from './log.js';
import { NetworkAddress } from './network-address.js';
import { SourceGate } from './source-gate.js';
import { nullLog } from './log.js';
import { SipPresence } from './presence.js';
import { guardAckTimeout, installEarlyRinging, installProcessSeams } from './sipjs-seams/index.js';
import type { EarlyRingingSeam } from './sipjs-seams/index.js';
import type { SipTransportBase } from './transport-base.js';
import { accountUris, parseServer, userAgentOptions, type SipAccountConfig } from './user-agent-setup.js';

export interface SipTelephonyOptions {
  account: SipAccountConfig;
  /** Local IP for SIP (Via/Contact) and RTP, fixed; default: the route to the server, re-chosen (network-address.ts). */
  localAddress?: string;
  /** The route's address when the caller has looked it up already (ignored with localAddress). */
  initialAddress?: string;
  /** How often the route to the server is looked up again (default: on the account's 15 s tick, no clock of its own; a lookup sends nothing). */
  addressCheckIntervalMs?: number;
  /** The route lookup (default local-address.ts's; tests move the network under the phone with it). */
  routeLookup?: (host: string, port: number) => Promise<string | null>;
  /** Senders other than the proxy that may send us SIP (`address` or `address:port`; `*`: anyone). */
  allowedSources?: readonly string[];
  sessionDescriptionHandlerFactory: SessionDescriptionHandlerFactory;
  /** Passed to the factory (MediaOptions from media/contract.ts). */
  media?: Partial<MediaOptions>;
  logger?: SipLog;
  /** Tuning (tests shorten these). */
  registerExpires?: number;
  keepAliveIntervalMs?: number;
  keepAliveTimeoutMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  bindingCheckIntervalMs?: number;
  /** How calls notice a far end that vanished (RTP timeout, session timers). */
  farEnd?: FarEndOptions;
  /** Keeps each established dialog in the store while it is up (dialog-recovery.ts). */
  dialogKeeper?: DialogKeeper;
  /** sip.js's own log level (default 'error'). */
  sipLogLevel?: 'debug' | 'log' | 'warn' | 'error';
}

/** Waits for `work`, but no longer than `ms`. */
function within(ms: number, work: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work.catch(() => undefined).finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export class SipTelephony implements Telephony {
  readonly ua: UserAgent;
  readonly account: SipAccount;
  readonly presence: SipPresence;
  private readonly ringingSeam: EarlyRingingSeam;
  private readonly legs = new Map<string, SipCallLeg>();
  private readonly incomingListeners = new Set<(leg: CallLeg, info: IncomingInfo) => void>();
  private readonly tickListeners = new Set<() => void>();
  private readonly log: SipLog;
  private readonly aor: string;
  private started = false;
  readonly address: NetworkAddress;
  readonly gate: SourceGate;
  private addressTimer: ReturnType<typeof setInterval> | null = null;
  /** The dispatcher is on a break: new calls are turned away (by the call centre), so they do not ring. */
  /** The call centre decides whether a new call is taken (false on a break); asked for each INVITE. */
  private takingCalls: () => boolean = () => true;

  constructor(private readonly options: SipTelephonyOptions) {
    // The sip.js seams (main/sip/sipjs-seams/README.md) are installed here, where the user agent is built.
    installProcessSeams();
    const a = options.account;
    this.log = options.logger ?? nullLog;
    const server = parseServer(a.server, a.transport);
    this.address = new NetworkAddress({
      server,
      ...(options.localAddress !== undefined ? { fixed: options.localAddress } : {}),
      ...(options.initialAddress !== undefined ? { initial: options.initialAddress } : {}),
      ...(options.routeLookup ? { route: options.routeLookup } : {}),
      log: this.log,
    });
    const localAddress = this.address.address;
    this.gate = new SourceGate({ ...(options.allowedSources ? { allowed: options.allowedSources } : {}), log: (m) => this.log.warn(m) });
    const { aor, uri, serverUri, registrar } = accountUris(a, server);
    this.aor = aor;
    // Only what we know: the media factory's own defaults fill in the RTP port range.
    const media: Partial<MediaOptions> = { localAddress, ...options.media };
    const contactName = `${a.user}-${Math.random().toString(36).slice(2, 8)}`;
    const uaOptions = userAgentOptions({
      account: a,
      server,
      uri,
      localAddress,
      ...(options.localAddress !== undefined ? { fixedLocalAddress: options.localAddress } : {}),
      gate: this.gate,
      contactName,
      sessionDescriptionHandlerFactory: options.sessionDescriptionHandlerFactory,
      media,
      ...(options.sipLogLevel !== undefined ? { sipLogLevel: options.sipLogLevel } : {}),
      log: this.log,
      onInvite: (invitation) => this.onInvite(invitation),
    });
    this.ua = new UserAgent(uaOptions);
    this.ringingSeam = installEarlyRinging(this.ua, this.transport, {
      // On a break the call centre turns calls away (480): no ringing first.
      accepting: () => this.takingCalls(),
      users: [a.user, contactName],
      debug: (m) => this.log.debug(m),
      warn: (m) => this.log.warn(m),
    });
    // The Contact must carry our real port (sip.js puts none), on every (re)connect.
    this.transport.stateChange.addListener(() => this.fixContact());
    this.account = new SipAccount({
      ua: this.ua,
      transport: this.transport,
      registrar,
      aor: uri,
      keepAliveTarget: serverUri,
      ...(options.registerExpires !== undefined ? { expires: options.registerExpires } : {}),
      ...(options.keepAliveIntervalMs !== undefined ? { keepAliveIntervalMs: options.keepAliveIntervalMs } : {}),
      ...(options.keepAliveTimeoutMs !== undefined ? { keepAliveTimeoutMs: options.keepAliveTimeoutMs } : {}),
      ...(options.backoffMinMs !== undefined ? { backoffMinMs: options.backoffMinMs } : {}),
      ...(options.backoffMaxMs !== undefined ? { backoffMaxMs: options.backoffMaxMs } : {}),
      ...(options.bindingCheckIntervalMs !== undefined ? { bindingCheckIntervalMs: options.bindingCheckIntervalMs } : {}),
      // The route check rides on the account's tick (one wake-up, not two) unless given a clock of its own; so
      // do the tick's other listeners (onTick()), before the tick sends.
      onTick: () => {
        for (const l of this.tickListeners) {
          try {
            l();
          } catch (error) {
            this.log.error(`a tick listener threw: ${(error as Error).message}`);
          }
        }
        if (options.addressCheckIntervalMs === undefined) void this.checkAddress().catch(() => false);
      },
      // The server saw us elsewhere (a NAT): Contact follows, and the binding is made again with it.
      onRegistered: (topVia) => {
        const before = this.ua.contact.toString({ register: true });
        if (this.address.registered(topVia)) this.contactMoved(before);
      },
      log: this.log,
    });
    this.address.attach(this.ua, media, () => this.transport.localPort);
    this.presence = new SipPresence({ core: this.ua.userAgentCore, ua: this.ua, aor: uri, log: this.log });
  }

  /** The early 180 (tests and diagnostics read its stats). */
  get earlyRinging(): EarlyRingingSeam['earlyRinging'] {
    return this.ringingSeam.earlyRinging;
  }

  get transport(): SipTransportBase {
    return this.ua.transport as unknown as SipTransportBase;
  }

  get registration(): RegistrationState {
    return this.account.state;
  }

  /** Connect and register. Resolves once the first REGISTER went out (follow onRegistration). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.address.rechoose();
    try {
      await this.ua.start();
    } catch (error) {
      // TCP/TLS: the server may be down; the transport keeps reconnecting and the account reports it.
      this.log.warn(`SIP transport did not connect: ${(error as Error).message}`);
    }
    this.fixContact();
    this.account.start();
    // A changed network without a trigger from the desktop (a cable, a VPN, DHCP) is found by looking again:
    // on the account's tick (every 15 s, with the binding fetch), or on a clock of its own when one is set.
    if (this.options.addressCheckIntervalMs !== undefined) {
      this.addressTimer = setInterval(() => void this.checkAddress(), this.options.addressCheckIntervalMs);
      this.addressTimer.unref?.();
    }
  }

  /** Runs `listener` on each tick of the account's clock (every 15 s while running), before the tick sends: a look that needs no wake-up of its own. */
  onTick(listener: () => void): () => void {
    this.tickListeners.add(listener);
    return () => this.tickListeners.delete(listener);
  }

  /** Looks the route up again; a new address means a new Contact: re-register. */
  private async checkAddress(): Promise<boolean> {
    const before = this.ua.contact.toString({ register: true });
    const changed = await this.address.rechoose();
    if (changed && this.started) this.contactMoved(before);
    return changed;
  }

  private contactMoved(previous: string): void {
    this.ringingSeam.contactChanged();
    this.account.replaceContact(previous);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.addressTimer) clearInterval(this.addressTimer);
    this.addressTimer = null;
    // Bounded at each step, side by side where they do not depend on each other: a stop must end in seconds.
    await within(1000, Promise.all([...this.legs.values()].map((leg) => leg.hangup().catch(() => undefined))));
    await within(1500, Promise.all([this.presence.stop().catch(() => undefined), this.account.stop()]));
    await within(500, this.ua.stop().catch(() => undefined));
  }

  /** The network changed or the machine woke: choose our address again, then register. */
  reregister(): void {
    void this.checkAddress()
      .catch(() => false)
      .then((changed) => {
        // A moved Contact has re-registered already.
        if (!changed) this.account.reregister();
      });
  }

  onIncoming(listener: (leg: CallLeg, info: IncomingInfo) => void): () => void {
    this.incomingListeners.add(listener);
    return () => this.incomingListeners.delete(listener);
  }

  onRegistration(listener: (state: RegistrationState) => void): () => void {
    return this.account.onState(listener);
  }

  onPresence(listener: (uri: string, online: boolean) => void): () => void {
    return this.presence.onPresence(listener);
  }

  onPresenceSupport(listener: (supported: boolean) => void): () => void {
    return this.presence.onSupport(listener);
  }

  setOwnPresence(presence: OwnPresence): Promise<void> {
    return this.presence.setOwn(presence);
  }

  takesNewCalls(decide: () => boolean): void {
    this.takingCalls = decide;
  }

  callsRinging(count: number): void {
    this.presence.callsRinging(count);
  }

  watchPresence(uris: string[]): void {
    this.presence.watch(uris);
  }

  /** Every leg not yet ended (tests and diagnostics). */
  activeLegs(): SipCallLeg[] {
    return [...this.legs.values()];
  }

  async dial(targetUri: string): Promise<Result<CallLeg>> {
    const target = UserAgent.makeURI(targetUri);
    if (!target) return fail('invalid-number', { kind: 'invalid-number', input: targetUri, problem: 'sip-bad-host' });
    if (this.account.state.kind !== 'registered') {
      return fail('not-registered', { kind: 'not-registered' });
    }
    let leg: SipCallLeg;
    try {
      leg = this.track(new SipCallLeg(new Inviter(this.ua, target), this.log, this.options.farEnd));
      await leg.invite();
    } catch (error) {
      return fail('sip-failure', { kind: 'operation-failed', operation: 'invite', party: null, cause: { kind: 'error', detail: (error as Error).message } });
    }
    return ok(leg);
  }

  private fixContact(): void {
    this.address.apply();
    this.ringingSeam.contactChanged();
  }

  private track(leg: SipCallLeg): SipCallLeg {
    this.legs.set(leg.legId, leg);
    if (leg.session instanceof Invitation) guardAckTimeout(leg.session, this.log);
    this.options.dialogKeeper?.track(leg);
    leg.onEvent((e) => {
      if (e.type === 'ended') this.legs.delete(leg.legId);
    });
    const delegate = leg.session.delegate ?? {};
    leg.session.delegate = delegate;
    delegate.onRefer = (referral) => this.onRefer(leg, referral);
    return leg;
  }

  /** Find our leg for a Replaces header: its dialog must have Call-ID and both tags the same. */
  findReplaced(header: string | undefined): SipCallLeg | null | 'none' {
    const replaces = parseReplaces(header);
    if (!replaces) return header ? null : 'none';
    for (const leg of this.legs.values()) {
      const ids = leg.dialogIds();
      if (ids.callId !== replaces.callId || leg.isEnded()) continue;
      if (ids.localTag === replaces.toTag && ids.remoteTag === replaces.fromTag) return leg;
    }
    return null;
  }

  private onInvite(invitation: Invitation): void {
    const replacesHeader = invitation.request.getHeader('replaces');
    let replaced: SipCallLeg | null = null;
    if (replacesHeader !== undefined) {
      const found = this.findReplaced(replacesHeader);
      if (found === null || found === 'none') {
        // RFC 3891 3: no such dialog -> 481.
        void invitation.reject({ statusCode: 481 }).catch(() => undefined);
        return;
      }
      replaced = found;
    }
    // The phone rings: say so (180) before anything else, so that the caller hears ringback and may CANCEL
    // at once (without it some UAs, baresip among them, hold a CANCEL back for ~2 s), and the proxy stops
    // resending the INVITE. The call centre's bookkeeping (identification, history, state) comes after. For a
    // plain INVITE early-ringing.ts has mostly put the 180 on the wire already; this one then only arms sip.js
    // (early dialog, the 180 kept for INVITE retransmissions). A call taken over by Replaces is answered at
    // once instead, and on a break the call centre answers 480 at once: neither rings.
    if (!replaced && this.takingCalls()) {
      invitation.progress().catch((error: Error) => this.log.debug(`180 Ringing not sent: ${error.message}`));
    }
    const leg = this.track(new SipCallLeg(invitation, this.log, this.options.farEnd));
    if (replaced) {
      // RFC 3891: the replaced dialog is ended here, once the newcomer is up (the call centre only records it).
      const old = replaced;
      leg.onEvent((e) => {
        if (e.type === 'established') {
          old.setReason('transferred', null);
          void old.hangup().catch(() => undefined);
        }
      });
    }
    this.announce(leg, { replacesLegId: replaced?.legId ?? null, referredFromLegId: null });
  }

  /** The far end transfers us (incoming REFER): accept, call the target, announce the new leg. */
  private onRefer(from: SipCallLeg, referral: Referral): void {
    referral
      .accept()
      .then(() => {
        from.setReason('transferred', null);
        const leg = this.track(new SipCallLeg(referral.makeInviter(), this.log, this.options.farEnd));
        this.announce(leg, { replacesLegId: null, referredFromLegId: from.legId });
        return leg.invite();
      })
      .catch((error: Error) => this.log.warn(`incoming REFER failed: ${error.message}`));
  }

  private announce(leg: SipCallLeg, info: IncomingInfo): void {
    reportingAbout(leg, () => {
      for (const l of [...this.incomingListeners]) {
        try {
          l(leg, info);
        } catch (error) {
          this.log.error(`incoming listener threw: ${(error as Error).message}`);
        }
      }
    });
  }
}
