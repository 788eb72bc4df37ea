// Opens the one SQLite file of the app (better-sqlite3, WAL), applying numbered migrations at start.
// A file written by a newer version of the app is refused, never altered.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.js';

export type Database = BetterSqlite3.Database;

/** A storage problem the app must show as is (the message is meant for a person). */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: 'schema-too-new' | 'migration-failed' | 'open-failed',
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** The default database file inside the user's data folder (Electron: app.getPath('userData')). */
function defaultDatabasePath(userDataDir: string): string {
  return join(userDataDir, 'dispatch-phone.sqlite');
}

/**
 * Where Electron puts userData for this app ("dispatch-phone") on each platform, for tools that run
 * without Electron (the import CLI). DISPATCH_PHONE_DB overrides the whole path.
 */
function defaultUserDataDir(): string {
  const home = homedir();
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'dispatch-phone');
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'dispatch-phone');
  return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'dispatch-phone');
}

export function resolveDatabasePath(explicit?: string | null): string {
  return explicit ?? process.env.DISPATCH_PHONE_DB ?? defaultDatabasePath(defaultUserDataDir());
}

export interface OpenOptions {
  /** Migrations to apply; tests pass their own. Defaults to the app's MIGRATIONS. */
  migrations?: readonly Migration[];
}

/**
 * Opens (creating folders and file if needed) the database at `path`: WAL journal, foreign keys on,
 * synchronous=NORMAL (in WAL mode a killed process loses nothing committed; only a power cut can lose
 * the last transactions), then applies missing migrations, each in its own transaction.
 * Throws StoreError('schema-too-new') if the file's schema is newer than this app knows.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Database;
  try {
    db = new BetterSqlite3(path);
  } catch (error) {
    throw new StoreError(`Cannot open the database file ${path}: ${(error as Error).message}`, 'open-failed');
  }
  try {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > latest) {
      throw new StoreError(
        `The database ${path} has schema version ${current}, but this version of Dispatch Phone knows only up to ` +
          `${latest}. It was written by a newer version of the app; update the app (the file was left untouched).`,
        'schema-too-new',
      );
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      try {
        db.transaction(() => {
          db.exec(migration.sql);
          db.pragma(`user_version = ${migration.version}`);
        }).immediate();
      } catch (error) {
        throw new StoreError(
          `Database migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`,
          'migration-failed',
        );
      }
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Checkpoints the WAL into the main file and closes. Safe to call twice. */
export function closeDatabase(db: Database): void {
  if (!db.open) return;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // another connection may hold the WAL; closing is still safe
  }
  db.close();
}

export { LATEST_SCHEMA_VERSION };
