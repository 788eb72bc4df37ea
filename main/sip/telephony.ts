// The SIP side as the call centre sees it (the Telephony port): one sip.js UserAgent over our own
// transport, the account (registration), presence, and the call legs.
import { Inviter, UserAgent, UserAgentState } from 'sip.js';
import type { Referral, SessionDescriptionHandlerFactory, Transport, UserAgentOptions , Invitation} from 'sip.js';
import type { Core } from 'sip.js';
import type { OwnPresence, RegistrationState } from '../../shared/domain.js';
import { fail, ok } from '../../shared/errors.js';
import type { Result } from '../../shared/errors.js';
import type { CallLeg, IncomingInfo, Telephony } from '../calls/ports.js';
import type { MediaOptions } from '../media/contract.js';
import { SipAccount } from './account.js';
import { reportingAbout, SipCallLeg, type FarEndOptions } from './call-leg.js';
import type { DialogKeeper } from './dialog-recovery.js';
import { EarlyRinging } from './early-ringing.js';
import { installFastGrammar } from './fast-grammar.js';
import { parseReplaces } from './headers.js';
import type { SipLog } from './log.js';
import { nullLog } from './log.js';
import { SipPresence } from './presence.js';
import { TcpTransport } from './tcp-transport.js';
import { TlsTransport } from './tls-transport.js';
import type { SipTransportBase, SipTransportOptions } from './transport-base.js';
import { UdpTransport } from './udp-transport.js';

// sip.js parses a dozen headers of every incoming message with its slow generic grammar.
installFastGrammar();

export type SipTransportKind = 'udp' | 'tcp' | 'tls';

export interface SipAccountConfig {
  /** host[:port] of the proxy/registrar. */
  server: string;
  transport: SipTransportKind;
  user: string;
  password: string;
  displayName?: string;
  /** SIP domain (default: the server's host). */
  domain?: string;
  /** TLS: CA that signed the server's certificate. */
  tlsCaFile?: string;
}

export interface SipTelephonyOptions {
  account: SipAccountConfig;
  /** Local IP for SIP (Via/Contact) and RTP; default 127.0.0.1. */
  localAddress?: string;
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
  /** How calls notice a far end that vanished (RTP timeout, session timers). */
  farEnd?: FarEndOptions;
  /** Keeps each established dialog in the store while it is up (dialog-recovery.ts). */
  dialogKeeper?: DialogKeeper;
  /** sip.js's own log level (default 'error'). */
  sipLogLevel?: 'debug' | 'log' | 'warn' | 'error';
}

export function parseServer(server: string, transport: SipTransportKind): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(server.trim());
  if (!m || !m[1]) throw new Error(`Not a host[:port]: ${server}`);
  const port = m[2] ? Number(m[2]) : transport === 'tls' ? 5061 : 5060;
  if (!(port > 0 && port < 65536)) throw new Error(`Bad port in ${server}`);
  return { host: m[1], port };
}

const skippedTrying = (() => undefined) as unknown as Core.IncomingInviteRequest['trying'];

const TRANSPORTS: Record<SipTransportKind, new (logger: Core.Logger, options: SipTransportOptions) => SipTransportBase> = {
  udp: UdpTransport,
  tcp: TcpTransport,
  tls: TlsTransport,
};

export class SipTelephony implements Telephony {
  readonly ua: UserAgent;
  readonly account: SipAccount;
  readonly presence: SipPresence;
  readonly earlyRinging: EarlyRinging;
  private readonly legs = new Map<string, SipCallLeg>();
  private readonly incomingListeners = new Set<(leg: CallLeg, info: IncomingInfo) => void>();
  private readonly log: SipLog;
  private readonly aor: string;
  private started = false;
  /** The dispatcher is on a break: new calls are turned away (by the call centre), so they do not ring. */
  private onBreak = false;
  /** Our Contact as sip.js writes it (the early 180 carries it); null: to be written again. */
  private contactHeader: string | null = null;

  constructor(private readonly options: SipTelephonyOptions) {
    const a = options.account;
    this.log = options.logger ?? nullLog;
    const server = parseServer(a.server, a.transport);
    const domain = a.domain ?? server.host;
    const localAddress = options.localAddress ?? '127.0.0.1';
    this.aor = `sip:${a.user}@${domain}`;
    const uri = UserAgent.makeURI(this.aor);
    const serverUri = UserAgent.makeURI(`sip:${server.host}:${server.port};transport=${a.transport}`);
    const registrar = UserAgent.makeURI(`sip:${domain}`);
    if (!uri || !serverUri || !registrar) throw new Error(`Bad SIP account: ${this.aor}`);
    const transportOptions: SipTransportOptions = {
      host: server.host,
      port: server.port,
      localAddress,
      ...(a.tlsCaFile ? { caFile: a.tlsCaFile } : {}),
      onProblem: (m) => this.log.warn(m),
    };
    // Only what we know: the media factory's own defaults fill in the RTP port range.
    const media: Partial<MediaOptions> = { localAddress, ...options.media };
    const contactName = `${a.user}-${Math.random().toString(36).slice(2, 8)}`;
    const uaOptions: UserAgentOptions = {
      uri,
      authorizationUsername: a.user,
      authorizationPassword: a.password,
      ...(a.displayName ? { displayName: a.displayName } : {}),
      transportConstructor: TRANSPORTS[a.transport] as unknown as new (logger: Core.Logger, options: unknown) => Transport,
      transportOptions,
      // Host only: sip.js drops every response whose Via sent-by carries a port.
      viaHost: localAddress,
      forceRport: true,
      hackViaTcp: false,
      contactName,
      contactParams: { transport: a.transport },
      sessionDescriptionHandlerFactory: options.sessionDescriptionHandlerFactory,
      sessionDescriptionHandlerFactoryOptions: media,
      // We match Replaces ourselves (sip.js would reject unknown dialogs before we see them).
      sipExtensionReplaces: 'Unsupported' as UserAgentOptions['sipExtensionReplaces'],
      // onInvite sends the 180 itself, synchronously, and none for a call taken over by Replaces.
      sendInitialProvisionalResponse: false,
      logBuiltinEnabled: false,
      logLevel: options.sipLogLevel ?? 'error',
      logConnector: (level, category, _label, content) => {
        const line = `${category}: ${content}`;
        if (level === 'error') this.log.error(line);
        else if (level === 'warn') this.log.warn(line);
        else this.log.debug(line);
      },
      delegate: {
        onInvite: (invitation) => this.onInvite(invitation),
      },
    };
    this.ua = new UserAgent(uaOptions);
    const core = this.ua.userAgentCore;
    const ourUsers = [a.user, contactName];
    this.earlyRinging = new EarlyRinging(
      {
        // On a break the call centre turns calls away (480): no ringing first.
        accepting: () => this.ua.state === UserAgentState.Started && !this.onBreak,
        users: () => ourUsers,
        knownTransaction: (branch) => core.userAgentServers.has(branch),
        supported: () => core.configuration.supportedOptionTagsResponse,
        userAgent: () => core.configuration.userAgentHeaderFieldValue,
        contact: () => (this.contactHeader ??= core.configuration.contact.toString()),
      },
      (text) => void this.transport.send(text).catch((error: Error) => this.log.debug(`early response not sent: ${error.message}`)),
      (message) => this.log.warn(message),
    );
    this.transport.hook = this.earlyRinging;
    this.adoptFirstResponses();
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
      log: this.log,
    });
    this.presence = new SipPresence({ core: this.ua.userAgentCore, ua: this.ua, aor: uri, log: this.log });
  }

  /**
   * Between sip.js's user agent server for a new INVITE and the Invitation made from it:
   * - if early-ringing.ts rang for this INVITE already, the server takes that 180's To-tag, so that all its
   *   responses (and the dialog) carry it;
   * - RFC 3261 17.2.1: a 100 Trying is owed only when the TU will not respond within 200 ms. onInvite sends
   *   180 Ringing (or a final response) in the same turn, so sip.js's unconditional 100 is one datagram and
   *   a response build too many. An INVITE with Replaces is answered after its media is set up, so it keeps
   *   its 100.
   */
  private adoptFirstResponses(): void {
    const delegate = this.ua.userAgentCore.delegate;
    const onInvite = delegate.onInvite?.bind(delegate);
    if (!onInvite) throw new Error('sip.js UserAgentCore has no onInvite delegate: check adoptFirstResponses after a sip.js upgrade');
    delegate.onInvite = (request) => {
      const tag = this.earlyRinging.claim(request.message.viaBranch);
      // A protected field of sip.js's UserAgentServer, read by every response it builds and by the Invitation.
      if (tag !== null) (request as unknown as { toTag: string }).toTag = tag;
      // Only sip.js's own call (whose result it ignores) happens before onInvite answers.
      if (!request.message.hasHeader('replaces')) request.trying = skippedTrying;
      onInvite(request);
    };
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
    try {
      await this.ua.start();
    } catch (error) {
      // TCP/TLS: the server may be down; the transport keeps reconnecting and the account reports it.
      this.log.warn(`SIP transport did not connect: ${(error as Error).message}`);
    }
    this.fixContact();
    this.account.start();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const leg of [...this.legs.values()]) await leg.hangup().catch(() => undefined);
    await this.presence.stop().catch(() => undefined);
    await this.account.stop();
    await this.ua.stop().catch(() => undefined);
  }

  reregister(): void {
    this.account.reregister();
  }

  onIncoming(listener: (leg: CallLeg, info: IncomingInfo) => void): void {
    this.incomingListeners.add(listener);
  }

  onRegistration(listener: (state: RegistrationState) => void): void {
    this.account.onState(listener);
  }

  onPresence(listener: (uri: string, online: boolean) => void): void {
    this.presence.onPresence(listener);
  }

  onPresenceSupport(listener: (supported: boolean) => void): void {
    this.presence.onSupport(listener);
  }

  setOwnPresence(presence: OwnPresence): Promise<void> {
    this.onBreak = presence === 'break';
    return this.presence.setOwn(presence);
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
    if (!target) return fail('invalid-number', `Not a SIP address: ${targetUri}`);
    if (this.account.state.kind !== 'registered') {
      return fail('not-registered', 'Not registered with the SIP server');
    }
    let leg: SipCallLeg;
    try {
      leg = this.track(new SipCallLeg(new Inviter(this.ua, target), this.log, this.options.farEnd));
      await leg.invite();
    } catch (error) {
      return fail('sip-failure', `Could not place the call: ${(error as Error).message}`);
    }
    return ok(leg);
  }

  private fixContact(): void {
    const t = this.transport;
    if (t.localPort > 0) this.ua.contact.uri.port = t.localPort;
    this.contactHeader = null;
  }

  private track(leg: SipCallLeg): SipCallLeg {
    this.legs.set(leg.legId, leg);
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
    if (!replaced && !this.onBreak) {
      invitation.progress().catch((error: Error) => this.log.debug(`180 Ringing not sent: ${error.message}`));
    }
    const leg = this.track(new SipCallLeg(invitation, this.log, this.options.farEnd));
    if (replaced) {
      const old = replaced;
      leg.onEvent((e) => {
        if (e.type === 'established') {
          old.setReason('transferred', 'replaced');
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
        from.setReason('transferred', `referred to ${referral.referTo.uri.toString()}`);
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
