// The thin Electron side of the desktop ports. Only this folder and main/app/electron.ts import electron.
import type { BrowserWindow} from 'electron';
import { Notification, Tray, globalShortcut, nativeImage } from 'electron';
import type { NotificationPort, ShortcutPort, TrayPort, WindowPort } from './ports.js';

export function electronTray(iconPath: string, onClick: () => void): TrayPort {
  const tray = new Tray(nativeImage.createFromPath(iconPath));
  tray.on('click', onClick);
  return {
    showQueue(count, tooltip) {
      tray.setToolTip(tooltip);
      // Title shows next to the icon on macOS and some Linux trays.
      tray.setTitle(count > 0 ? String(count) : '');
    },
  };
}

export function electronNotifications(): NotificationPort {
  return {
    show(title, body, onClick) {
      if (!Notification.isSupported()) return;
      const notification = new Notification({ title, body, silent: true /* the ringer plays the sound */ });
      notification.on('click', onClick);
      notification.show();
    },
  };
}

export function electronShortcuts(): ShortcutPort {
  return {
    register: (accelerator, handler) => {
      try {
        return globalShortcut.register(accelerator, handler);
      } catch {
        return false; // an invalid accelerator string: reported by the caller like a taken one
      }
    },
    unregisterAll: () => globalShortcut.unregisterAll(),
  };
}

export function electronWindow(window: BrowserWindow): WindowPort {
  return {
    focus() {
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    },
  };
}
