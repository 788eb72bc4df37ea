// The call centre's stated rules, each in one place: the table of state moves, the ringer policy, which held
// caller a new call consults (the spec's attended transfer from the phone book), and a call refused on a break.
import { describe, expect, it } from 'vitest';
import type { CallState } from '../../../shared/domain.js';
import { newEntry, STATE_MOVES, StateMoveError, transition } from '../../../main/calls/call-entry.js';
import { ringerMode } from '../../../main/calls/ringer-policy.js';
import { flush, makeCentre } from './fakes.js';

const STATES: CallState[] = ['ringing', 'dialing', 'early', 'active', 'held', 'ended'];

describe('state moves', () => {
  it('transition() makes exactly the moves in the table and refuses every other', () => {
    let allowed = 0;
    for (const from of STATES) {
      for (const to of STATES) {
        const e = newEntry('c', 'incoming', '1', 'sip:1@x', from, 0, null);
        if (STATE_MOVES[from].includes(to)) {
          transition(e, to);
          expect(e.call.state).toBe(to);
          allowed++;
        } else {
          expect(() => transition(e, to)).toThrow(StateMoveError);
          expect(e.call.state).toBe(from);
        }
      }
    }
    expect(allowed).toBe(11);
    expect(STATE_MOVES.ended).toEqual([]);
  });

  it('a late "established" after the end does not bring the call back', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    a.leg.emit({ type: 'ended', reason: 'hung-up-remote', cause: null });
    a.leg.emit({ type: 'established' });
    await flush();
    expect(t.call(a.id).state).toBe('ended');
  });
});

describe('ringer policy', () => {
  it('rings while calls wait and nobody talks, beeps while talking or dialling, silent otherwise', () => {
    expect(ringerMode({ waitingCalls: 0, states: ['active'], shuttingDown: false })).toBe('silent');
    expect(ringerMode({ waitingCalls: 2, states: ['ringing', 'ringing'], shuttingDown: false })).toBe('ringing');
    expect(ringerMode({ waitingCalls: 1, states: ['ringing', 'held'], shuttingDown: false })).toBe('ringing');
    expect(ringerMode({ waitingCalls: 1, states: ['ringing', 'active'], shuttingDown: false })).toBe('call-waiting');
    expect(ringerMode({ waitingCalls: 1, states: ['ringing', 'early'], shuttingDown: false })).toBe('call-waiting');
    expect(ringerMode({ waitingCalls: 1, states: ['ringing'], shuttingDown: true })).toBe('silent');
  });
});

describe('which caller a new call consults', () => {
  it('a call from the phone book while a caller is held becomes that caller consultation (the spec path)', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    await t.centre.hold(a.id);
    const res = await t.centre.dial('1003');
    if (!res.ok) throw new Error('dial');
    expect(t.call(res.value.callId).consultationFor).toBe(a.id);
    expect(t.call(a.id).transfer).toMatchObject({ kind: 'attended', consultationCallId: res.value.callId, status: 'consulting' });
    // Connect is the attended transfer, as from the Transfer -> attended route.
    t.telephony.lastDialled().emit({ type: 'established' });
    await flush();
    expect((await t.centre.connectSubscribers(a.id)).ok).toBe(true);
    expect(a.leg.calls.at(-1)).toMatch(/^referReplacing/);
  });

  it('a call placed while talking holds the caller and consults them', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    const res = await t.centre.dial('1003');
    if (!res.ok) throw new Error('dial');
    expect(t.call(a.id).state).toBe('held');
    expect(t.call(res.value.callId).consultationFor).toBe(a.id);
  });

  it('with two held callers, the one held most recently is consulted', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    const b = t.ring('+79120000002');
    await t.centre.answer(b.id); // a held first
    t.clock.advance(1000);
    await t.centre.hold(b.id); // b held later
    const res = await t.centre.dial('1003');
    if (!res.ok) throw new Error('dial');
    expect(t.call(res.value.callId).consultationFor).toBe(b.id);
    expect(t.call(a.id).transfer).toBeNull();
    // Dialling again: b already consults someone, so the other held caller is the one consulted.
    t.clock.advance(1000);
    const res2 = await t.centre.dial('1004');
    if (!res2.ok) throw new Error('dial 2');
    expect(t.call(res2.value.callId).consultationFor).toBe(a.id);
  });

  it('with nobody on the line a call is a plain call', async () => {
    const t = makeCentre();
    const res = await t.centre.dial('1003');
    if (!res.ok) throw new Error('dial');
    expect(t.call(res.value.callId).consultationFor).toBeNull();
  });

  it('Transfer -> attended to the person already being consulted is the same pair, not a second call', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    await t.centre.hold(a.id);
    const res = await t.centre.dial('1003');
    if (!res.ok) throw new Error('dial');
    const again = await t.centre.startConsultation(a.id, '1003');
    expect(again).toEqual({ ok: true, value: { consultationCallId: res.value.callId } });
    expect(t.telephony.dialled).toHaveLength(1);
    expect(a.leg.count('hold')).toBe(1);
    // To someone else while consulting: refused, the consultation goes on.
    const other = await t.centre.startConsultation(a.id, '1004');
    expect(other).toMatchObject({ ok: false, error: { why: { kind: 'already-in-progress', action: 'transfer' } } });
  });
});

describe('a call refused on a break', () => {
  it('is answered 480, never rings, and its history row gets the caller name once identified', async () => {
    const t = makeCentre();
    await t.centre.setPresence('break');
    const leg = t.telephony.ring('+79120000005');
    expect(leg.calls).toEqual(['decline:480']);
    expect(t.centre.snapshot().incomingQueue).toEqual([]);
    t.identifier.resolve('+79120000005', { kind: 'client', clientId: 'k1', name: 'Анна', unfinishedOrders: [] });
    await flush();
    const row = t.history.updated.filter((f) => f.number === '+79120000005').at(-1);
    expect(row).toMatchObject({ endReason: 'rejected', endCause: { kind: 'on-break' }, identity: { kind: 'client', name: 'Анна' } });
  });
});
