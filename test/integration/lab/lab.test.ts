// Proves the SIP lab works end to end: registration, a call through Kamailio with audio checked by
// sox, parallel forking to two contacts of one AOR, and a linphone-daemon peer.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  audioStats,
  ensureLab,
  registrations,
  sleep,
  startBaresip,
  startLinphone,
  type BaresipPeer,
  type LinphonePeer,
} from '../../lab/peers.js';

describe('SIP lab', () => {
  const peers: Array<BaresipPeer | LinphonePeer> = [];
  const track = <T extends BaresipPeer | LinphonePeer>(p: T): T => {
    peers.push(p);
    return p;
  };

  beforeAll(async () => {
    await ensureLab();
  });

  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.stop()));
  });

  afterAll(async () => {
    await Promise.all(peers.splice(0).map((p) => p.stop()));
  });

  it('connects two baresip peers through Kamailio and carries the 440 Hz tone', async () => {
    const [caller, callee] = await Promise.all([
      startBaresip({ user: '9001' }).then(track),
      startBaresip({ user: '9002', autoAnswer: true }).then(track),
    ]);
    const regs = await registrations();
    expect(regs.map((r) => r.aor)).toEqual(expect.arrayContaining(['9001', '9002']));

    await caller.dial('9002');
    const est = await caller.waitFor('CALL_ESTABLISHED');
    const estCallee = await callee.waitFor('CALL_ESTABLISHED');
    expect(est.id).toBeDefined();
    expect(estCallee.id).toBe(est.id); // same SIP Call-ID end to end
    expect(estCallee.peeruri).toBe('sip:9001@127.0.0.1');
    expect((await caller.listCalls())[0]?.state).toBe('ESTABLISHED');

    await sleep(2500);
    await caller.hangup();
    await caller.waitFor('CALL_CLOSED');
    await callee.waitFor('CALL_CLOSED');

    const rec = await callee.waitForRecording();
    const stats = await audioStats(rec.dec);
    expect(stats.lengthSeconds).toBeGreaterThan(1.5);
    expect(stats.rms).toBeGreaterThan(0.05);
    expect(stats.roughFrequency).toBeGreaterThan(400);
    expect(stats.roughFrequency).toBeLessThan(480);
  });

  it('forks a call to every contact registered for one AOR', async () => {
    const [a, b, caller] = await Promise.all([
      startBaresip({ user: '9010' }).then(track),
      startBaresip({ user: '9010' }).then(track),
      startBaresip({ user: '9011' }).then(track),
    ]);
    const [reg] = await registrations('9010');
    expect(reg?.contacts).toHaveLength(2);

    await caller.dial('9010');
    const [inA, inB] = await Promise.all([a.waitFor('CALL_INCOMING'), b.waitFor('CALL_INCOMING')]);
    expect(inA.peeruri).toBe('sip:9011@127.0.0.1');
    expect(inB.id).toBe(inA.id);
    await caller.waitFor('CALL_RINGING');

    // First to answer wins; Kamailio CANCELs the other branch.
    await b.accept(inB.id);
    const est = await caller.waitFor('CALL_ESTABLISHED');
    await a.waitFor('CALL_CLOSED');
    await caller.hangup(est.id);
    await b.waitFor('CALL_CLOSED');
  });

  it('runs a linphone-daemon peer that registers and answers', async () => {
    const [lin, caller] = await Promise.all([
      startLinphone({ user: '9020', autoAnswer: true }).then(track),
      startBaresip({ user: '9021' }).then(track),
    ]);
    expect(await lin.registerStatus()).toBe('LinphoneRegistrationOk');

    await caller.dial('9020');
    await caller.waitFor('CALL_ESTABLISHED');
    await lin.waitForCallState('StreamsRunning');
    await lin.terminate();
    await caller.waitFor('CALL_CLOSED');
  });
});
