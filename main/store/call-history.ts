// The call history: a row is written the moment a call starts and updated on every change (answer,
// hold, transfer, end), so a crash loses nothing. Rows still 'in-progress' when the app starts again
// belonged to a process that died mid-call: markInterrupted() flags them. The app writes behind (at the end of
// the event-loop turn, see writeBehind), never later than the turn after the change.
import type { Statement } from 'better-sqlite3';
import {
  HISTORY_OUTCOMES,
  type CallDirection,
  type CallEndReason,
  type CallerIdentity,
  type HistoryEntry,
  type QualityRecord,
  type HistoryOutcome,
  type HistoryPage,
  type HistoryQuery,
  type HistoryRecovery,
} from '../../shared/domain.js';
import type { CallHistoryLog, HistoryCallFacts } from '../calls/ports.js';
import type { Cause } from '../../shared/facts.js';
import { normaliseNumber } from '../numbers/phone-numbers.js';
import type { Database } from './database.js';
import { StatementCache } from './statement-cache.js';

/** Outcomes of an incoming call nobody took: they go to the "missed, not called back" list. */
const MISSED_OUTCOMES: readonly HistoryOutcome[] = ['missed', 'cancelled-by-caller'];

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;

/** The outcome of a call from what is known about it (see HistoryOutcome), with the facts of a failure. */
export function deriveOutcome(facts: HistoryCallFacts): { outcome: HistoryOutcome; failureCause: Cause | null } {
  if (facts.endedAt === null) return { outcome: 'in-progress', failureCause: null };
  switch (facts.endReason) {
    case 'cancelled-by-caller':
      return { outcome: 'cancelled-by-caller', failureCause: null };
    case 'answered-elsewhere':
      return { outcome: 'answered-elsewhere', failureCause: null };
    case 'transferred':
      return { outcome: 'transferred', failureCause: null };
    case 'failed':
      return { outcome: 'failed', failureCause: facts.endCause };
  }
  if (facts.answeredAt !== null) return { outcome: 'answered', failureCause: null };
  if (facts.direction === 'incoming') return { outcome: 'missed', failureCause: null };
  // An outgoing call that never connected: busy, no answer, rejected, not found, hung up while ringing...
  return { outcome: 'failed', failureCause: facts.endCause };
}

/** failure_reason holds a Cause as JSON; rows from before held English text, kept as a technical detail. */
function parseCause(text: string | null): Cause | null {
  if (text === null) return null;
  try {
    const c = JSON.parse(text) as Cause;
    if (c && typeof c === 'object' && typeof c.kind === 'string') return c;
  } catch {
    // an older row
  }
  return { kind: 'error', detail: text };
}

/** Local midnight of a YYYY-MM-DD day and of the next day, in ms; null for no valid day. */
export function localDayRange(day: string): [number, number] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const start = new Date(y, mo - 1, d);
  if (start.getFullYear() !== y || start.getMonth() !== mo - 1 || start.getDate() !== d) return null;
  return [start.getTime(), new Date(y, mo - 1, d + 1).getTime()];
}

interface HistoryRow {
  history_id: number;
  call_id: string;
  direction: CallDirection;
  number: string;
  identity: string;
  handled_by: string | null;
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
  duration_seconds: number | null;
  outcome: HistoryOutcome;
  transferred_to: string | null;
  end_reason: CallEndReason | null;
  failure_reason: string | null;
  held_count: number;
  recovery: HistoryRecovery | null;
  worst_quality: string | null;
}

const COLUMNS = `history_id, call_id, direction, number, identity, handled_by, started_at, answered_at, ended_at,
  duration_seconds, outcome, transferred_to, end_reason, failure_reason, held_count, recovery, worst_quality`;

function parseQuality(text: string | null): QualityRecord | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as QualityRecord;
  } catch {
    return null;
  }
}

/** Calls whose worst figure is remembered in memory (to write only when it gets worse). */
const QUALITY_MEMORY = 64;

function parseIdentity(text: string): CallerIdentity {
  try {
    return JSON.parse(text) as CallerIdentity;
  } catch {
    return { kind: 'unknown', reason: 'unreadable' };
  }
}

function toEntry(row: HistoryRow): HistoryEntry {
  return {
    historyId: row.history_id,
    callId: row.call_id,
    direction: row.direction,
    number: row.number,
    identity: parseIdentity(row.identity),
    handledBy: row.handled_by,
    startedAt: row.started_at,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    durationSeconds: row.duration_seconds,
    outcome: row.outcome,
    transferredTo: row.transferred_to,
    endReason: row.end_reason,
    failureCause: parseCause(row.failure_reason),
    heldCount: row.held_count,
    ...(row.recovery !== null ? { recovery: row.recovery } : {}),
    worstQuality: parseQuality(row.worst_quality),
  };
}

export interface SqliteCallHistoryOptions {
  defaultRegion?: string;
  /**
   * Write-behind: a call's row is written at the end of the current event-loop turn (one transaction for all
   * rows the turn touched, the newest facts of each call) instead of inside it, so the SIP answer that the
   * turn is busy sending never waits for SQLite (a WAL checkpoint can take milliseconds). A write that fails
   * is kept and retried with the next one; onError hears of it once until a write succeeds again.
   */
  writeBehind?: { onError(message: string, callId: string): void };
}

export class SqliteCallHistory implements CallHistoryLog {
  private readonly region: string;
  private readonly upsertStmt: Statement;
  private readonly markStmt: Statement;
  private readonly byCallIdStmt: Statement<[string], HistoryRow>;
  private readonly missedStmt: Statement<unknown[], HistoryRow>;
  private readonly statements: StatementCache;
  private readonly writeBehind: SqliteCallHistoryOptions['writeBehind'];
  /** Write-behind: the newest facts of each call not yet on disk, in the order they last changed. */
  private readonly pending = new Map<string, HistoryCallFacts>();
  private flushTimer: NodeJS.Immediate | null = null;
  private readonly failingCalls = new Set<string>();
  private readonly writeBatch: (calls: HistoryCallFacts[]) => Array<[HistoryCallFacts, unknown]>;
  private readonly worst = new Map<string, number>();
  private qualityStmt: Statement | null = null;

  constructor(
    private readonly db: Database,
    options: SqliteCallHistoryOptions = {},
  ) {
    this.region = options.defaultRegion ?? 'RU';
    this.writeBehind = options.writeBehind;
    this.writeBatch = db.transaction((calls: HistoryCallFacts[]) => {
      const failed: Array<[HistoryCallFacts, unknown]> = [];
      for (const call of calls) {
        try {
          this.write(call);
        } catch (error) {
          failed.push([call, error]);
        }
      }
      return failed;
    });
    this.statements = new StatementCache(db);
    this.upsertStmt = db.prepare(`
      INSERT INTO call_history (call_id, direction, number, number_key, identity, handled_by, started_at, answered_at,
        ended_at, duration_seconds, outcome, end_reason, transferred_to, failure_reason, held_count)
      VALUES (@callId, @direction, @number, @numberKey, @identity, @handledBy, @startedAt, @answeredAt,
        @endedAt, @durationSeconds, @outcome, @endReason, @transferredTo, @failureReason, @heldCount)
      ON CONFLICT (call_id) DO UPDATE SET direction = excluded.direction, number = excluded.number,
        number_key = excluded.number_key, identity = excluded.identity, handled_by = excluded.handled_by,
        started_at = excluded.started_at, answered_at = excluded.answered_at, ended_at = excluded.ended_at,
        duration_seconds = excluded.duration_seconds, outcome = excluded.outcome, end_reason = excluded.end_reason,
        transferred_to = excluded.transferred_to, failure_reason = excluded.failure_reason,
        held_count = excluded.held_count`);
    this.markStmt = db.prepare(`UPDATE call_history SET outcome = 'interrupted' WHERE outcome = 'in-progress'`);
    this.byCallIdStmt = db.prepare(`SELECT ${COLUMNS} FROM call_history WHERE call_id = ?`);
    const missed = MISSED_OUTCOMES.map(() => '?').join(', ');
    // The latest missed incoming call per number with no connected call (either way) to or from that
    // number after it.
    this.missedStmt = db.prepare(`
      SELECT ${COLUMNS} FROM call_history h
      WHERE h.outcome IN (${missed}) AND h.direction = 'incoming'
        AND NOT EXISTS (SELECT 1 FROM call_history l
                        WHERE l.number_key = h.number_key AND l.started_at >= h.started_at
                          AND l.history_id <> h.history_id
                          AND (l.answered_at IS NOT NULL
                               OR (l.direction = 'incoming' AND l.outcome IN (${missed}) AND l.started_at > h.started_at)))
      ORDER BY h.started_at DESC, h.history_id DESC
      LIMIT ?`);
  }

  private stmt(sql: string): Statement {
    return this.statements.get(sql);
  }

  callStarted(call: HistoryCallFacts): void {
    this.record(call);
  }

  callUpdated(call: HistoryCallFacts): void {
    this.record(call);
  }

  private record(call: HistoryCallFacts): void {
    if (!this.writeBehind) {
      this.write(call);
      return;
    }
    this.pending.delete(call.callId);
    this.pending.set(call.callId, call);
    this.flushTimer ??= setImmediate(() => {
      this.flushTimer = null;
      this.flush();
    });
  }

  /** Write-behind: writes what waits now. Reads do it first; the owner does it before closing the database. */
  flush(): void {
    if (this.flushTimer) {
      clearImmediate(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    let failed: Array<[HistoryCallFacts, unknown]>;
    try {
      failed = this.writeBatch(batch);
    } catch (error) {
      failed = batch.map((call) => [call, error]); // the commit itself failed: none of them is on disk
    }
    const failedIds = new Set(failed.map(([call]) => call.callId));
    for (const call of batch) if (!failedIds.has(call.callId)) this.failingCalls.delete(call.callId);
    for (const [call, error] of failed) {
      // Kept for the next write, unless newer facts of the call came in meanwhile.
      if (!this.pending.has(call.callId)) this.pending.set(call.callId, call);
      if (this.failingCalls.has(call.callId)) continue;
      this.failingCalls.add(call.callId);
      this.writeBehind?.onError(error instanceof Error ? error.message : String(error), call.callId);
    }
  }

  private write(call: HistoryCallFacts): void {
    const { outcome, failureCause } = deriveOutcome(call);
    const duration =
      call.answeredAt !== null && call.endedAt !== null ? Math.max(0, Math.round((call.endedAt - call.answeredAt) / 1000)) : null;
    this.upsertStmt.run({
      callId: call.callId,
      direction: call.direction,
      number: call.number ?? '',
      numberKey: this.numberKey(call.number ?? ''),
      identity: JSON.stringify(call.identity ?? { kind: 'unknown', reason: 'failed' }),
      handledBy: call.handledBy,
      startedAt: call.startedAt,
      answeredAt: call.answeredAt,
      endedAt: call.endedAt,
      durationSeconds: duration,
      outcome,
      endReason: call.endReason,
      transferredTo: outcome === 'transferred' ? call.transferredTo : null,
      failureReason: failureCause === null ? null : JSON.stringify(failureCause),
      heldCount: call.heldCount ?? 0,
    });
  }

  private numberKey(number: string): string {
    return normaliseNumber(number, this.region) ?? number.trim();
  }

  /**
   * Media's quality figure for a call, seen now: the row keeps the worst one (lowest MOS). Written only
   * when it gets worse, so calling this every second costs nothing while the line holds.
   */
  noteQuality(callId: string, figure: QualityRecord): void {
    const known = this.worst.get(callId);
    if (known !== undefined && known <= figure.mos) return;
    this.flush(); // the row may still be waiting in the write-behind
    this.qualityStmt ??= this.db.prepare(`UPDATE call_history SET worst_quality = ? WHERE call_id = ?`);
    if (this.qualityStmt.run(JSON.stringify(figure), callId).changes === 0) return; // no row (yet): try next time
    this.worst.delete(callId);
    this.worst.set(callId, figure.mos);
    if (this.worst.size > QUALITY_MEMORY) this.worst.delete(this.worst.keys().next().value!);
  }

  /** At start: calls a dead process left 'in-progress' become 'interrupted'. Returns how many. */
  markInterrupted(): number {
    return this.markStmt.run().changes;
  }

  get(callId: string): HistoryEntry | null {
    this.flush();
    const row = this.byCallIdStmt.get(callId);
    return row ? toEntry(row) : null;
  }

  /** Newest first; filter by local day (YYYY-MM-DD), number (any usual format) and outcome. */
  query(query: HistoryQuery = {}): HistoryPage {
    this.flush();
    const pageSize = clampInt(query.pageSize, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const page = clampInt(query.page, 0, 0, 1_000_000);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.day !== undefined && query.day !== '') {
      const range = localDayRange(query.day);
      if (!range) return { entries: [], total: 0, page, pageSize };
      where.push('started_at >= ? AND started_at < ?');
      params.push(range[0], range[1]);
    }
    if (query.number !== undefined && query.number.trim() !== '') {
      where.push('number_key = ?');
      params.push(this.numberKey(query.number));
    }
    if (query.outcome !== undefined) {
      if (!HISTORY_OUTCOMES.includes(query.outcome)) return { entries: [], total: 0, page, pageSize };
      where.push('outcome = ?');
      params.push(query.outcome);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    // Without a day or a number the total comes from the per-outcome counters (a count(*) would walk
    // hundreds of thousands of index entries).
    const narrow = where.length > 0 && !(where.length === 1 && query.outcome !== undefined);
    const total = narrow
      ? (this.stmt(`SELECT count(*) AS n FROM call_history ${clause}`).get(...params) as { n: number }).n
      : query.outcome !== undefined
        ? ((this.stmt(`SELECT n FROM call_history_counts WHERE outcome = ?`).get(query.outcome) as { n: number } | undefined)?.n ?? 0)
        : (this.stmt(`SELECT COALESCE(SUM(n), 0) AS n FROM call_history_counts`).get() as { n: number }).n;
    const rows = this.stmt(
      `SELECT ${COLUMNS} FROM call_history ${clause} ORDER BY started_at DESC, history_id DESC LIMIT ? OFFSET ?`,
    ).all(...params, pageSize, page * pageSize) as HistoryRow[];
    return { entries: rows.map(toEntry), total, page, pageSize };
  }

  /** Missed incoming calls (missed or the caller gave up) not followed by any connected call with that number; newest first, one per number. */
  missedNotCalledBack(limit: number = DEFAULT_PAGE_SIZE): HistoryEntry[] {
    this.flush();
    return this.missedStmt.all(...MISSED_OUTCOMES, ...MISSED_OUTCOMES, clampInt(limit, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)).map(toEntry);
  }
}

function clampInt(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.max(min, Math.min(max, Math.floor(value)));
}
