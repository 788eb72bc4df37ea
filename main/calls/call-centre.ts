// The call centre: the dispatcher's commands on calls and the call part of PhoneState. A pure state machine
// over the ports in ./ports.ts; its rooms are listed in ./README.md.
//
// Concurrency model (the hard part):
// - Everything that can open a microphone or move the "active" call (answer, dial, hold, resume, start a
//   consultation, go back to the caller, bring a caller back after a failed transfer) runs one at a time
//   through LegOperations.exclusive. Inside it the only concurrent changes come from leg events and from
//   hang-ups/declines, so every step re-checks the call after each await.
// - Double clicks are refused synchronously, before the queue: a call carries the set of commands pending on it.
// - Every leg operation is raced against the end of its call and a timeout (legOperationTimeoutMs), so a leg
//   that never answers cannot freeze the queue.
// - Leg event handlers never await the queue; they enqueue work and return.
import type { OwnPresence } from '../../shared/domain.js';
import { normaliseDtmf } from '../../shared/dtmf.js';
import type { Result } from '../../shared/errors.js';
import { fail, ok } from '../../shared/errors.js';
import type { NoticeWhat } from '../../shared/facts.js';
import type { CallsSnapshot, Notice } from '../../shared/state.js';
import { CallBook } from './call-book.js';
import { isEstablished, isOver } from './call-entry.js';
import { CallEnds } from './call-ends.js';
import { CallSteps } from './call-steps.js';
import type { CentreContext } from './centre-context.js';
import { HistoryWriter } from './history-facts.js';
import { IncomingCalls } from './incoming-calls.js';
import { causeOfError, errorText, LegOperations } from './leg-operations.js';
import { NoticeBoard } from './notice-board.js';
import type { CallCentreDeps, Clock } from './ports.js';
import { callEnded, cannot, operationFailed, refused, shuttingDown, unknownCall } from './refusals.js';
import { RegistrationDesk } from './registration-desk.js';
import { ringerMode, type RingerMode } from './ringer-policy.js';
import { Transfers } from './transfers.js';


export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn: () => void, ms: number) {
    const timer = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

export class CallCentre {
  private readonly ctx: CentreContext;
  private readonly book = new CallBook();
  private readonly notices: NoticeBoard;
  private readonly desk: RegistrationDesk;
  private readonly listeners = new Set<(s: CallsSnapshot) => void>();
  private readonly bareListeners = new Set<() => void>();
  private ringer: RingerMode | null = null;
  private shuttingDown = false;

  constructor(private readonly deps: CallCentreDeps) {
    this.notices = new NoticeBoard(() => deps.clock.now(), deps.maxNotices ?? 20);
    let counter = 0;
    const runId = `${deps.clock.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
    const guard = (run: () => void): void => this.guardEvent(run);
    this.desk = new RegistrationDesk(deps.telephony, () => this.changed(), guard, (what) => this.report(what, null));
    const ctx = {
      deps,
      book: this.book,
      ops: new LegOperations(deps.clock, deps.legOperationTimeoutMs ?? 32_000),
      history: new HistoryWriter(deps.history, (detail, callId) => this.notices.add('warning', { kind: 'history-write-failed', detail }, callId)),
      desk: this.desk,
      notice: (level: Notice['level'], what: NoticeWhat, callId: string | null) => this.notices.add(level, what, callId),
      changed: () => this.changed(),
      isShuttingDown: () => this.shuttingDown,
      lingerMs: deps.endedCallLingerMs ?? 4000,
      newCallId: deps.newCallId ?? (() => `call-${runId}-${++counter}`),
    } as Omit<CentreContext, 'steps' | 'ends' | 'transfers' | 'incoming'> as CentreContext;
    Object.assign(ctx, {
      steps: new CallSteps(ctx),
      ends: new CallEnds(ctx),
      transfers: new Transfers(ctx),
      incoming: new IncomingCalls(ctx, guard),
    });
    this.ctx = ctx;
    deps.telephony.onIncoming((leg, info) => this.guardEvent(() => ctx.incoming.onIncoming(leg, info)));
    this.updateRinger();
  }

  // ---------------------------------------------------------------- state

  snapshot(): CallsSnapshot {
    const calls = [...this.book.all()].map((e) => {
      const call = structuredClone(e.call);
      if (e.leg && isEstablished(e.call)) {
        try {
          call.media = e.leg.mediaStats();
        } catch {
          // stats are best effort
        }
      }
      return call;
    });
    return {
      registration: this.desk.state(),
      presence: this.desk.presence(),
      calls,
      incomingQueue: this.book.queued(),
      activeCallId: this.book.current()?.call.callId ?? null,
      notices: this.notices.list(),
    };
  }

  /** Something found outside the call centre's own work (a history write that failed later, a device gone): a notice. */
  report(what: NoticeWhat, callId: string | null, level: Notice['level'] = 'warning'): void {
    this.notices.add(level, what, callId);
    this.changed();
  }

  /** The ringing calls in arrival order (the snapshot's incomingQueue, without building a snapshot). */
  ringingCallIds(): string[] {
    return this.book.queued();
  }

  onChange(listener: (s: CallsSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Told of every change without a snapshot (for a listener that takes its own later, like the state publisher). */
  onChanged(listener: () => void): () => void {
    this.bareListeners.add(listener);
    return () => void this.bareListeners.delete(listener);
  }

  // ---------------------------------------------------------------- commands

  /**
   * Calls a number. While a caller is held (or being talked to), the new call is the consultation of that
   * caller (Transfers.callerToConsult): the spec's attended transfer starts from the phone book.
   */
  async dial(target: string): Promise<Result<{ callId: string }>> {
    const refusedNow = this.ctx.steps.refuseToPlaceCall();
    if (refusedNow) return refusedNow;
    const caller = this.ctx.transfers.callerToConsult();
    if (caller) {
      const r = await this.ctx.transfers.consult(caller, target); // resolves the number itself
      return r.ok ? ok({ callId: r.value.consultationCallId }) : r;
    }
    const resolved = this.deps.dialPlan.resolve(target);
    if (!resolved.ok) return resolved;
    const e = this.ctx.incoming.addOutgoing(resolved.value.number, resolved.value.uri, null);
    return this.ctx.ops.exclusive(async () => {
      const r = await this.ctx.steps.dial(e, resolved.value.uri);
      return r.ok ? ok({ callId: e.call.callId }) : r;
    });
  }

  async answer(callId: string): Promise<Result<null>> {
    const e = this.book.get(callId);
    if (!e) return unknownCall(callId);
    if (this.shuttingDown) return shuttingDown();
    if (isOver(e)) return callEnded(e);
    if (e.call.direction !== 'incoming' || e.call.state !== 'ringing') return cannot('answer', e);
    if (e.pending.has('answer')) return refused({ kind: 'already-in-progress', action: 'answer' });
    if (e.pending.size > 0 || e.hangingUp) return refused({ kind: 'being-declined' });
    e.pending.add('answer');
    this.changed();
    return this.ctx.ops.exclusive(async () => {
      try {
        return await this.ctx.steps.answer(e);
      } finally {
        e.pending.delete('answer');
        this.changed();
      }
    });
  }

  async decline(callId: string): Promise<Result<null>> {
    const e = this.book.get(callId);
    if (!e) return unknownCall(callId);
    if (isOver(e)) return callEnded(e);
    if (e.call.direction !== 'incoming' || e.call.state !== 'ringing') return cannot('decline', e);
    if (e.pending.has('answer')) return refused({ kind: 'already-in-progress', action: 'answer' });
    if (e.pending.has('decline') || e.hangingUp) return ok(null);
    return this.ctx.ends.declineRinging(e);
  }

  async hangup(callId: string): Promise<Result<null>> {
    const e = this.book.get(callId);
    if (!e) return unknownCall(callId);
    if (isOver(e)) return callEnded(e);
    if (e.hangingUp || e.pending.has('decline')) return ok(null);
    if (e.call.direction === 'incoming' && e.call.state === 'ringing' && !e.pending.has('answer')) {
      return this.ctx.ends.declineRinging(e);
    }
    await this.ctx.ends.hangup(e, 'hung-up-local');
    return ok(null);
  }

  async hold(callId: string): Promise<Result<null>> {
    return this.holdOrResume(callId, 'hold');
  }

  async resume(callId: string): Promise<Result<null>> {
    if (this.shuttingDown && this.book.get(callId)) return shuttingDown();
    return this.holdOrResume(callId, 'resume');
  }

  async mute(callId: string, muted: boolean): Promise<Result<null>> {
    const e = this.book.get(callId);
    if (!e) return unknownCall(callId);
    if (isOver(e) || e.call.state === 'ringing') return cannot(muted ? 'mute' : 'unmute', e);
    if (e.leg) {
      try {
        e.leg.setMuted(muted);
      } catch (err) {
        return operationFailed('mute', e, causeOfError(err));
      }
    }
    e.call.muted = muted;
    this.changed();
    return ok(null);
  }

  async sendDtmf(callId: string, digits: string): Promise<Result<null>> {
    const keys = normaliseDtmf(digits);
    if (keys === null) return fail('invalid-command', { kind: 'invalid-dtmf' }, 'digits');
    const e = this.book.get(callId);
    if (!e) return unknownCall(callId);
    if (e.call.state !== 'active' || !e.leg) return cannot('dtmf', e);
    const leg = e.leg;
    const r = await this.ctx.steps.legOp(e, 'dtmf', () => leg.sendDtmf(keys));
    if (r.kind === 'ended') return callEnded(e);
    if (r.kind === 'error') return operationFailed('dtmf', e, r.cause);
    return ok(null);
  }

  async blindTransfer(callId: string, target: string): Promise<Result<null>> {
    const e = this.book.get(callId);
    if (!e) return unknownCall(callId);
    return this.ctx.transfers.blind(e, target);
  }

  /** Attended transfer, step 1 (the Transfer -> attended shortcut to the same pair the phone book makes). */
  async startConsultation(callId: string, target: string): Promise<Result<{ consultationCallId: string }>> {
    const e = this.book.get(callId);
    if (!e) return unknownCall(callId);
    return this.ctx.transfers.consult(e, target);
  }

  connectSubscribers(callId: string): Promise<Result<null>> {
    return this.ctx.transfers.connect(callId);
  }

  backToCaller(callId: string): Promise<Result<null>> {
    return this.ctx.transfers.backToCaller(callId);
  }

  async setPresence(presence: Exclude<OwnPresence, 'offline'>): Promise<Result<null>> {
    await this.desk.setPresence(presence);
    return ok(null);
  }

  async reregister(): Promise<Result<null>> {
    try {
      this.desk.reregister();
    } catch (err) {
      return fail('sip-failure', { kind: 'operation-failed', operation: 'register', party: null, cause: causeOfError(err) });
    }
    return ok(null);
  }

  async dismissNotice(noticeId: number): Promise<Result<null>> {
    if (!this.notices.dismiss(noticeId)) return fail('not-found', { kind: 'not-found', what: 'notice', id: String(noticeId) });
    this.changed();
    return ok(null);
  }

  /** Ends every call (history rows are closed), stops the SIP side. Commands fail afterwards. */
  async shutdown(): Promise<Result<null>> {
    this.shuttingDown = true;
    const live = [...this.book.all()].filter((e) => !isOver(e));
    await Promise.all(
      live.map((e) =>
        e.call.direction === 'incoming' && e.call.state === 'ringing' && !e.pending.has('answer')
          ? this.ctx.ends.declineRinging(e)
          : this.ctx.ends.hangup(e, 'hung-up-local'),
      ),
    );
    for (const e of this.book.all()) e.lingerTimer?.cancel();
    try {
      await this.deps.telephony.stop();
    } catch {
      // stopping is best effort
    }
    this.setRinger('silent');
    return ok(null);
  }

  // ---------------------------------------------------------------- helpers

  private async holdOrResume(callId: string, action: 'hold' | 'resume'): Promise<Result<null>> {
    const e = this.book.get(callId);
    if (!e) return unknownCall(callId);
    const done = action === 'hold' ? 'held' : 'active';
    const from = action === 'hold' ? 'active' : 'held';
    if (e.call.state === done) return ok(null);
    if (e.call.state !== from) return cannot(action, e);
    if (e.pending.has(action)) return ok(null);
    e.pending.add(action);
    return this.ctx.ops.exclusive(async () => {
      try {
        if (e.call.state === done) return ok(null);
        if (e.call.state !== from) return cannot(action, e);
        return action === 'hold' ? await this.ctx.steps.hold(e) : await this.ctx.steps.resume(e);
      } finally {
        e.pending.delete(action);
      }
    });
  }

  private guardEvent(run: () => void): void {
    try {
      run();
    } catch (err) {
      this.notices.add('error', { kind: 'internal-error', detail: errorText(err) }, null);
      this.changed();
    }
  }

  private setRinger(mode: RingerMode): void {
    if (mode === this.ringer) return;
    this.ringer = mode;
    try {
      this.deps.ringer.setMode(mode);
    } catch {
      // the ringer is best effort; calls go on
    }
  }

  private updateRinger(): void {
    this.setRinger(ringerMode({ waitingCalls: this.book.waitingCount(), states: this.book.states(), shuttingDown: this.shuttingDown }));
  }

  private changed(): void {
    // Presence waits while calls ring in (main/sip/presence-yield.ts has the rule).
    this.deps.telephony.callsRinging(this.book.queued().length);
    // Listeners first: the publisher queues its state for the UI before the ringer queues the opening of
    // the ring device (a pacat spawn that blocks for tens of ms), so a new call shows without waiting for it.
    for (const listener of [...this.bareListeners]) {
      try {
        listener();
      } catch {
        // a broken listener must not break the call centre
      }
    }
    this.updateRinger();
    if (this.listeners.size === 0) return;
    const snapshot = this.snapshot();
    for (const listener of [...this.listeners]) {
      try {
        listener(snapshot);
      } catch {
        // a broken listener must not break the call centre
      }
    }
  }
}
