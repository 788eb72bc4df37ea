// Our own presence (RFC 3903): PUBLISH our status as PIDF (open/closed), refreshed with SIP-If-Match at 85%
// of the granted time, started over with the full document when the server forgot it (412), withdrawn
// (Expires: 0) on stop. Whether the server does presence at all is SipPresence's to say (presence.ts):
// a PUBLISH answered 489/405/501 tells it so.
import type { Core, URI } from 'sip.js';
import type { OwnPresence } from '../../shared/domain.js';
import type { SipLog } from './log.js';
import { buildPidf } from './pidf.js';

/** Answers of a server that does not do presence. */
export const PRESENCE_UNSUPPORTED = new Set([489, 405, 501]);

export interface PublicationOptions {
  core: Core.UserAgentCore;
  aor: URI;
  publishExpires?: number;
  /** Wait before retrying a refused PUBLISH. */
  retryMs?: number;
  log: SipLog;
  /** Does the server do presence (null: not known yet)? */
  supported(): boolean | null;
  /** An answer said whether it does. */
  setSupported(supported: boolean): void;
}

export class PresencePublication {
  private own: OwnPresence | null = null;
  private etag: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(private readonly o: PublicationOptions) {}

  /** PUBLISH our status; resolves when the server answered (or gave up). */
  set(presence: OwnPresence): Promise<void> {
    this.own = presence;
    if (this.o.supported() === false || this.stopped) return Promise.resolve();
    return this.publish(presence === 'offline' ? 0 : (this.o.publishExpires ?? 600), true);
  }

  /** No more refreshes or retries. */
  halt(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** After halt(): take our publication back from the server, if it has one. */
  async withdraw(): Promise<void> {
    if (this.etag && this.o.supported() !== false) {
      await this.publish(0, false).catch(() => undefined);
    }
  }

  private publish(expires: number, withBody: boolean): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const core = this.o.core;
    const headers = ['Event: presence', `Expires: ${expires}`];
    if (this.etag) headers.push(`SIP-If-Match: ${this.etag}`);
    const body =
      withBody && this.own && expires > 0
        ? { contentDisposition: 'render', contentType: 'application/pidf+xml', content: buildPidf(this.o.aor.toString(), this.own) }
        : undefined;
    const message = core.makeOutgoingRequestMessage('PUBLISH', this.o.aor, this.o.aor, this.o.aor, {}, headers, body);
    return new Promise<void>((resolve) => {
      core.publish(message, {
        onAccept: (response) => {
          this.o.setSupported(true);
          const etag = response.message.getHeader('sip-etag');
          this.etag = expires > 0 ? (etag ?? this.etag) : null;
          const granted = Number(response.message.getHeader('expires')) || expires;
          if (expires > 0 && !this.stopped) {
            // Refresh (no body, SIP-If-Match) at 85% of the granted time.
            this.timer = setTimeout(() => void this.publish(granted, false), granted * 850);
          }
          resolve();
        },
        onReject: (response) => {
          const code = response.message.statusCode ?? 0;
          if (PRESENCE_UNSUPPORTED.has(code)) {
            this.o.setSupported(false);
          } else if (code === 412 && this.etag) {
            // The server forgot our publication: start over with the full document.
            this.etag = null;
            void this.publish(expires, true).then(resolve);
            return;
          } else if (!this.stopped && expires > 0) {
            this.o.log.warn(`PUBLISH refused: ${code} ${response.message.reasonPhrase ?? ''}`);
            this.timer = setTimeout(() => void this.publish(expires, true), this.o.retryMs ?? 30_000);
          }
          resolve();
        },
        onRedirect: () => resolve(),
      });
    });
  }
}
