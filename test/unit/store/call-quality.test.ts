// The history keeps each call's worst media quality figure (schema 4), across a reopen.
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCallHistory } from '../../../main/store/call-history.js';
import { closeDatabase, openDatabase } from '../../../main/store/database.js';
import { tempDb, type TempDb } from './temp-db.js';

let t: TempDb | null = null;
afterEach(() => {
  t?.cleanup();
  t = null;
});

describe('worst quality per call', () => {
  it('keeps the lowest MOS seen, not the last, and survives a reopen; a call never measured has none', () => {
    t = tempDb();
    const history = new SqliteCallHistory(t.db);
    const base = { direction: 'incoming' as const, number: '+79161230001', identity: { kind: 'new-client' as const }, handledBy: '1001', startedAt: 1000, answeredAt: 2000, endedAt: null, heldCount: 0, endReason: null, endCause: null, transferredTo: null };
    history.callStarted({ ...base, callId: 'c1' });
    history.callStarted({ ...base, callId: 'c2' });
    history.noteQuality('c1', { mos: 4.4, quality: 'good', lossPercent: 0, jitterMs: 1, rttMs: 2 });
    history.noteQuality('c1', { mos: 2.9, quality: 'poor', lossPercent: 10, jitterMs: 25, rttMs: 40 });
    history.noteQuality('c1', { mos: 3.8, quality: 'fair', lossPercent: 4, jitterMs: 12, rttMs: 30 });
    expect(history.get('c1')!.worstQuality).toEqual({ mos: 2.9, quality: 'poor', lossPercent: 10, jitterMs: 25, rttMs: 40 });
    history.callUpdated({ ...base, callId: 'c1', endedAt: 9000, endReason: 'hung-up-remote' });
    expect(history.get('c1')!.worstQuality?.mos).toBe(2.9); // the end of the call does not erase it
    expect(history.get('c2')!.worstQuality).toBeNull();
    const file = t.path;
    closeDatabase(t.db);
    const db = openDatabase(file);
    try {
      expect(new SqliteCallHistory(db).get('c1')!.worstQuality?.quality).toBe('poor');
    } finally {
      closeDatabase(db);
    }
  });
});
