// One call as the call centre keeps it: the published Call, its leg, and the bookkeeping around it, with the
// table of state moves a call may make. Every change of `call.state` goes through transition(), which refuses
// a move not in the table (the way sip.js's Session.stateTransition guards its states).
import type { Call, CallEndReason, CallerIdentity, CallState } from '../../shared/domain.js';
import type { Party } from '../../shared/facts.js';
import type { CallLeg } from './ports.js';

/** User commands waiting or running on a call (they refuse double clicks). */
export type PendingCommand = 'answer' | 'decline' | 'hold' | 'resume';

export interface Entry {
  call: Call;
  leg: CallLeg | null;
  pending: Set<PendingCommand>;
  hangingUp: boolean;
  heldCount: number;
  /** When we last put it on hold (which held caller a new call consults). */
  heldAt: number | null;
  /** Hold/resume re-INVITEs to the far end, one at a time, behind the local change (CallSteps.tellFarEnd). */
  farEndSignalling: Promise<void>;
  /** What the far end last agreed to: on hold (true) or talking (false). */
  farEndHeld: boolean;
  handledBy: string | null;
  transferredTo: string | null;
  /** Whatever the leg says, this call ends as (set when a transfer succeeded). */
  endAs: CallEndReason | null;
  /** The call this leg was created from by an incoming REFER (its overlap is expected). */
  referredFrom: Entry | null;
  ended: Promise<void>;
  resolveEnded: () => void;
  lingerTimer: { cancel(): void } | null;
}

/**
 * The moves a call may make. ringing: incoming, not answered; dialing/early: outgoing before the answer;
 * active/held: established; ended: final. An answered call is active first (a call taken over muted and
 * held goes ringing -> active -> held).
 */
export const STATE_MOVES: Readonly<Record<CallState, readonly CallState[]>> = {
  ringing: ['active', 'ended'],
  dialing: ['early', 'active', 'ended'],
  early: ['active', 'ended'],
  active: ['held', 'ended'],
  held: ['active', 'ended'],
  ended: [],
};

export class StateMoveError extends Error {
  constructor(
    readonly from: CallState,
    readonly to: CallState,
  ) {
    super(`a call cannot move from ${from} to ${to}`);
    this.name = 'StateMoveError';
  }
}

/** Moves the call to `to`; throws StateMoveError for a move not in STATE_MOVES (a bug, reported as such). */
export function transition(e: Entry, to: CallState): void {
  const from = e.call.state;
  if (!STATE_MOVES[from].includes(to)) throw new StateMoveError(from, to);
  e.call.state = to;
}

const IDENTIFYING: CallerIdentity = { kind: 'unknown', reason: 'identifying' };

/** End reasons that are failures (a notice, and "failed" in the history for an outgoing call). */
export const CALL_FAILURE_REASONS: ReadonlySet<CallEndReason> = new Set([
  'busy',
  'no-answer',
  'not-found',
  'rejected',
  'failed',
  'connection-lost',
  'far-end-gone',
]);

export function newEntry(
  callId: string,
  direction: Call['direction'],
  number: string,
  uri: string,
  state: CallState,
  now: number,
  handledBy: string | null,
): Entry {
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => {
    resolveEnded = resolve;
  });
  return {
    call: {
      callId,
      direction,
      number,
      displayName: null,
      remoteUri: uri,
      identity: IDENTIFYING,
      state,
      heldLocally: false,
      heldRemotely: false,
      muted: false,
      startedAt: now,
      answeredAt: null,
      endedAt: null,
      endReason: null,
      endCause: null,
      transfer: null,
      consultationFor: null,
      media: null,
    },
    leg: null,
    pending: new Set(),
    hangingUp: false,
    heldCount: 0,
    heldAt: null,
    farEndSignalling: Promise.resolve(),
    farEndHeld: false,
    handledBy,
    transferredTo: null,
    endAs: null,
    referredFrom: null,
    ended,
    resolveEnded,
    lingerTimer: null,
  };
}

export function isEstablished(call: Call): boolean {
  return call.state === 'active' || call.state === 'held';
}

/** Whether the call has ended (a function, so TypeScript does not narrow the state across awaits). */
export function isOver(e: Entry): boolean {
  return e.call.state === 'ended';
}

/** Who the call is with, as a notice names them. */
export function partyOf(e: Entry): Party {
  const id = e.call.identity;
  if (id.kind === 'driver' || id.kind === 'employee') return { name: id.name, callsign: id.callsign, number: e.call.number };
  if (id.kind === 'client' && id.name) return { name: id.name, callsign: null, number: e.call.number };
  return { name: e.call.displayName, callsign: null, number: e.call.number };
}
