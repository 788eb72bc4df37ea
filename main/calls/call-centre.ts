// The call centre: the incoming queue, active and held calls, consultation pairs and transfers.
// A pure state machine over the ports in ./ports.ts; it publishes the call part of PhoneState.
//
// Concurrency model (the hard part):
// - Everything that can open a microphone or move the "active" call (answer, dial, hold, resume,
//   start a consultation, go back to the caller, bring a caller back after a failed transfer) runs
//   one at a time through `exclusive()`. Inside it the only concurrent changes come from leg events
//   and from hang-ups/declines, so every step re-checks the call after each await.
// - Double clicks are refused synchronously, before the queue: a call carries the set of commands
//   pending on it ('answer', 'hold', ...).
// - Every leg operation is raced against the end of its call and a timeout (legOperationTimeoutMs),
//   so a leg that never answers cannot freeze the queue.
// - Leg event handlers never await the queue; they enqueue work and return.
import type {
  Call,
  CallEndReason,
  CallerIdentity,
  OwnPresence,
  RegistrationState,
  TransferProgress,
} from '../../shared/domain.js';
import type { PhoneError, Result } from '../../shared/errors.js';
import { fail, ok } from '../../shared/errors.js';
import type { Notice, PhoneState } from '../../shared/state.js';
import type {
  CallHistoryLog,
  CallLeg,
  CallerIdentifier,
  Clock,
  DialPlan,
  HistoryCallFacts,
  IncomingInfo,
  LegEvent,
  Ringer,
  Telephony,
} from './ports.js';

export type CallsSnapshot = Pick<
  PhoneState,
  'registration' | 'presence' | 'calls' | 'incomingQueue' | 'activeCallId' | 'notices'
>;

export interface CallCentreDeps {
  telephony: Telephony;
  dialPlan: DialPlan;
  identifier: CallerIdentifier;
  history: CallHistoryLog;
  ringer: Ringer;
  clock: Clock;
  account: { user: string };
  /** How long an ended call stays in `calls` so the UI can say why (default 4000 ms). */
  endedCallLingerMs?: number;
  /** Upper bound on one leg operation (answer, hold, REFER...) before it counts as failed (default 32 s, SIP timer B). */
  legOperationTimeoutMs?: number;
  /** How many notices are kept (default 20, the newest). */
  maxNotices?: number;
  /** Call id generator (default: unique per process run and across runs). */
  newCallId?: () => string;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn: () => void, ms: number) {
    const timer = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

type PendingCommand = 'answer' | 'decline' | 'hold' | 'resume';
type LegOutcome = { kind: 'done' } | { kind: 'ended' } | { kind: 'error'; message: string };
type Failure = { ok: false; error: PhoneError };

interface Entry {
  call: Call;
  leg: CallLeg | null;
  /** User commands waiting or running on this call (refuses double clicks). */
  pending: Set<PendingCommand>;
  hangingUp: boolean;
  heldCount: number;
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

const DTMF_DIGITS = /^[0-9*#A-D]+$/;
const IDENTIFYING: CallerIdentity = { kind: 'unknown', reason: 'identifying' };
const CALL_FAILURE_REASONS: ReadonlySet<CallEndReason> = new Set([
  'busy',
  'no-answer',
  'not-found',
  'rejected',
  'failed',
  'connection-lost',
]);
const END_REASON_TEXT: Record<CallEndReason, string> = {
  'hung-up-local': 'hung up',
  'hung-up-remote': 'the other side hung up',
  'cancelled-by-caller': 'the caller hung up',
  'answered-elsewhere': 'another dispatcher answered the call',
  rejected: 'the call was refused',
  busy: 'busy',
  'no-answer': 'no answer',
  'not-found': 'number not found',
  transferred: 'transferred',
  failed: 'the call failed',
  'connection-lost': 'the connection was lost',
  'far-end-gone': 'the other side is gone (no sound, no answer)',
};

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'unknown error';
}

function describeEnd(reason: CallEndReason, detail: string | null): string {
  return detail ? `${END_REASON_TEXT[reason]} (${detail})` : END_REASON_TEXT[reason];
}

function isEstablished(call: Call): boolean {
  return call.state === 'active' || call.state === 'held';
}

/** Whether the call has ended (a function, so TypeScript does not narrow the state across awaits). */
function isOver(e: Entry): boolean {
  return e.call.state === 'ended';
}

function transferInProgress(t: TransferProgress | null): boolean {
  if (!t) return false;
  return t.kind === 'blind'
    ? t.status === 'trying' || t.status === 'ringing'
    : t.status === 'consulting' || t.status === 'connecting';
}

export class CallCentre {
  private readonly deps: CallCentreDeps;
  private readonly lingerMs: number;
  private readonly opTimeoutMs: number;
  private readonly maxNotices: number;
  private readonly newCallId: () => string;

  private readonly entries = new Map<string, Entry>();
  private readonly byLegId = new Map<string, Entry>();
  private readonly queue: string[] = [];
  private notices: Notice[] = [];
  private nextNoticeId = 1;
  private registration: RegistrationState = { kind: 'unregistered' };
  private chosenPresence: Exclude<OwnPresence, 'offline'> = 'online';
  private serverSupportsPresence: boolean | null = null;
  private readonly listeners = new Set<(s: CallsSnapshot) => void>();
  private readonly bareListeners = new Set<() => void>();
  private ringerMode: 'silent' | 'ringing' | 'call-waiting' | null = null;
  private lockTail: Promise<unknown> = Promise.resolve();
  private shuttingDown = false;

  constructor(deps: CallCentreDeps) {
    this.deps = deps;
    this.lingerMs = deps.endedCallLingerMs ?? 4000;
    this.opTimeoutMs = deps.legOperationTimeoutMs ?? 32_000;
    this.maxNotices = deps.maxNotices ?? 20;
    let counter = 0;
    const runId = `${deps.clock.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
    this.newCallId = deps.newCallId ?? (() => `call-${runId}-${++counter}`);

    deps.telephony.onIncoming((leg, info) => this.guardEvent(() => this.onIncoming(leg, info)));
    deps.telephony.onRegistration((state) =>
      this.guardEvent(() => {
        // A registrar that drops does not end calls: dialogs live on without it.
        this.registration = state;
        this.changed();
      }),
    );
    deps.telephony.onPresenceSupport((supported) =>
      this.guardEvent(() => {
        this.serverSupportsPresence = supported;
        this.changed();
      }),
    );
    this.updateRinger();
  }

  // ---------------------------------------------------------------- state

  snapshot(): CallsSnapshot {
    const calls = [...this.entries.values()].map((e) => {
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
      registration: structuredClone(this.registration),
      presence: {
        own: this.registration.kind === 'registered' ? this.chosenPresence : 'offline',
        serverSupportsPresence: this.serverSupportsPresence,
      },
      calls,
      incomingQueue: [...this.queue],
      activeCallId: this.activeEntry()?.call.callId ?? null,
      notices: this.notices.map((n) => ({ ...n })),
    };
  }

  /** A problem found outside the call centre's own work (e.g. a history write that failed later): a notice. */
  warn(message: string, callId: string | null): void {
    this.addNotice('warning', message, callId);
    this.changed();
  }

  /** The ringing calls in arrival order (the snapshot's incomingQueue, without building a snapshot). */
  ringingCallIds(): string[] {
    return [...this.queue];
  }

  onChange(listener: (s: CallsSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Told of every change without a snapshot (for a listener that takes its own later, like the state
   * publisher): no copy of every call is made for it on each change.
   */
  onChanged(listener: () => void): () => void {
    this.bareListeners.add(listener);
    return () => {
      this.bareListeners.delete(listener);
    };
  }

  // ---------------------------------------------------------------- commands

  async dial(target: string): Promise<Result<{ callId: string }>> {
    const refused = this.refuseIfShuttingDown() ?? this.refuseIfNotRegistered();
    if (refused) return refused;
    const resolved = this.deps.dialPlan.resolve(target);
    if (!resolved.ok) return resolved;
    const e = this.addOutgoing(resolved.value.number, resolved.value.uri, null);
    return this.exclusive(async () => {
      const r = await this.dialLocked(e, resolved.value.uri);
      return r.ok ? ok({ callId: e.call.callId }) : r;
    });
  }

  async answer(callId: string): Promise<Result<null>> {
    const e = this.entries.get(callId);
    if (!e) return this.unknownCall(callId);
    if (this.shuttingDown) return this.shuttingDownFailure();
    if (isOver(e)) return fail('invalid-state', `Cannot answer: ${this.endedText(e)}`);
    if (e.call.direction !== 'incoming' || e.call.state !== 'ringing') {
      return fail('invalid-state', 'Only a ringing incoming call can be answered');
    }
    if (e.pending.has('answer')) return fail('invalid-state', 'The call is already being answered');
    if (e.pending.size > 0 || e.hangingUp) return fail('invalid-state', 'The call is being declined');
    e.pending.add('answer');
    this.changed();
    return this.exclusive(async () => {
      try {
        return await this.answerLocked(e);
      } finally {
        e.pending.delete('answer');
        this.changed();
      }
    });
  }

  async decline(callId: string): Promise<Result<null>> {
    const e = this.entries.get(callId);
    if (!e) return this.unknownCall(callId);
    if (isOver(e)) return fail('invalid-state', `Cannot decline: ${this.endedText(e)}`);
    if (e.call.direction !== 'incoming' || e.call.state !== 'ringing') {
      return fail('invalid-state', 'Only a ringing incoming call can be declined');
    }
    if (e.pending.has('answer')) return fail('invalid-state', 'The call is being answered');
    if (e.pending.has('decline') || e.hangingUp) return ok(null);
    return this.declineRinging(e);
  }

  async hangup(callId: string): Promise<Result<null>> {
    const e = this.entries.get(callId);
    if (!e) return this.unknownCall(callId);
    if (isOver(e)) return fail('invalid-state', `The call has already ended: ${this.endedText(e)}`);
    if (e.hangingUp || e.pending.has('decline')) return ok(null);
    if (e.call.direction === 'incoming' && e.call.state === 'ringing' && !e.pending.has('answer')) {
      return this.declineRinging(e);
    }
    await this.hangupInternal(e, 'hung-up-local');
    return ok(null);
  }

  async hold(callId: string): Promise<Result<null>> {
    const e = this.entries.get(callId);
    if (!e) return this.unknownCall(callId);
    if (e.call.state === 'held') return ok(null);
    if (e.call.state !== 'active') return fail('invalid-state', this.cannot('put on hold', e));
    if (e.pending.has('hold')) return ok(null);
    e.pending.add('hold');
    return this.exclusive(async () => {
      try {
        if (e.call.state === 'held') return ok(null);
        if (e.call.state !== 'active') return fail('invalid-state', this.cannot('put on hold', e));
        return await this.holdLocked(e);
      } finally {
        e.pending.delete('hold');
      }
    });
  }

  async resume(callId: string): Promise<Result<null>> {
    const e = this.entries.get(callId);
    if (!e) return this.unknownCall(callId);
    if (this.shuttingDown) return this.shuttingDownFailure();
    if (e.call.state === 'active') return ok(null);
    if (e.call.state !== 'held') return fail('invalid-state', this.cannot('resumed', e));
    if (e.pending.has('resume')) return ok(null);
    e.pending.add('resume');
    return this.exclusive(async () => {
      try {
        return await this.resumeLocked(e);
      } finally {
        e.pending.delete('resume');
      }
    });
  }

  async mute(callId: string, muted: boolean): Promise<Result<null>> {
    const e = this.entries.get(callId);
    if (!e) return this.unknownCall(callId);
    if (isOver(e) || e.call.state === 'ringing') {
      return fail('invalid-state', this.cannot(muted ? 'muted' : 'unmuted', e));
    }
    if (e.leg) {
      try {
        e.leg.setMuted(muted);
      } catch (err) {
        return fail('media-failure', `Could not ${muted ? 'mute' : 'unmute'} the microphone: ${errorMessage(err)}`);
      }
    }
    e.call.muted = muted;
    this.changed();
    return ok(null);
  }

  async sendDtmf(callId: string, digits: string): Promise<Result<null>> {
    if (!DTMF_DIGITS.test(digits)) {
      return fail('invalid-command', 'DTMF digits must be 0-9, *, # or A-D', 'digits');
    }
    const e = this.entries.get(callId);
    if (!e) return this.unknownCall(callId);
    if (e.call.state !== 'active' || !e.leg) return fail('invalid-state', this.cannot('sent tones', e));
    const leg = e.leg;
    const r = await this.legOp(e, 'DTMF', () => leg.sendDtmf(digits));
    if (r.kind === 'ended') return fail('invalid-state', `The call ended: ${this.endedText(e)}`);
    if (r.kind === 'error') return fail('sip-failure', `Could not send tones: ${r.message}`);
    return ok(null);
  }

  async blindTransfer(callId: string, target: string): Promise<Result<null>> {
    const e = this.entries.get(callId);
    if (!e) return this.unknownCall(callId);
    const refused = this.refuseTransfer(e);
    if (refused) return refused;
    const resolved = this.deps.dialPlan.resolve(target);
    if (!resolved.ok) return resolved;
    const leg = e.leg;
    if (!leg) return fail('invalid-state', 'The call has no connection to transfer');
    const transfer: TransferProgress = { kind: 'blind', target: resolved.value.number, status: 'trying', reason: null };
    e.call.transfer = transfer;
    this.changed();
    const r = await this.legOp(e, 'REFER', () => leg.refer(resolved.value.uri));
    if (r.kind === 'error') {
      if (e.call.transfer === transfer && transfer.status !== 'succeeded') this.blindTransferFailed(e, r.message);
      return fail('sip-failure', `Transfer to ${transfer.target} failed: ${r.message}`);
    }
    return ok(null);
  }

  async startConsultation(callId: string, target: string): Promise<Result<{ consultationCallId: string }>> {
    const e = this.entries.get(callId);
    if (!e) return this.unknownCall(callId);
    const refused = this.refuseTransfer(e) ?? this.refuseIfShuttingDown() ?? this.refuseIfNotRegistered();
    if (refused) return refused;
    const resolved = this.deps.dialPlan.resolve(target);
    if (!resolved.ok) return resolved;
    const c = this.addOutgoing(resolved.value.number, resolved.value.uri, e.call.callId);
    const transfer: TransferProgress = {
      kind: 'attended',
      consultationCallId: c.call.callId,
      status: 'consulting',
      reason: null,
    };
    e.call.transfer = transfer;
    this.changed();
    return this.exclusive(async () => {
      if (isOver(e)) {
        this.endCall(c, 'hung-up-local', 'the caller hung up before the consultation call');
        return fail('invalid-state', `Cannot consult: ${this.endedText(e)}`);
      }
      if (e.call.transfer !== transfer) {
        this.endCall(c, 'hung-up-local', null);
        return fail('invalid-state', 'The consultation was abandoned');
      }
      if (e.call.state === 'active') {
        const held = await this.holdLocked(e);
        if (!held.ok) {
          if (e.call.transfer === transfer) e.call.transfer = null;
          this.endCall(c, 'hung-up-local', null);
          return held;
        }
      }
      const r = await this.dialLocked(c, resolved.value.uri);
      if (!r.ok) return r; // endCall of the consultation marked the transfer failed
      return ok({ consultationCallId: c.call.callId });
    });
  }

  async connectSubscribers(callId: string): Promise<Result<null>> {
    const pair = this.consultationPair(callId);
    if (!pair.ok) return pair;
    const { caller, transfer } = pair.value;
    if (transfer.status === 'connecting') return fail('invalid-state', 'The subscribers are already being connected');
    if (transfer.status === 'succeeded') return fail('invalid-state', 'The subscribers are already connected');
    if (isOver(caller)) return fail('invalid-state', `Cannot connect: ${this.endedText(caller)}`);
    const c = this.entries.get(transfer.consultationCallId);
    if (!c || isOver(c)) {
      return fail('invalid-state', 'Cannot connect: the consultation call has ended');
    }
    if (!isEstablished(c.call) || !c.leg) {
      return fail(
        'invalid-state',
        'The transfer target has not answered yet: connect the subscribers once the consultation call is connected',
      );
    }
    const callerLeg = caller.leg;
    const consultationLeg = c.leg;
    if (!callerLeg) return fail('invalid-state', 'The caller has no connection to transfer');
    transfer.status = 'connecting';
    transfer.reason = null;
    this.changed();
    const r = await this.legOp(caller, 'REFER', () => callerLeg.referReplacing(consultationLeg));
    if (r.kind === 'error') {
      if (caller.call.transfer === transfer && transfer.status === 'connecting') this.attendedFailed(caller, r.message);
      return fail('sip-failure', `Could not connect the subscribers: ${r.message}`);
    }
    return ok(null);
  }

  async backToCaller(callId: string): Promise<Result<null>> {
    const pair = this.consultationPair(callId);
    if (!pair.ok) return pair;
    const { caller, transfer } = pair.value;
    if (transfer.status === 'connecting') {
      return fail('invalid-state', 'The subscribers are being connected; wait for the result');
    }
    if (transfer.status === 'succeeded') return fail('invalid-state', 'The caller has already been transferred');
    caller.call.transfer = null;
    const c = this.entries.get(transfer.consultationCallId);
    if (c && !isOver(c)) await this.hangupInternal(c, 'hung-up-local');
    else this.changed();
    if (isOver(caller)) return fail('invalid-state', `Cannot go back: ${this.endedText(caller)}`);
    return this.exclusive(() => this.resumeLocked(caller));
  }

  async setPresence(presence: 'online' | 'break'): Promise<Result<null>> {
    this.chosenPresence = presence;
    this.changed();
    try {
      await this.deps.telephony.setOwnPresence(presence);
    } catch (err) {
      if (this.serverSupportsPresence !== false) {
        this.addNotice(
          'warning',
          `Could not tell the server your status (${errorMessage(err)}); ` +
            (presence === 'break' ? 'new calls are still refused here while you are on a break.' : 'calls are taken here.'),
          null,
        );
      }
    }
    return ok(null);
  }

  async reregister(): Promise<Result<null>> {
    try {
      this.deps.telephony.reregister();
    } catch (err) {
      return fail('sip-failure', `Could not re-register: ${errorMessage(err)}`);
    }
    return ok(null);
  }

  async dismissNotice(noticeId: number): Promise<Result<null>> {
    const before = this.notices.length;
    this.notices = this.notices.filter((n) => n.noticeId !== noticeId);
    if (this.notices.length === before) return fail('not-found', `No notice ${noticeId}`);
    this.changed();
    return ok(null);
  }

  /** Ends every call (history rows are closed), stops the SIP side. Commands fail afterwards. */
  async shutdown(): Promise<Result<null>> {
    this.shuttingDown = true;
    const live = [...this.entries.values()].filter((e) => !isOver(e));
    await Promise.all(
      live.map((e) =>
        e.call.direction === 'incoming' && e.call.state === 'ringing' && !e.pending.has('answer')
          ? this.declineRinging(e)
          : this.hangupInternal(e, 'hung-up-local'),
      ),
    );
    for (const e of this.entries.values()) e.lingerTimer?.cancel();
    try {
      await this.deps.telephony.stop();
    } catch {
      // stopping is best effort
    }
    this.deps.ringer.setMode('silent');
    this.ringerMode = 'silent';
    return ok(null);
  }

  // ---------------------------------------------------------------- incoming legs

  private onIncoming(leg: CallLeg, info: IncomingInfo): void {
    if (this.shuttingDown) {
      void this.safely(() => leg.decline(503));
      return;
    }
    if (info.replacesLegId !== null) {
      const old = this.byLegId.get(info.replacesLegId);
      if (!old || isOver(old)) {
        void this.safely(() => leg.decline(481));
        return;
      }
      this.acceptReplacement(leg, old);
      return;
    }
    if (info.referredFromLegId !== null) {
      const from = this.byLegId.get(info.referredFromLegId) ?? null;
      const e = this.newEntry(leg.direction, leg.remote.number, leg.remote.uri, leg.direction === 'incoming' ? 'ringing' : 'dialing');
      e.call.displayName = leg.remote.displayName;
      e.referredFrom = from;
      e.handledBy = this.deps.account.user;
      this.entries.set(e.call.callId, e);
      this.attach(e, leg);
      this.historyStarted(e);
      this.identify(e);
      if (leg.direction === 'incoming') this.queue.push(e.call.callId);
      this.changed();
      return;
    }
    if (leg.direction !== 'incoming') return; // nothing else creates outgoing legs on its own
    if (this.chosenPresence === 'break') {
      // On a break the colleagues take the call; we log it and step aside with 480.
      const e = this.newEntry('incoming', leg.remote.number, leg.remote.uri, 'ringing');
      this.historyStarted(e);
      e.call.state = 'ended';
      e.call.endedAt = this.deps.clock.now();
      e.call.endReason = 'rejected';
      e.call.endDetail = 'declined with 480: the dispatcher is on a break';
      this.historyUpdated(e);
      void this.safely(() => leg.decline(480));
      return;
    }
    const e = this.newEntry('incoming', leg.remote.number, leg.remote.uri, 'ringing');
    e.call.displayName = leg.remote.displayName;
    this.entries.set(e.call.callId, e);
    this.queue.push(e.call.callId);
    this.attach(e, leg);
    this.historyStarted(e);
    this.identify(e);
    this.changed();
  }

  /** An INVITE with Replaces: someone transferred a party onto our call `old`. Take it over. */
  private acceptReplacement(leg: CallLeg, old: Entry): void {
    const e = this.newEntry('incoming', leg.remote.number, leg.remote.uri, 'ringing');
    e.call.displayName = leg.remote.displayName;
    e.pending.add('answer');
    this.entries.set(e.call.callId, e);
    this.attach(e, leg);
    this.historyStarted(e);
    this.identify(e);
    this.changed();
    // The replaced call keeps its place: if it was on hold while the dispatcher talks to someone
    // else, the newcomer is answered muted and put on hold at once, so no second microphone opens.
    const keepHeld = old.call.state === 'held';
    void this.exclusive(async () => {
      try {
        const talkingElsewhere = this.activeEntries().some((x) => x !== e && x !== old);
        if (keepHeld && talkingElsewhere) {
          this.setLegMuted(e, true);
          const r = await this.answerLocked(e, new Set([e, old]), false);
          if (r.ok) await this.holdLocked(e);
          this.setLegMuted(e, e.call.muted);
        } else {
          await this.answerLocked(e, new Set([e, old]));
        }
      } finally {
        e.pending.delete('answer');
      }
      if (!isOver(old)) {
        old.endAs = 'transferred';
        old.transferredTo = e.call.number;
        await this.hangupInternal(old, 'transferred');
      }
      this.changed();
    });
  }

  // ---------------------------------------------------------------- leg events

  private attach(e: Entry, leg: CallLeg): void {
    e.leg = leg;
    this.byLegId.set(leg.legId, e);
    leg.onEvent((event) => this.guardEvent(() => this.onLegEvent(e, event)));
  }

  private onLegEvent(e: Entry, event: LegEvent): void {
    switch (event.type) {
      case 'progress':
        if (e.call.state === 'dialing') {
          e.call.state = 'early';
          this.changed();
        }
        return;
      case 'established':
        this.markEstablished(e);
        return;
      case 'ended':
        this.endCall(e, event.reason, event.detail);
        return;
      case 'remote-hold':
        if (isOver(e) || e.call.heldRemotely === event.held) return;
        e.call.heldRemotely = event.held;
        this.changed();
        return;
      case 'refer-progress':
        this.onReferProgress(e, event);
        return;
    }
  }

  private markEstablished(e: Entry): void {
    const call = e.call;
    if (call.state !== 'ringing' && call.state !== 'dialing' && call.state !== 'early') return;
    if (e.hangingUp) return;
    call.state = 'active';
    call.answeredAt = this.deps.clock.now();
    e.handledBy = this.deps.account.user;
    this.removeFromQueue(call.callId);
    const from = e.referredFrom;
    if (from && !isOver(from)) {
      // The far end transferred us to this party: the old call ends as transferred.
      from.endAs = 'transferred';
      from.transferredTo = call.number;
    }
    this.historyUpdated(e);
    this.changed();
    if (call.direction === 'outgoing') {
      // The far end answered while the dispatcher talks to someone else (they resumed or answered
      // another call meanwhile): keep the current conversation, put the newcomer on hold.
      const others = this.activeEntries().filter((x) => x !== e && x !== e.referredFrom);
      if (others.length > 0) {
        void this.exclusive(async () => {
          if (e.call.state !== 'active') return;
          const current = this.activeEntries().filter((x) => x !== e && x !== e.referredFrom);
          if (current.length === 0) return;
          const r = await this.holdLocked(e);
          if (r.ok) {
            this.addNotice('info', `${this.partyName(e)} answered and is on hold: you are talking on another call`, e.call.callId);
          }
        });
      }
    }
  }

  private onReferProgress(e: Entry, event: Extract<LegEvent, { type: 'refer-progress' }>): void {
    const t = e.call.transfer;
    if (!t) return;
    const reason = event.status === 'failed' ? this.referFailureText(event) : null;
    if (t.kind === 'blind') {
      if (t.status === 'succeeded' || t.status === 'failed') return;
      if (event.status === 'succeeded') this.blindTransferSucceeded(e);
      else if (event.status === 'failed') this.blindTransferFailed(e, reason ?? 'refused');
      else {
        t.status = event.status;
        this.changed();
      }
      return;
    }
    if (t.status !== 'connecting') return;
    if (event.status === 'succeeded') this.attendedSucceeded(e);
    else if (event.status === 'failed') this.attendedFailed(e, reason ?? 'refused');
  }

  private referFailureText(event: Extract<LegEvent, { type: 'refer-progress' }>): string {
    const parts = [event.code !== null ? String(event.code) : null, event.reason].filter((p) => p);
    return parts.length > 0 ? parts.join(' ') : 'refused';
  }

  // ---------------------------------------------------------------- transfers

  private blindTransferSucceeded(e: Entry): void {
    const t = e.call.transfer;
    if (!t || t.kind !== 'blind') return;
    t.status = 'succeeded';
    t.reason = null;
    e.transferredTo = t.target;
    e.endAs = 'transferred';
    this.historyUpdated(e);
    this.changed();
    if (!isOver(e)) void this.hangupInternal(e, 'transferred');
  }

  private blindTransferFailed(e: Entry, reason: string): void {
    const t = e.call.transfer;
    if (!t || t.kind !== 'blind') return;
    t.status = 'failed';
    t.reason = reason;
    if (isOver(e)) {
      this.changed();
      return;
    }
    this.addNotice(
      'error',
      `Transfer of ${this.partyName(e)} to ${t.target} failed (${reason}). The caller is back on the line with you.`,
      e.call.callId,
    );
    this.changed();
    // Never leave the caller in silence: a held caller is taken off hold.
    void this.exclusive(async () => {
      if (e.call.state !== 'held') return;
      const r = await this.resumeLocked(e);
      if (!r.ok && !isOver(e)) {
        this.addNotice('error', r.error.message, e.call.callId);
      }
    });
  }

  private attendedSucceeded(caller: Entry): void {
    const t = caller.call.transfer;
    if (!t || t.kind !== 'attended') return;
    t.status = 'succeeded';
    t.reason = null;
    const c = this.entries.get(t.consultationCallId);
    caller.transferredTo = c ? c.call.number : null;
    caller.endAs = 'transferred';
    this.historyUpdated(caller);
    if (!isOver(caller)) void this.hangupInternal(caller, 'transferred');
    if (c) this.markConsultationTransferred(c, caller);
    this.changed();
  }

  private markConsultationTransferred(c: Entry, caller: Entry): void {
    c.transferredTo = caller.call.number;
    if (isOver(c)) {
      // The target usually ends our consultation dialog itself when the caller's INVITE replaces it.
      if (c.call.endReason !== 'transferred') {
        c.call.endReason = 'transferred';
        c.call.endDetail = null;
        this.historyUpdated(c);
      }
    } else {
      c.endAs = 'transferred';
      this.historyUpdated(c);
      void this.hangupInternal(c, 'transferred');
    }
  }

  private attendedFailed(caller: Entry, reason: string): void {
    const t = caller.call.transfer;
    if (!t || t.kind !== 'attended') return;
    t.status = 'failed';
    t.reason = reason;
    const c = this.entries.get(t.consultationCallId);
    const target = c ? this.partyName(c) : 'the transfer target';
    this.addNotice(
      'error',
      `Could not connect ${this.partyName(caller)} with ${target} (${reason}). Both calls stay with you` +
        (caller.call.state === 'held' ? '; the caller is on hold.' : '.'),
      caller.call.callId,
    );
    this.changed();
  }

  private refuseTransfer(e: Entry): Failure | null {
    if (isOver(e)) return fail('invalid-state', `Cannot transfer: ${this.endedText(e)}`);
    if (!isEstablished(e.call)) return fail('invalid-state', this.cannot('transferred', e));
    if (e.call.consultationFor !== null) {
      return fail('invalid-state', 'This is a consultation call: connect the subscribers or go back to the caller');
    }
    if (transferInProgress(e.call.transfer)) return fail('invalid-state', 'A transfer of this call is already in progress');
    if (e.hangingUp) return fail('invalid-state', 'The call is being hung up');
    return null;
  }

  /** The caller's call and its attended transfer, from either the caller's or the consultation's call id. */
  private consultationPair(
    callId: string,
  ): Result<{ caller: Entry; transfer: Extract<TransferProgress, { kind: 'attended' }> }> {
    let caller = this.entries.get(callId);
    if (!caller) return this.unknownCall(callId);
    if (caller.call.consultationFor !== null) {
      const original = this.entries.get(caller.call.consultationFor);
      if (!original) return fail('invalid-state', 'The caller of this consultation is gone');
      caller = original;
    }
    const t = caller.call.transfer;
    if (!t || t.kind !== 'attended') {
      return fail('invalid-state', 'There is no consultation for this call: start an attended transfer first');
    }
    return ok({ caller, transfer: t });
  }

  // ---------------------------------------------------------------- locked steps (run inside exclusive)

  private async answerLocked(e: Entry, except = new Set([e]), holdOthers = true): Promise<Result<null>> {
    if (isOver(e)) return fail('invalid-state', `Cannot answer: ${this.endedText(e)}`);
    if (e.hangingUp) return fail('invalid-state', 'The call was hung up meanwhile');
    if (holdOthers) {
      const held = await this.holdAllActiveLocked(except);
      if (!held.ok) return held;
    }
    if (isOver(e)) return fail('invalid-state', `Cannot answer: ${this.endedText(e)}`);
    if (e.hangingUp) return fail('invalid-state', 'The call was hung up meanwhile');
    const leg = e.leg;
    if (!leg) return fail('internal', 'The call has no leg');
    const r = await this.legOp(e, 'answer', () => leg.answer());
    if (r.kind === 'ended' || isOver(e)) {
      return fail('invalid-state', `Could not answer: ${this.endedText(e)}`);
    }
    if (e.hangingUp) return fail('invalid-state', 'The call was hung up meanwhile');
    if (r.kind === 'error') return fail('sip-failure', `Could not answer the call: ${r.message}`);
    this.markEstablished(e);
    return ok(null);
  }

  private async holdLocked(e: Entry): Promise<Result<null>> {
    if (e.call.state === 'held') return ok(null);
    if (e.call.state !== 'active' || !e.leg) return fail('invalid-state', this.cannot('put on hold', e));
    const leg = e.leg;
    const r = await this.legOp(e, 'hold', () => leg.hold());
    if (r.kind === 'ended') return fail('invalid-state', `The call ended: ${this.endedText(e)}`);
    if (r.kind === 'error') return fail('sip-failure', `Could not put ${this.partyName(e)} on hold: ${r.message}`);
    if (e.call.state !== 'active') return ok(null);
    e.call.state = 'held';
    e.call.heldLocally = true;
    e.heldCount += 1;
    this.historyUpdated(e);
    this.changed();
    return ok(null);
  }

  private async resumeLocked(e: Entry): Promise<Result<null>> {
    if (e.call.state === 'active') return ok(null);
    if (e.call.state !== 'held' || !e.leg) return fail('invalid-state', this.cannot('resumed', e));
    const held = await this.holdAllActiveLocked(new Set([e]));
    if (!held.ok) return held;
    if (e.call.state !== 'held') return e.call.state === 'active' ? ok(null) : fail('invalid-state', this.cannot('resumed', e));
    const leg = e.leg;
    const r = await this.legOp(e, 'resume', () => leg.resume());
    if (r.kind === 'ended') return fail('invalid-state', `The call ended: ${this.endedText(e)}`);
    if (r.kind === 'error') return fail('sip-failure', `Could not take ${this.partyName(e)} off hold: ${r.message}`);
    if (e.call.state !== 'held') return ok(null);
    e.call.state = 'active';
    e.call.heldLocally = false;
    this.historyUpdated(e);
    this.changed();
    return ok(null);
  }

  /** Holds every call with an open microphone except `except`; fails if one cannot be held (never two open mics). */
  private async holdAllActiveLocked(except: Set<Entry>): Promise<Result<null>> {
    for (const other of this.activeEntries()) {
      if (except.has(other) || other.hangingUp) continue;
      const r = await this.holdLocked(other);
      if (!r.ok && !isOver(other)) {
        return fail(r.error.code, `${r.error.message}; not going on, so that two calls are not open at once`);
      }
    }
    return ok(null);
  }

  private async dialLocked(e: Entry, uri: string): Promise<Result<null>> {
    if (isOver(e)) return fail('invalid-state', 'The call was hung up before it was dialled');
    const held = await this.holdAllActiveLocked(new Set([e]));
    if (!held.ok) {
      this.endCall(e, 'failed', held.error.message, false);
      return held;
    }
    if (isOver(e)) return fail('invalid-state', 'The call was hung up before it was dialled');
    const r = await this.withTimeout('INVITE', () => this.deps.telephony.dial(uri));
    if (!r.ok) {
      this.endCall(e, 'failed', r.error.message);
      return r;
    }
    const leg = r.value;
    this.attach(e, leg);
    if (e.call.muted) this.setLegMuted(e, true);
    if (isOver(e)) {
      // Hung up while the INVITE was on its way: cancel it.
      void this.safely(() => leg.hangup());
      return fail('invalid-state', 'The call was hung up before it was connected');
    }
    this.changed();
    return ok(null);
  }

  // ---------------------------------------------------------------- hang-ups and the end of calls

  private async declineRinging(e: Entry): Promise<Result<null>> {
    e.pending.add('decline');
    this.changed();
    const leg = e.leg;
    const r = leg ? await this.legOp(e, 'decline', () => leg.decline()) : ({ kind: 'done' } as LegOutcome);
    e.pending.delete('decline');
    if (r.kind === 'error' && !isOver(e)) {
      this.changed();
      return fail('sip-failure', `Could not decline the call: ${r.message}`);
    }
    this.endCall(e, 'rejected', 'declined by the dispatcher');
    return ok(null);
  }

  private async hangupInternal(e: Entry, reason: CallEndReason): Promise<void> {
    if (isOver(e) || e.hangingUp) return;
    e.hangingUp = true;
    this.changed();
    const leg = e.leg;
    if (!leg) {
      this.endCall(e, reason, null);
      return;
    }
    const r = await this.legOp(e, 'hang-up', () => leg.hangup());
    // The dialog is over for us either way: a BYE that got no answer still ends the call.
    this.endCall(e, reason, r.kind === 'error' ? r.message : null);
  }

  private endCall(e: Entry, legReason: CallEndReason, detail: string | null, notify = true): void {
    const call = e.call;
    if (call.state === 'ended') return;
    const reason = e.endAs ?? legReason;
    const wasEstablished = call.answeredAt !== null;
    call.state = 'ended';
    call.endedAt = this.deps.clock.now();
    call.endReason = reason;
    call.endDetail = reason === 'transferred' ? null : detail;
    e.hangingUp = false;
    e.resolveEnded();
    this.removeFromQueue(call.callId);

    let explained = false;
    // A consultation call ended: the caller stays held with the dispatcher, unless the transfer is connecting.
    if (call.consultationFor !== null) {
      const caller = this.entries.get(call.consultationFor);
      const t = caller?.call.transfer;
      if (caller && t?.kind === 'attended' && t.consultationCallId === call.callId && t.status === 'consulting') {
        if (legReason === 'hung-up-local' && e.endAs === null) {
          caller.call.transfer = null; // the dispatcher gave up the consultation
        } else {
          t.status = 'failed';
          t.reason = describeEnd(reason, detail);
          this.addNotice(
            'warning',
            `${this.partyName(e)}: ${describeEnd(reason, detail)}. ` +
              (caller.call.state === 'held'
                ? `${this.partyName(caller)} is still on hold: take them off hold to talk.`
                : `${this.partyName(caller)} is still with you.`),
            caller.call.callId,
          );
          explained = true;
        }
      }
    }
    // The caller of an attended transfer ended: the consultation carries on as an ordinary call.
    const t = call.transfer;
    if (t?.kind === 'attended' && (t.status === 'consulting' || t.status === 'connecting')) {
      const c = this.entries.get(t.consultationCallId);
      if (t.status === 'connecting' && c && isOver(c)) {
        // Both dialogs went away while the REFER was being carried out: the caller was connected.
        t.status = 'succeeded';
        call.endReason = 'transferred';
        call.endDetail = null;
        e.transferredTo = c.call.number;
        this.markConsultationTransferred(c, e);
      } else {
        t.status = 'failed';
        t.reason = describeEnd(reason, detail);
        if (c && !isOver(c)) {
          c.call.consultationFor = null;
          if (reason !== 'hung-up-local') {
            this.addNotice(
              'info',
              `${this.partyName(e)} hung up during the consultation; the call with ${this.partyName(c)} goes on.`,
              c.call.callId,
            );
          }
        }
      }
    }

    this.historyUpdated(e);
    if (notify && !explained && CALL_FAILURE_REASONS.has(reason)) {
      if (call.direction === 'outgoing' && !wasEstablished) {
        this.addNotice('warning', `Call to ${this.partyName(e)} failed: ${describeEnd(reason, detail)}`, call.callId);
      } else if (wasEstablished && (reason === 'failed' || reason === 'connection-lost')) {
        this.addNotice('error', `Call with ${this.partyName(e)} was cut off: ${describeEnd(reason, detail)}`, call.callId);
      }
    }
    e.lingerTimer = this.deps.clock.setTimeout(() => {
      e.lingerTimer = null;
      if (this.entries.get(call.callId) !== e) return;
      this.entries.delete(call.callId);
      if (e.leg && this.byLegId.get(e.leg.legId) === e) this.byLegId.delete(e.leg.legId);
      this.changed();
    }, this.lingerMs);
    this.changed();
  }

  // ---------------------------------------------------------------- helpers

  private newEntry(direction: Call['direction'], number: string, uri: string, state: Call['state']): Entry {
    let resolveEnded!: () => void;
    const ended = new Promise<void>((resolve) => {
      resolveEnded = resolve;
    });
    return {
      call: {
        callId: this.newCallId(),
        direction,
        number,
        displayName: null,
        remoteUri: uri,
        identity: IDENTIFYING,
        state,
        heldLocally: false,
        heldRemotely: false,
        muted: false,
        startedAt: this.deps.clock.now(),
        answeredAt: null,
        endedAt: null,
        endReason: null,
        endDetail: null,
        transfer: null,
        consultationFor: null,
        media: null,
      },
      leg: null,
      pending: new Set(),
      hangingUp: false,
      heldCount: 0,
      handledBy: direction === 'outgoing' ? this.deps.account.user : null,
      transferredTo: null,
      endAs: null,
      referredFrom: null,
      ended,
      resolveEnded,
      lingerTimer: null,
    };
  }

  private addOutgoing(number: string, uri: string, consultationFor: string | null): Entry {
    const e = this.newEntry('outgoing', number, uri, 'dialing');
    e.call.consultationFor = consultationFor;
    this.entries.set(e.call.callId, e);
    this.historyStarted(e);
    this.identify(e);
    this.changed();
    return e;
  }

  private identify(e: Entry): void {
    let p: Promise<CallerIdentity>;
    try {
      p = this.deps.identifier.identify(e.call.number);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (identity) => {
        if (isOver(e)) return; // too late: the call is gone
        e.call.identity = identity;
        this.historyUpdated(e);
        this.changed();
      },
      (err: unknown) => {
        if (isOver(e)) return;
        e.call.identity = { kind: 'unknown', reason: `identification failed: ${errorMessage(err)}` };
        this.changed();
      },
    );
  }

  /** Calls whose microphone is open: established and not held by us. */
  private activeEntries(): Entry[] {
    return [...this.entries.values()].filter((e) => e.call.state === 'active');
  }

  private activeEntry(): Entry | null {
    let best: Entry | null = null;
    for (const e of this.activeEntries()) {
      if (!best || (e.call.answeredAt ?? 0) >= (best.call.answeredAt ?? 0)) best = e;
    }
    return best;
  }

  private setLegMuted(e: Entry, muted: boolean): void {
    try {
      e.leg?.setMuted(muted);
    } catch {
      // the mute flag shows what we wanted; the leg refused
    }
  }

  private removeFromQueue(callId: string): void {
    const i = this.queue.indexOf(callId);
    if (i >= 0) this.queue.splice(i, 1);
  }

  private legOp(e: Entry, what: string, run: () => Promise<void>): Promise<LegOutcome> {
    return new Promise<LegOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: LegOutcome): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        resolve(outcome);
      };
      const timer = this.deps.clock.setTimeout(
        () => finish({ kind: 'error', message: `${what} got no answer in ${Math.round(this.opTimeoutMs / 1000)} s` }),
        this.opTimeoutMs,
      );
      void e.ended.then(() => finish({ kind: 'ended' }));
      let p: Promise<void>;
      try {
        p = run();
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(
        () => finish(isOver(e) ? { kind: 'ended' } : { kind: 'done' }),
        (err: unknown) => finish(isOver(e) ? { kind: 'ended' } : { kind: 'error', message: errorMessage(err) }),
      );
    });
  }

  private withTimeout<T>(what: string, run: () => Promise<Result<T>>): Promise<Result<T>> {
    return new Promise<Result<T>>((resolve) => {
      let settled = false;
      const finish = (r: Result<T>): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        resolve(r);
      };
      const timer = this.deps.clock.setTimeout(
        () => finish(fail('sip-failure', `${what} got no answer in ${Math.round(this.opTimeoutMs / 1000)} s`)),
        this.opTimeoutMs,
      );
      let p: Promise<Result<T>>;
      try {
        p = run();
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(finish, (err: unknown) => finish(fail('sip-failure', errorMessage(err))));
    });
  }

  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const next = this.lockTail.then(run, run);
    this.lockTail = next.catch(() => undefined);
    return next;
  }

  private safely(run: () => Promise<void>): Promise<void> {
    try {
      return run().catch(() => undefined);
    } catch {
      return Promise.resolve();
    }
  }

  private guardEvent(run: () => void): void {
    try {
      run();
    } catch (err) {
      this.addNotice('error', `Internal error in the call centre: ${errorMessage(err)}`, null);
      this.changed();
    }
  }

  private historyFacts(e: Entry): HistoryCallFacts {
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
      failureReason:
        c.endReason !== null && CALL_FAILURE_REASONS.has(c.endReason) ? (c.endDetail ?? END_REASON_TEXT[c.endReason]) : null,
    };
  }

  private historyStarted(e: Entry): void {
    try {
      this.deps.history.callStarted(this.historyFacts(e));
    } catch (err) {
      this.addNotice('warning', `Could not write the call history: ${errorMessage(err)}`, e.call.callId);
    }
  }

  private historyUpdated(e: Entry): void {
    try {
      this.deps.history.callUpdated(this.historyFacts(e));
    } catch (err) {
      this.addNotice('warning', `Could not write the call history: ${errorMessage(err)}`, e.call.callId);
    }
  }

  private addNotice(level: Notice['level'], message: string, callId: string | null): void {
    this.notices.push({ noticeId: this.nextNoticeId++, level, message, at: this.deps.clock.now(), callId });
    if (this.notices.length > this.maxNotices) this.notices.splice(0, this.notices.length - this.maxNotices);
  }

  private partyName(e: Entry): string {
    const id = e.call.identity;
    const name =
      id.kind === 'driver' || id.kind === 'employee'
        ? id.callsign
          ? `${id.name} (${id.callsign})`
          : id.name
        : id.kind === 'client'
          ? id.name
          : null;
    return name ?? e.call.displayName ?? e.call.number;
  }

  private endedText(e: Entry): string {
    const reason = e.call.endReason;
    if (reason === 'cancelled-by-caller') return 'the caller hung up';
    if (reason === 'answered-elsewhere') return 'another dispatcher answered the call';
    return reason ? `the call has ended (${END_REASON_TEXT[reason]})` : 'the call has ended';
  }

  private cannot(action: string, e: Entry): string {
    if (isOver(e)) return `The call cannot be ${action}: ${this.endedText(e)}`;
    const state = e.call.state === 'ringing' ? 'is still ringing' : e.call.state === 'dialing' || e.call.state === 'early' ? 'is not connected yet' : `is ${e.call.state}`;
    return `The call cannot be ${action}: it ${state}`;
  }

  private unknownCall(callId: string): Failure {
    return fail('unknown-call', `There is no call ${callId} (it may have ended)`);
  }

  private refuseIfShuttingDown(): Failure | null {
    return this.shuttingDown ? this.shuttingDownFailure() : null;
  }

  private shuttingDownFailure(): Failure {
    return fail('invalid-state', 'The phone is shutting down');
  }

  private refuseIfNotRegistered(): Failure | null {
    if (this.registration.kind === 'registered') return null;
    return fail('not-registered', 'Not registered with the telephone server: calls cannot be placed now');
  }

  private updateRinger(): void {
    const waiting = this.queue.some((id) => {
      const e = this.entries.get(id);
      return e !== undefined && !e.pending.has('answer') && !e.pending.has('decline');
    });
    const talking = [...this.entries.values()].some(
      (e) => e.call.state === 'active' || e.call.state === 'dialing' || e.call.state === 'early',
    );
    const mode = !waiting || this.shuttingDown ? 'silent' : talking ? 'call-waiting' : 'ringing';
    if (mode === this.ringerMode) return;
    this.ringerMode = mode;
    try {
      this.deps.ringer.setMode(mode);
    } catch {
      // the ringer is best effort; calls go on
    }
  }

  private changed(): void {
    this.updateRinger();
    for (const listener of [...this.bareListeners]) {
      try {
        listener();
      } catch {
        // a broken listener must not break the call centre
      }
    }
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
