// The key map, once: the window's keys (renderer/telephony/hotkeys.ts), the desktop's global shortcuts and
// media keys (main/desktop/) and headset buttons all name the same actions, and each action is decided from
// PhoneState by the one function below, so F4 (or its global twin) does the same thing everywhere.
import type { Call, Settings } from './domain.js';
import type { PhoneState } from './state.js';

/** What a key, a global shortcut, a media key or a headset button asks for. */
export type KeyAction =
  /** Answer the call that has waited longest. */
  | 'answer'
  /** Hold the call being talked on, or resume a held one (see holdOrResume). */
  | 'hold'
  /** End the call being talked on. */
  | 'hangup'
  /** Bring the window up with the transfer panel (blind/attended) of the call being talked on. */
  | 'transfer'
  /** A one-button headset or a play/pause key: answer when something rings and nothing is talked on, else end. */
  | 'answer-or-hangup'
  | 'focus-phone-book'
  | 'close-popups';

/** Actions a global shortcut can be set for: the keys of Settings.shortcuts. */
export type ShortcutAction = keyof Settings['shortcuts'];
export const SHORTCUT_ACTIONS: readonly ShortcutAction[] = ['answer', 'hold', 'hangup', 'transfer'];

/** A key inside the window, as KeyboardEvent.key plus the modifiers it needs. */
export interface WindowKey {
  key: string;
  ctrl?: boolean;
  action: KeyAction;
  /** Shown in the hint line under the phone book. */
  label: string;
}

export const WINDOW_KEYS: readonly WindowKey[] = [
  { key: 'F2', action: 'answer', label: 'F2' },
  { key: 'Enter', ctrl: true, action: 'answer', label: 'Ctrl+Enter' },
  { key: 'F3', action: 'hold', label: 'F3' },
  { key: 'F4', action: 'hangup', label: 'F4' },
  { key: 'F6', action: 'focus-phone-book', label: 'F6' },
  // Not F5: in a browser (the web host, the order system beside it) F5 reloads, and muscle memory goes with it.
  { key: 'F8', action: 'transfer', label: 'F8' },
  { key: 'Escape', action: 'close-popups', label: 'Esc' },
];

/**
 * Global shortcuts by default: the window's own F-keys with Ctrl+Shift, so they mean the same thing and take
 * nothing another program on a dispatcher's desk uses (bare F-keys belong to the browser-based order system:
 * F5 reloads it; Ctrl+Alt+F-keys switch consoles on Linux). Transfer brings the window up with the transfer panel.
 * Versions before the settings were versioned had bare F2-F5 here: main/store/settings-migrations.ts moves them.
 */
export const DEFAULT_GLOBAL_SHORTCUTS: Settings['shortcuts'] = {
  answer: 'Ctrl+Shift+F2',
  hold: 'Ctrl+Shift+F3',
  hangup: 'Ctrl+Shift+F4',
  transfer: 'Ctrl+Shift+F8',
};

/** A bare function key (F1..F24, no modifier): as a global shortcut it takes that key from every program. */
export function isBareFunctionKey(accelerator: string): boolean {
  return /^\s*F([1-9]|1[0-9]|2[0-4])\s*$/i.test(accelerator);
}

/** Media keys (Electron accelerator names) and what they do; headsets send these over Bluetooth/USB audio. */
export const MEDIA_KEYS: ReadonlyArray<{ accelerator: string; action: KeyAction }> = [
  { accelerator: 'MediaPlayPause', action: 'answer-or-hangup' },
  { accelerator: 'MediaStop', action: 'hangup' },
];

export function windowKeyAction(ev: { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean }): KeyAction | null {
  const ctrl = Boolean(ev.ctrlKey || ev.metaKey);
  // Alt+F4 closes windows: never take it for "end call".
  if (ev.altKey) return null;
  const hit = WINDOW_KEYS.find((k) => k.key === ev.key && Boolean(k.ctrl) === ctrl);
  return hit?.action ?? null;
}

/** A command a key action turns into, decided from the state (null: nothing to do now). */
export type KeyCommand =
  | { name: 'answer' | 'hold' | 'resume' | 'hangup'; args: { callId: string } }
  /** Open the transfer panel of this call (the window does it; the desktop shell brings the window up first). */
  | { name: 'show-transfer'; callId: string }
  | { name: 'focus-phone-book' }
  | { name: 'close-popups' };

/**
 * Which call F3 acts on: the call being talked on is held; with none, the held call put on hold most
 * recently (the last one in the list of held calls the dispatcher holds: a call held by the other side
 * only is not ours to resume) comes back.
 */
export function holdOrResume(state: PhoneState): KeyCommand | null {
  const active = state.calls.find((c) => c.callId === state.activeCallId);
  if (active && active.state === 'active') return { name: 'hold', args: { callId: active.callId } };
  if (active) return null; // dialling or early: nothing to hold yet, and nothing to resume over it
  const held = lastHeld(state.calls);
  return held ? { name: 'resume', args: { callId: held.callId } } : null;
}

/**
 * The call the transfer key opens the transfer panel of: the call being talked on (or held by the dispatcher)
 * when it can be transferred, else the held call put on hold last. Never a consultation call, nor a caller whose
 * attended transfer is under way (their panels have no transfer button either).
 */
export function transferableCall(state: PhoneState): Call | null {
  const canTransfer = (c: Call) =>
    (c.state === 'active' || c.state === 'held') &&
    c.consultationFor === null &&
    !(c.transfer?.kind === 'attended' && (c.transfer.status === 'consulting' || c.transfer.status === 'connecting'));
  const active = state.calls.find((c) => c.callId === state.activeCallId);
  if (active) return canTransfer(active) ? active : null;
  const held = lastHeld(state.calls);
  return held && canTransfer(held) ? held : null;
}

function lastHeld(calls: Call[]): Call | null {
  let best: Call | null = null;
  for (const c of calls) {
    if (c.state !== 'held' || !c.heldLocally) continue;
    if (!best || c.startedAt >= best.startedAt) best = c;
  }
  return best;
}

export function commandForKey(action: KeyAction, state: PhoneState): KeyCommand | null {
  const oldest = state.incomingQueue[0] ?? null;
  switch (action) {
    case 'answer':
      return oldest ? { name: 'answer', args: { callId: oldest } } : null;
    case 'hold':
      return holdOrResume(state);
    case 'hangup':
      return state.activeCallId ? { name: 'hangup', args: { callId: state.activeCallId } } : null;
    case 'answer-or-hangup':
      if (state.activeCallId) return { name: 'hangup', args: { callId: state.activeCallId } };
      return oldest ? { name: 'answer', args: { callId: oldest } } : null;
    case 'transfer': {
      const call = transferableCall(state);
      return call ? { name: 'show-transfer', callId: call.callId } : null;
    }
    case 'focus-phone-book':
      return { name: 'focus-phone-book' };
    case 'close-popups':
      return { name: 'close-popups' };
  }
}
