// How the one sip.js UserAgent is set up for an account: the addresses of record, registrar and proxy, our
// own transport for the account's kind (udp/tcp/tls), and the UserAgent options that make sip.js 0.21 work in
// Node (host-only Via, rport, the real transport in Contact, Replaces matched by us, no automatic 100/180).
// The telephony (telephony.ts) builds the UserAgent from this and wires what it receives.
import { UserAgent } from 'sip.js';
import type { Core, Invitation, SessionDescriptionHandlerFactory, Transport, URI, UserAgentOptions } from 'sip.js';
import type { SipTransport } from '../../shared/domain.js';
import type { MediaOptions } from '../media/contract.js';
import type { SipLog } from './log.js';
import type { SourceGate } from './source-gate.js';
import { TcpTransport } from './tcp-transport.js';
import { TlsTransport } from './tls-transport.js';
import type { SipTransportBase, SipTransportOptions } from './transport-base.js';
import { UdpTransport } from './udp-transport.js';

export type SipTransportKind = SipTransport;

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
  /**
   * This installation's UUID, the same at every start: sent as +sip.instance (RFC 5627) so that the registrar
   * replaces the binding a killed run left behind instead of forking calls to it until it expires.
   */
  instanceId?: string;
}

export function parseServer(server: string, transport: SipTransportKind): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(server.trim());
  if (!m || !m[1]) throw new Error(`Not a host[:port]: ${server}`);
  const port = m[2] ? Number(m[2]) : transport === 'tls' ? 5061 : 5060;
  if (!(port > 0 && port < 65536)) throw new Error(`Bad port in ${server}`);
  return { host: m[1], port };
}

const TRANSPORTS: Record<SipTransportKind, new (logger: Core.Logger, options: SipTransportOptions) => SipTransportBase> = {
  udp: UdpTransport,
  tcp: TcpTransport,
  tls: TlsTransport,
};

/** The account's addresses, as SIP URIs. */
export interface AccountUris {
  /** Address of record, e.g. sip:3001@127.0.0.1. */
  aor: string;
  uri: URI;
  /** The proxy, sip:host:port;transport=... (keep-alive OPTIONS go there). */
  serverUri: URI;
  /** Request-URI of REGISTER: sip:<domain>. */
  registrar: URI;
}

export function accountUris(a: SipAccountConfig, server: { host: string; port: number }): AccountUris {
  const domain = a.domain ?? server.host;
  const aor = `sip:${a.user}@${domain}`;
  const uri = UserAgent.makeURI(aor);
  const serverUri = UserAgent.makeURI(`sip:${server.host}:${server.port};transport=${a.transport}`);
  const registrar = UserAgent.makeURI(`sip:${domain}`);
  if (!uri || !serverUri || !registrar) throw new Error(`Bad SIP account: ${aor}`);
  return { aor, uri, serverUri, registrar };
}

export interface UserAgentSetup {
  account: SipAccountConfig;
  server: { host: string; port: number };
  uri: URI;
  /** Our address for Via (and the media's), as chosen now. */
  localAddress: string;
  /** A local address fixed by the settings: the transport binds it. */
  fixedLocalAddress?: string;
  gate: SourceGate;
  /** The user part of our Contact. */
  contactName: string;
  sessionDescriptionHandlerFactory: SessionDescriptionHandlerFactory;
  media: Partial<MediaOptions>;
  sipLogLevel?: 'debug' | 'log' | 'warn' | 'error';
  log: SipLog;
  onInvite: (invitation: Invitation) => void;
}

export function userAgentOptions(s: UserAgentSetup): UserAgentOptions {
  const a = s.account;
  const transportOptions: SipTransportOptions & { gate: SourceGate } = {
    host: s.server.host,
    port: s.server.port,
    // Chosen by the OS per datagram unless fixed: the socket outlives a change of network.
    ...(s.fixedLocalAddress !== undefined ? { localAddress: s.fixedLocalAddress } : {}),
    gate: s.gate,
    ...(a.tlsCaFile ? { caFile: a.tlsCaFile } : {}),
    onProblem: (m) => s.log.warn(m),
  };
  return {
    uri: s.uri,
    authorizationUsername: a.user,
    authorizationPassword: a.password,
    ...(a.displayName ? { displayName: a.displayName } : {}),
    transportConstructor: TRANSPORTS[a.transport] as unknown as new (logger: Core.Logger, options: unknown) => Transport,
    transportOptions,
    // Host only: sip.js drops every response whose Via sent-by carries a port.
    viaHost: s.localAddress,
    forceRport: true,
    hackViaTcp: false,
    contactName: s.contactName,
    contactParams: { transport: a.transport },
    ...(a.instanceId ? { instanceId: a.instanceId, instanceIdAlwaysAdded: true } : {}),
    sessionDescriptionHandlerFactory: s.sessionDescriptionHandlerFactory,
    sessionDescriptionHandlerFactoryOptions: s.media,
    // We match Replaces ourselves (sip.js would reject unknown dialogs before we see them).
    sipExtensionReplaces: 'Unsupported' as UserAgentOptions['sipExtensionReplaces'],
    // onInvite sends the 180 itself, synchronously, and none for a call taken over by Replaces.
    sendInitialProvisionalResponse: false,
    logBuiltinEnabled: false,
    logLevel: s.sipLogLevel ?? 'error',
    logConnector: (level, category, _label, content) => {
      const line = `${category}: ${content}`;
      if (level === 'error') s.log.error(line);
      else if (level === 'warn') s.log.warn(line);
      else s.log.debug(line);
    },
    delegate: {
      onInvite: (invitation) => s.onInvite(invitation),
    },
  };
}
