// sip.js 0.21.2: an answered call that ends (the caller's BYE) before the ACK to our 200 arrives made
// Invitation.onAckTimeout throw from a timer 32 s later, which killed the app (lossy-network test,
// seed 202: "Invalid state transition from Terminated to Terminated"). guardAckTimeout stops that.
import { Invitation, SessionState } from 'sip.js';
import { describe, expect, it } from 'vitest';
import { guardAckTimeout } from '../../../main/sip/sipjs-seams/ack-timeout.js';

/** An Invitation in a given state with the little onAckTimeout touches (no UserAgent needed). */
function invitationIn(state: SessionState): { invitation: Invitation; byes: number; fire: () => void } {
  const invitation = Object.create(Invitation.prototype) as Invitation;
  const box = { byes: 0 };
  Object.assign(invitation, {
    _state: state,
    _dialog: { bye: () => void box.byes++ },
    logger: { log() {}, warn() {}, error() {}, debug() {} },
    _stateEventEmitter: { emit() {} },
  });
  return {
    invitation,
    get byes() {
      return box.byes;
    },
    fire: () => (invitation as unknown as { onAckTimeout: () => void }).onAckTimeout(),
  };
}

describe('guardAckTimeout', () => {
  it('sip.js alone: the ACK timeout of a call that is already over throws (and sends a stray BYE)', () => {
    const t = invitationIn(SessionState.Terminated);
    expect(() => t.fire()).toThrow(/Invalid state transition from Terminated to Terminated/);
    expect(t.byes).toBe(1);
  });

  it('guarded: nothing happens for a call that is already over', () => {
    const t = invitationIn(SessionState.Terminated);
    guardAckTimeout(t.invitation);
    expect(() => t.fire()).not.toThrow();
    expect(t.byes).toBe(0);
  });

  it('guarded: a live call still gets its BYE when the ACK never comes (RFC 3261 13.3.1.4)', () => {
    const t = invitationIn(SessionState.Established);
    guardAckTimeout(t.invitation);
    let ended = false;
    (t.invitation as unknown as { stateTransition: (s: SessionState) => void }).stateTransition = (s) => {
      ended = s === SessionState.Terminated;
    };
    t.fire();
    expect(t.byes).toBe(1);
    expect(ended).toBe(true);
  });
});
