// No call outlives its far end: a baresip peer killed mid-call (kill -9: no BYE), and a peer whose BYE
// the lab's relay drops on its way to the app. Each time the call ends by itself, with its own end reason
// ('far-end-gone'), in the panel and in the history row. A call on hold, whose far end sends no RTP,
// is not taken for a gone one. The RTP timeout is 10 s here (30 s by default) to keep the lab lock short.
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { addRegistration, dropRegistration, ensureLab, sleep, startBaresip, startSipp, waitUntil } from '../../lab/peers.js';
import { startLossyUdpRelay } from '../../support/lossy-udp-relay.js';
import { must, onCleanup, openApp, runCleanups, waitCall } from './helpers.js';

const RTP_TIMEOUT_S = 10;
const media = { rtpPortMin: 50000, rtpPortMax: 59999, rtpTimeoutSeconds: RTP_TIMEOUT_S };

function historyEndReason(path: string, callId: string): string | null {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT end_reason FROM call_history WHERE call_id = ?').get(callId) as { end_reason: string | null } | undefined;
    return row?.end_reason ?? null;
  } finally {
    db.close();
  }
}

beforeAll(ensureLab, 60_000);
afterAll(runCleanups, 60_000);

describe('a far end that vanished without a BYE', () => {
  it('a peer killed mid-call: the call ends by itself as far-end-gone; a held call is left alone', async () => {
    const peer = await startBaresip({ user: '5031', autoAnswer: true, ringback: false });
    onCleanup(() => peer.stop());
    const { app, phone } = await openApp({ user: '5030', config: { audio: { backend: 'none' }, media } });
    const { callId } = must(await phone.invoke('dial', { target: '5031' }), 'dial');
    await waitCall(phone, callId, (c) => c.state === 'active', 'active');
    await waitCall(phone, callId, (c) => (c.media?.packetsReceived ?? 0) > 50, 'RTP from the peer');

    // On hold the peer answers recvonly and sends nothing: longer than the timeout, and the call stays.
    must(await phone.invoke('hold', { callId }), 'hold');
    await sleep(1000);
    const received = (): number => phone.state?.calls.find((c) => c.callId === callId)?.media?.packetsReceived ?? 0;
    const heldAt = received();
    await sleep((RTP_TIMEOUT_S + 4) * 1000);
    expect(received() - heldAt).toBeLessThan(10); // the peer really sent nothing meanwhile
    expect(phone.state?.calls.find((c) => c.callId === callId)?.state).toBe('held');
    must(await phone.invoke('resume', { callId }), 'resume');
    await waitCall(phone, callId, (c) => c.state === 'active', 'resumed');

    process.kill(peer.pid, 'SIGKILL');
    const killedAt = Date.now();
    const ended = await waitCall(phone, callId, (c) => c.state === 'ended', 'ended by itself', (RTP_TIMEOUT_S + 15) * 1000);
    const afterMs = Date.now() - killedAt;
    expect(ended.endReason).toBe('far-end-gone');
    await waitUntil(() => historyEndReason(app.databasePath, callId) === 'far-end-gone', { what: 'history row', timeoutMs: 5000 });
    console.log(`far-end-gone (peer killed): call ended ${afterMs} ms after the kill (timeout ${RTP_TIMEOUT_S} s)`);
  }, 90_000);

  it("the peer's BYE dropped by the relay: the call ends by itself as far-end-gone", async () => {
    await dropRegistration('5032');
    const relay = await startLossyUdpRelay({ loss: 0 });
    onCleanup(() => relay.close());
    const peer = await startBaresip({ user: '5033', autoAnswer: true, ringback: false });
    onCleanup(() => peer.stop());
    const { app, phone } = await openApp({
      user: '5032',
      config: {
        sip: { server: `127.0.0.1:${relay.clientPort}`, transport: 'udp', user: '5032', password: 'secret' },
        audio: { backend: 'none' },
        media,
      },
    });
    const { callId } = must(await phone.invoke('dial', { target: '5033' }), 'dial');
    await waitCall(phone, callId, (c) => c.state === 'active', 'active');
    await peer.waitFor('CALL_ESTABLISHED');
    await waitCall(phone, callId, (c) => (c.media?.packetsReceived ?? 0) > 50, 'RTP from the peer');

    relay.dropWhen((dir, kind) => dir === 'to-client' && kind === 'BYE');
    const hungUpAt = Date.now();
    await peer.hangup();
    await peer.waitFor('CALL_CLOSED');
    await sleep(2000);
    expect(phone.state?.calls.find((c) => c.callId === callId)?.state).toBe('active'); // it never heard the BYE
    const ended = await waitCall(phone, callId, (c) => c.state === 'ended', 'ended by itself', (RTP_TIMEOUT_S + 15) * 1000);
    const afterMs = Date.now() - hungUpAt;
    expect(ended.endReason).toBe('far-end-gone');
    expect(relay.toClient.dropped).toBeGreaterThan(0);
    await waitUntil(() => historyEndReason(app.databasePath, callId) === 'far-end-gone', { what: 'history row', timeoutMs: 5000 });
    console.log(`far-end-gone (BYE dropped ${relay.toClient.dropped}x): call ended ${afterMs} ms after the peer hung up`);
  }, 90_000);

  it('RFC 4028: a far end with session timers, whose refresh fails, is ended as far-end-gone', async () => {
    // sipp sends no RTP: the RTP watch is off, so that the session timer alone decides.
    const uas = await startSipp(['-sf', join(import.meta.dirname, 'sipp', 'uas-session-timer.xml'), '-m', '1'], { timeoutMs: 60_000 });
    onCleanup(() => uas.stop());
    await addRegistration('5041', `sip:sipp@127.0.0.1:${uas.port}`, 60);
    onCleanup(() => dropRegistration('5041'));
    const { app, phone } = await openApp({ user: '5040', config: { audio: { backend: 'none' }, media: { ...media, rtpTimeoutSeconds: 0 } } });
    const { callId } = must(await phone.invoke('dial', { target: '5041' }), 'dial');
    const answeredAt = Date.now();
    await waitCall(phone, callId, (c) => c.state === 'active', 'active').catch(async (error: Error) => {
      const r = await uas.stop();
      throw new Error(`${error.message}\nsipp: ${r.stdout.slice(-1500)}${r.stderr.slice(-1500)}\napp: ${app.output.slice(-20).join('\n')}`);
    });
    // Refreshed at 2 s (200: the call goes on), again at 4 s (481: the far end lost the dialog).
    await sleep(3000);
    expect(phone.state?.calls.find((c) => c.callId === callId)?.state).toBe('active');
    const ended = await waitCall(phone, callId, (c) => c.state === 'ended', 'ended by itself', 15_000);
    expect(ended.endReason).toBe('far-end-gone');
    const sipp = await uas.done;
    expect(sipp.code, sipp.stdout + sipp.stderr).toBe(0); // every step seen: both refreshes carried Session-Expires, and our BYE came
    await waitUntil(() => historyEndReason(app.databasePath, callId) === 'far-end-gone', { what: 'history row', timeoutMs: 5000 });
    console.log(`far-end-gone (session refresh refused): call ended ${Date.now() - answeredAt} ms after the answer (Session-Expires 4 s)`);
  }, 60_000);
});
