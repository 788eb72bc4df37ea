// Seam: a subclass of sip.js 0.21.2's Core.UserAgentClient that overrides its protected authenticationGuard.
// Pinned by test/unit/sip/account.test.ts (a challenged keep-alive is not answered with credentials).
import { Core } from 'sip.js';

/**
 * The keep-alive OPTIONS: a 401/407 challenge is an answer (the proxy is alive), so it is NOT
 * answered with credentials, as sip.js would otherwise do on its own. An authenticated OPTIONS is
 * routed on by the proxy whenever its Request-URI (the configured server address) is not one the
 * proxy counts as its own (a port forward, an SBC, a DNS alias): out to that address, where it
 * loops back, every 15 s. It also doubled the probe's traffic and logged "authentication loop".
 */
export class KeepAliveClient extends Core.UserAgentClient {
  protected override authenticationGuard(): boolean {
    return true;
  }
}
