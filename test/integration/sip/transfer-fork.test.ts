// Parallel fork (two dispatchers on one AOR: the loser sees answered-elsewhere) and attended
// transfer (REFER with Replaces) between three instances of our own stack.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Inviter, UserAgent } from 'sip.js';
import { errorLogText } from '../../../shared/errors.js';
import { ensureLab, startBaresip } from '../../lab/peers.js';
import type { BaresipPeer } from '../../lab/peers.js';
import type { CallLeg } from '../../../main/calls/ports.js';
import { hasEvent, makePhone, recordEvents, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';

const phones: TestPhone[] = [];
const peers: BaresipPeer[] = [];
beforeAll(async () => {
  await ensureLab();
});
afterEach(async () => {
  for (const p of phones.splice(0)) await p.tel.stop().catch(() => undefined);
  for (const b of peers.splice(0)) await b.stop().catch(() => undefined);
});

async function phone(user: string): Promise<TestPhone> {
  const p = makePhone(user);
  phones.push(p);
  await p.tel.start();
  await waitFor(() => p.tel.registration.kind === 'registered', 10_000, `${user} registered`);
  return p;
}

describe('fork', () => {
  it('two phones on one AOR: the one that did not answer ends with answered-elsewhere', async () => {
    const a = await phone('3060');
    const b = await phone('3060');
    const caller = await startBaresip({ user: '3061', player: 'null' });
    peers.push(caller);
    await caller.dial('3060');
    const la = await waitFor(() => a.incoming[0], 10_000, 'a rings');
    const lb = await waitFor(() => b.incoming[0], 10_000, 'b rings');
    const ea = recordEvents(la.leg);
    const eb = recordEvents(lb.leg);
    await la.leg.answer();
    expect(hasEvent(ea, 'established')).toBeTruthy();
    const ended = await waitFor(() => hasEvent(eb, 'ended'), 10_000, 'b ended');
    expect(ended).toMatchObject({ reason: 'answered-elsewhere' });
    await la.leg.hangup();
  });
});

describe('attended transfer', () => {
  it('A transfers caller C to B after consulting B; B sees the Replaces match', async () => {
    const a = await phone('3070');
    const b = await phone('3071');
    const c = await phone('3072');
    // C calls A, A answers.
    const cr = await c.tel.dial('sip:3070@127.0.0.1');
    if (!cr.ok) throw new Error(errorLogText(cr.error));
    const cToA = cr.value;
    const aFromC = (await waitFor(() => a.incoming[0], 10_000, 'A rings')).leg;
    const aFromCEvents = recordEvents(aFromC);
    await aFromC.answer();
    // A consults B, B answers.
    const ar = await a.tel.dial('sip:3071@127.0.0.1');
    if (!ar.ok) throw new Error(errorLogText(ar.error));
    const aToB = ar.value;
    const aToBEvents = recordEvents(aToB);
    const bFromA = (await waitFor(() => b.incoming[0], 10_000, 'B rings')).leg;
    const bFromAEvents = recordEvents(bFromA);
    await bFromA.answer();
    await waitFor(() => hasEvent(aToBEvents, 'established'), 10_000, 'consultation up');
    // A: REFER C with Replaces=<A-B dialog>.
    await aFromC.referReplacing(aToB);
    // C is told to call B with Replaces; B matches it to its leg with A.
    const replacing = await waitFor(() => b.incoming.find((i) => i.info.replacesLegId !== null), 10_000, 'INVITE with Replaces at B');
    expect(replacing.info.replacesLegId).toBe(bFromA.legId);
    const cNew = await waitFor(() => c.incoming.find((i) => i.info.referredFromLegId === cToA.legId), 10_000, 'C new leg');
    const newEvents = recordEvents(replacing.leg);
    await replacing.leg.answer();
    expect(hasEvent(newEvents, 'established')).toBeTruthy();
    // B drops the replaced leg itself; A's REFER succeeded.
    expect(await waitFor(() => hasEvent(bFromAEvents, 'ended'), 10_000, 'replaced leg ended')).toMatchObject({ reason: 'transferred' });
    await waitFor(() => aFromCEvents.find((e) => e.type === 'refer-progress' && e.status === 'succeeded'), 10_000, 'refer succeeded');
    // A ends its leg to C: a transfer, not a hang-up.
    await aFromC.hangup();
    expect(hasEvent(aFromCEvents, 'ended')).toMatchObject({ reason: 'transferred' });
    await waitFor(() => (cNew.leg as CallLeg & { isEstablished(): boolean }).isEstablished(), 10_000, 'C-B up');
    await cNew.leg.hangup();
  });

  it('an INVITE with Replaces for an unknown dialog gets 481', async () => {
    const b = await phone('3073');
    const c = await phone('3074');
    const target = UserAgent.makeURI('sip:3073@127.0.0.1');
    if (!target) throw new Error('uri');
    const inviter = new Inviter(c.tel.ua, target, { extraHeaders: ['Replaces: nosuchcall@127.0.0.1;to-tag=1;from-tag=2'] });
    let code = 0;
    await inviter.invite({ requestDelegate: { onReject: (r) => (code = r.message.statusCode ?? 0) } });
    await waitFor(() => code !== 0, 10_000, 'rejection');
    expect(code).toBe(481);
    expect(b.incoming).toEqual([]);
  });
});
