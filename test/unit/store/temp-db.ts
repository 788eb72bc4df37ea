// Real temporary database files for tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDatabase, openDatabase, type Database } from '../../../main/store/database.js';

export interface TempDb {
  dir: string;
  path: string;
  db: Database;
  cleanup(): void;
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'dispatch-phone-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function tempDb(): TempDb {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'nested', 'data', 'dispatch.sqlite');
  const db = openDatabase(path);
  return {
    dir,
    path,
    db,
    cleanup: () => {
      closeDatabase(db);
      cleanup();
    },
  };
}
