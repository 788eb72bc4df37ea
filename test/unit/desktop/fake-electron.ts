// A recording stand-in for the parts of electron that main/app/electron.ts and main/desktop/electron-adapters.ts
// use: every constructor option, handler and call is kept for the test to look at and to drive.
import { EventEmitter } from 'node:events';

type Handler = (...args: unknown[]) => unknown;

export class FakeEvent {
  prevented = false;
  preventDefault(): void {
    this.prevented = true;
  }
}

class Emitter extends EventEmitter {
  /** Emits like Electron does, with an event object first; returns it to see whether it was prevented. */
  fire(name: string, ...args: unknown[]): FakeEvent {
    const event = new FakeEvent();
    this.emit(name, event, ...args);
    return event;
  }
}

const fresh = () => ({
  lockAvailable: true,
  quits: 0,
  exits: [] as number[],
  protocols: [] as string[],
  windows: [] as FakeBrowserWindow[],
  trays: [] as FakeTray[],
  notifications: [] as FakeNotification[],
  shortcuts: new Map<string, Handler>(),
  messageBoxes: [] as Array<{ options: Record<string, unknown>; answer: (response: number) => void }>,
  errorBoxes: [] as string[],
  headersHandler: null as null | Handler,
  permissionRequest: null as null | Handler,
  permissionCheck: null as null | Handler,
  devicePermission: null as null | Handler,
  ipcHandlers: new Map<string, Handler>(),
  ready: null as null | (() => void),
});
/** Shared by every copy of this module (vi.resetModules loads a new one): the test reads one record. */
const holder = globalThis as { __fakeElectron?: ReturnType<typeof fresh> };
export const recorded = (holder.__fakeElectron ??= fresh());

class FakeWebContents extends Emitter {
  static nextId = 1;
  id = FakeWebContents.nextId++;
  sent: Array<[string, unknown]> = [];
  windowOpenHandler: Handler | null = null;
  setWindowOpenHandler(h: Handler) {
    this.windowOpenHandler = h;
  }
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload]);
  }
  isDestroyed() {
    return false;
  }
}

export class FakeBrowserWindow extends Emitter {
  static getAllWindows = () => recorded.windows;
  webContents = new FakeWebContents();
  visible = false;
  calls: string[] = [];
  loaded: string | null = null;
  constructor(public options: Record<string, unknown>) {
    super();
    recorded.windows.push(this);
  }
  async loadFile(path: string) {
    this.loaded = path;
  }
  show() {
    this.visible = true;
    this.calls.push('show');
  }
  hide() {
    this.visible = false;
    this.calls.push('hide');
  }
  focus() {
    this.calls.push('focus');
  }
  isMinimized() {
    return false;
  }
  restore() {}
  isDestroyed() {
    return false;
  }
  isVisible() {
    return this.visible;
  }
}

export class FakeTray extends Emitter {
  tooltip = '';
  image: unknown = null;
  menu: Array<{ label?: string; enabled?: boolean; click?: () => void; type?: string }> = [];
  constructor(image: unknown) {
    super();
    this.image = image;
    recorded.trays.push(this);
  }
  setImage(image: unknown) {
    this.image = image;
  }
  setToolTip(t: string) {
    this.tooltip = t;
  }
  setTitle() {}
  setContextMenu(menu: { items: FakeTray['menu'] }) {
    this.menu = menu.items;
  }
  destroy() {}
}

export class FakeNotification extends Emitter {
  static isSupported = () => true;
  closed = false;
  constructor(public options: Record<string, unknown>) {
    super();
    recorded.notifications.push(this);
  }
  show() {}
  close() {
    this.closed = true;
  }
}

const app = Object.assign(new Emitter(), {
  isPackaged: true,
  requestSingleInstanceLock: () => recorded.lockAvailable,
  quit: () => void recorded.quits++,
  exit: (code: number) => void recorded.exits.push(code),
  setAsDefaultProtocolClient: (p: string) => (recorded.protocols.push(p), true),
  getPath: () => '/nonexistent-user-data',
  whenReady: () => new Promise<void>((resolve) => (recorded.ready = resolve)),
});

export const fakeElectron = {
  app,
  BrowserWindow: FakeBrowserWindow,
  Tray: FakeTray,
  Notification: FakeNotification,
  Menu: { buildFromTemplate: (items: unknown[]) => ({ items }) },
  nativeImage: { createFromPath: (p: string) => ({ path: p }) },
  globalShortcut: {
    register: (acc: string, h: Handler) => (recorded.shortcuts.set(acc, h), true),
    unregister: (acc: string) => recorded.shortcuts.delete(acc),
    unregisterAll: () => recorded.shortcuts.clear(),
  },
  dialog: {
    showErrorBox: (_t: string, m: string) => void recorded.errorBoxes.push(m),
    showMessageBox: (_w: unknown, options: Record<string, unknown>) =>
      new Promise((resolve) => recorded.messageBoxes.push({ options, answer: (response) => resolve({ response }) })),
  },
  ipcMain: {
    handle: (channel: string, h: Handler) => void recorded.ipcHandlers.set(channel, h),
    removeHandler: (channel: string) => void recorded.ipcHandlers.delete(channel),
  },
  powerMonitor: new Emitter(),
  safeStorage: {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptString: (t: string) => Buffer.from(`sealed:${t}`),
    decryptString: (b: Buffer) => b.toString().replace(/^sealed:/, ''),
  },
  session: {
    defaultSession: Object.assign(new Emitter(), {
      webRequest: { onHeadersReceived: (h: Handler) => void (recorded.headersHandler = h) },
      setPermissionRequestHandler: (h: Handler) => void (recorded.permissionRequest = h),
      setPermissionCheckHandler: (h: Handler) => void (recorded.permissionCheck = h),
      setDevicePermissionHandler: (h: Handler) => void (recorded.devicePermission = h),
    }),
  },
};
