// Global shortcuts (desktop app only: shown when the state has a desktop part). Changes apply at once; the
// shortcuts the desktop could not take (another program holds them, or the same keys twice) are listed.
import { useState } from 'preact/hooks';
import type { Settings } from '../../shared/domain.js';
import { isBareFunctionKey, SHORTCUT_ACTIONS } from '../../shared/keymap.js';
import { useT } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';

export function ShortcutSettings() {
  const { state, run } = usePhone();
  const t = useT().shortcutSettings;
  const [draft, setDraft] = useState<Settings['shortcuts']>(state.settings.shortcuts);
  if (!state.desktop) return null;
  const refused = state.desktop.shortcutsRefused;
  // Allowed (the dispatcher's choice), but said: a bare F-key is taken from the order system's browser too.
  const bare = SHORTCUT_ACTIONS.filter((action) => isBareFunctionKey(draft[action] ?? ''));
  return (
    <section class="shortcut-settings" data-testid="shortcut-settings">
      <h3>{t.title}</h3>
      <p class="hint">{t.hint}</p>
      <div class="settings-grid">
        {SHORTCUT_ACTIONS.map((action) => (
          <label class="field" key={action}>
            <span class="field-label">{t.actions[action]}</span>
            <input
              type="text"
              data-testid={`shortcut-${action}`}
              value={draft[action]}
              onInput={(ev) => setDraft({ ...draft, [action]: (ev.currentTarget as HTMLInputElement).value })}
            />
          </label>
        ))}
        <div class="field">
          <span class="field-label" />
          <button type="button" class="btn btn-small" data-testid="shortcuts-apply" title={t.apply} onClick={() => void run('updateSettings', { settings: { shortcuts: draft } })}>
            {t.apply}
          </button>
        </div>
        <label class="field">
          <input
            type="checkbox"
            data-testid="media-keys"
            checked={state.settings.mediaKeys ?? true}
            onChange={(ev) => void run('updateSettings', { settings: { mediaKeys: (ev.currentTarget as HTMLInputElement).checked } })}
          />
          <span>{t.mediaKeys}</span>
        </label>
        <label class="field">
          <input
            type="checkbox"
            data-testid="dial-links-at-once"
            checked={state.settings.dialLinksAtOnce ?? false}
            onChange={(ev) => void run('updateSettings', { settings: { dialLinksAtOnce: (ev.currentTarget as HTMLInputElement).checked } })}
          />
          <span>{t.dialLinksAtOnce}</span>
        </label>
      </div>
      {bare.length > 0 ? (
        <div class="notice notice-info" data-testid="shortcuts-bare-f-keys">
          {t.bareFunctionKeys(bare.map((action) => `${t.actions[action]}: ${draft[action].trim()}`).join(', '))}
        </div>
      ) : null}
      {refused.length > 0 ? (
        <ul class="notice notice-warning" data-testid="shortcuts-refused">
          {refused.map((r) => (
            <li key={`${r.action}-${r.accelerator}`}>{t.refused(t.actions[r.action] ?? r.action, r.accelerator, r.why)}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
