// Seam: a subclass of sip.js 0.21.2's Core.UserAgentClient (as core.register() builds it) that overrides the
// protected authenticationGuard and reads the private `credentials` it made (a Core.DigestAuthentication,
// whose private realm/nonce/opaque/qop/algorithm are read back here). Pinned by test/unit/sip/digest-reuse.test.ts.
import { Core } from 'sip.js';
import { PromptNonInviteClientTransaction } from './prompt-completion.js';

/** What sip.js's DigestAuthentication holds after answering a challenge (private fields in 0.21.2). */
interface DigestFields {
  realm?: string;
  nonce?: string;
  opaque?: string;
  qop?: string;
  algorithm?: string;
}

/** The credentials that answered a REGISTER's last challenge, to answer the next REGISTER before it is challenged. */
export interface ReusableDigest {
  readonly credentials: Core.DigestAuthentication;
  readonly header: 'authorization' | 'proxy-authorization';
  readonly nonce: string;
}

/**
 * A REGISTER client that tells `onChallenged` the credentials it answered a 401/407 with (sip.js keeps them
 * to itself). Everything else is sip.js's: a 401 to a request sent with stale or refused credentials is
 * answered once more with the new challenge, exactly as for a request sent without any.
 */
export class RegisterClient extends Core.UserAgentClient {
  private onChallenged: ((digest: ReusableDigest) => void) | null = null;

  constructor(
    core: Core.UserAgentCore,
    message: Core.OutgoingRequestMessage,
    delegate: Core.OutgoingRequestDelegate,
    onChallenged: (digest: ReusableDigest) => void,
  ) {
    // Ends when its final response is handled (prompt-completion.ts), not on a timer of its own.
    super(PromptNonInviteClientTransaction, core, message, delegate);
    // Set after super(), which has only sent the request: no response can have arrived yet.
    this.onChallenged = onChallenged;
  }

  protected override authenticationGuard(message: Core.IncomingResponseMessage, dialog?: Core.Dialog): boolean {
    const proceed = super.authenticationGuard(message, dialog);
    if (!proceed) {
      // sip.js has just retried with credentials computed from this challenge.
      const credentials = (this as unknown as { credentials?: Core.DigestAuthentication }).credentials;
      const nonce = credentials ? (credentials as unknown as DigestFields).nonce : undefined;
      if (credentials && nonce)
        this.onChallenged?.({ credentials, header: message.statusCode === 407 ? 'proxy-authorization' : 'authorization', nonce });
    }
    return proceed;
  }
}

/**
 * Puts on `message` an Authorization computed from `digest`'s last challenge (its nonce again, the next nonce
 * count, a new cnonce: RFC 2617 3.2.2, RFC 3261 22.4), so that a server that still accepts the nonce answers
 * at once. False when it cannot (then the message goes without and is challenged as usual).
 */
export function authorizeAhead(message: Core.OutgoingRequestMessage, digest: ReusableDigest): boolean {
  const f = digest.credentials as unknown as DigestFields;
  if (!f.realm || !f.nonce) return false;
  const challenge = { realm: f.realm, nonce: f.nonce, opaque: f.opaque, algorithm: f.algorithm, qop: f.qop ? [f.qop] : undefined };
  if (!digest.credentials.authenticate(message, challenge)) return false;
  message.setHeader(digest.header, digest.credentials.toString());
  return true;
}
