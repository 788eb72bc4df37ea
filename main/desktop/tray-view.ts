// The tray from PhoneState: which icon, what the tooltip says, and the menu (answer the longest-waiting
// call, hang up, break on/off, show, quit). Pure: the adapter only draws what this returns.
import type { PhoneState } from '../../shared/state.js';
import { callerName } from './caller-words.js';
import { registrationWords, wordsFor } from './words.js';

export type TrayIconName = 'offline' | 'online' | 'ringing' | 'in-call' | 'break';
export type TrayCommand = 'answer' | 'hangup' | 'break-on' | 'break-off' | 'show' | 'quit';

export type TrayMenuItem = { command: TrayCommand; label: string; enabled: boolean } | { separator: true };

export interface TrayView {
  icon: TrayIconName;
  tooltip: string;
  /** Ringing calls (shown beside the icon where the tray can). */
  count: number;
  menu: TrayMenuItem[];
}

/** An account is set up when it has a user (the first run without a config has none). */
export function accountConfigured(state: PhoneState): boolean {
  return state.account.user !== '';
}

export function trayView(state: PhoneState): TrayView {
  const w = wordsFor(state.settings.locale);
  const count = state.incomingQueue.length;
  const oldest = state.calls.find((c) => c.callId === state.incomingQueue[0]);
  const active = state.calls.find((c) => c.callId === state.activeCallId);
  const registered = state.registration.kind === 'registered';
  const onBreak = state.presence.own === 'break';
  const activeName = active ? callerName(w, active.identity, active.number) : '';

  let icon: TrayIconName;
  let tooltip: string;
  if (count > 0) {
    icon = 'ringing';
    tooltip = active ? w.tray.inCallAndRinging(activeName, count) : w.tray.ringing(count);
  } else if (active) {
    icon = 'in-call';
    tooltip = w.tray.inCall(activeName);
  } else if (!registered) {
    icon = 'offline';
    tooltip = w.tray.offline(registrationWords(w, state.registration, accountConfigured(state)));
  } else if (onBreak) {
    icon = 'break';
    tooltip = w.tray.onBreak;
  } else {
    icon = 'online';
    tooltip = w.tray.online;
  }

  const menu: TrayMenuItem[] = [
    oldest
      ? { command: 'answer', label: w.menu.answer(callerName(w, oldest.identity, oldest.number)), enabled: true }
      : { command: 'answer', label: w.menu.answerNobody, enabled: false },
    active
      ? { command: 'hangup', label: w.menu.hangup(activeName), enabled: true }
      : { command: 'hangup', label: w.menu.hangupNobody, enabled: false },
    onBreak
      ? { command: 'break-off', label: w.menu.breakOff, enabled: registered }
      : { command: 'break-on', label: w.menu.breakOn, enabled: registered },
    { separator: true },
    { command: 'show', label: w.menu.show, enabled: true },
    { command: 'quit', label: w.menu.quit, enabled: true },
  ];
  return { icon, tooltip, count, menu };
}
