// The key each action has in the window, for tooltips: the first label the key map (shared/keymap.ts WINDOW_KEYS)
// gives it, so a tooltip can never name another key than the one that works.
import { commandForKey, WINDOW_KEYS, type KeyAction } from '../../shared/keymap.js';
import type { PhoneState } from '../../shared/state.js';

export type KeyedAction = Exclude<KeyAction, 'answer-or-hangup'>;

export function keyName(action: KeyedAction): string {
  return WINDOW_KEYS.find((k) => k.action === action)?.label ?? '';
}

/**
 * The key of `action` when pressing it now acts on this call (the key map decides, from the state), else null:
 * with one call talking and another held, F3 holds the talking one, so the held call's "resume" names no key.
 */
export function keyForCall(action: 'hold' | 'hangup' | 'transfer', callId: string, state: PhoneState): string | null {
  const command = commandForKey(action, state);
  if (!command) return null;
  const target = command.name === 'show-transfer' ? command.callId : 'args' in command ? command.args.callId : null;
  return target === callId ? keyName(action) : null;
}
