// In-window hotkeys, from the one key map in shared/keymap.ts (the desktop's global shortcuts use the same
// actions and the same decisions): F2 or Ctrl+Enter answers the oldest ringing call, F3 holds/resumes,
// F4 ends the call being talked on, F8 opens the transfer panel of that call, F6 focuses the phone book, Esc
// closes pop-ups.
import { useEffect, useRef } from 'preact/hooks';
import { commandForKey, windowKeyAction } from '../../shared/keymap.js';
import type { PhoneState } from '../../shared/state.js';
import type { Run } from '../store/phone-context.js';

export interface HotkeyActions {
  focusPhoneBook: () => void;
  /** Opens the transfer panel (blind/attended tabs) of this call. */
  showTransfer: (callId: string) => void;
  closePopups: () => void;
}

/** Returns true when the key was ours (its default is then prevented). */
export function handleHotkey(ev: KeyboardEvent, state: PhoneState, run: Run, actions: HotkeyActions): boolean {
  const action = windowKeyAction(ev);
  if (!action) return false;
  const command = commandForKey(action, state);
  switch (command?.name) {
    case 'answer':
      void run(command.name, command.args);
      // As a click on a row does: the call list has done its job once a call is taken.
      actions.closePopups();
      break;
    case 'hold':
    case 'resume':
    case 'hangup':
      void run(command.name, command.args);
      break;
    case 'show-transfer':
      actions.showTransfer(command.callId);
      break;
    case 'focus-phone-book':
      actions.focusPhoneBook();
      break;
    case 'close-popups':
      actions.closePopups();
      return false; // Esc also reaches inputs (clears them)
  }
  return true;
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
