// In-window hotkeys (the desktop app also has configurable global shortcuts, see settings.shortcuts):
// F2 or Ctrl+Enter answers the oldest ringing call, F3 holds/resumes, F4 ends the call being talked on,
// F6 focuses the phone book, Esc closes pop-ups.
import { useEffect, useRef } from 'preact/hooks';
import type { PhoneState } from '../../shared/state.js';
import type { Run } from '../store/phone-context.js';

export interface HotkeyActions {
  focusPhoneBook: () => void;
  closePopups: () => void;
}

export function handleHotkey(ev: KeyboardEvent, state: PhoneState, run: Run, actions: HotkeyActions): boolean {
  const oldest = state.incomingQueue[0];
  if (ev.key === 'F2' || (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey))) {
    if (oldest) void run('answer', { callId: oldest });
    // As a click on a row does: the call list has done its job once a call is taken.
    if (oldest) actions.closePopups();
    return true;
  }
  if (ev.key === 'F3') {
    const active = state.calls.find((c) => c.callId === state.activeCallId);
    if (active && active.state === 'active') {
      void run('hold', { callId: active.callId });
    } else {
      const held = [...state.calls].reverse().find((c) => c.state === 'held');
      if (held) void run('resume', { callId: held.callId });
    }
    return true;
  }
  if (ev.key === 'F4' && !ev.altKey) {
    if (state.activeCallId) void run('hangup', { callId: state.activeCallId });
    return true;
  }
  if (ev.key === 'F6') {
    actions.focusPhoneBook();
    return true;
  }
  if (ev.key === 'Escape') {
    actions.closePopups();
    return false;
  }
  return false;
}

export function useHotkeys(state: PhoneState, run: Run, actions: HotkeyActions): void {
  const latest = useRef({ state, run, actions });
  latest.current = { state, run, actions };
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      const { state: s, run: r, actions: a } = latest.current;
      if (handleHotkey(ev, s, r, a)) ev.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
