// Who the far end of a call is, as the dispatcher should see it: P-Asserted-Identity (RFC 3325) wins over
// From/To, whose display name comes without its quotes.
import { Grammar } from 'sip.js';
import type { NameAddrHeader } from 'sip.js';
import type { RemoteParty } from '../calls/ports.js';

/** The far end from its From/To identity and, when the proxy asserted one, its P-Asserted-Identity. */
export function remotePartyOf(identity: NameAddrHeader, assertedHeader?: string | null): RemoteParty {
  let id: NameAddrHeader = identity;
  if (assertedHeader) {
    const parsed = Grammar.nameAddrHeaderParse(assertedHeader.split(',')[0]?.trim() ?? '');
    if (parsed) id = parsed;
  }
  const uri = id.uri;
  const displayName = id.displayName ? id.displayName.replace(/^"|"$/g, '').trim() : '';
  return {
    number: uri.user ?? uri.host ?? '',
    displayName: displayName.length > 0 ? displayName : null,
    uri: uri.toString(),
  };
}
