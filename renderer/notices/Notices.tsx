// The notice area: the core's notices (state.notices, dismissed with dismissNotice) and the typed errors of
// commands this window sent (dismissed locally).
import { errorText, noticeText, useT } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';

export function Notices() {
  const { state, run, commandErrors, dismissCommandError, connected } = usePhone();
  const t = useT();
  if (state.notices.length === 0 && commandErrors.length === 0 && connected) return null;
  return (
    <div class="notices" data-testid="notices" role="status" aria-live="polite">
      {!connected ? (
        <div class="notice notice-error" data-testid="connection-lost">
          {t.connectionLost}
        </div>
      ) : null}
      {state.notices.map((n) => (
        <div class={`notice notice-${n.level}`} key={`n${n.noticeId}`} data-testid="notice" data-notice-id={n.noticeId} data-level={n.level}>
          <span class="notice-text">{noticeText(n.what, t)}</span>
          <button
            type="button"
            class="notice-dismiss"
            data-testid="notice-dismiss"
            aria-label={t.dismiss}
            title={t.dismiss}
            onClick={() => void run('dismissNotice', { noticeId: n.noticeId })}
          >
            ✕
          </button>
        </div>
      ))}
      {commandErrors.map((e) => (
        <div class="notice notice-error" key={`e${e.id}`} data-testid="command-error" data-code={e.error.code} data-command={e.command}>
          <span class="notice-text">{errorText(e.error, t)}</span>
          <button
            type="button"
            class="notice-dismiss"
            aria-label={t.dismiss}
            title={t.dismiss}
            onClick={() => dismissCommandError(e.id)}
          >
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
