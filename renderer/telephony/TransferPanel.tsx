// Transfer [переадресация]: blind [безусловная] REFERs the caller to the picked employee; attended [условная]
// holds the caller and calls the employee first (startConsultation), then "Connect subscribers".
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Call } from '../../shared/domain.js';
import { useT } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';
import { keyName } from './key-names.js';
import { PhoneBook } from './PhoneBook.js';

export function TransferPanel(props: { call: Call; onClose: () => void }) {
  const { run } = usePhone();
  const t = useT();
  const [kind, setKind] = useState<'blind' | 'attended'>('blind');
  const [busy, setBusy] = useState(false);
  // The search takes the focus when the panel opens (F8, the button): Chromium honours `autofocus` only at page load.
  const searchRef = useRef<HTMLInputElement>(null);
  useEffect(() => searchRef.current?.focus(), []);
  // Esc closes it, as it closes the other pop-ups (an Esc that clears the search stops before the window).
  const close = useRef(props.onClose);
  close.current = props.onClose;
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key === 'Escape') close.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const onPick = (target: string) => {
    setBusy(true);
    const done = (ok: boolean) => {
      setBusy(false);
      if (ok) props.onClose();
    };
    if (kind === 'blind') void run('blindTransfer', { callId: props.call.callId, target }).then((r) => done(r.ok));
    else void run('startConsultation', { callId: props.call.callId, target }).then((r) => done(r.ok));
  };

  return (
    <div class="transfer-panel" data-testid="transfer-panel" data-kind={kind}>
      <div class="transfer-head">
        <strong>{t.transferTitle}</strong>
        <div class="tabs" role="tablist">
          <button
            type="button"
            role="tab"
            class={`tab${kind === 'blind' ? ' tab-on' : ''}`}
            aria-selected={kind === 'blind'}
            data-testid="transfer-blind"
            title={t.blindTransferHint}
            onClick={() => setKind('blind')}
          >
            {t.blindTransfer}
          </button>
          <button
            type="button"
            role="tab"
            class={`tab${kind === 'attended' ? ' tab-on' : ''}`}
            aria-selected={kind === 'attended'}
            data-testid="transfer-attended"
            title={t.attendedTransferHint}
            onClick={() => setKind('attended')}
          >
            {t.attendedTransfer}
          </button>
        </div>
        <button type="button" class="btn btn-small btn-ghost" aria-label={t.close} title={t.withKey(t.close, keyName('close-popups'))} onClick={props.onClose}>
          ✕
        </button>
      </div>
      <div class="hint">{kind === 'blind' ? t.blindTransferHint : t.attendedTransferHint}</div>
      <PhoneBook testIdPrefix="transfer" inputRef={searchRef} onPick={onPick} pickNumberLabel={t.transferTo} autoFocus disabled={busy} />
    </div>
  );
}
