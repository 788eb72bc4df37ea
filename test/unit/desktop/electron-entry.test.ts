// Loads main/app/electron.ts with electron replaced by a recording fake (the binary cannot run here) and the
// phone core replaced by a fake one, then checks the shell's wiring: window preferences, CSP, navigation and
// permission handlers, single instance and links, close-to-tray, quit with a call, the IPC sender check, the tray.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { PhoneState } from '../../../shared/state.js';
import { ok } from '../../../shared/errors.js';
import { emptyPhoneState } from '../../support/phone-state.js';
import { call } from './harness.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).fakeElectron);

const core = vi.hoisted(() => ({ state: null as unknown as PhoneState, stops: 0, dispatched: [] as string[], starts: 0, publish: () => undefined as void }));
vi.mock('../../../main/app/core.js', async () => {
  const { PhoneBridge } = await import('../../../main/bridge/phone-bridge.js');
  return {
    startPhoneCore: async () => {
      core.starts++;
      const listeners = new Set<(s: PhoneState) => void>();
      const handlers = new Proxy({}, {
        get: (_t, name) => () => (core.dispatched.push(String(name)), name === 'getState' ? ok(core.state) : ok(null)),
      });
      core.publish = () => listeners.forEach((l) => l(core.state));
      const bridge = new PhoneBridge(handlers as never, { current: () => core.state, subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) });
      return { bridge, db: null, registrationSettled: async () => core.state.registration, stop: async () => void core.stops++ };
    },
  };
});

const { recorded, FakeEvent } = await import('./fake-electron.js');
type Recorded = typeof recorded;
let entry: typeof import('../../../main/app/electron.js');
let win: Recorded['windows'][number];
let pageUrl: string;

const ownEvent = () => ({ sender: { id: win.webContents.id }, senderFrame: { url: pageUrl, parent: null } });
const invoke = (event: unknown, name: string, args: unknown = {}) =>
  recorded.ipcHandlers.get('phone:command')!(event, { kind: 'command', requestId: 1, name, args }) as Promise<{ ok: boolean; value?: PhoneState; error?: { code: string } }>;
const settle = () => new Promise((r) => setTimeout(r, 20));

beforeAll(async () => {
  core.state = emptyPhoneState();
  const dir = mkdtempSync(join(tmpdir(), 'electron-entry-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ sip: { server: '127.0.0.1', user: '1000', password: 'secret' }, database: { path: ':memory:' } }));
  process.env.DISPATCH_PHONE_CONFIG = config;
  process.argv.push('tel:%2B7%20912%20345-67-89');
  entry = await import('../../../main/app/electron.js');
  recorded.ready!();
  await vi.waitFor(() => expect(recorded.windows[0]?.loaded).toBeTruthy());
  win = recorded.windows[0]!;
  pageUrl = pathToFileURL(win.loaded!).href;
});

describe('electron entry', () => {
  it('opens one sandboxed, isolated window with the preload only', () => {
    expect(core.starts).toBe(1);
    expect(win.options.show).toBe(false);
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true, nodeIntegration: false, nodeIntegrationInWorker: false, sandbox: true, webSecurity: true,
      allowRunningInsecureContent: false, webviewTag: false, navigateOnDragDrop: false,
    });
    expect(String((win.options.webPreferences as { preload: string }).preload)).toMatch(/preload[\\/]index\.cjs$/);
    expect(win.loaded).toMatch(/renderer[\\/]index\.html$/);
    expect(recorded.protocols).toEqual(['tel', 'sip']);
  });

  it('sets a strict CSP on everything the window loads', () => {
    let headers: Record<string, string[]> = {};
    recorded.headersHandler!({ responseHeaders: { 'X-Other': ['1'] } }, (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders));
    const csp = headers['Content-Security-Policy']![0]!;
    expect(csp).toBe(entry.RENDERER_CSP);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/unsafe-eval|\*/);
    expect(headers['X-Other']).toEqual(['1']);
  });

  it('blocks navigation away from its page, new windows, redirects and webviews', () => {
    expect(win.webContents.windowOpenHandler!({ url: 'https://evil.example' })).toEqual({ action: 'deny' });
    expect(win.webContents.fire('will-navigate', 'https://evil.example/').prevented).toBe(true);
    expect(win.webContents.fire('will-navigate', 'file:///etc/passwd').prevented).toBe(true);
    expect(win.webContents.fire('will-navigate', pageUrl).prevented).toBe(false);
    expect(win.webContents.fire('will-redirect', 'https://x').prevented).toBe(true);
    expect(win.webContents.fire('will-attach-webview', {}).prevented).toBe(true);
  });

  it('denies every permission request; only the headset (WebHID) check passes, and only for its own page', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'hid', 'openExternal']) {
      let granted: boolean | null = null;
      recorded.permissionRequest!({}, permission, (g: boolean) => (granted = g));
      expect(granted, permission).toBe(false);
    }
    expect(recorded.permissionCheck!({}, 'hid', 'file://', { requestingUrl: pageUrl })).toBe(true);
    expect(recorded.permissionCheck!({}, 'hid', 'https://evil.example', { requestingUrl: 'https://evil.example/' })).toBe(false);
    expect(recorded.permissionCheck!({}, 'media', 'file://', { requestingUrl: pageUrl })).toBe(false);
    expect(recorded.devicePermission!({ deviceType: 'hid', origin: 'file://' })).toBe(true);
    expect(recorded.devicePermission!({ deviceType: 'usb', origin: 'file://' })).toBe(false);
  });

  it('answers IPC only from its own window, top frame, own page', async () => {
    expect(await invoke(ownEvent(), 'getState')).toMatchObject({ ok: true });
    expect(await invoke({ ...ownEvent(), senderFrame: { url: `${pageUrl}#settings`, parent: null } }, 'getState')).toMatchObject({ ok: true });
    const others = [
      { sender: { id: win.webContents.id + 100 }, senderFrame: { url: pageUrl, parent: null } },
      { sender: { id: win.webContents.id }, senderFrame: { url: pageUrl, parent: {} } },
      { sender: { id: win.webContents.id }, senderFrame: { url: 'https://evil.example/', parent: null } },
      { sender: { id: win.webContents.id }, senderFrame: { url: `${pageUrl}.evil.html`, parent: null } },
      { sender: { id: win.webContents.id }, senderFrame: { url: pageUrl.replace('index.html', 'index.htmlx'), parent: null } },
      { sender: { id: win.webContents.id }, senderFrame: null },
    ];
    for (const event of others) expect(await invoke(event, 'getState')).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('hands the first launch\'s own tel: link to the window to confirm, decoded', async () => {
    const state = (await invoke(ownEvent(), 'getState')).value!;
    expect(state.desktop?.request).toMatchObject({ open: 'dial', target: '+79123456789' });
    expect(core.dispatched).not.toContain('dial');
  });

  it('a second launch focuses this window and hands over its link', async () => {
    win.calls.length = 0;
    recorded.windows[0]!.visible = false;
    (await import('./fake-electron.js')).fakeElectron.app.fire('second-instance', ['/usr/bin/dispatch-phone', 'sip:1002@pbx.example'], '/');
    await settle();
    expect(win.calls).toContain('show');
    const state = (await invoke(ownEvent(), 'getState')).value!;
    expect(state.desktop?.request).toMatchObject({ open: 'dial', target: 'sip:1002@pbx.example' });
  });

  it('shows the tray with a menu drawn from the state, and re-draws it on change', async () => {
    const tray = recorded.trays[0]!;
    expect(tray.tooltip).toBe('Dispatch Phone: online');
    expect(tray.menu.filter((m) => m.label).map((m) => m.label)).toEqual([
      'Answer (nobody is calling)', 'Hang up (no call)', 'Take a break', 'Show the window', 'Quit',
    ]);
    expect(String((tray.image as { path: string }).path)).toMatch(/tray-online\.png$/);
    core.state = emptyPhoneState({ calls: [call('r')], incomingQueue: ['r'] });
    core.publish();
    expect(tray.tooltip).toBe('1 incoming call');
    expect(tray.menu[0]!.label).toBe('Answer Driver Иванов Пётр (17)');
    expect(recorded.notifications.at(-1)!.options).toMatchObject({ title: 'Incoming call: Driver Иванов Пётр (17)', timeoutType: 'never' });
    expect(String(recorded.notifications.at(-1)!.options.icon)).toMatch(/assets[\\/]icon\.png$/);
    tray.menu[0]!.click!();
    await settle();
    expect(core.dispatched).toContain('answer');
    core.state = emptyPhoneState();
    core.publish();
    expect(recorded.notifications.at(-1)!.closed).toBe(true);
  });

  it('hides to the tray when the window is closed while registered', () => {
    const close = win.fire('close');
    expect(close.prevented).toBe(true);
    expect(win.calls.at(-1)).toBe('hide');
    expect(recorded.exits).toEqual([]);
  });

  it('asks before quitting with a call up; staying keeps the call; confirming stops the core once and exits', async () => {
    core.state = emptyPhoneState({ calls: [call('a', { state: 'active' })], activeCallId: 'a' });
    core.publish();
    const app = (await import('./fake-electron.js')).fakeElectron.app;
    const quit = app.fire('before-quit');
    expect(quit.prevented).toBe(true);
    await vi.waitFor(() => expect(recorded.messageBoxes).toHaveLength(1));
    expect(recorded.messageBoxes[0]!.options).toMatchObject({ title: 'A call is up', buttons: ['Stay', 'End the call and quit'] });
    recorded.messageBoxes[0]!.answer(0);
    await settle();
    expect([core.stops, recorded.exits]).toEqual([0, []]);

    app.fire('before-quit');
    app.fire('window-all-closed');
    await vi.waitFor(() => expect(recorded.messageBoxes).toHaveLength(2));
    recorded.messageBoxes[1]!.answer(1);
    await vi.waitFor(() => expect(recorded.exits).toEqual([0]));
    expect(core.stops).toBe(1);
    expect(recorded.messageBoxes).toHaveLength(2); // the second quit request joined the first question
    expect(recorded.shortcuts.size).toBe(0); // shortcuts released on the way out
    expect(new FakeEvent().prevented).toBe(false);
  });
});

describe('electron entry, second instance', () => {
  it('a losing second instance quits at once and starts nothing', async () => {
    vi.resetModules();
    const fake = await import('./fake-electron.js');
    expect(fake.recorded).toBe(recorded);
    fake.recorded.lockAvailable = false;
    const windowsBefore = fake.recorded.windows.length;
    const quitsBefore = fake.recorded.quits;
    fake.recorded.ready = null;
    await import('../../../main/app/electron.js');
    expect(fake.recorded.quits).toBe(quitsBefore + 1);
    expect(fake.recorded.ready).toBeNull(); // never waited for ready: no window, no core
    expect(fake.recorded.windows.length).toBe(windowsBefore);
  });
});
