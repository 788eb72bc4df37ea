// The typed refusals of the call centre's commands (shared/facts.ts ErrorWhy): one place builds each.
import type { PhoneError } from '../../shared/errors.js';
import { fail } from '../../shared/errors.js';
import type { CallAction, Cause, LegOperation } from '../../shared/facts.js';
import { isOver, partyOf, type Entry } from './call-entry.js';

export type Failure = { ok: false; error: PhoneError };

export const unknownCall = (callId: string): Failure => fail('unknown-call', { kind: 'no-such-call', callId });

export const callEnded = (e: Entry): Failure => fail('invalid-state', { kind: 'call-ended', endReason: e.call.endReason });

/** The call cannot do `action` in its state (or has ended). */
export function cannot(action: CallAction, e: Entry): Failure {
  if (isOver(e)) return callEnded(e);
  return fail('invalid-state', { kind: 'call-not-ready', action, state: e.call.state });
}

export const shuttingDown = (): Failure => fail('invalid-state', { kind: 'shutting-down' });

export const notRegistered = (): Failure => fail('not-registered', { kind: 'not-registered' });

export const refused = (why: PhoneError['why']): Failure => fail('invalid-state', why);

/** An operation that went to the network and failed there. */
export function operationFailed(operation: LegOperation, e: Entry | null, cause: Cause): Failure {
  const code = operation === 'mute' ? 'media-failure' : 'sip-failure';
  return fail(code, { kind: 'operation-failed', operation, party: e ? partyOf(e) : null, cause });
}

/** The facts behind a failed command, for a notice or a call's end. */
export function causeOfFailure(error: PhoneError): Cause {
  return error.why.kind === 'operation-failed' ? error.why.cause : { kind: 'error', detail: error.why.kind };
}
