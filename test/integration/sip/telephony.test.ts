// SipTelephony against the real lab: Kamailio registrar/proxy and baresip peers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, startBaresip } from '../../lab/peers.js';
import { errorLogText } from '../../../shared/errors.js';
import type { BaresipPeer } from '../../lab/peers.js';
import type { CallLeg, LegEvent } from '../../../main/calls/ports.js';
import { hasEvent, makePhone, recordEvents, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';

const phones: TestPhone[] = [];
const peers: BaresipPeer[] = [];

async function registeredPhone(user: string, transport: 'udp' | 'tcp' = 'udp'): Promise<TestPhone> {
  const p = makePhone(user, { transport });
  phones.push(p);
  await p.tel.start();
  await waitFor(() => p.tel.registration.kind === 'registered', 10_000, `${user} registered`);
  return p;
}

async function peer(user: string, autoAnswer = false): Promise<BaresipPeer> {
  const b = await startBaresip({ user, autoAnswer, player: 'null' });
  peers.push(b);
  return b;
}

beforeAll(async () => {
  await ensureLab();
});

afterEach(async () => {
  for (const p of phones.splice(0)) await p.tel.stop().catch(() => undefined);
  for (const b of peers.splice(0)) await b.stop().catch(() => undefined);
});

afterAll(async () => {
  for (const p of phones.splice(0)) await p.tel.stop().catch(() => undefined);
});

describe('registration', () => {
  it('registers over UDP and un-registers on stop', async () => {
    const p = await registeredPhone('3001');
    expect(p.states.map((s) => s.kind)).toContain('registering');
    const reg = p.tel.registration;
    expect(reg.kind).toBe('registered');
    if (reg.kind === 'registered') expect(reg.expiresAt).toBeGreaterThan(Date.now());
    await p.tel.stop();
    phones.splice(phones.indexOf(p), 1);
    expect(p.tel.registration.kind).toBe('unregistered');
  });

  it('registers over TCP', async () => {
    const p = await registeredPhone('3002', 'tcp');
    expect(p.tel.registration.kind).toBe('registered');
  });

  it('wrong password -> wrong-credentials, and no hammering', async () => {
    const p = makePhone('3003', { password: 'not-the-password', extra: { backoffMinMs: 200 } });
    phones.push(p);
    let registers = 0;
    p.tel.transport.onPacket((dir, text) => {
      if (dir === 'out' && text.startsWith('REGISTER ')) registers++;
    });
    await p.tel.start();
    const s = await waitFor(() => (p.tel.registration.kind === 'wrong-credentials' ? p.tel.registration : null), 10_000, 'wrong-credentials');
    expect(s.kind).toBe('wrong-credentials');
    if (s.kind === 'wrong-credentials') expect([401, 403, 407]).toContain(s.code);
    await new Promise((r) => setTimeout(r, 3000));
    // One REGISTER plus one authenticated retry; nothing after.
    expect(registers).toBeLessThanOrEqual(2);
    expect(p.tel.registration.kind).toBe('wrong-credentials');
  });
});

describe('calls with baresip', () => {
  it('baresip calls us; we answer; baresip hangs up', async () => {
    const p = await registeredPhone('3010');
    const b = await peer('3011');
    await b.dial('3010');
    const { leg, info } = await waitFor(() => p.incoming[0], 10_000, 'incoming call');
    expect(info).toEqual({ replacesLegId: null, referredFromLegId: null });
    expect(leg.direction).toBe('incoming');
    expect(leg.remote.number).toBe('3011');
    const events = recordEvents(leg);
    await leg.answer();
    expect(hasEvent(events, 'established')).toBeTruthy();
    await b.waitFor('CALL_ESTABLISHED');
    await b.hangup();
    const ended = await waitFor(() => hasEvent(events, 'ended'), 10_000, 'ended');
    expect(ended).toMatchObject({ type: 'ended', reason: 'hung-up-remote' });
  });

  it('baresip calls us; we answer and hang up', async () => {
    const p = await registeredPhone('3012');
    const b = await peer('3013');
    await b.dial('3012');
    const { leg } = await waitFor(() => p.incoming[0], 10_000, 'incoming call');
    const events = recordEvents(leg);
    await leg.answer();
    await b.waitFor('CALL_ESTABLISHED');
    await leg.hangup();
    expect(hasEvent(events, 'ended')).toMatchObject({ reason: 'hung-up-local' });
    await b.waitFor('CALL_CLOSED');
  });

  it('caller gives up before we answer -> cancelled-by-caller', async () => {
    const p = await registeredPhone('3014');
    const b = await peer('3015');
    await b.dial('3014');
    const { leg } = await waitFor(() => p.incoming[0], 10_000, 'incoming call');
    const events = recordEvents(leg);
    await b.hangup();
    const ended = await waitFor(() => hasEvent(events, 'ended'), 10_000, 'ended');
    expect(ended).toMatchObject({ reason: 'cancelled-by-caller' });
  });

  it('we call baresip (auto-answer): progress, established, hold seen by baresip, far hangup', async () => {
    const p = await registeredPhone('3016');
    const b = await peer('3017', true);
    const r = await p.tel.dial('sip:3017@127.0.0.1');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const leg = r.value;
    const events = recordEvents(leg);
    await waitFor(() => hasEvent(events, 'established'), 10_000, 'established');
    await b.waitFor('CALL_ESTABLISHED');
    await leg.hold();
    // baresip got a second offer (ours, a=sendonly) and answered it with recvonly.
    await waitFor(() => b.events.filter((e) => e.type === 'CALL_REMOTE_SDP').length >= 2, 5000, 'baresip saw the re-INVITE');
    const sdh = p.sdhs.at(-1);
    expect(sdh?.lastLocalSdp).toMatch(/a=sendonly/);
    expect(sdh?.remoteDirection()).toBe('recvonly');
    await leg.resume();
    expect(sdh?.remoteDirection()).toBe('sendrecv');
    leg.setMuted(true);
    expect(sdh?.muted).toBe(true);
    await leg.sendDtmf('12#');
    expect(sdh?.dtmfSent).toContain('12#');
    await b.hangup();
    expect(await waitFor(() => hasEvent(events, 'ended'), 10_000, 'ended')).toMatchObject({ reason: 'hung-up-remote' });
  });

  it('calling a busy/unknown user ends with the right reason', async () => {
    const p = await registeredPhone('3018');
    const r = await p.tel.dial('sip:3999@127.0.0.1');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const events = recordEvents(r.value);
    const ended = (await waitFor(() => hasEvent(events, 'ended'), 10_000, 'ended')) as Extract<LegEvent, { type: 'ended' }>;
    // Kamailio answers 404 for a user with no registration.
    expect(ended.reason).toBe('not-found');
    expect(ended.cause).toMatchObject({ kind: 'sip', code: 404 });
  });

  it('remote hold from baresip is reported', async () => {
    const p = await registeredPhone('3019');
    const b = await peer('3020', true);
    const r = await p.tel.dial('sip:3020@127.0.0.1');
    if (!r.ok) throw new Error(errorLogText(r.error));
    const events = recordEvents(r.value);
    await waitFor(() => hasEvent(events, 'established'), 10_000, 'established');
    await b.waitFor('CALL_ESTABLISHED');
    await b.hold();
    const held = await waitFor(() => events.find((e) => e.type === 'remote-hold' && e.held), 10_000, 'remote-hold');
    expect(held).toMatchObject({ held: true });
    await b.resume();
    await waitFor(() => events.find((e) => e.type === 'remote-hold' && !e.held), 10_000, 'remote-resume');
    await r.value.hangup();
  });

  it('blind transfer: we REFER a baresip caller to another baresip', async () => {
    const p = await registeredPhone('3021');
    const caller = await peer('3022');
    const target = await peer('3023', true);
    await caller.dial('3021');
    const { leg } = await waitFor(() => p.incoming[0], 10_000, 'incoming call');
    const events = recordEvents(leg);
    await leg.answer();
    await caller.waitFor('CALL_ESTABLISHED');
    await leg.refer('sip:3023@127.0.0.1');
    const done = await waitFor(
      () => events.find((e) => e.type === 'refer-progress' && (e.status === 'succeeded' || e.status === 'failed')),
      15_000,
      'refer result',
    );
    expect(done).toMatchObject({ status: 'succeeded', code: 200 });
    await target.waitFor('CALL_ESTABLISHED');
    if (!leg.direction) throw new Error('unreachable');
    await leg.hangup().catch(() => undefined);
    const ended = await waitFor(() => hasEvent(events, 'ended'), 10_000, 'ended');
    expect(ended).toMatchObject({ reason: 'transferred' });
  });

  it('we are transferred: baresip REFERs us to another baresip', async () => {
    const p = await registeredPhone('3024');
    const transferor = await peer('3025', true);
    const target = await peer('3026', true);
    const r = await p.tel.dial('sip:3025@127.0.0.1');
    if (!r.ok) throw new Error(errorLogText(r.error));
    const events = recordEvents(r.value);
    await waitFor(() => hasEvent(events, 'established'), 10_000, 'established');
    await transferor.waitFor('CALL_ESTABLISHED');
    await transferor.transfer('3026');
    const next = await waitFor(() => p.incoming.find((i) => i.info.referredFromLegId === r.value.legId), 10_000, 'referred leg');
    const nextEvents = recordEvents(next.leg);
    expect(next.leg.remote.number).toBe('3026');
    await waitFor(() => hasEvent(nextEvents, 'established') ?? (next.leg as CallLeg & { isEstablished(): boolean }).isEstablished(), 10_000, 'new leg established');
    await target.waitFor('CALL_ESTABLISHED');
    await next.leg.hangup();
  });
});
