// What the ring device should do, from the calls alone: ring while calls wait and nobody is being talked
// to, a soft call-waiting beep while talking (or dialling), silence otherwise.
import type { CallState } from '../../shared/domain.js';

export type RingerMode = 'silent' | 'ringing' | 'call-waiting';

export interface RingerFacts {
  /** Ringing calls that are not already being answered or declined. */
  waitingCalls: number;
  /** States of every call the centre holds. */
  states: Iterable<CallState>;
  shuttingDown: boolean;
}

export function ringerMode(facts: RingerFacts): RingerMode {
  if (facts.waitingCalls === 0 || facts.shuttingDown) return 'silent';
  for (const s of facts.states) {
    if (s === 'active' || s === 'dialing' || s === 'early') return 'call-waiting';
  }
  return 'ringing';
}
