// The key each action has in the window, for tooltips, in one place. The key map itself is going to
// shared/keymap.ts (WINDOW_KEYS); once it is on main this file becomes one line taking the labels from there.
export type KeyedAction = 'answer' | 'hold' | 'hangup' | 'transfer' | 'focus-phone-book' | 'close-popups';

const KEY_NAMES: Record<KeyedAction, string> = {
  answer: 'F2',
  hold: 'F3',
  hangup: 'F4',
  transfer: 'F8',
  'focus-phone-book': 'F6',
  'close-popups': 'Esc',
};

export function keyName(action: KeyedAction): string {
  return KEY_NAMES[action];
}
