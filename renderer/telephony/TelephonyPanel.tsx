// The telephony panel [панель телефонии], top-left of the dispatcher screen: status, call indicator,
// call history button, the call panels and the phone book.
import type { Ref } from 'preact';
import { useT } from '../i18n/index.js';
import { Notices } from '../notices/Notices.js';
import { usePhone } from '../store/phone-context.js';
import { CallIndicator } from './CallIndicator.js';
import { CallPanels } from './CallPanels.js';
import { PhoneBook } from './PhoneBook.js';
import { PresenceSwitch, RegistrationStatus } from './RegistrationStatus.js';

export function TelephonyPanel(props: {
  callListOpen: boolean;
  setCallListOpen: (open: boolean) => void;
  onOpenHistory: () => void;
  onOpenSettings: () => void;
  searchRef: Ref<HTMLInputElement>;
}) {
  const { run } = usePhone();
  const t = useT();
  return (
    <aside class="telephony" aria-label={t.telephonyPanel} data-testid="telephony-panel">
      <div class="tel-bar">
        <CallIndicator open={props.callListOpen} onToggle={props.setCallListOpen} />
        <button type="button" class="btn btn-icon" data-testid="history-button" title={t.historyButton} aria-label={t.historyButton} onClick={props.onOpenHistory}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round">
            <path d="M3 12a9 9 0 1 0 3-6.7" />
            <path d="M3 4v5h5" />
            <path d="M12 7v5l3 2" />
          </svg>
        </button>
        <button type="button" class="btn btn-icon" data-testid="settings-button" title={t.settings} aria-label={t.settings} onClick={props.onOpenSettings}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round">
            <path d="M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0" />
            <circle cx="16" cy="6" r="2" />
            <circle cx="10" cy="12" r="2" />
            <circle cx="18" cy="18" r="2" />
          </svg>
        </button>
        <PresenceSwitch />
      </div>
      <RegistrationStatus />
      <Notices />
      <CallPanels />
      <section class="panel phonebook-panel" aria-labelledby="phonebook-title">
        <h2 class="panel-title" id="phonebook-title">
          {t.phoneBook}
        </h2>
        <PhoneBook inputRef={props.searchRef} onPick={(target) => void run('dial', { target })} />
      </section>
      <div class="hotkeys" data-testid="hotkey-help">
        {t.hotkeys}
      </div>
    </aside>
  );
}
