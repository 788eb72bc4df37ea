// Settings as stored carry a version (settingsVersion); each step below moves a stored value one version up, so
// a workstation upgraded from any older release gets every step once, in order. The steps are a fixed list: the
// walk is bounded by it, and a value from a newer release (a downgrade) is taken as it is, never stepped down.
import type { Settings } from '../../shared/domain.js';
import { DEFAULT_GLOBAL_SHORTCUTS, isBareFunctionKey, SHORTCUT_ACTIONS } from '../../shared/keymap.js';

/** What the settings row holds: the settings (some fields, perhaps) and the version they were written at. */
export type StoredSettings = Partial<Settings> & { settingsVersion?: number };

interface SettingsStep {
  /** The version a value has after this step. */
  to: number;
  why: string;
  migrate(settings: Partial<Settings>): Partial<Settings>;
}

export const SETTINGS_STEPS: readonly SettingsStep[] = [
  {
    to: 1,
    why:
      'releases before versioned settings stored global shortcuts on bare F2-F5: they took the keys from every ' +
      'program, F5 (reload in the browser-based order system) ended the call; they go to the Ctrl+Shift defaults',
    migrate(settings) {
      if (!settings.shortcuts || typeof settings.shortcuts !== 'object') return settings;
      const shortcuts = { ...settings.shortcuts };
      for (const action of SHORTCUT_ACTIONS) {
        if (typeof shortcuts[action] === 'string' && isBareFunctionKey(shortcuts[action])) shortcuts[action] = '';
      }
      // The new default where nothing else holds it already (a shortcut the dispatcher moved there stays).
      for (const action of SHORTCUT_ACTIONS) {
        const fallback = DEFAULT_GLOBAL_SHORTCUTS[action];
        const holds = (other: (typeof SHORTCUT_ACTIONS)[number]) => String(shortcuts[other] ?? '').toLowerCase() === fallback.toLowerCase();
        const taken = SHORTCUT_ACTIONS.some((other) => other !== action && holds(other));
        if (shortcuts[action] === '' && settings.shortcuts[action] !== '' && !taken) shortcuts[action] = fallback;
      }
      return { ...settings, shortcuts };
    },
  },
];

export const SETTINGS_VERSION = SETTINGS_STEPS.at(-1)!.to;

/**
 * Brings a stored value up to SETTINGS_VERSION. `migrated` says whether a step ran (then the caller writes the
 * result back, so the steps run once). Anything that is not a settings object is no settings at all.
 */
export function migrateSettings(stored: unknown): { settings: Partial<Settings>; from: number; migrated: boolean } {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return { settings: {}, from: SETTINGS_VERSION, migrated: false };
  const { settingsVersion, ...rest } = stored as StoredSettings;
  const from = Number.isInteger(settingsVersion) && settingsVersion! >= 0 ? settingsVersion! : 0;
  let settings: Partial<Settings> = rest;
  for (const step of SETTINGS_STEPS) if (step.to > from) settings = step.migrate(settings);
  return { settings, from, migrated: from < SETTINGS_VERSION };
}
