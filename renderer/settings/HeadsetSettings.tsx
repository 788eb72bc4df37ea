// Headset buttons: connect a headset through WebHID (the browser asks which one) and see which is connected;
// what its Flash button does (hold/resume, or the transfer panel of the call being talked on).
import { useEffect, useState } from 'preact/hooks';
import { HEADSET_FLASH_ACTIONS, type HeadsetFlashAction } from '../../shared/domain.js';
import { headsetSession } from '../headset/headset-session.js';
import { useT } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';

export function HeadsetSettings() {
  const { state, run } = usePhone();
  const t = useT().headset;
  const [name, setName] = useState(headsetSession.name());
  useEffect(() => headsetSession.onChange(() => setName(headsetSession.name())), []);
  return (
    <section class="headset-settings" data-testid="headset-settings">
      <h3>{t.title}</h3>
      {headsetSession.supported() ? (
        <div class="field">
          <span data-testid="headset-status">{name ? t.connected(name) : t.none}</span>
          <button type="button" class="btn btn-small" data-testid="headset-connect" title={t.connect} onClick={() => void headsetSession.request().catch(() => undefined)}>
            {t.connect}
          </button>
        </div>
      ) : (
        <p class="hint" data-testid="headset-status">{t.unsupported}</p>
      )}
      <label class="field">
        <span class="field-label">{t.flash}</span>
        <select
          data-testid="headset-flash"
          value={state.settings.headsetFlash ?? 'hold'}
          onChange={(ev) => void run('updateSettings', { settings: { headsetFlash: (ev.currentTarget as HTMLSelectElement).value as HeadsetFlashAction } })}
        >
          {HEADSET_FLASH_ACTIONS.map((action) => (
            <option key={action} value={action}>
              {t.flashActions[action]}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}
