// Fakes for the call centre's ports: legs whose every operation the test can hold open, a manual clock,
// a history that records facts, a ringer that records modes, a trivial dial plan.
import type { CallDirection, CallerIdentity, MediaStats, OwnPresence, RegistrationState } from '../../../shared/domain.js';
import type { Result } from '../../../shared/errors.js';
import { fail, ok } from '../../../shared/errors.js';
import type {
  CallHistoryLog,
  CallLeg,
  CallerIdentifier,
  Clock,
  DialPlan,
  HistoryCallFacts,
  IncomingInfo,
  LegEvent,
  RemoteParty,
  Ringer,
  Telephony,
} from '../../../main/calls/ports.js';
import { CallCentre } from '../../../main/calls/call-centre.js';
import { errorEn } from '../../support/words.js';

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise chain run (the call centre awaits a few in a row). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

type LegMethod = 'answer' | 'decline' | 'hangup' | 'hold' | 'resume' | 'sendDtmf' | 'refer' | 'referReplacing';

let legCounter = 0;

export class FakeLeg implements CallLeg {
  readonly legId: string;
  readonly remote: RemoteParty;
  /** Every operation, in order: 'answer', 'decline:480', 'hold', 'refer:sip:...', 'setMuted:true', ... */
  readonly calls: string[] = [];
  ended = false;
  private listeners: ((e: LegEvent) => void)[] = [];
  private gates = new Map<LegMethod, Deferred>();
  private failures = new Map<LegMethod, Error>();
  /** When true (default), answer() emits 'established' and hangup()/decline() emit 'ended' like a real leg. */
  realistic = true;

  constructor(
    readonly direction: CallDirection,
    number = '+79120000000',
    displayName: string | null = null,
  ) {
    this.legId = `leg-${++legCounter}`;
    this.remote = { number, displayName, uri: `sip:${number}@pbx` };
  }

  onEvent(listener: (event: LegEvent) => void): () => void {
    return subscribe(this.listeners, listener);
  }

  emit(event: LegEvent): void {
    if (event.type === 'ended') {
      if (this.ended) return;
      this.ended = true;
    }
    for (const l of this.listeners) l(event);
  }

  /** The next call of `method` waits until the test resolves or rejects the returned deferred. */
  gate(method: LegMethod): Deferred {
    const d = deferred();
    this.gates.set(method, d);
    return d;
  }

  /** The next call of `method` rejects with this error. */
  failNext(method: LegMethod, message: string): void {
    this.failures.set(method, new Error(message));
  }
  /** The next call of `method` fails with this error (e.g. a LegFailure carrying the far end's refusal). */
  failWith(method: LegMethod, error: Error): void {
    this.failures.set(method, error);
  }

  count(op: string): number {
    return this.calls.filter((c) => c === op || c.startsWith(`${op}:`)).length;
  }

  private async run(method: LegMethod, after?: () => void): Promise<void> {
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      throw failure;
    }
    const gate = this.gates.get(method);
    if (gate) {
      this.gates.delete(method);
      await gate.promise;
    }
    if (this.realistic) after?.();
  }

  answer(): Promise<void> {
    this.calls.push('answer');
    return this.run('answer', () => this.emit({ type: 'established' }));
  }
  decline(code?: number): Promise<void> {
    this.calls.push(`decline:${code ?? 486}`);
    return this.run('decline', () => this.emit({ type: 'ended', reason: 'rejected', cause: null }));
  }
  hangup(): Promise<void> {
    this.calls.push('hangup');
    return this.run('hangup', () => this.emit({ type: 'ended', reason: 'hung-up-local', cause: null }));
  }
  hold(): Promise<void> {
    this.calls.push('hold');
    return this.run('hold');
  }
  resume(): Promise<void> {
    this.calls.push('resume');
    return this.run('resume');
  }
  setMuted(muted: boolean): void {
    this.calls.push(`setMuted:${muted}`);
  }
  /** Held here (no signalling), as the call centre set it last. */
  heldHere = false;
  holdLocally(held: boolean): void {
    this.heldHere = held;
  }
  sendDtmf(digits: string): Promise<void> {
    this.calls.push(`dtmf:${digits}`);
    return this.run('sendDtmf');
  }
  refer(targetUri: string): Promise<void> {
    this.calls.push(`refer:${targetUri}`);
    return this.run('refer');
  }
  referReplacing(consultation: CallLeg): Promise<void> {
    this.calls.push(`referReplacing:${consultation.legId}`);
    return this.run('referReplacing');
  }
  mediaStats(): MediaStats | null {
    return null;
  }
}

/** Adds a listener; the returned function takes it out again (the ports' way). */
function subscribe<T>(list: T[], listener: T): () => void {
  list.push(listener);
  return () => {
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
  };
}

export class FakeTelephony implements Telephony {
  private incoming: ((leg: CallLeg, info: IncomingInfo) => void)[] = [];
  private registration: ((s: RegistrationState) => void)[] = [];
  private presenceSupport: ((s: boolean) => void)[] = [];
  readonly dialled: { uri: string; leg: FakeLeg }[] = [];
  readonly ownPresence: OwnPresence[] = [];
  reregisterCount = 0;
  stopped = false;
  /** Next dial() result: a leg (default: a fresh outgoing FakeLeg) or a failure. */
  nextDial: (() => Result<FakeLeg>) | null = null;
  dialGate: Deferred | null = null;
  presenceFails = false;

  async dial(targetUri: string): Promise<Result<CallLeg>> {
    if (this.dialGate) {
      const g = this.dialGate;
      this.dialGate = null;
      await g.promise;
    }
    const make = this.nextDial;
    this.nextDial = null;
    const r = make ? make() : ok(new FakeLeg('outgoing', targetUri.replace(/^sip:([^@]+)@.*$/, '$1')));
    if (r.ok) this.dialled.push({ uri: targetUri, leg: r.value });
    return r;
  }
  /** The leg of the n-th dial (0-based; default the last). */
  lastDialled(n?: number): FakeLeg {
    const entry = n === undefined ? this.dialled[this.dialled.length - 1] : this.dialled[n];
    if (!entry) throw new Error('nothing dialled');
    return entry.leg;
  }
  onIncoming(listener: (leg: CallLeg, info: IncomingInfo) => void): () => void {
    return subscribe(this.incoming, listener);
  }
  onRegistration(listener: (state: RegistrationState) => void): () => void {
    return subscribe(this.registration, listener);
  }
  onPresence(): () => void {
    return () => undefined;
  }
  onPresenceSupport(listener: (supported: boolean) => void): () => void {
    return subscribe(this.presenceSupport, listener);
  }
  async setOwnPresence(presence: OwnPresence): Promise<void> {
    this.ownPresence.push(presence);
    if (this.presenceFails) throw new Error('PUBLISH 500');
  }
  watchPresence(): void {}
  /** What the call centre last told presence: how many calls ring in. */
  ringingTold: number[] = [];
  callsRinging(count: number): void {
    this.ringingTold.push(count);
  }
  /** The call centre's answer to "is a new call taken now?", as the SIP side would ask it. */
  takesCalls: () => boolean = () => true;
  takesNewCalls(decide: () => boolean): void {
    this.takesCalls = decide;
  }
  reregister(): void {
    this.reregisterCount++;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }

  // test side
  ring(number = '+79120000000', info: Partial<IncomingInfo> = {}, displayName: string | null = null): FakeLeg {
    const leg = new FakeLeg('incoming', number, displayName);
    this.deliver(leg, info);
    return leg;
  }
  deliver(leg: FakeLeg, info: Partial<IncomingInfo> = {}): void {
    const full: IncomingInfo = { replacesLegId: null, referredFromLegId: null, ...info };
    this.delivered.set(leg.legId, leg);
    const replaced = full.replacesLegId ? this.delivered.get(full.replacesLegId) : undefined;
    if (replaced) {
      // As the port says (and RFC 3891): the telephony ends the replaced leg once the newcomer is up.
      leg.onEvent((e) => {
        if (e.type !== 'established') return;
        replaced.calls.push('hangup');
        replaced.emit({ type: 'ended', reason: 'transferred', cause: null });
      });
    }
    for (const l of this.incoming) l(leg, full);
  }
  private readonly delivered = new Map<string, FakeLeg>();
  setRegistration(state: RegistrationState): void {
    for (const l of this.registration) l(state);
  }
  setPresenceSupport(s: boolean): void {
    for (const l of this.presenceSupport) l(s);
  }
}

export class FakeClock implements Clock {
  time = 1_700_000_000_000;
  private timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const t = { at: this.time + ms, fn, cancelled: false };
    this.timers.push(t);
    return {
      cancel: () => {
        t.cancelled = true;
      },
    };
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.cancelled = true;
      this.time = due.at;
      due.fn();
    }
    this.time = until;
  }
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}

export class FakeHistory implements CallHistoryLog {
  readonly started: HistoryCallFacts[] = [];
  readonly updated: HistoryCallFacts[] = [];
  callStarted(call: HistoryCallFacts): void {
    this.started.push(structuredClone(call));
  }
  callUpdated(call: HistoryCallFacts): void {
    this.updated.push(structuredClone(call));
  }
  /** The latest facts written for a call. */
  latest(callId: string): HistoryCallFacts | undefined {
    return [...this.started, ...this.updated].filter((f) => f.callId === callId).at(-1);
  }
}

export class FakeRinger implements Ringer {
  readonly modes: ('silent' | 'ringing' | 'call-waiting')[] = [];
  get mode(): 'silent' | 'ringing' | 'call-waiting' | undefined {
    return this.modes.at(-1);
  }
  setMode(mode: 'silent' | 'ringing' | 'call-waiting'): void {
    this.modes.push(mode);
  }
}

/** Digits, '+' and short numbers become sip:<number>@pbx; anything else is invalid. */
export const fakeDialPlan: DialPlan = {
  resolve(target: string) {
    const number = target.replace(/[\s()-]/g, '');
    if (!/^\+?\d{2,15}$/.test(number)) return fail('invalid-number', { kind: 'invalid-number', input: target, problem: 'not-a-phone-number' });
    return ok({ uri: `sip:${number}@pbx`, number });
  },
};

export class FakeIdentifier implements CallerIdentifier {
  readonly pending = new Map<string, Deferred<CallerIdentity>[]>();
  /** When set, identify() answers at once with this. */
  instant: CallerIdentity | null = null;
  identify(number: string): Promise<CallerIdentity> {
    if (this.instant) return Promise.resolve(this.instant);
    const d = deferred<CallerIdentity>();
    const list = this.pending.get(number) ?? [];
    list.push(d);
    this.pending.set(number, list);
    return d.promise;
  }
  resolve(number: string, identity: CallerIdentity): void {
    for (const d of this.pending.get(number) ?? []) d.resolve(identity);
    this.pending.delete(number);
  }
}

export function makeCentre(options: { lingerMs?: number; registered?: boolean; dialPlan?: DialPlan } = {}) {
  const telephony = new FakeTelephony();
  const clock = new FakeClock();
  const history = new FakeHistory();
  const ringer = new FakeRinger();
  const identifier = new FakeIdentifier();
  let n = 0;
  const centre = new CallCentre({
    telephony,
    dialPlan: options.dialPlan ?? fakeDialPlan,
    identifier,
    history,
    ringer,
    clock,
    account: { user: '1001' },
    endedCallLingerMs: options.lingerMs ?? 4000,
    newCallId: () => `c${++n}`,
  });
  if (options.registered !== false) telephony.setRegistration({ kind: 'registered', expiresAt: clock.now() + 3600_000 });
  const call = (callId: string) => {
    const c = centre.snapshot().calls.find((x) => x.callId === callId);
    if (!c) throw new Error(`no call ${callId} in the snapshot`);
    return c;
  };
  /** Rings a call and returns its leg and call id. */
  const ring = (number = '+79120000000', info: Partial<IncomingInfo> = {}) => {
    const leg = telephony.ring(number, info);
    const id = centre.snapshot().calls.at(-1)?.callId;
    if (!id) throw new Error('the call did not appear');
    return { leg, id };
  };
  /** Rings and answers a call; returns its leg and id. */
  const talk = async (number = '+79120000000') => {
    const r = ring(number);
    const res = await centre.answer(r.id);
    if (!res.ok) throw new Error(errorEn(res.error));
    return r;
  };
  /** Dials and lets the far end answer. */
  const dialAndAnswer = async (target: string) => {
    const res = await centre.dial(target);
    if (!res.ok) throw new Error(errorEn(res.error));
    const leg = telephony.lastDialled();
    leg.emit({ type: 'established' });
    return { leg, id: res.value.callId };
  };
  return { centre, telephony, clock, history, ringer, identifier, call, ring, talk, dialAndAnswer };
}

/** A caller on hold is blind-transferred to 1003 and the target refuses (NOTIFY 486 Busy Here). */
export async function blindTransferRefusedBusy(t: ReturnType<typeof makeCentre>) {
  const a = await t.talk('+79120000001');
  await t.centre.hold(a.id);
  await t.centre.blindTransfer(a.id, '1003');
  a.leg.emit({ type: 'refer-progress', status: 'failed', code: 486, reason: 'Busy Here' });
  await flush();
  return a;
}
