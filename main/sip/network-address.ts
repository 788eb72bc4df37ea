// Our address as SIP and RTP tell it to others, kept right without configuration:
// - local: the address of the interface that routes to the SIP server (local-address.ts), re-chosen by a
//   periodic check and whenever reregister() is called (the desktop's network-change and wake triggers);
//   or the configured sip.localAddress, which is then never changed;
// - seen: the address and port the server saw our REGISTER come from (its Via received/rport, RFC 3581),
//   when they differ from ours: a NAT on the way. Contact carries them, so that the registrar's binding
//   and in-dialog requests reach us through the NAT's mapping, and the SDP carries the seen address (with
//   our RTP port, which a port-preserving NAT such as Linux masquerade keeps: the far end's RTP then reaches
//   us once ours has gone out, as symmetric RTP does).
// Via keeps the local address (RFC 3261 18.1.1: sent-by is where we are; rport does the rest).
import type { UserAgent } from 'sip.js';
import type { MediaOptions } from '../media/contract.js';
import { routeAddressTo } from './local-address.js';
import type { SipLog } from './log.js';
import { setViaHost } from './sipjs-seams/index.js';

/** What the media factory reads per call (sip.js passes this object to it as it is). */
export type AddressedMediaOptions = Partial<MediaOptions>;

export interface NetworkAddressOptions {
  server: { host: string; port: number };
  /** sip.localAddress: fixed, never re-chosen. */
  fixed?: string;
  /** The route's address if already looked up (the composition root does, to bind the first RTP sockets). */
  initial?: string;
  log: SipLog;
  /** Route lookups (tests replace it). */
  route?: (host: string, port: number) => Promise<string | null>;
}

export class NetworkAddress {
  private local: string;
  private seen: { address: string; port: number } | null = null;
  private ua: UserAgent | null = null;
  private media: AddressedMediaOptions | null = null;
  private localPort = () => 0;

  constructor(private readonly o: NetworkAddressOptions) {
    // Until the first route lookup: loopback for a loopback server, else a placeholder the lookup replaces.
    this.local = o.fixed ?? o.initial ?? (o.server.host === '127.0.0.1' || o.server.host === 'localhost' ? '127.0.0.1' : '0.0.0.0');
  }

  /** The address for Via (and, short of a NAT, Contact and SDP). */
  get address(): string {
    return this.local;
  }

  get natSeen(): { address: string; port: number } | null {
    return this.seen;
  }

  attach(ua: UserAgent, media: AddressedMediaOptions, localPort: () => number): void {
    this.ua = ua;
    this.media = media;
    this.localPort = localPort;
    this.apply();
  }

  /** Looks the route up again; true when our address changed (Contact too: re-register). */
  async rechoose(): Promise<boolean> {
    if (this.o.fixed !== undefined) return false;
    const found = await (this.o.route ?? routeAddressTo)(this.o.server.host, this.o.server.port);
    if (found === null || found === this.local) return false;
    this.o.log.info(`SIP: local address ${this.local} -> ${found} (the route to ${this.o.server.host})`);
    this.local = found;
    // What the server saw belongs to the old path.
    this.seen = null;
    this.apply();
    return true;
  }

  /**
   * The top Via of a 2xx to our REGISTER: the received/rport the server stamped. True when that moves our
   * Contact (a NAT appeared, went, or its mapping changed): re-register with the new one.
   */
  registered(topVia: string | undefined): boolean {
    if (!topVia) return false;
    const received = /;\s*received\s*=\s*([0-9.]+)/i.exec(topVia)?.[1];
    const rport = Number(/;\s*rport\s*=\s*(\d+)/i.exec(topVia)?.[1] ?? NaN);
    if (received === undefined) return false;
    const port = Number.isInteger(rport) && rport > 0 ? rport : this.localPort();
    const behindNat = received !== this.local || port !== this.localPort();
    const next = behindNat ? { address: received, port } : null;
    if (next?.address === this.seen?.address && next?.port === this.seen?.port) return false;
    this.o.log.info(next ? `SIP: the server sees us at ${received}:${port} (NAT): Contact and SDP use it` : 'SIP: no NAT between us and the server any more');
    this.seen = next;
    this.apply();
    return true;
  }

  /** Contact host/port, Via host and the media addresses from what we know now. */
  apply(): void {
    const ua = this.ua;
    if (!ua) return;
    setViaHost(ua, this.local);
    ua.contact.uri.host = this.seen?.address ?? this.local;
    const port = this.seen?.port ?? this.localPort();
    if (port > 0) ua.contact.uri.port = port;
    if (this.media) {
      this.media.localAddress = this.local;
      this.media.advertisedAddress = this.seen?.address ?? this.local;
    }
  }
}
