// After kill -9 of the app mid-call, the history row is there and is marked interrupted at the next start.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCallHistory } from '../../../main/store/call-history.js';
import { closeDatabase, openDatabase } from '../../../main/store/database.js';

describe('call history survives kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dispatch-phone-crash-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the in-progress row and marks it interrupted at the next start', async () => {
    const path = join(dir, 'phone.sqlite');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crash-child.ts'), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // the process died without closing: the WAL is still there, uncheckpointed
    expect(existsSync(`${path}-wal`)).toBe(true);

    const db = openDatabase(path);
    const history = new SqliteCallHistory(db);
    expect(history.get('crash-call')).toMatchObject({ outcome: 'in-progress', heldCount: 1, handledBy: '1001' });
    expect(history.markInterrupted()).toBe(1);
    const row = history.get('crash-call')!;
    expect(row.outcome).toBe('interrupted');
    expect(row.answeredAt).not.toBeNull();
    expect(row.number).toBe('+79161230001');
    closeDatabase(db);
  });
});
