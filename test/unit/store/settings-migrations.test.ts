// Settings written by a release before versioned settings carry the old global shortcuts on bare F2-F5, which
// took those keys from every program (F5 reloads the browser-based order system). Reading them moves the bare
// F-keys to the Ctrl+Shift defaults once; what the dispatcher chose otherwise stays.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../../main/store/database.js';
import { migrateSettings, SETTINGS_STEPS, SETTINGS_VERSION } from '../../../main/store/settings-migrations.js';
import { SettingsStore } from '../../../main/store/settings-store.js';
import type { Settings } from '../../../shared/domain.js';
import { DEFAULT_GLOBAL_SHORTCUTS } from '../../../shared/keymap.js';

const defaults: Settings = { locale: 'ru', ringVolume: 1, shortcuts: DEFAULT_GLOBAL_SHORTCUTS };
/** What the release before versioned settings wrote (its defaults: answer F2, hold F3, transfer F4, hangup F5). */
const oldRelease = { locale: 'en', ringVolume: 0.4, shortcuts: { answer: 'F2', hold: 'F3', transfer: 'F4', hangup: 'F5' } };

function storeWith(value: unknown): { store: SettingsStore; row: () => unknown; close: () => void; reopen: () => SettingsStore } {
  const path = join(mkdtempSync(join(tmpdir(), 'settings-migrate-')), 'phone.db');
  let db = openDatabase(path);
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('settings', JSON.stringify(value));
  const row = () => JSON.parse((db.prepare('SELECT value FROM settings WHERE key = ?').get('settings') as { value: string }).value) as unknown;
  return {
    store: new SettingsStore(db),
    row,
    close: () => closeDatabase(db),
    reopen: () => {
      closeDatabase(db);
      db = openDatabase(path);
      return new SettingsStore(db);
    },
  };
}

describe('settings migrations', () => {
  it("moves an older release's bare F2-F5 global shortcuts to the Ctrl+Shift defaults, keeps the rest, and writes it back once", () => {
    const s = storeWith(oldRelease);
    const settings = s.store.settings(defaults);
    expect(settings.shortcuts).toEqual({ answer: 'Ctrl+Shift+F2', hold: 'Ctrl+Shift+F3', transfer: 'Ctrl+Shift+F8', hangup: 'Ctrl+Shift+F4' });
    expect(Object.values(settings.shortcuts).some((a) => /^F\d+$/.test(a))).toBe(false);
    expect(settings).toMatchObject({ locale: 'en', ringVolume: 0.4 });
    expect(s.row()).toMatchObject({ settingsVersion: SETTINGS_VERSION, shortcuts: settings.shortcuts });
    // Chosen after the upgrade, a bare F-key is the dispatcher's own decision: a current value is not migrated.
    s.store.saveSettings({ ...settings, shortcuts: { ...settings.shortcuts, hangup: 'F9' } });
    expect(s.reopen().settings(defaults).shortcuts.hangup).toBe('F9');
    s.close();
  });

  it("keeps what the dispatcher set in the old release that is no bare F-key, and a default another action holds is not given twice", () => {
    const { settings, migrated, from } = migrateSettings({
      locale: 'ru',
      shortcuts: { answer: 'Ctrl+Alt+A', hold: 'f3', transfer: '', hangup: 'Ctrl+Shift+F3' },
      mediaKeys: false,
    });
    expect(from).toBe(0);
    expect(migrated).toBe(true);
    // hold was a bare F-key, but hangup holds Ctrl+Shift+F3 now: hold is left off rather than doubled.
    expect(settings).toEqual({ locale: 'ru', shortcuts: { answer: 'Ctrl+Alt+A', hold: '', transfer: '', hangup: 'Ctrl+Shift+F3' }, mediaKeys: false });
  });

  it('leaves current and newer values as they are, and takes anything that is no settings object as no settings', () => {
    const current = { settingsVersion: SETTINGS_VERSION, shortcuts: { answer: 'F2', hold: '', transfer: '', hangup: '' } };
    expect(migrateSettings(current)).toEqual({ settings: { shortcuts: current.shortcuts }, from: SETTINGS_VERSION, migrated: false });
    const newer = { settingsVersion: SETTINGS_VERSION + 7, shortcuts: { answer: 'F2', hold: '', transfer: '', hangup: '' }, someday: true };
    expect(migrateSettings(newer)).toMatchObject({ settings: { shortcuts: newer.shortcuts, someday: true }, migrated: false });
    for (const junk of [null, 42, 'F2', [oldRelease]]) expect(migrateSettings(junk)).toEqual({ settings: {}, from: SETTINGS_VERSION, migrated: false });
    // A version that is no whole number counts as the oldest; shortcuts that are no strings are left alone.
    expect(migrateSettings({ settingsVersion: 'x', shortcuts: { answer: 5, hold: 'F3' } }).settings.shortcuts).toEqual({ answer: 5, hold: 'Ctrl+Shift+F3' });
  });

  it('each step moves exactly one version up, from 1 to SETTINGS_VERSION', () => {
    expect(SETTINGS_STEPS.map((s) => s.to)).toEqual(Array.from({ length: SETTINGS_VERSION }, (_, i) => i + 1));
  });
});
