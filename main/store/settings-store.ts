// Workstation settings survive a restart: one JSON value per key in the settings table.
import type { AudioRouting, Settings } from '../../shared/domain.js';
import type { Database } from './database.js';

export class SettingsStore {
  private readonly getStmt;
  private readonly putStmt;

  constructor(db: Database) {
    this.getStmt = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.putStmt = db.prepare<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  /** Stored settings over the defaults; a stored value that no longer parses is ignored. */
  settings(defaults: Settings): Settings {
    const stored = this.read<Partial<Settings>>('settings') ?? {};
    return { ...defaults, ...stored, shortcuts: { ...defaults.shortcuts, ...stored.shortcuts } };
  }

  saveSettings(settings: Settings): void {
    this.putStmt.run('settings', JSON.stringify(settings));
  }

  routing(): Partial<AudioRouting> | null {
    return this.read<Partial<AudioRouting>>('audioRouting');
  }

  saveRouting(routing: AudioRouting): void {
    this.putStmt.run('audioRouting', JSON.stringify(routing));
  }

  private read<T>(key: string): T | null {
    const row = this.getStmt.get(key);
    if (!row) return null;
    try {
      return JSON.parse(row.value) as T;
    } catch {
      return null;
    }
  }
}
