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
//
// LOSSY_SEED=n picks another loss pattern (each seed repeats exactly), LOSSY_CALLS=n shortens the run,
// RELIABILITY_DEBUG=1 prints per-call timings. On failure (or always with RELIABILITY_DEBUG) the relay's
// trace of every datagram (direction, dropped or not, start line, CSeq, Call-ID, Via branch), the
// per-call timeline and the app's log go to test-results/lossy-network-seed<n>-<call>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistrationState } from '../../../shared/domain.js';
import { dropRegistration, ensureLab, labPaths, startBaresip } from '../../lab/peers.js';
import type { BaresipPeer } from '../../lab/peers.js';
import { startLossyUdpRelay } from '../../support/lossy-udp-relay.js';
import type { LossyUdpRelay } from '../../support/lossy-udp-relay.js';
import { must, onCleanup, openApp, runCleanups, waitCall, waitNewRinging, watchStates } from './helpers.js';
import type { TestApp } from './helpers.js';

const CALLS = Number(process.env.LOSSY_CALLS ?? 50);
const LOSS = 0.2;
// A different seed is a different loss pattern: LOSSY_SEED=n repeats one exactly.
const SEED = Number(process.env.LOSSY_SEED ?? 20_240_601);
const APP_USER = '5001';
/**
 * Longest wait for one step of a call. At 20% loss a step needs ~1 s at p90; 64*T1 = 32 s (Timer B/F)
 * is when a transaction gives up, so a step that takes longer is broken, not slow.
 */
const STEP_MS = 32_000;
/** The whole run: 50 calls take ~90 s; well past that something is stuck, and the log says what. */
const BUDGET_MS = 240_000;

/** `promise`, or a rejection naming `what` after `ms`: every step of a call is bounded. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

let relay: LossyUdpRelay;
let t: TestApp;
let peers: BaresipPeer[];

beforeAll(async () => {
  await ensureLab();
  // An aborted earlier run may have left its contact (its un-REGISTER crossed the lossy relay): no fork to it.
  await dropRegistration(APP_USER);
  relay = await startLossyUdpRelay({ loss: LOSS, seed: SEED, trace: true });
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
  // No ringback: stopping it stalls baresip for ~2 s before CALL_ESTABLISHED. A 60 s source file
  // (no call here lasts that long): baresip reads the whole file at the start of every call.
  const audioFile = labPaths().audio.tone440short;
  peers = await Promise.all([
    startBaresip({ user: '5002', autoAnswer: true, audioFile, ringback: false }),
    startBaresip({ user: '5003', autoAnswer: true, audioFile, ringback: false }),
  ]);
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
    /** Per call, for the log: when it started (ms on the relay trace's clock), setup and teardown. */
    const timeline: Array<{ call: string; at: number; setupMs?: number; teardownMs?: number; steps: Record<string, number> }> = [];
    /**
     * Each peer's CALL_CLOSED of its last call, still to come. baresip drains its player for ~2 s
     * before it says so; the next call (on the other peer) need not wait for that, the peer's own next
     * call does. Resolves to the error, if any (no unhandled rejection in between).
     */
    const closing: Array<Promise<Error | null>> = peers.map(() => Promise.resolve(null));
    const started = Date.now();

    const settleClosing = async (): Promise<void> => {
      for (const e of await Promise.all(closing)) if (e) throw e;
    };
    const step = (i: number): Promise<void> => {
      if (Date.now() - started > BUDGET_MS) return Promise.reject(new Error(`over the time budget of ${BUDGET_MS} ms before call ${i + 1}`));
      return i < CALLS ? oneCall(i) : settleClosing();
    };
    for (let i = 0; i <= CALLS; i++) await step(i).catch((error: Error) => {
      // Say what the app and the relay saw, for the post-mortem: a summary here, everything in a file.
      const log = writeLog(i < CALLS ? `call${i + 1}` : 'end', error);
      throw new Error(
        `${error.message}\nseed ${SEED}, full log: ${log}\nrelay: ${JSON.stringify({ toServer: relay.toServer, toClient: relay.toClient })}\n` +
          `last datagrams:\n${relay.trace.slice(-30).map((e) => `${e.t} ${e.dir} ${e.dropped ? 'DROP ' : ''}${e.first} | ${e.cseq} | ${e.callId}`).join('\n')}\n` +
          `app log:\n${app.output.slice(-40).join('\n')}`,
      );
    });
    /** Everything the relay and the app saw, by call: test-results/lossy-network-seed<SEED>-<what>.json. */
    function writeLog(what: string, error: Error | null): string {
      const dir = join(process.cwd(), 'test-results');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `lossy-network-seed${SEED}-${what}.json`);
      const byCall = new Map<string, string[]>();
      for (const e of relay.trace) if (e.callId && !byCall.has(e.callId)) byCall.set(e.callId, relay.traceOf(e.callId));
      writeFileSync(
        file,
        JSON.stringify(
          { seed: SEED, what, error: error?.message ?? null, timeline, relay: { toServer: relay.toServer, toClient: relay.toClient }, appLog: app.output, trace: relay.trace, byCall: Object.fromEntries(byCall) },
          null,
          1,
        ),
      );
      return file;
    }
    async function oneCall(i: number): Promise<void> {
      const peer = peers[i % 2]!;
      const previous = await closing[i % 2]!;
      if (previous) throw previous;
      const appDials = i % 2 === 0;
      const appHangsUp = Math.floor(i / 2) % 2 === 0;
      const what = `call ${i + 1} (${appDials ? 'app -> peer' : 'peer -> app'}, ${appHangsUp ? 'app' : 'peer'} hangs up)`;
      const t0 = Date.now();
      const entry: (typeof timeline)[number] = { call: what, at: t0 - relay.startedAt, steps: {} };
      const mark = (step: string): void => void (entry.steps[step] = Date.now() - t0);
      timeline.push(entry);
      // The peer's side of each step, with the step named when it does not come.
      const peerSees = (type: 'CALL_ESTABLISHED' | 'CALL_CLOSED', step: string): Promise<unknown> =>
        peer.waitFor(type, { timeoutMs: STEP_MS }).catch((error: Error) => {
          throw new Error(`${what}: ${step}: ${error.message}`);
        });
      let callId: string;
      if (appDials) {
        callId = must(await within(STEP_MS, `${what}: dial`, phone.invoke('dial', { target: peer.user })), `${what}: dial`).callId;
      } else {
        await within(STEP_MS, `${what}: the peer dials`, peer.dial(APP_USER));
        callId = (await waitNewRinging(phone, known, `${what}: the app rings`, STEP_MS)).callId;
        mark('rings');
        must(await within(STEP_MS, `${what}: answer`, phone.invoke('answer', { callId })), `${what}: answer`);
      }
      known.add(callId);
      await waitCall(phone, callId, (c) => c.state === 'active', `${what}: active in the app`, STEP_MS);
      mark('active');
      await peerSees('CALL_ESTABLISHED', 'established at the peer');
      setup.push((entry.setupMs = Date.now() - t0));

      const t1 = Date.now();
      if (appHangsUp) must(await within(STEP_MS, `${what}: hangup`, phone.invoke('hangup', { callId })), `${what}: hangup`);
      else await within(STEP_MS, `${what}: the peer hangs up`, peer.hangup());
      const ended = await waitCall(phone, callId, (c) => c.state === 'ended', `${what}: ended in the app`, STEP_MS);
      mark('ended');
      expect(ended.endReason, what).toBe(appHangsUp ? 'hung-up-local' : 'hung-up-remote');
      expect(ended.answeredAt, what).not.toBeNull();
      // Teardown: until both sides are done (the peer's part may complete during the next call).
      closing[i % 2] = peerSees('CALL_CLOSED', 'closed at the peer').then(
        () => {
          teardown.push((entry.teardownMs = Date.now() - t1));
          if (process.env.RELIABILITY_DEBUG) console.error(`${what}: setup ${entry.setupMs} ms, teardown ${entry.teardownMs} ms ${JSON.stringify(entry.steps)}`);
          return null;
        },
        (error: Error) => error,
      );
    }

    // Nothing left over on either side.
    const final = await phone.waitFor((s) => s.incomingQueue.length === 0 && s.calls.every((c) => c.state === 'ended'), 10_000, 'no live calls');
    expect(final.activeCallId).toBeNull();
    for (const p of peers) expect(await within(10_000, `${p.user}: listcalls`, p.listCalls())).toEqual([]);
    // Every call is in the history, answered.
    const history = must(await within(10_000, 'history', phone.invoke('listHistory', { query: { pageSize: 100 } })), 'history');
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
    // Nothing of ours was routed by the server back to the address we know it by (an authenticated
    // keep-alive OPTIONS once was, and the relay then sent the server's traffic to the server).
    expect(relay.toServer.looped).toBe(0);

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
    if (process.env.RELIABILITY_DEBUG) console.log(`lossy-network log: ${writeLog('passed', null)}`);
  }, 300_000);
});
