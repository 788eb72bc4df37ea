// Calls coming in and legs reporting: a new INVITE joins the incoming queue (identified at once, a history
// row opened), an INVITE with Replaces takes over one of our calls, a REFER from the far end brings a new
// leg, and each leg's events (ringing, answered, ended, held by the far end, REFER progress) land here.
import type { CallerIdentity } from '../../shared/domain.js';
import { isOver, newEntry, partyOf, transition, type Entry } from './call-entry.js';
import type { CentreContext } from './centre-context.js';
import { errorText } from './leg-operations.js';
import type { CallLeg, IncomingInfo, LegEvent } from './ports.js';

export class IncomingCalls {
  constructor(
    private readonly ctx: CentreContext,
    /** Wraps an event handler so that a bug in it becomes a notice, not a crash. */
    private readonly guard: (run: () => void) => void,
  ) {}

  onIncoming(leg: CallLeg, info: IncomingInfo): void {
    const { ctx } = this;
    if (ctx.isShuttingDown()) {
      void ctx.ops.safely(() => leg.decline(503));
      return;
    }
    if (info.replacesLegId !== null) {
      const old = ctx.book.byLeg(info.replacesLegId);
      if (!old || isOver(old)) {
        void ctx.ops.safely(() => leg.decline(481));
        return;
      }
      this.acceptReplacement(leg, old);
      return;
    }
    if (info.referredFromLegId !== null) {
      const e = this.entryFor(leg, leg.direction === 'incoming' ? 'ringing' : 'dialing');
      e.referredFrom = ctx.book.byLeg(info.referredFromLegId) ?? null;
      e.handledBy = ctx.deps.account.user;
      this.enter(e, leg, leg.direction === 'incoming');
      return;
    }
    if (leg.direction !== 'incoming') return; // nothing else creates outgoing legs on its own
    if (ctx.desk.onBreak()) {
      // On a break the colleagues take the call; we log it (with who called) and step aside with 480.
      const e = this.entryFor(leg, 'ringing');
      ctx.history.started(e);
      transition(e, 'ended');
      e.call.endedAt = ctx.deps.clock.now();
      e.call.endReason = 'rejected';
      e.call.endCause = { kind: 'on-break' };
      ctx.history.updated(e);
      this.identify(e);
      void ctx.ops.safely(() => leg.decline(480));
      return;
    }
    this.enter(this.entryFor(leg, 'ringing'), leg, true);
  }

  /** A new outgoing call (dialled, or a consultation of `consultationFor`), entered before its INVITE goes. */
  addOutgoing(number: string, uri: string, consultationFor: string | null): Entry {
    const { ctx } = this;
    const e = newEntry(ctx.newCallId(), 'outgoing', number, uri, 'dialing', ctx.deps.clock.now(), ctx.deps.account.user);
    e.call.consultationFor = consultationFor;
    ctx.book.add(e);
    ctx.history.started(e);
    this.identify(e);
    ctx.changed();
    return e;
  }

  attach(e: Entry, leg: CallLeg): void {
    this.ctx.book.setLeg(e, leg);
    leg.onEvent((event) => this.guard(() => this.onLegEvent(e, event)));
  }

  markEstablished(e: Entry): void {
    const { ctx } = this;
    const call = e.call;
    if (call.state !== 'ringing' && call.state !== 'dialing' && call.state !== 'early') return;
    if (e.hangingUp) return;
    transition(e, 'active');
    call.answeredAt = ctx.deps.clock.now();
    e.handledBy = ctx.deps.account.user;
    ctx.book.unqueue(call.callId);
    const from = e.referredFrom;
    if (from && !isOver(from)) {
      // The far end transferred us to this party: the old call ends as transferred.
      from.endAs = 'transferred';
      from.transferredTo = call.number;
    }
    ctx.history.updated(e);
    ctx.changed();
    if (call.direction !== 'outgoing') return;
    // The far end answered while the dispatcher talks to someone else (they resumed or answered another
    // call meanwhile): keep the current conversation, put the newcomer on hold.
    const others = (): Entry[] => ctx.book.active().filter((x) => x !== e && x !== e.referredFrom);
    if (others().length === 0) return;
    void ctx.ops.exclusive(async () => {
      if (e.call.state !== 'active' || others().length === 0) return;
      const r = await ctx.steps.hold(e);
      if (r.ok) {
        ctx.notice('info', { kind: 'answered-and-held', party: partyOf(e) }, e.call.callId);
        ctx.changed();
      }
    });
  }

  /** An INVITE with Replaces: someone transferred a party onto our call `old`. Take it over. */
  private acceptReplacement(leg: CallLeg, old: Entry): void {
    const { ctx } = this;
    const e = this.entryFor(leg, 'ringing');
    e.pending.add('answer');
    this.enter(e, leg, false);
    // The replaced call keeps its place: if it was on hold while the dispatcher talks to someone else, the
    // newcomer is answered muted and put on hold at once, so no second microphone opens.
    const keepHeld = old.call.state === 'held';
    // The telephony ends the replaced dialog once the newcomer is up (RFC 3891, see IncomingInfo): it ends
    // as transferred to the newcomer, unless the newcomer never comes up.
    old.endAs = 'transferred';
    old.transferredTo = e.call.number;
    void ctx.ops.exclusive(async () => {
      try {
        const talkingElsewhere = ctx.book.active().some((x) => x !== e && x !== old);
        if (keepHeld && talkingElsewhere) {
          ctx.steps.setLegMuted(e, true);
          const r = await ctx.steps.answer(e, new Set([e, old]), false);
          if (r.ok) await ctx.steps.hold(e);
          ctx.steps.setLegMuted(e, e.call.muted);
        } else {
          await ctx.steps.answer(e, new Set([e, old]));
        }
      } finally {
        e.pending.delete('answer');
      }
      if (!isOver(old) && e.call.answeredAt === null) {
        old.endAs = null;
        old.transferredTo = null;
      }
      ctx.changed();
    });
  }

  private onLegEvent(e: Entry, event: LegEvent): void {
    const { ctx } = this;
    switch (event.type) {
      case 'progress':
        if (e.call.state === 'dialing') {
          transition(e, 'early');
          ctx.changed();
        }
        return;
      case 'established':
        this.markEstablished(e);
        return;
      case 'ended':
        // The leg may report its end before decline() returns: it is still her decline.
        ctx.ends.endCall(e, event.reason, e.pending.has('decline') && event.reason === 'rejected' ? { kind: 'declined-by-dispatcher' } : event.cause);
        return;
      case 'remote-hold':
        if (isOver(e) || e.call.heldRemotely === event.held) return;
        e.call.heldRemotely = event.held;
        ctx.changed();
        return;
      case 'refer-progress':
        ctx.transfers.onReferProgress(e, event);
        return;
    }
  }

  private entryFor(leg: CallLeg, state: 'ringing' | 'dialing'): Entry {
    const { ctx } = this;
    const handledBy = leg.direction === 'outgoing' ? ctx.deps.account.user : null;
    // The number as the dial plan writes it (E.164 with its +: '79161230001' from the SIP user part is
    // '+79161230001'), so the screen, the intake form and the history show one form; not a number: as it came.
    const resolved = leg.remote.number ? ctx.deps.dialPlan.resolve(leg.remote.number) : null;
    const number = resolved?.ok ? resolved.value.number : leg.remote.number;
    const e = newEntry(ctx.newCallId(), leg.direction, number, leg.remote.uri, state, ctx.deps.clock.now(), handledBy);
    e.call.displayName = leg.remote.displayName;
    return e;
  }

  /** Enters a call with its leg: in the book (and the queue), a history row, identification, published. */
  private enter(e: Entry, leg: CallLeg, queued: boolean): void {
    const { ctx } = this;
    ctx.book.add(e, queued);
    this.attach(e, leg);
    ctx.history.started(e);
    this.identify(e);
    ctx.changed();
  }

  /** Who is calling, from the number, before the call is answered; written to the history as soon as known. */
  private identify(e: Entry): void {
    const { ctx } = this;
    let p: Promise<CallerIdentity>;
    try {
      p = ctx.deps.identifier.identify(e.call.number);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (identity) => {
        // A call that already ended keeps what the screen showed, but its history row still gets the name.
        if (isOver(e)) {
          ctx.history.identifiedLate(e, identity);
          return;
        }
        e.call.identity = identity;
        ctx.history.updated(e);
        ctx.changed();
      },
      (err: unknown) => {
        if (isOver(e)) return;
        e.call.identity = { kind: 'unknown', reason: 'failed', detail: errorText(err) };
        ctx.changed();
      },
    );
  }
}
