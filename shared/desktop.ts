// What the desktop shell adds to PhoneState (absent in the web host): shortcut refusals for the settings, and
// requests to the window (a tray or notification click, a tel:/sip: link to confirm).
import type { ShortcutAction } from './keymap.js';

export interface ShortcutRefusal {
  action: ShortcutAction | 'media';
  accelerator: string;
  /** taken: another program holds it, or it is no accelerator; duplicate: two actions on the same keys. */
  why: 'taken' | 'duplicate';
}

/** A request to the window; seq grows with each, so the window acts once per request. */
export type WindowRequest =
  | { seq: number; open: 'call-list' }
  /** The transfer key (a global shortcut): the transfer panel of this call. */
  | { seq: number; open: 'transfer'; callId: string }
  /** A tel:/sip: link: fill the dial field and ask before calling (never holds a live caller unasked). */
  | { seq: number; open: 'dial'; target: string };

export interface DesktopStatus {
  shortcutsRefused: ShortcutRefusal[];
  request: WindowRequest | null;
}
