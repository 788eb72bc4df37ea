// The key each action has in the window, for tooltips: the first key shared/keymap.ts's WINDOW_KEYS gives it.
import { WINDOW_KEYS } from '../../shared/keymap.js';

export type KeyedAction = 'answer' | 'hold' | 'hangup' | 'focus-phone-book' | 'close-popups';

export function keyName(action: KeyedAction): string {
  return WINDOW_KEYS.find((k) => k.action === action)?.label ?? '';
}
