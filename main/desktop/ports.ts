// Desktop-only capabilities as small ports: the Electron adapters (electron-adapters.ts) implement them,
// tests use fakes. Everything the ports are told is already decided and worded (tray-view.ts, call-notifier.ts).
import type { NotificationContent } from './caller-words.js';
import type { TrayView, TrayCommand } from './tray-view.js';

export interface TrayPort {
  /** Shows the icon, tooltip and menu for the state; a menu click comes back as a command. */
  show(view: TrayView): void;
  onCommand(handler: (command: TrayCommand) => void): void;
  /** A click on the icon itself. */
  onClick(handler: () => void): void;
  destroy(): void;
}

// Declared with its wording (caller-words.ts), so the words need nothing of the ports.
export type { NotificationContent } from './caller-words.js';

export interface NotificationHandle {
  close(): void;
}

export interface NotificationPort {
  /** A system notification, kept (and its handlers with it) until close(); null where notifications are unsupported. */
  show(content: NotificationContent, on: { click(): void; answer(): void }): NotificationHandle | null;
}

export interface ShortcutPort {
  /** Registers a global shortcut (Electron accelerator). False when another program holds it or it is no accelerator. */
  register(accelerator: string, handler: () => void): boolean;
  unregister(accelerator: string): void;
  unregisterAll(): void;
}

export interface WindowPort {
  /** Shows, restores and focuses the window. */
  show(): void;
  hide(): void;
  isVisible(): boolean;
}

export interface DialogPort {
  /** Asks whether to quit while calls are up; resolves true to quit. */
  confirmQuit(title: string, message: string, detail: string, confirm: string, cancel: string): Promise<boolean>;
}

/** Seals short secrets with a key the OS keeps (Electron safeStorage); tests use a fake. */
export interface SecretStore {
  /** False when the OS has no keyring to seal with (then nothing secret is written). */
  available(): boolean;
  encrypt(text: string): string;
  decrypt(sealed: string): string;
}
