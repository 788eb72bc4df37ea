import { describe, expect, it } from 'vitest';
import { fail } from '../../../shared/errors.js';
import { deferred, FakeLeg, flush, makeCentre } from './fakes.js';
import { noticeEn } from '../../support/words.js';

describe('outgoing calls', () => {
  it('dialing -> early -> active -> ended, with the history row opened at once and closed at the end', async () => {
    const t = makeCentre();
    const res = await t.centre.dial('+7 912 000-00-05');
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const id = res.value.callId;
    const leg = t.telephony.lastDialled();
    expect(t.telephony.dialled[0]?.uri).toBe('sip:+79120000005@pbx');
    expect(t.call(id)).toMatchObject({ direction: 'outgoing', state: 'dialing', number: '+79120000005' });
    expect(t.history.started[0]).toMatchObject({ callId: id, direction: 'outgoing', handledBy: '1001' });
    leg.emit({ type: 'progress', code: 180 });
    expect(t.call(id).state).toBe('early');
    t.clock.advance(3000);
    leg.emit({ type: 'established' });
    expect(t.call(id)).toMatchObject({ state: 'active', answeredAt: t.clock.now() });
    expect(t.centre.snapshot().activeCallId).toBe(id);
    t.clock.advance(60_000);
    leg.emit({ type: 'ended', reason: 'hung-up-remote', cause: null });
    expect(t.call(id)).toMatchObject({ state: 'ended', endReason: 'hung-up-remote' });
    expect(t.history.latest(id)).toMatchObject({ endReason: 'hung-up-remote', endedAt: t.clock.now() });
    expect(t.centre.snapshot().activeCallId).toBeNull();
  });

  it('an invalid target returns the dial plan error and creates no call', async () => {
    const t = makeCentre();
    expect(await t.centre.dial('hello')).toMatchObject({ ok: false, error: { code: 'invalid-number' } });
    expect(t.centre.snapshot().calls).toEqual([]);
  });

  it('not registered: not-registered, nothing dialled', async () => {
    const t = makeCentre({ registered: false });
    expect(await t.centre.dial('1002')).toMatchObject({ ok: false, error: { code: 'not-registered' } });
    expect(t.telephony.dialled).toEqual([]);
  });

  it('a refused INVITE (telephony.dial fails) ends the call as failed with a notice', async () => {
    const t = makeCentre();
    t.telephony.nextDial = () => fail('sip-failure', { kind: 'operation-failed', operation: 'invite', party: null, cause: { kind: 'error', detail: 'transport closed' } });
    const res = await t.centre.dial('1002');
    expect(res).toMatchObject({ ok: false, error: { code: 'sip-failure' } });
    const s = t.centre.snapshot();
    expect(s.calls[0]).toMatchObject({ state: 'ended', endReason: 'failed' });
    expect(noticeEn(s.notices[0])).toContain('transport closed');
  });

  it('a busy callee ends the call with a notice carrying the SIP reason', async () => {
    const t = makeCentre();
    const res = await t.centre.dial('1002');
    if (!res.ok) throw new Error();
    t.telephony.lastDialled().emit({ type: 'ended', reason: 'busy', cause: { kind: 'sip', code: 486, phrase: 'Busy Here' } });
    expect(t.call(res.value.callId)).toMatchObject({ endReason: 'busy', endCause: { kind: 'sip', code: 486, phrase: 'Busy Here' } });
    expect(t.centre.snapshot().notices.at(-1)).toMatchObject({ level: 'warning', callId: res.value.callId });
    expect(noticeEn(t.centre.snapshot().notices.at(-1))).toContain('486 Busy Here');
    expect(t.history.latest(res.value.callId)?.endCause).toEqual({ kind: 'sip', code: 486, phrase: 'Busy Here' });
  });

  it('dialing while talking holds the current call here first, without waiting for its re-INVITE', async () => {
    const t = makeCentre();
    const a = await t.talk();
    const holdGate = a.leg.gate('hold');
    const res = await t.centre.dial('1002');
    expect(res.ok).toBe(true);
    expect(a.leg.heldHere).toBe(true);
    expect(t.call(a.id).state).toBe('held');
    expect(t.telephony.dialled).toHaveLength(1);
    holdGate.resolve();
  });

  it('hanging up while the INVITE is on its way cancels the leg when it arrives', async () => {
    const t = makeCentre();
    const gate = deferred();
    t.telephony.dialGate = gate;
    const pending = t.centre.dial('1002');
    await flush();
    const id = t.centre.snapshot().calls[0]!.callId;
    expect(await t.centre.hangup(id)).toEqual({ ok: true, value: null });
    expect(t.call(id)).toMatchObject({ state: 'ended', endReason: 'hung-up-local' });
    gate.resolve();
    expect((await pending).ok).toBe(false);
    expect(t.telephony.lastDialled().calls).toEqual(['hangup']);
  });

  it('the far end answering while the dispatcher talks on another call is put on hold, not the current call', async () => {
    const t = makeCentre();
    const d = await t.centre.dial('1002');
    if (!d.ok) throw new Error();
    const out = t.telephony.lastDialled();
    const inc = t.ring('+79120000009');
    await t.centre.answer(inc.id);
    out.emit({ type: 'established' });
    await flush();
    expect(t.call(inc.id).state).toBe('active');
    expect(t.call(d.value.callId).state).toBe('held');
    expect(out.calls).toContain('hold');
    expect(t.centre.snapshot().activeCallId).toBe(inc.id);
  });
});

describe('hold, resume, mute, DTMF, hang-up', () => {
  it('hold and resume: our hold is state held + heldLocally; history counts holds', async () => {
    const t = makeCentre();
    const a = await t.talk();
    expect(await t.centre.hold(a.id)).toEqual({ ok: true, value: null });
    expect(t.call(a.id)).toMatchObject({ state: 'held', heldLocally: true });
    expect(t.centre.snapshot().activeCallId).toBeNull();
    expect(await t.centre.resume(a.id)).toEqual({ ok: true, value: null });
    expect(t.call(a.id)).toMatchObject({ state: 'active', heldLocally: false });
    expect(a.leg.calls).toEqual(['answer', 'hold', 'resume']);
    expect(t.history.latest(a.id)?.heldCount).toBe(1);
  });

  it("the far end's hold is shown apart from ours", async () => {
    const t = makeCentre();
    const a = await t.talk();
    a.leg.emit({ type: 'remote-hold', held: true });
    expect(t.call(a.id)).toMatchObject({ state: 'active', heldRemotely: true, heldLocally: false });
    await t.centre.hold(a.id);
    expect(t.call(a.id)).toMatchObject({ state: 'held', heldRemotely: true, heldLocally: true });
    a.leg.emit({ type: 'remote-hold', held: false });
    expect(t.call(a.id).heldRemotely).toBe(false);
  });

  it('resuming a held call while another is active holds the active one here first; neither waits for the network', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    const b = t.ring('+79120000002');
    await t.centre.answer(b.id);
    await flush();
    const holdGate = b.leg.gate('hold');
    const resumeGate = a.leg.gate('resume');
    expect(await t.centre.resume(a.id)).toEqual({ ok: true, value: null });
    expect(b.leg.heldHere).toBe(true);
    expect(a.leg.heldHere).toBe(false);
    expect(t.call(a.id).state).toBe('active');
    expect(t.call(b.id).state).toBe('held');
    expect(t.centre.snapshot().activeCallId).toBe(a.id);
    holdGate.resolve();
    resumeGate.resolve();
    await flush();
    expect(a.leg.count('resume')).toBe(1);
  });

  it('hold then resume before the hold re-INVITE went: the far end is told in order, nothing lost', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    const holdGate = a.leg.gate('hold');
    await t.centre.hold(a.id);
    await t.centre.resume(a.id);
    expect(t.call(a.id).state).toBe('active');
    expect(a.leg.count('resume')).toBe(0); // waits behind the hold re-INVITE
    holdGate.resolve();
    await flush();
    expect(a.leg.calls.filter((c) => c === 'hold' || c === 'resume')).toEqual(['hold', 'resume']);
  });

  it('a hold the far end refuses: held here (nothing sent or played), and a notice says so', async () => {
    const t = makeCentre();
    const a = await t.talk();
    a.leg.failNext('hold', '488 Not Acceptable Here');
    expect(await t.centre.hold(a.id)).toEqual({ ok: true, value: null });
    await flush();
    expect(t.call(a.id)).toMatchObject({ state: 'held', heldLocally: true });
    expect(a.leg.heldHere).toBe(true);
    expect(noticeEn(t.centre.snapshot().notices.at(-1))).toContain('did not accept the hold');
  });

  it('mute sets the leg and the call; DTMF is validated and sent', async () => {
    const t = makeCentre();
    const a = await t.talk();
    expect(await t.centre.mute(a.id, true)).toEqual({ ok: true, value: null });
    expect(t.call(a.id).muted).toBe(true);
    expect(a.leg.calls).toContain('setMuted:true');
    expect(await t.centre.sendDtmf(a.id, '12#*AD')).toEqual({ ok: true, value: null });
    expect(a.leg.calls).toContain('dtmf:12#*AD');
    expect(await t.centre.sendDtmf(a.id, '12x')).toMatchObject({ ok: false, error: { code: 'invalid-command', field: 'digits' } });
    expect(await t.centre.sendDtmf(a.id, '')).toMatchObject({ ok: false, error: { code: 'invalid-command' } });
    await t.centre.hold(a.id);
    expect(await t.centre.sendDtmf(a.id, '1')).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
  });

  it('hang-up ends the call (hung-up-local) and a second hang-up is refused cleanly', async () => {
    const t = makeCentre();
    const a = await t.talk();
    expect(await t.centre.hangup(a.id)).toEqual({ ok: true, value: null });
    expect(t.call(a.id)).toMatchObject({ state: 'ended', endReason: 'hung-up-local' });
    expect(t.history.latest(a.id)).toMatchObject({ endReason: 'hung-up-local', endedAt: t.clock.now() });
    expect(await t.centre.hangup(a.id)).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(a.leg.count('hangup')).toBe(1);
  });

  it('a BYE that gets no answer still ends the call (timeout from the clock)', async () => {
    const t = makeCentre();
    const a = await t.talk();
    a.leg.gate('hangup'); // never resolves
    const pending = t.centre.hangup(a.id);
    await flush();
    t.clock.advance(32_000);
    expect(await pending).toEqual({ ok: true, value: null });
    expect(t.call(a.id).state).toBe('ended');
  });

  it('a leg operation that hangs does not freeze the others: answer times out and the next command runs', async () => {
    const t = makeCentre();
    const a = t.ring('+79120000001');
    a.leg.gate('answer');
    const pending = t.centre.answer(a.id);
    await flush();
    t.clock.advance(32_000);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'sip-failure' } });
    expect(t.call(a.id).state).toBe('ringing');
    const b = t.ring('+79120000002');
    expect(await t.centre.answer(b.id)).toEqual({ ok: true, value: null });
  });
});

describe('registration and presence', () => {
  it('the registrar dropping mid-call does not end calls; dialing is refused until it is back', async () => {
    const t = makeCentre();
    const a = await t.talk();
    t.telephony.setRegistration({ kind: 'unreachable', cause: { kind: 'timeout', operation: 'register', seconds: 8 }, retryAt: t.clock.now() + 5000 });
    const s = t.centre.snapshot();
    expect(s.registration.kind).toBe('unreachable');
    expect(s.presence.own).toBe('offline');
    expect(t.call(a.id).state).toBe('active');
    expect(a.leg.calls).toEqual(['answer']);
    expect(await t.centre.hold(a.id)).toEqual({ ok: true, value: null });
    expect(await t.centre.dial('1002')).toMatchObject({ ok: false, error: { code: 'not-registered' } });
    t.telephony.setRegistration({ kind: 'registered', expiresAt: t.clock.now() + 3600_000 });
    expect((await t.centre.dial('1002')).ok).toBe(true);
    expect(t.centre.snapshot().presence.own).toBe('online');
  });

  it('presence support and reregister go through telephony', async () => {
    const t = makeCentre();
    expect(t.centre.snapshot().presence.serverSupportsPresence).toBeNull();
    t.telephony.setPresenceSupport(false);
    expect(t.centre.snapshot().presence.serverSupportsPresence).toBe(false);
    await t.centre.reregister();
    expect(t.telephony.reregisterCount).toBe(1);
  });
});

describe('notices, listeners, shutdown', () => {
  it('notices have increasing ids, are capped at 20 and can be dismissed', async () => {
    const t = makeCentre();
    for (let i = 0; i < 25; i++) {
      const r = await t.centre.dial('1002');
      if (!r.ok) throw new Error();
      t.telephony.lastDialled().emit({ type: 'ended', reason: 'busy', cause: { kind: 'sip', code: 486, phrase: 'Busy Here' } });
    }
    const notices = t.centre.snapshot().notices;
    expect(notices).toHaveLength(20);
    expect(notices[0]?.noticeId).toBe(6);
    expect(notices.at(-1)?.noticeId).toBe(25);
    expect(await t.centre.dismissNotice(25)).toEqual({ ok: true, value: null });
    expect(t.centre.snapshot().notices).toHaveLength(19);
    expect(await t.centre.dismissNotice(25)).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('onChange sees every change and ends with the latest state; unsubscribe stops it', async () => {
    const t = makeCentre();
    const seen: string[][] = [];
    const off = t.centre.onChange((s) => seen.push(s.incomingQueue));
    const a = t.ring();
    await t.centre.answer(a.id);
    expect(seen[0]).toEqual([a.id]);
    expect(seen.at(-1)).toEqual([]);
    expect(t.centre.snapshot().activeCallId).toBe(a.id);
    off();
    const n = seen.length;
    t.ring();
    expect(seen).toHaveLength(n);
  });

  it('snapshots are copies: mutating one does not touch the centre', async () => {
    const t = makeCentre();
    const a = t.ring();
    const s = t.centre.snapshot();
    s.calls[0]!.state = 'ended';
    s.incomingQueue.pop();
    expect(t.call(a.id).state).toBe('ringing');
    expect(t.centre.snapshot().incomingQueue).toEqual([a.id]);
  });

  it('shutdown hangs up and declines every call, closes history rows and stops telephony', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    const b = t.ring('+79120000002');
    expect(await t.centre.shutdown()).toEqual({ ok: true, value: null });
    expect(a.leg.calls).toContain('hangup');
    expect(b.leg.calls).toContain('decline:486');
    expect(t.history.latest(a.id)?.endedAt).not.toBeNull();
    expect(t.history.latest(b.id)?.endedAt).not.toBeNull();
    expect(t.telephony.stopped).toBe(true);
    expect(await t.centre.dial('1002')).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    const late = new FakeLeg('incoming');
    t.telephony.deliver(late);
    await flush();
    expect(late.calls).toEqual(['decline:503']);
  });
});
