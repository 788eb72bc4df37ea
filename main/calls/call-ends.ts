// The end of calls: declining a ringing call, hanging up, and endCall, the one place a call becomes
// 'ended' (history row closed, notice when it failed, the transfer it belonged to told, then it lingers).
import type { CallEndReason } from '../../shared/domain.js';
import type { Result } from '../../shared/errors.js';
import { ok } from '../../shared/errors.js';
import type { Cause } from '../../shared/facts.js';
import { CALL_FAILURE_REASONS, isOver, partyOf, transition, type Entry } from './call-entry.js';
import type { CentreContext } from './centre-context.js';
import { operationFailed } from './refusals.js';

export class CallEnds {
  constructor(private readonly ctx: CentreContext) {}

  async declineRinging(e: Entry): Promise<Result<null>> {
    e.pending.add('decline');
    this.ctx.changed();
    const leg = e.leg;
    const r = leg ? await this.ctx.steps.legOp(e, 'decline', () => leg.decline()) : ({ kind: 'done', value: undefined } as const);
    e.pending.delete('decline');
    if (r.kind === 'error' && !isOver(e)) {
      this.ctx.changed();
      return operationFailed('decline', e, r.cause);
    }
    this.endCall(e, 'rejected', { kind: 'declined-by-dispatcher' });
    return ok(null);
  }

  async hangup(e: Entry, reason: CallEndReason): Promise<void> {
    if (isOver(e) || e.hangingUp) return;
    e.hangingUp = true;
    this.ctx.changed();
    const leg = e.leg;
    if (!leg) {
      this.endCall(e, reason, null);
      return;
    }
    const r = await this.ctx.steps.legOp(e, 'hang-up', () => leg.hangup());
    // The dialog is over for us either way: a BYE that got no answer still ends the call.
    this.endCall(e, reason, r.kind === 'error' ? r.cause : null);
  }

  endCall(e: Entry, legReason: CallEndReason, cause: Cause | null, notify = true): void {
    const call = e.call;
    if (isOver(e)) return;
    const reason = e.endAs ?? legReason;
    const wasEstablished = call.answeredAt !== null;
    transition(e, 'ended');
    call.endedAt = this.ctx.deps.clock.now();
    call.endReason = reason;
    call.endCause = reason === 'transferred' ? null : cause;
    e.hangingUp = false;
    e.resolveEnded();
    this.ctx.book.unqueue(call.callId);

    const explained = this.ctx.transfers.onCallEnded(e, legReason, reason, cause);
    this.ctx.history.updated(e);
    if (notify && !explained && CALL_FAILURE_REASONS.has(reason)) {
      if (call.direction === 'outgoing' && !wasEstablished) {
        this.ctx.notice('warning', { kind: 'call-failed', party: partyOf(e), reason, cause }, call.callId);
      } else if (wasEstablished && (reason === 'failed' || reason === 'connection-lost' || reason === 'far-end-gone')) {
        this.ctx.notice('error', { kind: 'call-cut-off', party: partyOf(e), reason, cause }, call.callId);
      }
    }
    e.lingerTimer = this.ctx.deps.clock.setTimeout(() => {
      e.lingerTimer = null;
      if (this.ctx.book.forget(e)) this.ctx.changed();
    }, this.ctx.lingerMs);
    this.ctx.changed();
  }
}
