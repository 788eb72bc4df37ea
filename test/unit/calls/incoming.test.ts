import { describe, expect, it } from 'vitest';
import { LegFailure } from '../../../main/calls/ports.js';
import { SipDialPlan } from '../../../main/numbers/phone-numbers.js';
import { flush, makeCentre } from './fakes.js';

describe('incoming calls: the queue', () => {
  it('a ringing call joins the queue with its arrival time, identity "identifying" and a history row', () => {
    const t = makeCentre();
    const { id } = t.ring('+79121111111');
    const s = t.centre.snapshot();
    expect(s.incomingQueue).toEqual([id]);
    const call = t.call(id);
    expect(call).toMatchObject({
      direction: 'incoming',
      number: '+79121111111',
      state: 'ringing',
      startedAt: t.clock.now(),
      identity: { kind: 'unknown', reason: 'identifying' },
    });
    expect(t.history.started).toHaveLength(1);
    expect(t.history.started[0]).toMatchObject({ callId: id, direction: 'incoming', handledBy: null, endReason: null });
    expect(s.activeCallId).toBeNull();
  });

  it("a caller's number is shown as the dial plan writes it: E.164 with its +, a short or odd one as it came", () => {
    const t = makeCentre({ dialPlan: new SipDialPlan({ domain: 'pbx', defaultRegion: 'RU' }) });
    const a = t.ring('79161230001').id;
    const b = t.ring('6199').id;
    const c = t.ring('anonymous').id;
    expect([t.call(a).number, t.call(b).number, t.call(c).number]).toEqual(['+79161230001', '6199', 'anonymous']);
    expect(t.identifier.pending.has('+79161230001')).toBe(true);
    expect(t.history.started[0]).toMatchObject({ number: '+79161230001' });
  });

  it('30 ringing calls keep their arrival order; answering one leaves the others ringing in order', async () => {
    const t = makeCentre();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push(t.ring(`+7912000${String(i).padStart(4, '0')}`).id);
      t.clock.advance(100);
    }
    expect(t.centre.snapshot().incomingQueue).toEqual(ids);
    const starts = t.centre.snapshot().calls.map((c) => c.startedAt);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);

    const res = await t.centre.answer(ids[14]!);
    expect(res).toEqual({ ok: true, value: null });
    const s = t.centre.snapshot();
    expect(s.incomingQueue).toEqual(ids.filter((_, i) => i !== 14));
    expect(t.centre.ringingCallIds()).toEqual(s.incomingQueue);
    expect(s.activeCallId).toBe(ids[14]);
    expect(s.calls.filter((c) => c.state === 'ringing')).toHaveLength(29);
  });

  it('identity arrives after ringing and fills the call and the history row', async () => {
    const t = makeCentre();
    const { id } = t.ring('+79122222222');
    t.identifier.resolve('+79122222222', { kind: 'client', clientId: 'cl1', name: 'Anna', unfinishedOrders: [] });
    await flush();
    expect(t.call(id).identity).toEqual({ kind: 'client', clientId: 'cl1', name: 'Anna', unfinishedOrders: [] });
    expect(t.history.latest(id)?.identity.kind).toBe('client');
  });

  it('a late identity for a call that has ended is ignored', async () => {
    const t = makeCentre();
    const { id, leg } = t.ring('+79122222222');
    leg.emit({ type: 'ended', reason: 'cancelled-by-caller', cause: null });
    t.identifier.resolve('+79122222222', { kind: 'new-client' });
    await flush();
    expect(t.call(id).identity).toEqual({ kind: 'unknown', reason: 'identifying' });
  });

  it('a failed identification shows unknown, the call keeps ringing', async () => {
    const t = makeCentre();
    const { id } = t.ring('+79122222222');
    t.identifier.pending.get('+79122222222')?.[0]?.reject(new Error('db locked'));
    await flush();
    expect(t.call(id)).toMatchObject({ state: 'ringing', identity: { kind: 'unknown' } });
  });

  it.each(['cancelled-by-caller', 'answered-elsewhere'] as const)('%s removes the call from the queue at once', (reason) => {
    const t = makeCentre();
    const a = t.ring('+79120000001');
    const b = t.ring('+79120000002');
    a.leg.emit({ type: 'ended', reason, cause: null });
    const s = t.centre.snapshot();
    expect(s.incomingQueue).toEqual([b.id]);
    expect(t.call(a.id)).toMatchObject({ state: 'ended', endReason: reason });
    expect(t.history.latest(a.id)).toMatchObject({ endReason: reason, answeredAt: null, endedAt: t.clock.now() });
  });

  it('ended calls linger for endedCallLingerMs, then disappear', () => {
    const t = makeCentre({ lingerMs: 4000 });
    const a = t.ring();
    a.leg.emit({ type: 'ended', reason: 'cancelled-by-caller', cause: null });
    t.clock.advance(3999);
    expect(t.centre.snapshot().calls).toHaveLength(1);
    t.clock.advance(1);
    expect(t.centre.snapshot().calls).toHaveLength(0);
  });

  it('on a break new calls are declined with 480 and logged as rejected, never queued', async () => {
    const t = makeCentre();
    await t.centre.setPresence('break');
    expect(t.telephony.ownPresence).toEqual(['break']);
    expect(t.centre.snapshot().presence.own).toBe('break');
    const leg = t.telephony.ring('+79123333333');
    await flush();
    expect(leg.calls).toEqual(['decline:480']);
    const s = t.centre.snapshot();
    expect(s.incomingQueue).toEqual([]);
    expect(s.calls).toEqual([]);
    expect(t.history.started).toHaveLength(1);
    expect(t.history.updated.at(-1)).toMatchObject({ number: '+79123333333', endReason: 'rejected', handledBy: null });
    expect(t.ringer.mode).toBe('silent');

    await t.centre.setPresence('online');
    t.telephony.ring('+79123333334');
    expect(t.centre.snapshot().incomingQueue).toHaveLength(1);
  });

  it('a failed presence PUBLISH still switches the break on locally, with a notice', async () => {
    const t = makeCentre();
    t.telephony.presenceFails = true;
    expect(await t.centre.setPresence('break')).toEqual({ ok: true, value: null });
    expect(t.centre.snapshot().notices).toHaveLength(1);
    const leg = t.telephony.ring();
    expect(leg.calls).toEqual(['decline:480']);
  });

  it('decline refuses the call (486), ends it as rejected and writes the history', async () => {
    const t = makeCentre();
    const a = t.ring();
    expect(await t.centre.decline(a.id)).toEqual({ ok: true, value: null });
    expect(a.leg.calls).toEqual(['decline:486']);
    expect(t.call(a.id)).toMatchObject({ state: 'ended', endReason: 'rejected' });
    expect(t.centre.snapshot().incomingQueue).toEqual([]);
    expect(t.history.latest(a.id)?.endReason).toBe('rejected');
  });
});

describe('answering', () => {
  it('answer: active, out of the queue, history updated with answeredAt and handledBy', async () => {
    const t = makeCentre();
    const a = t.ring();
    t.clock.advance(5000);
    expect(await t.centre.answer(a.id)).toEqual({ ok: true, value: null });
    expect(a.leg.calls).toEqual(['answer']);
    expect(t.call(a.id)).toMatchObject({ state: 'active', answeredAt: t.clock.now() });
    expect(t.centre.snapshot()).toMatchObject({ incomingQueue: [], activeCallId: a.id });
    expect(t.history.latest(a.id)).toMatchObject({ answeredAt: t.clock.now(), handledBy: '1001' });
  });

  it('answer clicked twice: the second gets invalid-state, the leg is answered once', async () => {
    const t = makeCentre();
    const a = t.ring();
    const gate = a.leg.gate('answer');
    const first = t.centre.answer(a.id);
    const second = await t.centre.answer(a.id);
    expect(second).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    gate.resolve();
    expect(await first).toEqual({ ok: true, value: null });
    const third = await t.centre.answer(a.id);
    expect(third).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(a.leg.count('answer')).toBe(1);
  });

  it('the caller hangs up while the dispatcher clicks answer: a clean invalid-state, the call shown ended', async () => {
    const t = makeCentre();
    const a = t.ring();
    a.leg.realistic = false;
    const gate = a.leg.gate('answer');
    const pending = t.centre.answer(a.id);
    await flush();
    a.leg.emit({ type: 'ended', reason: 'cancelled-by-caller', cause: null });
    gate.reject(new Error('session terminated'));
    const res = await pending;
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid-state', why: { kind: 'call-ended', endReason: 'cancelled-by-caller' } } });
    expect(t.call(a.id)).toMatchObject({ state: 'ended', endReason: 'cancelled-by-caller' });
    expect(t.centre.snapshot()).toMatchObject({ incomingQueue: [], activeCallId: null });
  });

  it('the caller hangs up while the answer waits its turn: invalid-state, the leg is never answered', async () => {
    const t = makeCentre();
    const a = t.ring('+79120000001');
    const b = t.ring('+79120000002');
    const gate = a.leg.gate('answer');
    const first = t.centre.answer(a.id);
    const pending = t.centre.answer(b.id); // queued behind the first answer
    await flush();
    b.leg.emit({ type: 'ended', reason: 'cancelled-by-caller', cause: null });
    gate.resolve();
    expect((await first).ok).toBe(true);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(b.leg.count('answer')).toBe(0);
  });

  it('the dispatcher hangs up while the answer is in flight: the answer reports invalid-state, nothing is active', async () => {
    const t = makeCentre();
    const a = t.ring();
    const gate = a.leg.gate('answer');
    const pending = t.centre.answer(a.id);
    await flush();
    expect(await t.centre.hangup(a.id)).toEqual({ ok: true, value: null });
    gate.resolve();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(t.call(a.id)).toMatchObject({ state: 'ended', endReason: 'hung-up-local' });
    expect(t.centre.snapshot().activeCallId).toBeNull();
  });

  it('answering a call the lingering list forgot: unknown-call', async () => {
    const t = makeCentre();
    const a = t.ring();
    a.leg.emit({ type: 'ended', reason: 'answered-elsewhere', cause: null });
    expect(await t.centre.answer(a.id)).toMatchObject({ ok: false, error: { code: 'invalid-state', why: { kind: 'call-ended', endReason: 'answered-elsewhere' } } });
    t.clock.advance(10_000);
    expect(await t.centre.answer(a.id)).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
  });

  it('answering a second call holds the first here at once and answers without waiting for its re-INVITE', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    const b = t.ring('+79120000002');
    const holdGate = a.leg.gate('hold'); // the first caller's network never answers
    const res = await t.centre.answer(b.id);
    expect(res).toEqual({ ok: true, value: null });
    // never two open microphones: the first call is silent here before the second is answered
    expect(a.leg.heldHere).toBe(true);
    expect(a.leg.calls.indexOf('hold')).toBeGreaterThanOrEqual(0);
    expect(t.call(a.id)).toMatchObject({ state: 'held', heldLocally: true });
    expect(t.call(b.id).state).toBe('active');
    expect(t.centre.snapshot().activeCallId).toBe(b.id);
    expect(t.history.latest(a.id)?.heldCount).toBe(1);
    holdGate.resolve();
    await flush();
    expect(t.centre.snapshot().notices).toEqual([]);
  });

  it('a far end that never answers the hold: held here, a notice after the bound, later answers not delayed', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    a.leg.gate('hold'); // never resolves
    const b = t.ring('+79120000002');
    expect((await t.centre.answer(b.id)).ok).toBe(true);
    t.clock.advance(32_000);
    await flush();
    expect(t.call(a.id)).toMatchObject({ state: 'held', heldLocally: true });
    expect(t.centre.snapshot().notices.at(-1)?.what).toMatchObject({ kind: 'hold-not-accepted', cause: { kind: 'timeout', operation: 'hold' } });
    const c = t.ring('+79120000003');
    expect((await t.centre.answer(c.id)).ok).toBe(true);
    expect(t.call(c.id).state).toBe('active');
  });

  it('a far end that refuses the hold (488): the new call is answered, the first stays held here with a notice', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    const b = t.ring('+79120000002');
    a.leg.failWith('hold', new LegFailure({ kind: 'sip', code: 488, phrase: 'Not Acceptable Here' }));
    const res = await t.centre.answer(b.id);
    expect(res).toEqual({ ok: true, value: null });
    await flush();
    expect(b.leg.count('answer')).toBe(1);
    expect(t.call(b.id).state).toBe('active');
    expect(t.call(a.id)).toMatchObject({ state: 'held', heldLocally: true });
    expect(a.leg.heldHere).toBe(true);
    expect(t.centre.snapshot().activeCallId).toBe(b.id);
    expect(t.centre.snapshot().notices.at(-1)).toMatchObject({
      level: 'warning',
      callId: a.id,
      what: { kind: 'hold-not-accepted', cause: { kind: 'sip', code: 488 } },
    });
  });

  it('two answers clicked on two ringing calls in a row: the second holds the first', async () => {
    const t = makeCentre();
    const a = t.ring('+79120000001');
    const b = t.ring('+79120000002');
    const [ra, rb] = await Promise.all([t.centre.answer(a.id), t.centre.answer(b.id)]);
    expect(ra.ok && rb.ok).toBe(true);
    expect(t.call(a.id).state).toBe('held');
    expect(t.call(b.id).state).toBe('active');
    expect(t.centre.snapshot().calls.filter((c) => c.state === 'active')).toHaveLength(1);
  });

  it('cannot answer an outgoing call, hold a ringing call or transfer a ringing call', async () => {
    const t = makeCentre();
    const a = t.ring();
    const d = await t.centre.dial('1002');
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(await t.centre.answer(d.value.callId)).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(await t.centre.hold(a.id)).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(await t.centre.blindTransfer(a.id, '1003')).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(await t.centre.startConsultation(a.id, '1003')).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(await t.centre.hold('nope')).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
  });

  it('hangup of a ringing call declines it', async () => {
    const t = makeCentre();
    const a = t.ring();
    expect(await t.centre.hangup(a.id)).toEqual({ ok: true, value: null });
    expect(a.leg.calls).toEqual(['decline:486']);
    expect(t.call(a.id).endReason).toBe('rejected');
  });
});

describe('the ringer', () => {
  it('rings while calls wait and nobody talks, beeps while talking, is silent otherwise', async () => {
    const t = makeCentre();
    expect(t.ringer.mode).toBe('silent');
    const a = t.ring('+79120000001');
    expect(t.ringer.mode).toBe('ringing');
    await t.centre.answer(a.id);
    expect(t.ringer.mode).toBe('silent');
    const b = t.ring('+79120000002');
    expect(t.ringer.mode).toBe('call-waiting');
    await t.centre.hold(a.id);
    expect(t.ringer.mode).toBe('ringing');
    b.leg.emit({ type: 'ended', reason: 'cancelled-by-caller', cause: null });
    expect(t.ringer.mode).toBe('silent');
    // setMode is called on changes only
    expect(t.ringer.modes).toEqual(['silent', 'ringing', 'silent', 'call-waiting', 'ringing', 'silent']);
  });
});

describe('presence waits for ringing calls', () => {
  it('the call centre tells the SIP side how many calls ring in: up with each INVITE, down as they are taken or end', async () => {
    const t = makeCentre();
    const a = t.ring('+79120000001');
    expect(t.telephony.ringingTold.at(-1)).toBe(1);
    const b = t.ring('+79120000002');
    expect(t.telephony.ringingTold.at(-1)).toBe(2);
    await t.centre.answer(a.id);
    expect(t.telephony.ringingTold.at(-1)).toBe(1);
    b.leg.emit({ type: 'ended', reason: 'hung-up-remote', cause: null });
    await flush();
    expect(t.telephony.ringingTold.at(-1)).toBe(0);
  });
});
