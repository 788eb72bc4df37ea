// The steps that open or close a microphone: answer, hold, resume, dial. Each runs inside
// LegOperations.exclusive (one at a time); inside it the only concurrent changes come from leg events and
// hang-ups, so every step re-checks the call after each await. Never two open microphones.
import type { Result } from '../../shared/errors.js';
import { ok } from '../../shared/errors.js';
import type { LegOperation } from '../../shared/facts.js';
import { isOver, partyOf, transition, type Entry } from './call-entry.js';
import { causeOfError } from './leg-operations.js';
import type { CentreContext } from './centre-context.js';
import type { RaceOutcome } from './leg-operations.js';
import {
  callEnded,
  cannot,
  causeOfFailure,
  notRegistered,
  operationFailed,
  refused,
  shuttingDown,
  type Failure,
} from './refusals.js';

export class CallSteps {
  constructor(private readonly ctx: CentreContext) {}

  /** One leg operation, raced against the end of the call and the timeout. */
  legOp(e: Entry, operation: LegOperation, run: () => Promise<void>): Promise<RaceOutcome<void>> {
    return this.ctx.ops.race(operation, run, { promise: e.ended, isOver: () => isOver(e) });
  }

  async answer(e: Entry, except = new Set([e]), holdOthers = true): Promise<Result<null>> {
    const gone = this.goneMeanwhile(e);
    if (gone) return gone;
    if (holdOthers) {
      const held = await this.holdAllActive(except);
      if (!held.ok) return held;
    }
    const goneAfterHold = this.goneMeanwhile(e);
    if (goneAfterHold) return goneAfterHold;
    const leg = e.leg;
    if (!leg) return refused({ kind: 'no-connection' });
    const r = await this.legOp(e, 'answer', () => leg.answer());
    if (r.kind === 'ended' || isOver(e)) return callEnded(e);
    if (e.hangingUp) return refused({ kind: 'being-hung-up' });
    if (r.kind === 'error') return operationFailed('answer', e, r.cause);
    this.ctx.incoming.markEstablished(e);
    return ok(null);
  }

  /**
   * Holds the call here at once (nothing sent to or played from it) and tells the far end in the background:
   * answering or dialling never waits on another call's network. A far end that refuses the hold (or never
   * answers) leaves the call held here, with a notice.
   */
  async hold(e: Entry): Promise<Result<null>> {
    if (e.call.state === 'held') return ok(null);
    if (e.call.state !== 'active' || !e.leg) return cannot('hold', e);
    const leg = e.leg;
    try {
      leg.holdLocally(true);
    } catch (err) {
      return operationFailed('hold', e, causeOfError(err));
    }
    transition(e, 'held');
    e.call.heldLocally = true;
    e.heldCount += 1;
    e.heldAt = this.ctx.deps.clock.now();
    this.ctx.history.updated(e);
    this.ctx.changed();
    this.tellFarEnd(e);
    return ok(null);
  }

  /** Takes the call off hold here at once (holding any other open call first, the same way), then tells the far end. */
  async resume(e: Entry): Promise<Result<null>> {
    if (e.call.state === 'active') return ok(null);
    if (e.call.state !== 'held' || !e.leg) return cannot('resume', e);
    const held = await this.holdAllActive(new Set([e]));
    if (!held.ok) return held;
    if (e.call.state !== 'held') return e.call.state === 'active' ? ok(null) : cannot('resume', e);
    const leg = e.leg;
    try {
      leg.holdLocally(false);
    } catch (err) {
      return operationFailed('resume', e, causeOfError(err));
    }
    transition(e, 'active');
    e.call.heldLocally = false;
    this.ctx.history.updated(e);
    this.ctx.changed();
    this.tellFarEnd(e);
    return ok(null);
  }

  /**
   * Brings the far end to what the call is here (held or talking), one re-INVITE at a time per call; a change
   * undone before its turn sends nothing. A refusal is a notice; the call stays as the dispatcher put it.
   */
  private tellFarEnd(e: Entry): void {
    e.farEndSignalling = e.farEndSignalling.then(async () => {
      const leg = e.leg;
      const wantHeld = e.call.state === 'held';
      if (!leg || isOver(e) || e.farEndHeld === wantHeld) return;
      const operation = wantHeld ? 'hold' : 'resume';
      const r = await this.legOp(e, operation, () => (wantHeld ? leg.hold() : leg.resume()));
      if (r.kind === 'done') e.farEndHeld = wantHeld;
      if (r.kind !== 'error' || isOver(e)) return;
      const kind = wantHeld ? 'hold-not-accepted' : 'resume-not-accepted';
      this.ctx.notice('warning', { kind, party: partyOf(e), cause: r.cause }, e.call.callId);
      this.ctx.changed();
    });
  }

  /** Holds every call with an open microphone except `except`; fails if one cannot be held (never two open mics). */
  async holdAllActive(except: Set<Entry>): Promise<Result<null>> {
    for (const other of this.ctx.book.active()) {
      if (except.has(other) || other.hangingUp) continue;
      const r = await this.hold(other);
      if (!r.ok && !isOver(other)) return r;
    }
    return ok(null);
  }

  async dial(e: Entry, uri: string): Promise<Result<null>> {
    if (isOver(e)) return callEnded(e);
    const held = await this.holdAllActive(new Set([e]));
    if (!held.ok) {
      const other = held.error.why.kind === 'operation-failed' ? held.error.why.party : null;
      this.ctx.ends.endCall(
        e,
        'failed',
        other ? { kind: 'could-not-hold-other', party: other, cause: causeOfFailure(held.error) } : causeOfFailure(held.error),
        false,
      );
      return held;
    }
    if (isOver(e)) return callEnded(e);
    const r = await this.ctx.ops.race('invite', () => this.ctx.deps.telephony.dial(uri));
    const placed = r.kind === 'done' ? r.value : null;
    if (!placed || !placed.ok) {
      const failure = placed && !placed.ok ? placed : operationFailed('invite', e, r.kind === 'error' ? r.cause : { kind: 'connection-lost' });
      this.ctx.ends.endCall(e, 'failed', causeOfFailure(failure.error));
      return failure;
    }
    const leg = placed.value;
    this.ctx.incoming.attach(e, leg);
    if (e.call.muted) this.setLegMuted(e, true);
    if (isOver(e)) {
      // Hung up while the INVITE was on its way: cancel it.
      void this.ctx.ops.safely(() => leg.hangup());
      return callEnded(e);
    }
    this.ctx.changed();
    return ok(null);
  }

  /** Why no new call can be placed now, if so. */
  refuseToPlaceCall(): Failure | null {
    if (this.ctx.isShuttingDown()) return shuttingDown();
    if (!this.ctx.desk.isRegistered()) return notRegistered();
    return null;
  }

  setLegMuted(e: Entry, muted: boolean): void {
    try {
      e.leg?.setMuted(muted);
    } catch {
      // the mute flag shows what we wanted; the leg refused
    }
  }

  private goneMeanwhile(e: Entry) {
    if (isOver(e)) return callEnded(e);
    if (e.hangingUp) return refused({ kind: 'being-hung-up' });
    return null;
  }
}
