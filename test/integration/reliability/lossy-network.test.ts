// 20% of SIP datagrams lost both ways between the app and Kamailio: 50 sequential calls all establish
// and all end cleanly. The app's sip.server is a lossy UDP relay (test/support/lossy-udp-relay.ts);
// Kamailio reaches the app only through it (the registered contact's received address is the relay).
//
// The calls alternate so that every retransmission path is taken on the lossy hop:
//   app -> peer: our INVITE (Timer A), the 407/ACK, the peer's 2xx retransmitted until our ACK gets through;
//   peer -> app: Kamailio's INVITE retransmissions, our 2xx retransmitted until the ACK;
//   hang-up by the app: our BYE (Timer E); hang-up by the peer: Kamailio's BYE retransmissions and our
//   200 answered again from the server transaction.
// The relay counts the copies it sees of each message: those are the retransmissions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistrationState } from '../../../shared/domain.js';
import { dropRegistration, ensureLab, startBaresip } from '../../lab/peers.js';
import type { BaresipPeer } from '../../lab/peers.js';
import { startLossyUdpRelay } from '../../support/lossy-udp-relay.js';
import type { LossyUdpRelay } from '../../support/lossy-udp-relay.js';
import { must, onCleanup, openApp, runCleanups, waitCall, waitNewRinging, watchStates } from './helpers.js';
import type { TestApp } from './helpers.js';

const CALLS = Number(process.env.LOSSY_CALLS ?? 50);
const LOSS = 0.2;
const SEED = 20_240_601;
const APP_USER = '5001';

let relay: LossyUdpRelay;
let t: TestApp;
let peers: BaresipPeer[];

beforeAll(async () => {
  await ensureLab();
  // An aborted earlier run may have left its contact (its un-REGISTER crossed the lossy relay): no fork to it.
  await dropRegistration(APP_USER);
  relay = await startLossyUdpRelay({ loss: LOSS, seed: SEED });
  onCleanup(() => relay.close());
  t = await openApp(
    {
      user: APP_USER,
      config: {
        sip: { server: `127.0.0.1:${relay.clientPort}`, transport: 'udp', user: APP_USER, password: 'secret' },
        // Signalling is under test here; the media engine still runs RTP, with no sound devices.
        audio: { backend: 'none' },
      },
    },
    40_000,
  );
  // Two peers taken in turn: baresip stalls ~1.5 s after each call while it drains its player.
  peers = await Promise.all([startBaresip({ user: '5002', autoAnswer: true }), startBaresip({ user: '5003', autoAnswer: true })]);
  for (const p of peers) onCleanup(() => p.stop());
}, 90_000);

afterAll(runCleanups, 60_000);

describe('lossy network (20% loss both ways)', () => {
  it(`${CALLS} sequential calls all establish and all end cleanly`, async () => {
    const { phone, app } = t;
    const registrations: RegistrationState['kind'][] = [];
    await watchStates(app, (s) => {
      if (registrations.at(-1) !== s.registration.kind) registrations.push(s.registration.kind);
    });
    const known = new Set<string>();
    const setup: number[] = [];
    const teardown: number[] = [];
    const started = Date.now();

    for (let i = 0; i < CALLS; i++) await oneCall(i).catch((error: Error) => {
      // Say what the app and the relay saw, for the post-mortem.
      throw new Error(`${error.message}\nrelay: ${JSON.stringify({ toServer: relay.toServer, toClient: relay.toClient })}\napp log:\n${app.output.slice(-40).join('\n')}`);
    });
    async function oneCall(i: number): Promise<void> {
      const peer = peers[i % 2]!;
      const appDials = i % 2 === 0;
      const appHangsUp = Math.floor(i / 2) % 2 === 0;
      const what = `call ${i + 1} (${appDials ? 'app -> peer' : 'peer -> app'}, ${appHangsUp ? 'app' : 'peer'} hangs up)`;
      const t0 = Date.now();
      let callId: string;
      if (appDials) {
        callId = must(await phone.invoke('dial', { target: peer.user }), `${what}: dial`).callId;
      } else {
        await peer.dial(APP_USER);
        callId = (await waitNewRinging(phone, known, `${what}: rings`, 30_000)).callId;
        must(await phone.invoke('answer', { callId }), `${what}: answer`);
      }
      known.add(callId);
      await waitCall(phone, callId, (c) => c.state === 'active', `${what}: active`, 30_000);
      await peer.waitFor('CALL_ESTABLISHED', { timeoutMs: 30_000 });
      setup.push(Date.now() - t0);

      const t1 = Date.now();
      if (appHangsUp) must(await phone.invoke('hangup', { callId }), `${what}: hangup`);
      else await peer.hangup();
      const ended = await waitCall(phone, callId, (c) => c.state === 'ended', `${what}: ended`, 40_000);
      expect(ended.endReason, what).toBe(appHangsUp ? 'hung-up-local' : 'hung-up-remote');
      expect(ended.answeredAt, what).not.toBeNull();
      await peer.waitFor('CALL_CLOSED', { timeoutMs: 40_000 });
      teardown.push(Date.now() - t1);
      if (process.env.RELIABILITY_DEBUG) console.error(`${what}: setup ${setup.at(-1)} ms, teardown ${teardown.at(-1)} ms`);
    }

    // Nothing left over on either side.
    const final = await phone.waitFor((s) => s.incomingQueue.length === 0 && s.calls.every((c) => c.state === 'ended'), 10_000, 'no live calls');
    expect(final.activeCallId).toBeNull();
    for (const p of peers) expect(await p.listCalls()).toEqual([]);
    // Every call is in the history, answered.
    const history = must(await phone.invoke('listHistory', { query: { pageSize: 100 } }), 'history');
    const ours = history.entries.filter((h) => known.has(h.callId));
    expect(ours).toHaveLength(CALLS);
    expect(ours.every((h) => h.outcome === 'answered' && h.endedAt !== null)).toBe(true);
    // The registration held through the loss (the keep-alive confirms a silent probe before giving up).
    expect(registrations.filter((k) => k !== 'registered')).toEqual([]);
    // The lossy hop was really lossy, and the losses were repaired by retransmission.
    expect(relay.toServer.dropped).toBeGreaterThan(0);
    expect(relay.toClient.dropped).toBeGreaterThan(0);
    expect(relay.toServer.retransmissions).toBeGreaterThan(0);
    expect(relay.toClient.retransmissions).toBeGreaterThan(0);

    const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;
    const figures = {
      calls: CALLS,
      seconds: Math.round((Date.now() - started) / 1000),
      setupMs: { p50: pct(setup, 0.5), p90: pct(setup, 0.9), max: Math.max(...setup) },
      teardownMs: { p50: pct(teardown, 0.5), p90: pct(teardown, 0.9), max: Math.max(...teardown) },
      toServer: relay.toServer,
      toClient: relay.toClient,
      registrationStates: registrations,
    };
    console.log(`lossy-network figures: ${JSON.stringify(figures)}`);
  }, 300_000);
});
