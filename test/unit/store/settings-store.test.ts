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
});
