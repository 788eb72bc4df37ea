// Transfers: blind (REFER) and attended (a consultation call, then REFER with Replaces on "Connect
// subscribers"), their progress from NOTIFYs, what a failure leaves behind (never the caller in silence),
// and the consultation pair's bookkeeping when one of its calls ends.
import type { CallEndReason, TransferProgress } from '../../shared/domain.js';
import type { Result } from '../../shared/errors.js';
import { fail, ok } from '../../shared/errors.js';
import type { Cause } from '../../shared/facts.js';
import { isEstablished, isOver, partyOf, type Entry } from './call-entry.js';
import type { CentreContext } from './centre-context.js';
import type { LegEvent } from './ports.js';
import { callEnded, cannot, causeOfFailure, operationFailed, refused, type Failure } from './refusals.js';

type Attended = Extract<TransferProgress, { kind: 'attended' }>;

function transferInProgress(t: TransferProgress | null): boolean {
  if (!t) return false;
  return t.kind === 'blind' ? t.status === 'trying' || t.status === 'ringing' : t.status === 'consulting' || t.status === 'connecting';
}

export class Transfers {
  constructor(private readonly ctx: CentreContext) {}

  async blind(e: Entry, target: string): Promise<Result<null>> {
    const refusedNow = this.refuse(e);
    if (refusedNow) return refusedNow;
    const resolved = this.ctx.deps.dialPlan.resolve(target);
    if (!resolved.ok) return resolved;
    const leg = e.leg;
    if (!leg) return refused({ kind: 'no-connection' });
    const transfer: TransferProgress = { kind: 'blind', target: resolved.value.number, status: 'trying', cause: null };
    e.call.transfer = transfer;
    this.ctx.changed();
    // A hold re-INVITE still on its way would meet our REFER with 491: one request at a time in the dialog.
    await e.farEndSignalling;
    const r = await this.ctx.steps.legOp(e, 'refer', () => leg.refer(resolved.value.uri));
    if (r.kind === 'error') {
      if (e.call.transfer === transfer && transfer.status !== 'succeeded') this.blindFailed(e, r.cause);
      return operationFailed('refer', e, r.cause);
    }
    return ok(null);
  }

  /** Attended transfer, step 1: the caller is held and the target called; the pair is caller + consultation. */
  async consult(e: Entry, target: string): Promise<Result<{ consultationCallId: string }>> {
    const same = this.sameConsultation(e, target);
    if (same) return ok({ consultationCallId: same });
    const refusedNow = this.refuse(e) ?? this.ctx.steps.refuseToPlaceCall();
    if (refusedNow) return refusedNow;
    const resolved = this.ctx.deps.dialPlan.resolve(target);
    if (!resolved.ok) return resolved;
    const c = this.ctx.incoming.addOutgoing(resolved.value.number, resolved.value.uri, e.call.callId);
    const transfer: Attended = { kind: 'attended', consultationCallId: c.call.callId, status: 'consulting', cause: null };
    e.call.transfer = transfer;
    this.ctx.changed();
    return this.ctx.ops.exclusive(async () => {
      if (isOver(e)) {
        this.ctx.ends.endCall(c, 'hung-up-local', { kind: 'caller-left-before-consultation' });
        return callEnded(e);
      }
      if (e.call.transfer !== transfer) {
        this.ctx.ends.endCall(c, 'hung-up-local', null);
        return refused({ kind: 'consultation-abandoned' });
      }
      if (e.call.state === 'active') {
        const held = await this.ctx.steps.hold(e);
        if (!held.ok) {
          if (e.call.transfer === transfer) e.call.transfer = null;
          this.ctx.ends.endCall(c, 'hung-up-local', null);
          return held;
        }
      }
      const r = await this.ctx.steps.dial(c, resolved.value.uri);
      if (!r.ok) return r; // endCall of the consultation marked the transfer failed
      return ok({ consultationCallId: c.call.callId });
    });
  }

  /**
   * The spec's path to an attended transfer: the dispatcher holds the caller and calls someone from the
   * phone book. Which caller that call consults: the one being talked to now (dialling holds it), else the
   * most recently held; only an established call with no transfer of its own and not itself a consultation.
   */
  callerToConsult(): Entry | null {
    const eligible = (e: Entry): boolean =>
      isEstablished(e.call) && !e.hangingUp && e.call.consultationFor === null && !transferInProgress(e.call.transfer);
    const talking = this.ctx.book.current();
    if (talking && eligible(talking)) return talking;
    let best: Entry | null = null;
    for (const e of this.ctx.book.all()) {
      if (e.call.state !== 'held' || !eligible(e)) continue;
      if (!best || (e.heldAt ?? 0) > (best.heldAt ?? 0)) best = e;
    }
    return best;
  }

  async connect(callId: string): Promise<Result<null>> {
    const pair = this.pair(callId);
    if (!pair.ok) return pair;
    const { caller, transfer } = pair.value;
    if (transfer.status === 'connecting') return refused({ kind: 'connecting-in-progress' });
    if (transfer.status === 'succeeded') return refused({ kind: 'already-transferred' });
    if (isOver(caller)) return callEnded(caller);
    const c = this.ctx.book.get(transfer.consultationCallId);
    if (!c || isOver(c)) return refused({ kind: 'consultation-ended' });
    if (!isEstablished(c.call) || !c.leg) return refused({ kind: 'target-not-answered' });
    const callerLeg = caller.leg;
    const consultationLeg = c.leg;
    if (!callerLeg) return refused({ kind: 'no-connection' });
    transfer.status = 'connecting';
    transfer.cause = null;
    this.ctx.changed();
    await caller.farEndSignalling; // the caller's hold re-INVITE first (else 491)
    const r = await this.ctx.steps.legOp(caller, 'refer', () => callerLeg.referReplacing(consultationLeg));
    if (r.kind === 'error') {
      if (caller.call.transfer === transfer && transfer.status === 'connecting') this.attendedFailed(caller, r.cause);
      return operationFailed('refer', caller, r.cause);
    }
    return ok(null);
  }

  async backToCaller(callId: string): Promise<Result<null>> {
    const pair = this.pair(callId);
    if (!pair.ok) return pair;
    const { caller, transfer } = pair.value;
    if (transfer.status === 'connecting') return refused({ kind: 'connecting-in-progress' });
    if (transfer.status === 'succeeded') return refused({ kind: 'already-transferred' });
    caller.call.transfer = null;
    const c = this.ctx.book.get(transfer.consultationCallId);
    if (c && !isOver(c)) await this.ctx.ends.hangup(c, 'hung-up-local');
    else this.ctx.changed();
    if (isOver(caller)) return callEnded(caller);
    return this.ctx.ops.exclusive(() => this.ctx.steps.resume(caller));
  }

  onReferProgress(e: Entry, event: Extract<LegEvent, { type: 'refer-progress' }>): void {
    const t = e.call.transfer;
    if (!t) return;
    const cause: Cause | null = event.status === 'failed' && event.code !== null ? { kind: 'sip', code: event.code, phrase: event.reason } : null;
    if (t.kind === 'blind') {
      if (t.status === 'succeeded' || t.status === 'failed') return;
      if (event.status === 'succeeded') this.blindSucceeded(e);
      else if (event.status === 'failed') this.blindFailed(e, cause);
      else {
        t.status = event.status;
        this.ctx.changed();
      }
      return;
    }
    if (t.status !== 'connecting') return;
    if (event.status === 'succeeded') this.attendedSucceeded(e);
    else if (event.status === 'failed') this.attendedFailed(e, cause);
  }

  /**
   * A call of a consultation pair ended: the caller stays held with the dispatcher, or the consultation goes
   * on as an ordinary call. Returns whether a notice already explains the end.
   */
  onCallEnded(e: Entry, legReason: CallEndReason, reason: CallEndReason, cause: Cause | null): boolean {
    let explained = false;
    const call = e.call;
    if (call.consultationFor !== null) {
      const caller = this.ctx.book.get(call.consultationFor);
      const t = caller?.call.transfer;
      if (caller && t?.kind === 'attended' && t.consultationCallId === call.callId && t.status === 'consulting') {
        if (legReason === 'hung-up-local' && e.endAs === null) {
          caller.call.transfer = null; // the dispatcher gave up the consultation
        } else {
          t.status = 'failed';
          t.cause = cause;
          t.endReason = reason;
          const callerHeld = caller.call.state === 'held';
          this.ctx.notice('warning', { kind: 'consultation-ended', target: partyOf(e), caller: partyOf(caller), reason, cause, callerHeld }, caller.call.callId);
          explained = true;
        }
      }
    }
    const t = call.transfer;
    if (t?.kind === 'attended' && (t.status === 'consulting' || t.status === 'connecting')) {
      const c = this.ctx.book.get(t.consultationCallId);
      if (t.status === 'connecting' && c && isOver(c)) {
        // Both dialogs went away while the REFER was being carried out: the caller was connected.
        t.status = 'succeeded';
        call.endReason = 'transferred';
        call.endCause = null;
        e.transferredTo = c.call.number;
        this.markConsultationTransferred(c, e);
      } else {
        t.status = 'failed';
        t.cause = cause;
        t.endReason = reason;
        if (c && !isOver(c)) {
          c.call.consultationFor = null;
          if (reason !== 'hung-up-local') {
            this.ctx.notice('info', { kind: 'caller-left-consultation', caller: partyOf(e), target: partyOf(c) }, c.call.callId);
          }
        }
      }
    }
    return explained;
  }

  private blindSucceeded(e: Entry): void {
    const t = e.call.transfer;
    if (!t || t.kind !== 'blind') return;
    t.status = 'succeeded';
    t.cause = null;
    e.transferredTo = t.target;
    e.endAs = 'transferred';
    this.ctx.history.updated(e);
    this.ctx.changed();
    if (!isOver(e)) void this.ctx.ends.hangup(e, 'transferred');
  }

  private blindFailed(e: Entry, cause: Cause | null): void {
    const t = e.call.transfer;
    if (!t || t.kind !== 'blind') return;
    t.status = 'failed';
    t.cause = cause;
    if (isOver(e)) {
      this.ctx.changed();
      return;
    }
    this.ctx.notice('error', { kind: 'transfer-failed', party: partyOf(e), target: t.target, cause }, e.call.callId);
    this.ctx.changed();
    // Never leave the caller in silence: a held caller is taken off hold.
    void this.ctx.ops.exclusive(async () => {
      if (e.call.state !== 'held') return;
      const r = await this.ctx.steps.resume(e);
      if (!r.ok && !isOver(e)) {
        this.ctx.notice('error', { kind: 'resume-failed', party: partyOf(e), cause: causeOfFailure(r.error) }, e.call.callId);
        this.ctx.changed();
      }
    });
  }

  private attendedSucceeded(caller: Entry): void {
    const t = caller.call.transfer;
    if (!t || t.kind !== 'attended') return;
    t.status = 'succeeded';
    t.cause = null;
    const c = this.ctx.book.get(t.consultationCallId);
    caller.transferredTo = c ? c.call.number : null;
    caller.endAs = 'transferred';
    this.ctx.history.updated(caller);
    if (!isOver(caller)) void this.ctx.ends.hangup(caller, 'transferred');
    if (c) this.markConsultationTransferred(c, caller);
    this.ctx.changed();
  }

  private markConsultationTransferred(c: Entry, caller: Entry): void {
    c.transferredTo = caller.call.number;
    if (isOver(c)) {
      // The target usually ends our consultation dialog itself when the caller's INVITE replaces it.
      if (c.call.endReason !== 'transferred') {
        c.call.endReason = 'transferred';
        c.call.endCause = null;
        this.ctx.history.updated(c);
      }
    } else {
      c.endAs = 'transferred';
      this.ctx.history.updated(c);
      void this.ctx.ends.hangup(c, 'transferred');
    }
  }

  private attendedFailed(caller: Entry, cause: Cause | null): void {
    const t = caller.call.transfer;
    if (!t || t.kind !== 'attended') return;
    t.status = 'failed';
    t.cause = cause;
    const c = this.ctx.book.get(t.consultationCallId);
    const what = { kind: 'connect-failed', party: partyOf(caller), target: c ? partyOf(c) : null, cause, callerHeld: caller.call.state === 'held' } as const;
    this.ctx.notice('error', what, caller.call.callId);
    this.ctx.changed();
  }

  /** The caller already consults this very target (the phone book's call became the pair): the same pair. */
  private sameConsultation(e: Entry, target: string): string | null {
    const t = e.call.transfer;
    if (t?.kind !== 'attended' || t.status !== 'consulting') return null;
    const c = this.ctx.book.get(t.consultationCallId);
    const resolved = this.ctx.deps.dialPlan.resolve(target);
    if (!c || isOver(c) || !resolved.ok) return null;
    return c.call.number === resolved.value.number ? c.call.callId : null;
  }

  private refuse(e: Entry): Failure | null {
    if (isOver(e)) return callEnded(e);
    if (!isEstablished(e.call)) return cannot('transfer', e);
    if (e.call.consultationFor !== null) return refused({ kind: 'is-consultation' });
    if (transferInProgress(e.call.transfer)) return refused({ kind: 'already-in-progress', action: 'transfer' });
    if (e.hangingUp) return refused({ kind: 'being-hung-up' });
    return null;
  }

  /** The caller's call and its attended transfer, from either the caller's or the consultation's call id. */
  private pair(callId: string): Result<{ caller: Entry; transfer: Attended }> {
    let caller = this.ctx.book.get(callId);
    if (!caller) return fail('unknown-call', { kind: 'no-such-call', callId });
    if (caller.call.consultationFor !== null) {
      const original = this.ctx.book.get(caller.call.consultationFor);
      if (!original) return refused({ kind: 'caller-gone' });
      caller = original;
    }
    const t = caller.call.transfer;
    if (!t || t.kind !== 'attended') return refused({ kind: 'no-consultation' });
    return ok({ caller, transfer: t });
  }
}
