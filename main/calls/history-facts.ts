// What the call history is told about a call, and the writer that turns a failed write into a notice
// (the history is written when a call starts and at every change, so a crash loses nothing).
import type { CallerIdentity } from '../../shared/domain.js';
import { CALL_FAILURE_REASONS, type Entry } from './call-entry.js';
import type { CallHistoryLog, HistoryCallFacts } from './ports.js';

function historyFacts(e: Entry): HistoryCallFacts {
  const c = e.call;
  return {
    callId: c.callId,
    direction: c.direction,
    number: c.number,
    identity: structuredClone(c.identity),
    handledBy: e.handledBy,
    startedAt: c.startedAt,
    answeredAt: c.answeredAt,
    endedAt: c.endedAt,
    heldCount: e.heldCount,
    endReason: c.endReason,
    transferredTo: e.transferredTo,
    endCause: c.endReason !== null && CALL_FAILURE_REASONS.has(c.endReason) ? c.endCause : null,
  };
}

export class HistoryWriter {
  constructor(
    private readonly log: CallHistoryLog,
    private readonly onFailure: (detail: string, callId: string) => void,
  ) {}

  started(e: Entry): void {
    this.write(e, (f) => this.log.callStarted(f));
  }

  updated(e: Entry): void {
    this.write(e, (f) => this.log.callUpdated(f));
  }

  /** Who called, learnt after the call ended (refused on a break, a caller who gave up): the row gets the name. */
  identifiedLate(e: Entry, identity: CallerIdentity): void {
    this.write(e, (f) => this.log.callUpdated({ ...f, identity: structuredClone(identity) }));
  }

  private write(e: Entry, put: (f: HistoryCallFacts) => void): void {
    try {
      put(historyFacts(e));
    } catch (err) {
      this.onFailure(err instanceof Error ? err.message : String(err), e.call.callId);
    }
  }
}
