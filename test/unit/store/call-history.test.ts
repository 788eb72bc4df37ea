import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryCallFacts } from '../../../main/calls/ports.js';
import type { Cause } from '../../../shared/facts.js';
import { deriveOutcome, localDayRange, SqliteCallHistory } from '../../../main/store/call-history.js';
import { closeDatabase, openDatabase } from '../../../main/store/database.js';
import { tempDb, type TempDb } from './temp-db.js';

const day = (iso: string) => new Date(iso).getTime(); // local time (no Z)

function facts(over: Partial<HistoryCallFacts> = {}): HistoryCallFacts {
  return {
    callId: 'c1',
    direction: 'incoming',
    number: '+79161230001',
    identity: { kind: 'new-client' },
    handledBy: '1001',
    startedAt: day('2024-05-01T10:00:00'),
    answeredAt: null,
    endedAt: null,
    heldCount: 0,
    endReason: null,
    transferredTo: null,
    endCause: null,
    ...over,
  };
}

describe('deriveOutcome', () => {
  const S = 1000;
  const sip = (code: number, phrase: string): Cause => ({ kind: 'sip', code, phrase });
  it.each<[Partial<HistoryCallFacts>, string, Cause | null]>([
    [{}, 'in-progress', null],
    [{ answeredAt: S }, 'in-progress', null],
    [{ endedAt: S, endReason: 'cancelled-by-caller' }, 'cancelled-by-caller', null],
    [{ endedAt: S, endReason: 'connection-lost' }, 'missed', null],
    [{ endedAt: S, endReason: 'answered-elsewhere' }, 'answered-elsewhere', null],
    [{ answeredAt: S, endedAt: S, endReason: 'transferred', transferredTo: '1002' }, 'transferred', null],
    [{ endedAt: S, endReason: 'failed', endCause: sip(488, 'Not Acceptable Here') }, 'failed', sip(488, 'Not Acceptable Here')],
    [{ answeredAt: S, endedAt: S, endReason: 'hung-up-remote' }, 'answered', null],
    [{ direction: 'outgoing', endedAt: S, endReason: 'busy' }, 'failed', null],
    [{ direction: 'outgoing', endedAt: S, endReason: 'busy', endCause: sip(486, 'Busy Here') }, 'failed', sip(486, 'Busy Here')],
    [{ direction: 'outgoing', answeredAt: S, endedAt: S, endReason: 'hung-up-local' }, 'answered', null],
  ])('%j -> %s', (over, outcome, reason) => {
    expect(deriveOutcome(facts(over))).toEqual({ outcome, failureCause: reason });
  });
});

describe('localDayRange', () => {
  it('is local midnight to midnight and refuses nonsense', () => {
    expect(localDayRange('2024-05-01')).toEqual([day('2024-05-01T00:00:00'), day('2024-05-02T00:00:00')]);
    expect(localDayRange('2024-02-30')).toBeNull();
    expect(localDayRange("2024-05-01' OR 1=1")).toBeNull();
  });
});

describe('SqliteCallHistory', () => {
  let t: TempDb;
  let history: SqliteCallHistory;
  beforeEach(() => {
    t = tempDb();
    history = new SqliteCallHistory(t.db, { defaultRegion: 'RU' });
  });
  afterEach(() => t.cleanup());

  it('writes a row when the call starts and updates it through answer, hold, transfer and end', () => {
    const start = facts({ identity: { kind: 'client', clientId: '1', name: "О'Коннор", unfinishedOrders: [] } });
    history.callStarted(start);
    expect(history.get('c1')).toMatchObject({ outcome: 'in-progress', answeredAt: null, durationSeconds: null, handledBy: '1001' });
    history.callUpdated({ ...start, answeredAt: start.startedAt + 5_000 });
    history.callUpdated({ ...start, answeredAt: start.startedAt + 5_000, heldCount: 1 });
    history.callUpdated({
      ...start,
      answeredAt: start.startedAt + 5_000,
      heldCount: 1,
      endedAt: start.startedAt + 65_400,
      endReason: 'transferred',
      transferredTo: 'sip:1002@pbx',
    });
    const entry = history.get('c1')!;
    expect(entry).toMatchObject({
      callId: 'c1',
      direction: 'incoming',
      number: '+79161230001',
      identity: { kind: 'client', name: "О'Коннор" },
      outcome: 'transferred',
      transferredTo: 'sip:1002@pbx',
      heldCount: 1,
      durationSeconds: 60,
      endedAt: start.startedAt + 65_400,
    });
    expect(history.query({}).total).toBe(1);
  });

  function fill() {
    const rows: Partial<HistoryCallFacts>[] = [
      { callId: 'a', startedAt: day('2024-05-01T08:00:00'), endedAt: day('2024-05-01T08:00:20'), endReason: 'cancelled-by-caller', number: '+79161230001' },
      { callId: 'b', startedAt: day('2024-05-01T09:00:00'), answeredAt: day('2024-05-01T09:00:05'), endedAt: day('2024-05-01T09:01:05'), endReason: 'hung-up-remote', number: '8 916 123-00-02' },
      { callId: 'c', startedAt: day('2024-05-01T23:59:59'), endedAt: day('2024-05-02T00:00:10'), endReason: 'connection-lost', number: '+79161230002' },
      { callId: 'd', startedAt: day('2024-05-02T00:00:00'), endedAt: day('2024-05-02T00:00:10'), endReason: 'cancelled-by-caller', number: '+79161230003' },
      { callId: 'e', startedAt: day('2024-05-02T10:00:00'), endedAt: day('2024-05-02T10:00:30'), endReason: 'cancelled-by-caller', number: '+79161230003' },
      { callId: 'f', startedAt: day('2024-05-02T11:00:00'), endedAt: day('2024-05-02T11:00:30'), endReason: 'answered-elsewhere', number: '+79161230004' },
      { callId: 'g', direction: 'outgoing', startedAt: day('2024-05-02T12:00:00'), endedAt: day('2024-05-02T12:00:30'), endReason: 'no-answer', number: '+79161230001' },
      { callId: 'h', startedAt: day('2024-05-02T13:00:00'), endedAt: day('2024-05-02T13:00:01'), endReason: 'cancelled-by-caller', number: '2001' },
    ];
    for (const r of rows) history.callStarted(facts(r));
  }

  it('queries by day (local), number in any format, outcome, with paging newest first', () => {
    fill();
    expect(history.query({ day: '2024-05-01' }).entries.map((e) => e.callId)).toEqual(['c', 'b', 'a']);
    expect(history.query({ day: '2024-05-02' }).total).toBe(5);
    expect(history.query({ day: '2024-05-03' })).toEqual({ entries: [], total: 0, page: 0, pageSize: 50 });
    expect(history.query({ number: '8 (916) 123-00-02' }).entries.map((e) => e.callId)).toEqual(['c', 'b']);
    expect(history.query({ number: '79161230003' }).entries.map((e) => e.callId)).toEqual(['e', 'd']);
    expect(history.query({ outcome: 'missed' }).entries.map((e) => e.callId)).toEqual(['c']);
    expect(history.query({ outcome: 'cancelled-by-caller', day: '2024-05-02' }).entries.map((e) => e.callId)).toEqual(['h', 'e', 'd']);
    const p0 = history.query({ pageSize: 3, page: 0 });
    const p1 = history.query({ pageSize: 3, page: 1 });
    const p2 = history.query({ pageSize: 3, page: 2 });
    expect([p0, p1, p2].map((p) => p.entries.map((e) => e.callId))).toEqual([['h', 'g', 'f'], ['e', 'd', 'c'], ['b', 'a']]);
    expect(p1).toMatchObject({ total: 8, page: 1, pageSize: 3 });
    expect(history.query({ outcome: 'cancelled-by-caller' }).total).toBe(4);
    expect(history.query({ outcome: 'in-progress' }).total).toBe(0);
    expect(history.query({ number: "' OR 1=1 --" }).total).toBe(0);
    expect(history.query({ outcome: 'nonsense' as never }).total).toBe(0);
  });

  it('lists missed calls not called back, newest per number', () => {
    fill();
    // a: +..0001 missed, later outgoing g to it was not answered -> still not called back
    // c: +..0002 missed after answered b -> not called back
    // d, e: +..0003 missed twice -> only e
    // f: answered elsewhere -> not missed. h: 2001 missed.
    expect(history.missedNotCalledBack(10).map((e) => e.callId)).toEqual(['h', 'e', 'c', 'a']);
    history.callStarted(facts({ callId: 'i', direction: 'outgoing', number: '+7 916 123-00-01', startedAt: day('2024-05-02T14:00:00'), answeredAt: day('2024-05-02T14:00:05') }));
    history.callStarted(facts({ callId: 'j', number: '+79161230003', startedAt: day('2024-05-02T15:00:00'), answeredAt: day('2024-05-02T15:00:02'), endedAt: day('2024-05-02T15:01:00'), endReason: 'hung-up-local' }));
    expect(history.missedNotCalledBack(10).map((e) => e.callId)).toEqual(['h', 'c']);
    expect(history.missedNotCalledBack(1).map((e) => e.callId)).toEqual(['h']);
  });

  it('marks calls left in progress as interrupted (at the next start)', () => {
    history.callStarted(facts({ callId: 'x' }));
    history.callStarted(facts({ callId: 'y', answeredAt: day('2024-05-01T10:00:03') }));
    history.callStarted(facts({ callId: 'z', endedAt: day('2024-05-01T10:00:03'), endReason: 'cancelled-by-caller' }));
    closeDatabase(t.db);
    const db = openDatabase(t.path);
    const again = new SqliteCallHistory(db);
    expect(again.markInterrupted()).toBe(2);
    expect(again.markInterrupted()).toBe(0);
    expect(again.query({ outcome: 'interrupted' }).entries.map((e) => e.callId).sort()).toEqual(['x', 'y']);
    expect(again.get('z')!.outcome).toBe('cancelled-by-caller');
    expect(again.query({ outcome: 'in-progress' }).total).toBe(0);
    expect(again.query({ outcome: 'interrupted' }).total).toBe(2);
    expect(again.query({}).total).toBe(3);
    closeDatabase(db);
  });
});

describe('SqliteCallHistory writing behind', () => {
  let t: TempDb;
  afterEach(() => t.cleanup());
  const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

  it('writes at the end of the turn, the newest facts of each call in one go, and reads see pending rows', async () => {
    t = tempDb();
    const errors: string[] = [];
    const history = new SqliteCallHistory(t.db, { writeBehind: { onError: (m) => errors.push(m) } });
    const onDisk = openDatabase(t.path); // a second connection sees only what is committed
    const rowsOnDisk = () => onDisk.prepare('SELECT call_id, held_count FROM call_history ORDER BY call_id').all();
    try {
      history.callStarted(facts({ callId: 'w1' }));
      history.callUpdated(facts({ callId: 'w1', answeredAt: day('2024-05-01T10:00:05'), heldCount: 2 }));
      history.callStarted(facts({ callId: 'w2' }));
      expect(rowsOnDisk()).toEqual([]);
      await nextTurn();
      expect(rowsOnDisk()).toEqual([
        { call_id: 'w1', held_count: 2 },
        { call_id: 'w2', held_count: 0 },
      ]);
      history.callUpdated(facts({ callId: 'w2', heldCount: 1 }));
      expect(history.get('w2')?.heldCount).toBe(1); // a read writes what waits first
      expect(rowsOnDisk()).toContainEqual({ call_id: 'w2', held_count: 1 });
      expect(errors).toEqual([]);
    } finally {
      closeDatabase(onDisk);
    }
  });

  it('keeps a row whose write failed, says so once, and writes it with the next write', async () => {
    t = tempDb();
    const errors: Array<[string, string]> = [];
    const history = new SqliteCallHistory(t.db, { writeBehind: { onError: (m, callId) => errors.push([m, callId]) } });
    // Another connection holds the write lock: our commits fail with SQLITE_BUSY once the timeout runs out.
    t.db.pragma('busy_timeout = 0');
    const blocker = openDatabase(t.path);
    try {
      blocker.exec('BEGIN IMMEDIATE');
      history.callStarted(facts({ callId: 'b1' }));
      await nextTurn();
      history.callUpdated(facts({ callId: 'b1', heldCount: 1 }));
      await nextTurn();
      expect(errors.map(([, id]) => id)).toEqual(['b1']);
      expect(errors[0]![0]).toMatch(/lock/i);
      blocker.exec('COMMIT');
      history.callStarted(facts({ callId: 'b2' }));
      await nextTurn();
      expect(history.get('b1')).toMatchObject({ heldCount: 1 });
      expect(history.get('b2')).not.toBeNull();
    } finally {
      closeDatabase(blocker);
    }
  });
});
