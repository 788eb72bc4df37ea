// A tel:/sip: link from the desktop: the number in the dial field and one question before calling. It says
// when calling would put the live caller on hold, so that never happens unasked.
import { useState } from 'preact/hooks';
import { Overlay } from '../common/Overlay.js';
import { useT } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';

export function LinkPrompt(props: { target: string; onClose: () => void }) {
  const { state, run } = usePhone();
  const t = useT().link;
  const [target, setTarget] = useState(props.target);
  const live = state.calls.some((c) => c.state === 'active' || c.state === 'dialing' || c.state === 'early');
  return (
    <Overlay title={t.title} testId="link-prompt" boxClass="link-prompt" onClose={props.onClose}>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          props.onClose();
          void run('dial', { target: target.trim() });
        }}
      >
        <p data-testid="link-question">{t.question(target)}</p>
        <input type="tel" data-testid="link-target" value={target} onInput={(ev) => setTarget((ev.currentTarget as HTMLInputElement).value)} />
        {live ? <div class="notice notice-warning" data-testid="link-hold-warning">{t.holdWarning}</div> : null}
        <div class="actions">
          <button type="submit" class="btn btn-primary" data-testid="link-call" disabled={target.trim() === ''}>
            {t.call}
          </button>
          <button type="button" class="btn btn-ghost" data-testid="link-cancel" onClick={props.onClose}>
            {t.cancel}
          </button>
        </div>
      </form>
    </Overlay>
  );
}
