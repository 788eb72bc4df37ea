import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, LATEST_SCHEMA_VERSION, openDatabase, StoreError } from '../../../main/store/database.js';
import { MIGRATIONS } from '../../../main/store/migrations.js';
import { tempDir } from './temp-db.js';

describe('openDatabase', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  const dir = () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    return t.dir;
  };

  it('creates the folders and the file, in WAL mode with foreign keys, at the latest schema', () => {
    const path = join(dir(), 'a', 'b', 'phone.sqlite');
    const db = openDatabase(path);
    expect(existsSync(path)).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['employees', 'employee_numbers', 'clients', 'client_numbers', 'orders', 'order_statuses', 'call_history']));
    closeDatabase(db);
    closeDatabase(db); // twice is harmless
    // reopening applies nothing new and keeps data
    const again = openDatabase(path);
    expect(again.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    closeDatabase(again);
  });

  it('applies only the missing migrations, in order', () => {
    const path = join(dir(), 'm.sqlite');
    const first = [...MIGRATIONS];
    closeDatabase(openDatabase(path, { migrations: first }));
    const next = [...first, { version: LATEST_SCHEMA_VERSION + 1, name: 'test', sql: 'CREATE TABLE extra (x INTEGER);' }];
    const db = openDatabase(path, { migrations: next });
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 1);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'extra'`).get()).toEqual({ n: 1 });
    closeDatabase(db);
  });

  it('refuses a newer schema with a clear message and leaves the file untouched', () => {
    const path = join(dir(), 'newer.sqlite');
    const raw = new BetterSqlite3(path);
    raw.exec('CREATE TABLE future (x)');
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    raw.close();
    const before = statSync(path);
    let error: unknown;
    try {
      openDatabase(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('schema-too-new');
    expect((error as StoreError).message).toMatch(/newer version of the app/);
    expect((error as StoreError).message).toContain(String(LATEST_SCHEMA_VERSION + 5));
    const check = new BetterSqlite3(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 5);
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(check.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'employees'`).get()).toEqual({ n: 0 });
    check.close();
    expect(statSync(path).size).toBe(before.size);
  });

  it('rolls back a failing migration and says which one failed', () => {
    const path = join(dir(), 'bad.sqlite');
    const bad = [...MIGRATIONS, { version: LATEST_SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE ok1 (x); SELEC nonsense;' }];
    expect(() => openDatabase(path, { migrations: bad })).toThrow(/migration .*broken/);
    const db = openDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'ok1'`).get()).toEqual({ n: 0 });
    closeDatabase(db);
  });

  it('keeps the explicit status table equal to the contract', async () => {
    const { UNFINISHED_ORDER_STATUSES, DRIVER_BUSY_ORDER_STATUSES } = await import('../../../shared/domain.js');
    const db = openDatabase(join(dir(), 's.sqlite'));
    const unfinished = (db.prepare(`SELECT status FROM order_statuses WHERE unfinished = 1`).all() as { status: string }[]).map((r) => r.status);
    const busy = (db.prepare(`SELECT status FROM order_statuses WHERE driver_busy = 1`).all() as { status: string }[]).map((r) => r.status);
    expect(new Set(unfinished)).toEqual(new Set(UNFINISHED_ORDER_STATUSES));
    expect(new Set(busy)).toEqual(new Set(DRIVER_BUSY_ORDER_STATUSES));
    closeDatabase(db);
  });

  it('holds the contract\'s order statuses, employee roles and history outcomes, no more, no fewer', async () => {
    // The migrations spell the lists out in SQL (a migration never changes); shared/domain.ts is the source.
    const { ORDER_STATUSES, EMPLOYEE_ROLES, HISTORY_OUTCOMES } = await import('../../../shared/domain.js');
    const db = openDatabase(join(dir(), 'lists.sqlite'));
    const statuses = (db.prepare(`SELECT status FROM order_statuses`).all() as { status: string }[]).map((r) => r.status);
    const outcomes = (db.prepare(`SELECT outcome FROM call_history_counts`).all() as { outcome: string }[]).map((r) => r.outcome);
    expect(new Set(statuses)).toEqual(new Set(ORDER_STATUSES));
    expect(new Set(outcomes)).toEqual(new Set(HISTORY_OUTCOMES));
    const accepts = (sql: string, value: string) => {
      try {
        db.prepare(sql).run(value);
        return true;
      } catch {
        return false;
      } finally {
        db.exec('DELETE FROM employees; DELETE FROM call_history');
      }
    };
    const role = `INSERT INTO employees (employee_id, surname, first_name, role) VALUES ('e1', 'S', 'F', ?)`;
    for (const r of EMPLOYEE_ROLES) expect(accepts(role, r)).toBe(true);
    expect(accepts(role, 'boss')).toBe(false);
    const outcome = `INSERT INTO call_history (call_id, direction, number, number_key, identity, started_at, outcome) VALUES ('c1', 'incoming', '1', '1', '{}', 0, ?)`;
    for (const o of HISTORY_OUTCOMES) expect(accepts(outcome, o)).toBe(true);
    expect(accepts(outcome, 'lost')).toBe(false);
    closeDatabase(db);
  });
});
