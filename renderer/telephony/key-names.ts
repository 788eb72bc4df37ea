// The key each action has in the window, for tooltips: the first label the key map (shared/keymap.ts WINDOW_KEYS)
// gives it, so a tooltip can never name another key than the one that works.
import { WINDOW_KEYS, type KeyAction } from '../../shared/keymap.js';

export type KeyedAction = Exclude<KeyAction, 'answer-or-hangup'>;

export function keyName(action: KeyedAction): string {
  return WINDOW_KEYS.find((k) => k.action === action)?.label ?? '';
}
