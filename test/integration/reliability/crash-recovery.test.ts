// Nothing left dangling after a crash: the web host is killed (SIGKILL) in the middle of a call with a
// baresip peer through Kamailio. baresip stays in the call (no BYE came, and it has no RTP timeout). At the
// next start the app sends a BYE from what it kept of the dialog, the peer's call ends within a few
// seconds, and the history row says the call was interrupted and its dialog ended after the restart.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropRegistration, ensureLab, registrations, sleep, startBaresip, waitUntil } from '../../lab/peers.js';
import type { BaresipPeer } from '../../lab/peers.js';
import { must, onCleanup, openApp, runCleanups, waitCall, waitNewRinging } from './helpers.js';

const APP_USER = '5020';
const PEER_USER = '5021';

function readDb<T>(path: string, read: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

let peer: BaresipPeer;

beforeAll(async () => {
  await ensureLab();
  peer = await startBaresip({ user: PEER_USER, autoAnswer: true, ringback: false });
  onCleanup(() => peer.stop());
}, 60_000);
afterAll(runCleanups, 60_000);

type Opened = Awaited<ReturnType<typeof openApp>>;

/** Puts the app in a call with the peer; returns the app's call id. */
type Setup = (t: Opened) => Promise<string>;

const dialOut: Setup = async ({ phone }) => {
  const { callId } = must(await phone.invoke('dial', { target: PEER_USER }), 'dial');
  await waitCall(phone, callId, (c) => c.state === 'active', 'active');
  await peer.waitFor('CALL_ESTABLISHED');
  return callId;
};

/** The peer calls, the dispatcher answers, holds and resumes: two re-INVITEs of ours move the dialog's CSeq on. */
const answerHoldResume: Setup = async ({ phone }) => {
  await peer.dial(APP_USER);
  const ringing = await waitNewRinging(phone, new Set(), 'peer rings');
  must(await phone.invoke('answer', { callId: ringing.callId }), 'answer');
  await waitCall(phone, ringing.callId, (c) => c.state === 'active', 'active');
  await peer.waitFor('CALL_ESTABLISHED');
  must(await phone.invoke('hold', { callId: ringing.callId }), 'hold');
  must(await phone.invoke('resume', { callId: ringing.callId }), 'resume');
  await waitCall(phone, ringing.callId, (c) => c.state === 'active', 'resumed');
  return ringing.callId;
};

describe('kill -9 of the app mid-call', () => {
  it.each([
    ['an outgoing call', dialOut, 1],
    ['an incoming call after hold and resume', answerHoldResume, 2],
  ] as const)('ends %s with a BYE at the next start, and the history says so', async (_what, setup, minCSeq) => {
    // A clean slate: no binding left by an earlier test.
    await dropRegistration(APP_USER);
    const dir = mkdtempSync(join(tmpdir(), 'dispatch-crash-recovery-'));
    const options = { user: APP_USER, dir, config: { audio: { backend: 'none' } } };
    const first = await openApp(options);
    const callId = await setup(first).catch((error: Error) => {
      throw new Error(`${error.message}\napp log:\n${first.app.output.slice(-40).join('\n')}`);
    });
    const db = first.app.databasePath;
    // The dialog is on disk, linked to the call's history row, before anything goes wrong.
    const cseqOnDisk = (): number =>
      readDb(db, (d) => {
        const r = d.prepare('SELECT dialog FROM open_dialogs WHERE history_call_id IS NOT NULL').get() as { dialog: string } | undefined;
        return r ? (JSON.parse(r.dialog) as { localCSeq: number }).localCSeq : -1;
      });
    await waitUntil(() => cseqOnDisk() >= minCSeq, { timeoutMs: 5000, what: `the dialog kept with CSeq >= ${minCSeq} (last: ${cseqOnDisk()})` });
    const kept = readDb(db, (d) => d.prepare('SELECT history_call_id, dialog FROM open_dialogs').get()) as {
      history_call_id: string;
      dialog: string;
    };
    expect(kept.history_call_id).toBe(callId);
    const facts = JSON.parse(kept.dialog) as { remoteTag: string; routeSet: string[]; remoteTarget: string; localCSeq: number };
    expect(facts.remoteTag).not.toBe('');
    expect(facts.routeSet.length).toBeGreaterThan(0); // Kamailio record-routes
    expect(facts.remoteTarget).toContain(`:${peer.port}`);
    expect(facts.localCSeq).toBeGreaterThanOrEqual(minCSeq);

    const [before] = await registrations(APP_USER);
    expect(before?.contacts).toHaveLength(1);
    const killedContact = before?.contacts[0];
    expect(killedContact?.instance).toMatch(/urn:uuid:[0-9a-f-]{36}/);

    first.app.process.kill('SIGKILL');
    await new Promise((resolve) => first.app.process.once('exit', resolve));
    first.phone.close();
    // The peer is still in the call: nobody told it otherwise.
    await sleep(1000);
    expect((await peer.listCalls()).length).toBe(1);

    const restartedAt = Date.now();
    const second = await openApp(options);
    await peer.waitFor('CALL_CLOSED', { timeoutMs: 10_000 });
    const endedAfterMs = Date.now() - restartedAt;
    expect((await peer.listCalls()).length).toBe(0);

    // The same installation registers again with the same +sip.instance: the registrar replaced the killed run's
    // binding (a new Contact port) instead of keeping both and forking every call to the dead one until it expired.
    const [after] = await registrations(APP_USER);
    expect(after?.contacts).toHaveLength(1);
    expect(after?.contacts[0]?.instance).toBe(killedContact?.instance);
    expect(after?.contacts[0]?.address).not.toBe(killedContact?.address);
    await waitUntil(() => readDb(db, (d) => d.prepare('SELECT 1 FROM open_dialogs').all().length === 0), { timeoutMs: 5000 });
    const page = must(await second.phone.invoke('listHistory', { query: {} }), 'history');
    const row = page.entries.find((e) => e.callId === callId);
    expect(row?.outcome).toBe('interrupted');
    expect(row?.recovery).toBe('bye-answered');
    await second.app.stop();
    console.log(`crash-recovery (${_what}): the peer's call ended ${endedAfterMs} ms after the app was started again (incl. its start-up)`);
  }, 90_000);
});
