import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../../main/store/database.js';
import { SettingsStore } from '../../../main/store/settings-store.js';

const defaults = { locale: 'ru' as const, ringVolume: 1, shortcuts: { answer: 'F2', hold: 'F3', transfer: 'F4', hangup: 'F5' } };

describe('settings store', () => {
  it('keeps settings and audio routing across a reopen of the file', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'settings-')), 'phone.db');
    let db = openDatabase(path);
    let store = new SettingsStore(db);
    expect(store.settings(defaults)).toEqual(defaults);
    expect(store.routing()).toBeNull();
    store.saveSettings({ ...defaults, locale: 'en', shortcuts: { ...defaults.shortcuts, answer: 'MediaPlayPause' } });
    store.saveRouting({ ringDeviceId: 'spk', talkOutputDeviceId: 'headset', microphoneDeviceId: "mic 'USB' ; DROP TABLE settings" });
    closeDatabase(db);

    db = openDatabase(path);
    store = new SettingsStore(db);
    expect(store.settings(defaults)).toMatchObject({ locale: 'en', shortcuts: { answer: 'MediaPlayPause', hold: 'F3' } });
    expect(store.routing()).toEqual({ ringDeviceId: 'spk', talkOutputDeviceId: 'headset', microphoneDeviceId: "mic 'USB' ; DROP TABLE settings" });
    closeDatabase(db);
  });

  it('makes one SIP instance UUID per installation and keeps it across a reopen', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'settings-')), 'phone.db');
    let db = openDatabase(path);
    const first = new SettingsStore(db).sipInstanceId();
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new SettingsStore(db).sipInstanceId()).toBe(first);
    closeDatabase(db);
    db = openDatabase(path);
    expect(new SettingsStore(db).sipInstanceId()).toBe(first);
    // A damaged value is replaced, not sent (sip.js throws on a UUID it cannot parse).
    db.prepare("UPDATE settings SET value = '\"not a uuid\"' WHERE key = 'sipInstanceId'").run();
    const remade = new SettingsStore(db).sipInstanceId();
    expect(remade).not.toBe(first);
    expect(remade).toMatch(/^[0-9a-f-]{36}$/);
    closeDatabase(db);
    const other = openDatabase(join(mkdtempSync(join(tmpdir(), 'settings-')), 'phone.db'));
    expect(new SettingsStore(other).sipInstanceId()).not.toBe(remade);
    closeDatabase(other);
  });
});
