// Seam: our address in Via, changed after the user agent was built. sip.js 0.21.2 copies `viaHost` from its
// options into its core's configuration once, and reads the one when it writes a request's Via and the other
// when it checks a response's; both are plain fields, written here together. Pinned by
// test/unit/sip/local-address.test.ts (a re-chosen address in Via, and responses to it still accepted).
import type { UserAgent } from 'sip.js';

export function setViaHost(ua: UserAgent, host: string): void {
  (ua.configuration as { viaHost: string }).viaHost = host;
  (ua.userAgentCore.configuration as { viaHost: string }).viaHost = host;
}
