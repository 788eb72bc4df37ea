import { describe, expect, it } from 'vitest';
import { blindTransferRefusedBusy, FakeLeg, flush, makeCentre } from './fakes.js';
import { errorEn, noticeEn } from '../../support/words.js';

describe('blind transfer', () => {
  it('REFER to the resolved target; progress updates; success hangs up our leg and logs transferred', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    expect(await t.centre.blindTransfer(a.id, '1003')).toEqual({ ok: true, value: null });
    expect(a.leg.calls).toContain('refer:sip:1003@pbx');
    expect(t.call(a.id).transfer).toEqual({ kind: 'blind', target: '1003', status: 'trying', cause: null });
    a.leg.emit({ type: 'refer-progress', status: 'ringing', code: 180, reason: 'Ringing' });
    expect(t.call(a.id).transfer).toMatchObject({ status: 'ringing' });
    a.leg.emit({ type: 'refer-progress', status: 'succeeded', code: 200, reason: 'OK' });
    await flush();
    expect(a.leg.calls.at(-1)).toBe('hangup');
    expect(t.call(a.id)).toMatchObject({ state: 'ended', endReason: 'transferred', transfer: { status: 'succeeded' } });
    expect(t.history.latest(a.id)).toMatchObject({ endReason: 'transferred', transferredTo: '1003' });
    expect(t.centre.snapshot().notices).toEqual([]);
  });

  it('success after the far end already sent BYE: no second hang-up, still transferred', async () => {
    const t = makeCentre();
    const a = await t.talk();
    await t.centre.blindTransfer(a.id, '1003');
    a.leg.emit({ type: 'refer-progress', status: 'succeeded', code: 200, reason: 'OK' });
    a.leg.emit({ type: 'ended', reason: 'hung-up-remote', cause: null });
    await flush();
    expect(t.call(a.id).endReason).toBe('transferred');
    expect(a.leg.count('hangup')).toBeLessThanOrEqual(1);
  });

  it('failure (NOTIFY 486) brings a held caller back unheld, with a notice', async () => {
    const t = makeCentre();
    const a = await blindTransferRefusedBusy(t);
    expect(t.call(a.id)).toMatchObject({
      state: 'active',
      heldLocally: false,
      transfer: { kind: 'blind', status: 'failed', cause: { kind: 'sip', code: 486, phrase: 'Busy Here' } },
    });
    expect(a.leg.calls.at(-1)).toBe('resume');
    const notice = t.centre.snapshot().notices.at(-1);
    expect(notice).toMatchObject({ level: 'error', callId: a.id });
    expect(noticeEn(notice)).toContain('486 Busy Here');
    expect(t.centre.snapshot().activeCallId).toBe(a.id);
  });

  it('REFER rejected (leg.refer throws): sip-failure, caller back, notice; a new transfer may be tried', async () => {
    const t = makeCentre();
    const a = await t.talk();
    await t.centre.hold(a.id);
    a.leg.failNext('refer', '403 Forbidden');
    const res = await t.centre.blindTransfer(a.id, '1003');
    expect(res).toMatchObject({ ok: false, error: { code: 'sip-failure' } });
    await flush();
    expect(t.call(a.id)).toMatchObject({ state: 'active', transfer: { status: 'failed' } });
    expect(t.centre.snapshot().notices).toHaveLength(1);
    expect((await t.centre.blindTransfer(a.id, '1004')).ok).toBe(true);
  });

  it('an unheld caller whose transfer fails just stays on the line', async () => {
    const t = makeCentre();
    const a = await t.talk();
    await t.centre.blindTransfer(a.id, '1003');
    a.leg.emit({ type: 'refer-progress', status: 'failed', code: 603, reason: 'Decline' });
    await flush();
    expect(t.call(a.id).state).toBe('active');
    expect(a.leg.count('resume')).toBe(0);
  });

  it('a second transfer while one is in progress is refused; a bad target returns its error', async () => {
    const t = makeCentre();
    const a = await t.talk();
    expect(await t.centre.blindTransfer(a.id, 'nonsense')).toMatchObject({ ok: false, error: { code: 'invalid-number' } });
    await t.centre.blindTransfer(a.id, '1003');
    expect(await t.centre.blindTransfer(a.id, '1004')).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(await t.centre.startConsultation(a.id, '1004')).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
  });
});

async function consulting(t: ReturnType<typeof makeCentre>) {
  const caller = await t.talk('+79120000001');
  const res = await t.centre.startConsultation(caller.id, '1003');
  if (!res.ok) throw new Error(errorEn(res.error));
  const consultation = { id: res.value.consultationCallId, leg: t.telephony.lastDialled() };
  return { caller, consultation };
}

describe('attended transfer', () => {
  it('startConsultation holds the caller and dials the target as a consultation call', async () => {
    const t = makeCentre();
    const { caller, consultation } = await consulting(t);
    expect(caller.leg.calls).toEqual(['answer', 'hold']);
    expect(t.call(caller.id)).toMatchObject({
      state: 'held',
      transfer: { kind: 'attended', consultationCallId: consultation.id, status: 'consulting', cause: null },
    });
    expect(t.call(consultation.id)).toMatchObject({ direction: 'outgoing', state: 'dialing', consultationFor: caller.id, number: '1003' });
    expect(t.telephony.dialled[0]?.uri).toBe('sip:1003@pbx');
  });

  it('connectSubscribers before the target answers: invalid-state with a clear message', async () => {
    const t = makeCentre();
    const { caller, consultation } = await consulting(t);
    consultation.leg.emit({ type: 'progress', code: 180 });
    const res = await t.centre.connectSubscribers(caller.id);
    expect(res).toMatchObject({ ok: false, error: { code: 'invalid-state', why: { kind: 'target-not-answered' } } });
    expect(caller.leg.count('referReplacing')).toBe(0);
  });

  it('success: REFER with Replaces, then both legs end and both history rows say transferred', async () => {
    const t = makeCentre();
    const { caller, consultation } = await consulting(t);
    consultation.leg.emit({ type: 'established' });
    expect(t.centre.snapshot().activeCallId).toBe(consultation.id);
    expect(await t.centre.connectSubscribers(caller.id)).toEqual({ ok: true, value: null });
    expect(caller.leg.calls).toContain(`referReplacing:${consultation.leg.legId}`);
    expect(t.call(caller.id).transfer).toMatchObject({ status: 'connecting' });
    caller.leg.emit({ type: 'refer-progress', status: 'trying', code: 100, reason: 'Trying' });
    caller.leg.emit({ type: 'refer-progress', status: 'succeeded', code: 200, reason: 'OK' });
    await flush();
    expect(caller.leg.calls.at(-1)).toBe('hangup');
    expect(consultation.leg.calls.at(-1)).toBe('hangup');
    expect(t.call(caller.id)).toMatchObject({ state: 'ended', endReason: 'transferred', transfer: { status: 'succeeded' } });
    expect(t.call(consultation.id)).toMatchObject({ state: 'ended', endReason: 'transferred' });
    expect(t.history.latest(caller.id)).toMatchObject({ endReason: 'transferred', transferredTo: '1003' });
    expect(t.history.latest(consultation.id)).toMatchObject({ endReason: 'transferred', transferredTo: '+79120000001' });
    expect(t.centre.snapshot().activeCallId).toBeNull();
  });

  it('success when the target already ended the consultation dialog (Replaces): no BYE on it, still transferred', async () => {
    const t = makeCentre();
    const { caller, consultation } = await consulting(t);
    consultation.leg.emit({ type: 'established' });
    await t.centre.connectSubscribers(caller.id);
    consultation.leg.emit({ type: 'ended', reason: 'hung-up-remote', cause: null });
    expect(t.centre.snapshot().notices).toEqual([]); // not a failure while connecting
    caller.leg.emit({ type: 'refer-progress', status: 'succeeded', code: 200, reason: 'OK' });
    await flush();
    expect(consultation.leg.count('hangup')).toBe(0);
    expect(t.call(consultation.id).endReason).toBe('transferred');
    expect(t.history.latest(consultation.id)?.endReason).toBe('transferred');
    expect(t.call(caller.id).endReason).toBe('transferred');
  });

  it('both dialogs gone while connecting (NOTIFY lost): counted as transferred', async () => {
    const t = makeCentre();
    const { caller, consultation } = await consulting(t);
    consultation.leg.emit({ type: 'established' });
    await t.centre.connectSubscribers(caller.id);
    consultation.leg.emit({ type: 'ended', reason: 'hung-up-remote', cause: null });
    caller.leg.emit({ type: 'ended', reason: 'hung-up-remote', cause: null });
    expect(t.call(caller.id)).toMatchObject({ endReason: 'transferred', transfer: { status: 'succeeded' } });
    expect(t.history.latest(consultation.id)?.endReason).toBe('transferred');
  });

  it('failure (NOTIFY 503): both calls stay, the caller stays held, transfer failed, a notice explains', async () => {
    const t = makeCentre();
    const { caller, consultation } = await consulting(t);
    consultation.leg.emit({ type: 'established' });
    await t.centre.connectSubscribers(caller.id);
    caller.leg.emit({ type: 'refer-progress', status: 'failed', code: 503, reason: 'Service Unavailable' });
    await flush();
    expect(t.call(caller.id)).toMatchObject({ state: 'held', transfer: { status: 'failed', cause: { kind: 'sip', code: 503, phrase: 'Service Unavailable' } } });
    expect(t.call(consultation.id).state).toBe('active');
    expect(caller.leg.count('hangup') + consultation.leg.count('hangup')).toBe(0);
    expect(noticeEn(t.centre.snapshot().notices.at(-1))).toContain('503 Service Unavailable');
    // the dispatcher may try again or go back
    expect((await t.centre.connectSubscribers(caller.id)).ok).toBe(true);
  });

  it('REFER rejected outright (referReplacing throws): sip-failure, both stay', async () => {
    const t = makeCentre();
    const { caller, consultation } = await consulting(t);
    consultation.leg.emit({ type: 'established' });
    caller.leg.failNext('referReplacing', '405 Method Not Allowed');
    expect(await t.centre.connectSubscribers(consultation.id)).toMatchObject({ ok: false, error: { code: 'sip-failure' } });
    expect(t.call(caller.id)).toMatchObject({ state: 'held', transfer: { status: 'failed' } });
    expect(t.call(consultation.id).state).toBe('active');
  });

  it('the target refuses the consultation call: the caller stays held, the transfer is failed, a notice says so', async () => {
    const t = makeCentre();
    const { caller, consultation } = await consulting(t);
    consultation.leg.emit({ type: 'ended', reason: 'busy', cause: { kind: 'sip', code: 486, phrase: 'Busy Here' } });
    expect(t.call(caller.id)).toMatchObject({ state: 'held', transfer: { status: 'failed' } });
    const notices = t.centre.snapshot().notices;
    expect(notices).toHaveLength(1);
    expect(noticeEn(notices[0])).toContain('486 Busy Here');
    expect(noticeEn(notices[0])).toContain('on hold');
    expect(await t.centre.connectSubscribers(caller.id)).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(await t.centre.backToCaller(caller.id)).toEqual({ ok: true, value: null });
    expect(t.call(caller.id)).toMatchObject({ state: 'active', transfer: null });
  });

  it('the target hangs up after answering: the caller stays held, transfer failed', async () => {
    const t = makeCentre();
    const { caller, consultation } = await consulting(t);
    consultation.leg.emit({ type: 'established' });
    consultation.leg.emit({ type: 'ended', reason: 'hung-up-remote', cause: null });
    expect(t.call(caller.id)).toMatchObject({ state: 'held', transfer: { status: 'failed' } });
    expect(t.centre.snapshot().notices).toHaveLength(1);
  });

  it('backToCaller hangs up the consultation and resumes the caller', async () => {
    const t = makeCentre();
    const { caller, consultation } = await consulting(t);
    consultation.leg.emit({ type: 'established' });
    expect(await t.centre.backToCaller(consultation.id)).toEqual({ ok: true, value: null });
    expect(consultation.leg.calls).toContain('hangup');
    expect(t.call(consultation.id).state).toBe('ended');
    expect(t.call(caller.id)).toMatchObject({ state: 'active', transfer: null });
    expect(caller.leg.calls.at(-1)).toBe('resume');
    expect(t.centre.snapshot().activeCallId).toBe(caller.id);
    expect(t.centre.snapshot().notices).toEqual([]);
  });

  it('the caller hangs up during the consultation: the consultation goes on as an ordinary call', async () => {
    const t = makeCentre();
    const { caller, consultation } = await consulting(t);
    consultation.leg.emit({ type: 'established' });
    caller.leg.emit({ type: 'ended', reason: 'hung-up-remote', cause: null });
    expect(t.call(consultation.id)).toMatchObject({ state: 'active', consultationFor: null });
    expect(t.centre.snapshot().activeCallId).toBe(consultation.id);
    expect(await t.centre.connectSubscribers(consultation.id)).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
  });

  it('the transfer target answers after the caller has gone: an ordinary active call', async () => {
    const t = makeCentre();
    const { caller, consultation } = await consulting(t);
    consultation.leg.emit({ type: 'progress', code: 180 });
    caller.leg.emit({ type: 'ended', reason: 'hung-up-remote', cause: null });
    consultation.leg.emit({ type: 'established' });
    await flush();
    expect(t.call(consultation.id)).toMatchObject({ state: 'active', consultationFor: null });
    expect(consultation.leg.count('hold')).toBe(0);
    expect(t.centre.snapshot().activeCallId).toBe(consultation.id);
  });

  it('connectSubscribers / backToCaller without a consultation: invalid-state', async () => {
    const t = makeCentre();
    const a = await t.talk();
    expect(await t.centre.connectSubscribers(a.id)).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(await t.centre.backToCaller(a.id)).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(await t.centre.connectSubscribers('x')).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
  });
});

describe('being transferred', () => {
  it('an INVITE with Replaces takes over the matching call: auto-answered, the old one ends as transferred', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    const newcomer = new FakeLeg('incoming', '+79120000007');
    t.telephony.deliver(newcomer, { replacesLegId: a.leg.legId });
    await flush();
    const s = t.centre.snapshot();
    const nc = s.calls.find((c) => c.number === '+79120000007');
    expect(nc).toMatchObject({ state: 'active', direction: 'incoming' });
    expect(s.incomingQueue).toEqual([]);
    expect(newcomer.calls).toEqual(['answer']);
    expect(a.leg.calls.at(-1)).toBe('hangup');
    expect(t.call(a.id)).toMatchObject({ state: 'ended', endReason: 'transferred' });
    expect(t.history.latest(a.id)).toMatchObject({ endReason: 'transferred', transferredTo: '+79120000007' });
    expect(s.activeCallId).toBe(nc?.callId);
  });

  it('Replaces for a held call while talking on another: answered muted then held, the current call untouched', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    const b = t.ring('+79120000002');
    await t.centre.answer(b.id); // a held, b active
    const newcomer = new FakeLeg('incoming', '+79120000007');
    t.telephony.deliver(newcomer, { replacesLegId: a.leg.legId });
    await flush();
    expect(newcomer.calls).toEqual(['setMuted:true', 'answer', 'hold', 'setMuted:false']);
    expect(t.call(b.id).state).toBe('active');
    expect(b.leg.count('hold')).toBe(0);
    expect(t.call(a.id).endReason).toBe('transferred');
    expect(t.centre.snapshot().calls.find((c) => c.number === '+79120000007')?.state).toBe('held');
  });

  it('Replaces for an unknown leg is refused with 481', async () => {
    const t = makeCentre();
    const newcomer = new FakeLeg('incoming');
    t.telephony.deliver(newcomer, { replacesLegId: 'nope' });
    await flush();
    expect(newcomer.calls).toEqual(['decline:481']);
    expect(t.centre.snapshot().calls).toEqual([]);
  });

  it('a leg created by an incoming REFER is an outgoing call in our list; when it connects the old call ends as transferred', async () => {
    const t = makeCentre();
    const a = await t.talk('+79120000001');
    a.leg.emit({ type: 'remote-hold', held: true });
    const referred = new FakeLeg('outgoing', '1005');
    t.telephony.deliver(referred, { referredFromLegId: a.leg.legId });
    const s = t.centre.snapshot();
    const rc = s.calls.find((c) => c.number === '1005');
    expect(rc).toMatchObject({ direction: 'outgoing', state: 'dialing' });
    expect(s.incomingQueue).toEqual([]);
    referred.emit({ type: 'established' });
    await flush();
    expect(referred.count('hold')).toBe(0); // the referring call does not count as a conversation to keep
    a.leg.emit({ type: 'ended', reason: 'hung-up-remote', cause: null });
    expect(t.call(a.id).endReason).toBe('transferred');
    expect(t.centre.snapshot().activeCallId).toBe(rc?.callId);
  });
});
