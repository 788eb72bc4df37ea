// The desktop entry (needs the Electron binary). Same core as the web host, carried over IPC.
import { app, BrowserWindow, ipcMain, powerMonitor, session } from 'electron';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attachIpcCarrier } from '../bridge/ipc-carrier.js';
import { DesktopIntegration } from '../desktop/desktop-integration.js';
import { electronNotifications, electronShortcuts, electronTray, electronWindow } from '../desktop/electron-adapters.js';
import { ConfigError, configPathFromArgs, loadConfig } from './config.js';
import { startPhoneCore, type CoreLogger } from './core.js';

const here = dirname(fileURLToPath(import.meta.url));
const logger: CoreLogger = {
  debug: () => undefined,
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m, e) => console.error(m, e ?? ''),
};

if (!app.requestSingleInstanceLock()) app.quit();
app.setAsDefaultProtocolClient('tel');
app.setAsDefaultProtocolClient('sip');

async function launch(): Promise<void> {
  const configPath = configPathFromArgs(process.argv) ?? join(app.getPath('userData'), 'config.json');
  let config;
  try {
    config = loadConfig(configPath);
  } catch (error) {
    console.error(error instanceof ConfigError ? `config error: ${error.message}` : error);
    app.exit(2);
    return;
  }
  const core = await startPhoneCore(config, logger);

  // Strict CSP for everything the window loads.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': ["default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"],
      },
    });
  });

  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'Dispatch Phone',
    webPreferences: {
      preload: join(here, '../../preload/index.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
    },
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const detach = attachIpcCarrier(core.bridge, ipcMain, window.webContents);
  await window.loadFile(join(here, '../../renderer/index.html'));

  const desktop = new DesktopIntegration(core.bridge, {
    tray: electronTray(join(here, '../../../assets/icon.png'), () => window.show()),
    notifications: electronNotifications(),
    shortcuts: electronShortcuts(),
    window: electronWindow(window),
  });
  desktop.start();

  // A dispatcher must never sit "online" while the server has forgotten them: re-register on wake.
  powerMonitor.on('resume', () => void core.bridge.dispatch('reregister', {}));
  powerMonitor.on('unlock-screen', () => void core.bridge.dispatch('reregister', {}));

  // tel:/sip: links (second instance or macOS open-url) dial the number.
  const dialLink = (url: string) => {
    const target = url.replace(/^tel:/i, '').replace(/^(sips?:)/i, '$1');
    void core.bridge.dispatch('dial', { target });
  };
  app.on('second-instance', (_event, argv) => {
    const link = argv.find((a) => /^(tel|sips?):/i.test(a));
    if (link) dialLink(link);
    electronWindow(window).focus();
  });
  app.on('open-url', (_event, url) => dialLink(url));

  app.on('before-quit', (event) => {
    event.preventDefault();
    desktop.stop();
    detach();
    void core.stop().finally(() => app.exit(0));
  });
}

app.whenReady().then(launch).catch((error) => {
  console.error('Dispatch Phone could not start', error);
  app.exit(1);
});
