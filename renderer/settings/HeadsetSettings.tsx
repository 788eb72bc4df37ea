// Headset buttons: connect a headset through WebHID (the browser asks which one) and see which is connected.
import { useEffect, useState } from 'preact/hooks';
import { headsetSession } from '../headset/headset-session.js';
import { useT } from '../i18n/index.js';

export function HeadsetSettings() {
  const t = useT().headset;
  const [name, setName] = useState(headsetSession.name());
  useEffect(() => headsetSession.onChange(() => setName(headsetSession.name())), []);
  return (
    <section class="headset-settings" data-testid="headset-settings">
      <h3>{t.title}</h3>
      {headsetSession.supported() ? (
        <div class="field">
          <span data-testid="headset-status">{name ? t.connected(name) : t.none}</span>
          <button type="button" class="btn btn-small" data-testid="headset-connect" onClick={() => void headsetSession.request().catch(() => undefined)}>
            {t.connect}
          </button>
        </div>
      ) : (
        <p class="hint" data-testid="headset-status">{t.unsupported}</p>
      )}
    </section>
  );
}
