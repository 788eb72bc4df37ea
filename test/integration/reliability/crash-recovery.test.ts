// Nothing left dangling after a crash: the web host is killed (SIGKILL) in the middle of a call with a
// baresip peer through Kamailio. baresip stays in the call (no BYE came, and it has no RTP timeout). At the
// next start the app sends a BYE from what it kept of the dialog, the peer's call ends within a few
// seconds, and the history row says the call was interrupted and its dialog ended after the restart.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, startBaresip, waitUntil } from '../../lab/peers.js';
import type { BaresipPeer } from '../../lab/peers.js';
import { must, onCleanup, openApp, runCleanups, waitCall } from './helpers.js';

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

describe('kill -9 of the app mid-call', () => {
  it('ends the orphaned dialog with a BYE at the next start, and the history says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dispatch-crash-recovery-'));
    const options = { user: APP_USER, dir, config: { audio: { backend: 'none' } } };
    const first = await openApp(options);
    const { callId } = must(await first.phone.invoke('dial', { target: PEER_USER }), 'dial');
    await waitCall(first.phone, callId, (c) => c.state === 'active', 'active');
    await peer.waitFor('CALL_ESTABLISHED');
    const db = first.app.databasePath;
    // The dialog is on disk, linked to the call's history row, before anything goes wrong.
    await waitUntil(() => readDb(db, (d) => d.prepare('SELECT history_call_id FROM open_dialogs').all().length === 1), {
      timeoutMs: 5000,
    });
    const kept = readDb(db, (d) => d.prepare('SELECT history_call_id, dialog FROM open_dialogs').get()) as {
      history_call_id: string;
      dialog: string;
    };
    expect(kept.history_call_id).toBe(callId);
    const facts = JSON.parse(kept.dialog) as { callId: string; remoteTag: string; routeSet: string[]; remoteTarget: string };
    expect(facts.remoteTag).not.toBe('');
    expect(facts.routeSet.length).toBeGreaterThan(0); // Kamailio record-routes
    expect(facts.remoteTarget).toContain(`:${peer.port}`);

    first.app.process.kill('SIGKILL');
    await new Promise((resolve) => first.app.process.once('exit', resolve));
    first.phone.close();
    // The peer is still in the call: nobody told it otherwise.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await peer.listCalls()).length).toBe(1);

    const restartedAt = Date.now();
    const second = await openApp(options);
    await peer.waitFor('CALL_CLOSED', { timeoutMs: 10_000 });
    const endedAfterMs = Date.now() - restartedAt;
    expect((await peer.listCalls()).length).toBe(0);

    await waitUntil(() => readDb(db, (d) => d.prepare('SELECT 1 FROM open_dialogs').all().length === 0), { timeoutMs: 5000 });
    const page = must(await second.phone.invoke('listHistory', { query: {} }), 'history');
    const row = page.entries.find((e) => e.callId === callId);
    expect(row?.outcome).toBe('interrupted');
    expect(row?.recovery).toBe('bye-answered');
    console.log(`crash-recovery: peer's call ended ${endedAfterMs} ms after the app was started again (incl. its start-up)`);
  }, 90_000);
});
