// Workstation settings survive a restart: one JSON value per key in the settings table. The settings value is
// versioned (settings-migrations.ts): one written by an older release is brought up to date when read.
import { randomUUID } from 'node:crypto';
import type { AudioRouting, Settings } from '../../shared/domain.js';
import type { Database } from './database.js';
import { migrateSettings, SETTINGS_VERSION, type StoredSettings } from './settings-migrations.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class SettingsStore {
  private readonly getStmt;
  private readonly putStmt;

  constructor(db: Database) {
    this.getStmt = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.putStmt = db.prepare<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  /** Stored settings over the defaults; a stored value that no longer parses is ignored, an older one migrated. */
  settings(defaults: Settings): Settings {
    const raw = this.read<unknown>('settings');
    const { settings: stored, migrated } = migrateSettings(raw ?? {});
    // Written back at once: the steps run once, and a later release reads what this one decided.
    if (raw !== null && migrated) this.write(stored);
    return { ...defaults, ...stored, shortcuts: { ...defaults.shortcuts, ...stored.shortcuts } };
  }

  saveSettings(settings: Settings): void {
    this.write(settings);
  }

  private write(settings: Partial<Settings>): void {
    const stored: StoredSettings = { ...settings, settingsVersion: SETTINGS_VERSION };
    this.putStmt.run('settings', JSON.stringify(stored));
  }

  routing(): Partial<AudioRouting> | null {
    return this.read<Partial<AudioRouting>>('audioRouting');
  }

  saveRouting(routing: AudioRouting): void {
    this.putStmt.run('audioRouting', JSON.stringify(routing));
  }

  /** This installation's SIP instance UUID (+sip.instance), made at the first start and kept. */
  sipInstanceId(): string {
    const kept = this.read<unknown>('sipInstanceId');
    if (typeof kept === 'string' && UUID.test(kept)) return kept;
    const made = randomUUID();
    this.putStmt.run('sipInstanceId', JSON.stringify(made));
    return made;
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
