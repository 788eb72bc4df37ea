// Every place where we reach into sip.js 0.21.2 beyond its public API, in one folder (README.md lists
// them with the test that pins each). Nothing here acts on import: the user agent's builder
// (main/sip/telephony.ts) installs them explicitly.
import { installFastGrammar } from './fast-grammar.js';

export { guardAckTimeout } from './ack-timeout.js';
export { installEarlyRinging } from './first-responses.js';
export type { EarlyRingingSeam } from './first-responses.js';
export { KeepAliveClient } from './keep-alive-client.js';
export { PromptNonInviteClientTransaction } from './prompt-completion.js';
export { authorizeAhead, RegisterClient } from './register-client.js';
export type { ReusableDigest } from './register-client.js';
export { setViaHost } from './via-host.js';

/** The process-wide seams: sip.js's Grammar.parse gets its fast paths (once per process). */
export function installProcessSeams(): void {
  installFastGrammar();
}
