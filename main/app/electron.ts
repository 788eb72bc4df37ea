// The desktop entry (needs the Electron binary). Same core as the web host, carried over IPC, wrapped in the
// desktop shell: one instance, a window that hides to the tray, quitting that asks while a call is up, the
// window locked to its own page, tel:/sip: links, and re-registration on wake, unlock and network change.
// Wiring only: the decisions live in main/desktop/ (tested in Node) and test/unit/desktop/electron-entry.test.ts
// loads this file with electron replaced by a recording fake.
import { app, BrowserWindow, dialog, ipcMain, powerMonitor, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { attachIpcCarrier } from '../bridge/ipc-carrier.js';
import { DesktopIntegration } from '../desktop/desktop-integration.js';
import {
  electronDialog,
  electronNotifications,
  electronSecretStore,
  electronShortcuts,
  electronTray,
  electronWindow,
} from '../desktop/electron-adapters.js';
import { APP_ID } from '../desktop/app-identity.js';
import { AppLifecycle } from '../desktop/lifecycle.js';
import { linkFromArgv, parseLink } from '../desktop/links.js';
import { ipMonitor, NetworkWatcher, readNetworkFingerprint } from '../desktop/network-watch.js';
import { ReregisterTriggers } from '../desktop/reregister-triggers.js';
import { loadAccountConfig } from './account-file.js';
import { ConfigError, configPathFromArgs } from './config.js';
import { startPhoneCore, type CoreLogger } from './core.js';
import { CoreSupervisor } from './core-supervisor.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/main/app -> dist/preload, dist/renderer; assets/ sits beside dist/ (in the asar when packaged). */
const PRELOAD = join(here, '../../preload/index.cjs');
const PAGE = join(here, '../../renderer/index.html');
const ASSETS = join(here, '../../../assets');
const PAGE_URL = pathToFileURL(PAGE).href;

/** Everything the window loads comes from the app itself; no eval, no plug-ins, no frames. */
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-src 'none'; frame-ancestors 'none'";

/** Permission checks the page may pass: WebHID for the headset (renderer/headset/). Every request is denied. */
const ALLOWED_PERMISSION_CHECKS = new Set(['hid']);

const logger: CoreLogger = {
  debug: () => undefined,
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m, e) => console.error(m, e ?? ''),
};

const fromOwnPage = (url: string | undefined) => url !== undefined && url.split('#')[0]!.split('?')[0] === PAGE_URL;

function lockDownSession(): void {
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler((_contents, permission, origin, details) =>
    ALLOWED_PERMISSION_CHECKS.has(permission) && (fromOwnPage(details.requestingUrl) || origin === 'file://'),
  );
  ses.setDevicePermissionHandler((details) => details.deviceType === 'hid' && (details.origin === 'file://' || fromOwnPage(details.origin)));
  // navigator.hid.requestDevice() filters on the telephony usage page: take the first device it offers.
  ses.on('select-hid-device', (event, details, callback) => {
    event.preventDefault();
    callback(details.deviceList[0]?.deviceId ?? null);
  });
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'Dispatch Phone',
    show: false,
    icon: join(ASSETS, 'icon.png'),
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  const contents = window.webContents;
  // A dropped file or a link must never replace the panel while window.phone is exposed to it.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!fromOwnPage(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  window.once('ready-to-show', () => window.show());
  return window;
}

async function launch(pendingLinks: string[], linkSink: { open: ((target: string) => void) | null }): Promise<void> {
  const configPath = configPathFromArgs(process.argv) ?? join(app.getPath('userData'), 'config.json');
  const secrets = electronSecretStore();
  let loaded;
  try {
    loaded = loadAccountConfig(configPath, secrets);
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : String(error);
    dialog.showErrorBox('Dispatch Phone', `config error: ${message}`);
    app.exit(2);
    return;
  }
  // No config yet: no core; the window opens the account settings (renderer/settings/AccountSettings.tsx).
  // A config without a usable password: the settings open on the account and say why (renderer/settings/account-attention.ts).
  const supervisor = await CoreSupervisor.start({
    configPath,
    config: loaded?.config ?? null,
    secrets,
    passwordMissing: loaded?.passwordMissing ?? null,
    startCore: startPhoneCore,
    logger,
  });
  const bridge = supervisor.bridge;

  lockDownSession();
  const window = createWindow();
  const detach = attachIpcCarrier(bridge, ipcMain, window.webContents, PAGE_URL);
  const windowPort = electronWindow(window);

  const triggers = new ReregisterTriggers(() => void bridge.dispatch('reregister', {}));
  const network = new NetworkWatcher({
    read: readNetworkFingerprint,
    onChange: () => triggers.trigger('network'),
    events: process.platform === 'linux' ? ipMonitor() : null,
  });
  const lifecycle: AppLifecycle = new AppLifecycle({
    state: () => bridge.currentState(),
    window: windowPort,
    dialog: electronDialog(window),
    stop: async () => {
      desktop.stop();
      triggers.stop();
      network.stop();
      detach();
      await supervisor.stop(); // ends calls, closes history rows, un-REGISTERs
    },
    exit: (code) => app.exit(code),
  });
  const desktop = new DesktopIntegration(
    bridge,
    { tray: electronTray(ASSETS), notifications: electronNotifications(join(ASSETS, 'icon.png')), shortcuts: electronShortcuts(), window: windowPort },
    () => void lifecycle.quit(),
  );
  desktop.start();

  window.on('close', (event) => {
    if (!lifecycle.hideInsteadOfClose()) return;
    event.preventDefault();
    window.hide();
  });
  app.on('window-all-closed', () => void lifecycle.quit());
  app.on('before-quit', (event) => {
    // app.exit() at the end of lifecycle.quit() does not come back here; every other quit goes through it.
    event.preventDefault();
    void lifecycle.quit();
  });

  // A dispatcher must never sit "online" while the server has forgotten them.
  powerMonitor.on('resume', () => triggers.trigger('resume'));
  powerMonitor.on('unlock-screen', () => triggers.trigger('unlock'));
  network.start();

  linkSink.open = (target) => void desktop.openLink(target);
  for (const target of pendingLinks.splice(0)) linkSink.open(target);
  await window.loadFile(PAGE);
}

/** Runs at import. Exported for the test that loads this file with a fake electron. */
export function main(): void {
  if (!app.requestSingleInstanceLock()) {
    // The first instance gets our argv (with its link) through 'second-instance'.
    app.quit();
    return;
  }
  // Windows shows a notification only for the AppUserModelID of the installer's shortcut (electron-builder's appId).
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  if (app.isPackaged) {
    app.setAsDefaultProtocolClient('tel');
    app.setAsDefaultProtocolClient('sip');
  }
  // Links that come before the window exists (the first launch's own argv, macOS open-url at start) wait.
  const pendingLinks: string[] = [];
  const linkSink: { open: ((target: string) => void) | null } = { open: null };
  const takeLink = (target: string | null) => {
    if (!target) return;
    if (linkSink.open) linkSink.open(target);
    else pendingLinks.push(target);
  };
  takeLink(linkFromArgv(process.argv.slice(1)));
  app.on('second-instance', (_event, argv) => {
    for (const window of BrowserWindow.getAllWindows()) electronWindow(window).show();
    takeLink(linkFromArgv(argv.slice(1)));
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    takeLink(parseLink(url));
  });
  app
    .whenReady()
    .then(() => launch(pendingLinks, linkSink))
    .catch((error) => {
      console.error('Dispatch Phone could not start', error);
      app.exit(1);
    });
}

main();
