// What the rooms of the call centre share: its dependencies, its calls, its notices, and each other.
// call-centre.ts builds one and hands it to every room; no room holds state of its own about calls.
import type { NoticeWhat } from '../../shared/facts.js';
import type { Notice } from '../../shared/state.js';
import type { CallBook } from './call-book.js';
import type { CallEnds } from './call-ends.js';
import type { CallSteps } from './call-steps.js';
import type { HistoryWriter } from './history-facts.js';
import type { IncomingCalls } from './incoming-calls.js';
import type { LegOperations } from './leg-operations.js';
import type { CallCentreDeps } from './ports.js';
import type { RegistrationDesk } from './registration-desk.js';
import type { Transfers } from './transfers.js';

export interface CentreContext {
  readonly deps: CallCentreDeps;
  readonly book: CallBook;
  readonly ops: LegOperations;
  readonly history: HistoryWriter;
  readonly desk: RegistrationDesk;
  readonly steps: CallSteps;
  readonly ends: CallEnds;
  readonly transfers: Transfers;
  readonly incoming: IncomingCalls;
  /** Adds a notice (the caller publishes with changed()). */
  notice(level: Notice['level'], what: NoticeWhat, callId: string | null): void;
  /** Publishes the new state (and updates the ringer). */
  changed(): void;
  isShuttingDown(): boolean;
  /** How long an ended call stays on screen. */
  readonly lingerMs: number;
  newCallId(): string;
}
