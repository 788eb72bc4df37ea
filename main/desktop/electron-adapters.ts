// The thin Electron side of the desktop ports. Only this folder and main/app/electron.ts import electron.
import type { BrowserWindow } from 'electron';
import { Menu, Notification, Tray, dialog, globalShortcut, nativeImage, safeStorage } from 'electron';
import { join } from 'node:path';
import type { DialogPort, NotificationPort, SecretStore, ShortcutPort, TrayPort, WindowPort } from './ports.js';
import type { TrayCommand, TrayIconName } from './tray-view.js';

/** Tray icons per state from assets/ (tray-STATE.png with an @2x twin that Electron picks on HiDPI). */
export function electronTray(assetsDir: string): TrayPort {
  const icon = (name: TrayIconName) => nativeImage.createFromPath(join(assetsDir, `tray-${name}.png`));
  const tray = new Tray(icon('offline'));
  let onCommand: (command: TrayCommand) => void = () => undefined;
  return {
    show(view) {
      tray.setImage(icon(view.icon));
      tray.setToolTip(view.tooltip);
      // Title shows next to the icon on macOS and some Linux trays.
      tray.setTitle(view.count > 0 ? String(view.count) : '');
      // On Linux an app-indicator tray without a menu may not show at all: there is always one.
      tray.setContextMenu(
        Menu.buildFromTemplate(
          view.menu.map((item) =>
            'separator' in item
              ? { type: 'separator' as const }
              : { label: item.label, enabled: item.enabled, click: () => onCommand(item.command) },
          ),
        ),
      );
    },
    onCommand(handler) {
      onCommand = handler;
    },
    onClick(handler) {
      tray.on('click', handler);
    },
    destroy: () => tray.destroy(),
  };
}

/** iconPath: the app icon (Linux notification daemons show a blank square without one). */
export function electronNotifications(iconPath: string): NotificationPort {
  return {
    show(content, on) {
      if (!Notification.isSupported()) return null;
      const notification = new Notification({
        title: content.title,
        body: content.body,
        icon: iconPath,
        silent: true, // the ringer plays the sound on the ring device
        timeoutType: 'never', // stays until the call is answered or gone (then closed)
        urgency: 'critical',
        actions: [{ type: 'button', text: content.answerLabel }],
      });
      notification.on('click', on.click);
      notification.on('action', () => on.answer());
      notification.show();
      return { close: () => notification.close() };
    },
  };
}

export function electronShortcuts(): ShortcutPort {
  return {
    register: (accelerator, handler) => {
      try {
        return globalShortcut.register(accelerator, handler);
      } catch {
        return false; // an invalid accelerator string: reported like a taken one
      }
    },
    unregister: (accelerator) => {
      try {
        globalShortcut.unregister(accelerator);
      } catch {
        /* was never registered */
      }
    },
    unregisterAll: () => globalShortcut.unregisterAll(),
  };
}

export function electronWindow(window: BrowserWindow): WindowPort {
  return {
    show() {
      if (window.isDestroyed()) return;
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    },
    hide: () => {
      if (!window.isDestroyed()) window.hide();
    },
    isVisible: () => !window.isDestroyed() && window.isVisible(),
  };
}

export function electronDialog(window: BrowserWindow): DialogPort {
  return {
    async confirmQuit(title, message, detail, confirm, cancel) {
      const answer = await dialog.showMessageBox(window, {
        type: 'warning',
        title,
        message,
        detail,
        buttons: [cancel, confirm],
        defaultId: 0,
        cancelId: 0,
        noLink: true,
      });
      return answer.response === 1;
    },
  };
}

/** The SIP password through the OS keyring (DPAPI, Keychain, libsecret/kwallet). */
export function electronSecretStore(): SecretStore {
  return {
    // On Linux without a keyring, Electron falls back to a hard-coded key ('basic_text'): that is no secret.
    available: () =>
      safeStorage.isEncryptionAvailable() && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
    encrypt: (text) => safeStorage.encryptString(text).toString('base64'),
    decrypt: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
  };
}
