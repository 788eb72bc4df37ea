// Seam: Invitation.onAckTimeout (a protected method of sip.js 0.21.2's Invitation), guarded per invitation.
// Pinned by test/unit/sip/ack-timeout.test.ts.
import { SessionState } from 'sip.js';
import type { Invitation } from 'sip.js';
import type { SipLog } from '../log.js';
import { nullLog } from '../log.js';

/**
 * sip.js 0.21.2 crashes the process when an answered call ends before the ACK to our 200 arrives
 * (the caller's ACK lost, its BYE not: common on a lossy link): 64*T1 later the INVITE server
 * transaction ends, the dialog still waits for the ACK, and Invitation.onAckTimeout sends a BYE for
 * the finished dialog and throws "Invalid state transition from Terminated to Terminated" from a
 * timer, an uncaught exception. A session that is already over has nothing left to do there.
 */
export function guardAckTimeout(invitation: Invitation, log: SipLog = nullLog): void {
  const target = invitation as unknown as { onAckTimeout?: () => void };
  const original = target.onAckTimeout;
  if (typeof original !== 'function') return;
  target.onAckTimeout = () => {
    if (invitation.state === SessionState.Terminated) {
      log.debug('no ACK for our 200 before the call ended: nothing to do');
      return;
    }
    original.call(invitation);
  };
}
