// Seam: a wrapper over sip.js's UserAgentCore.delegate.onInvite (sip.js 0.21.2), the half of the early 180
// (early-ringing.ts) that lives inside sip.js. Between sip.js's user agent server for a new INVITE and the
// Invitation made from it:
// - if early-ringing.ts rang for this INVITE already, the server takes that 180's To-tag, so that all its
//   responses (and the dialog) carry it;
// - RFC 3261 17.2.1: a 100 Trying is owed only when the TU will not respond within 200 ms. onInvite sends
//   180 Ringing (or a final response) in the same turn, so sip.js's unconditional 100 is one datagram and
//   a response build too many. An INVITE with Replaces is answered after its media is set up, so it keeps
//   its 100.
// Pinned by test/unit/sip/incoming-invite.test.ts (one 180, no 100, the 180's tag on the 200).
import { UserAgentState } from 'sip.js';
import type { Core, UserAgent } from 'sip.js';
import type { SipTransportBase } from '../transport-base.js';
import { EarlyRinging } from './early-ringing.js';

const skippedTrying = (() => undefined) as unknown as Core.IncomingInviteRequest['trying'];

/** Wraps `core`'s onInvite so that each new INVITE's server takes the To-tag `claim` gives for its branch. */
export function adoptFirstResponses(core: Core.UserAgentCore, claim: (branch: string) => string | null): void {
  const delegate = core.delegate;
  const onInvite = delegate.onInvite?.bind(delegate);
  if (!onInvite) throw new Error('sip.js UserAgentCore has no onInvite delegate: check adoptFirstResponses after a sip.js upgrade');
  delegate.onInvite = (request) => {
    const tag = claim(request.message.viaBranch);
    // A protected field of sip.js's UserAgentServer, read by every response it builds and by the Invitation.
    if (tag !== null) (request as unknown as { toTag: string }).toTag = tag;
    // Only sip.js's own call (whose result it ignores) happens before onInvite answers.
    if (!request.message.hasHeader('replaces')) request.trying = skippedTrying;
    onInvite(request);
  };
}

export interface EarlyRingingSeam {
  earlyRinging: EarlyRinging;
  /** Our Contact changed (a new port or address): the early 180 writes it again from sip.js's. */
  contactChanged(): void;
}

/**
 * The early 180 on `transport` for `ua`: the transport hook (early-ringing.ts), fed from sip.js's core
 * (its server transactions, Supported, User-Agent and Contact, as its own responses carry them), and the
 * wrapper above that hands the 180's tag to sip.js.
 */
export function installEarlyRinging(
  ua: UserAgent,
  transport: SipTransportBase,
  o: { accepting: () => boolean; users: readonly string[]; debug: (m: string) => void; warn: (m: string) => void },
): EarlyRingingSeam {
  const core = ua.userAgentCore;
  let contactHeader: string | null = null;
  const earlyRinging = new EarlyRinging(
    {
      accepting: () => ua.state === UserAgentState.Started && o.accepting(),
      users: () => o.users,
      knownTransaction: (branch) => core.userAgentServers.has(branch),
      supported: () => core.configuration.supportedOptionTagsResponse,
      userAgent: () => core.configuration.userAgentHeaderFieldValue,
      contact: () => (contactHeader ??= core.configuration.contact.toString()),
    },
    (text) => void transport.send(text).catch((error: Error) => o.debug(`early response not sent: ${error.message}`)),
    o.warn,
  );
  transport.hook = earlyRinging;
  adoptFirstResponses(core, (branch) => earlyRinging.claim(branch));
  return {
    earlyRinging,
    contactChanged: () => {
      contactHeader = null;
    },
  };
}
