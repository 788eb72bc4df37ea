// The dispatcher screen: the telephony panel top-left, the orders beside it; everything drawn from the one
// PhoneState the core publishes.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { PhoneApi } from '../shared/commands.js';
import { HistoryPanel } from './history/HistoryPanel.js';
import { DEFAULT_LOCALE, dictionaries, I18nContext } from './i18n/index.js';
import { OrdersArea } from './orders/OrdersArea.js';
import { SettingsPanel } from './settings/SettingsPanel.js';
import { PhoneProvider, useCommandRunner, usePhone, type PhoneContextValue } from './store/phone-context.js';
import { usePhoneState } from './store/use-phone-state.js';
import { useHotkeys } from './telephony/hotkeys.js';
import { TelephonyPanel } from './telephony/TelephonyPanel.js';

export function App(props: { api: PhoneApi }) {
  const { state, connected } = usePhoneState(props.api);
  const runner = useCommandRunner(props.api);
  const locale = state?.settings.locale ?? DEFAULT_LOCALE;
  const i18n = useMemo(() => ({ locale, t: dictionaries[locale] ?? dictionaries[DEFAULT_LOCALE] }), [locale]);
  // The window's title and the page's language follow the dispatcher's language (index.html says ru).
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = i18n.t.appTitle;
  }, [locale, i18n]);

  if (!state) {
    return (
      <I18nContext.Provider value={i18n}>
        <div class="boot" data-testid="boot">
          {connected ? i18n.t.connecting : <span data-testid="connection-lost">{i18n.t.connectionLost}</span>}
        </div>
      </I18nContext.Provider>
    );
  }
  const value: PhoneContextValue = { api: props.api, state, connected, ...runner };
  return (
    <I18nContext.Provider value={i18n}>
      <PhoneProvider value={value}>
        <Screen />
      </PhoneProvider>
    </I18nContext.Provider>
  );
}

function Screen() {
  const [callListOpen, setCallListOpen] = useState(false);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const value = usePhone();

  const closePopups = useCallback(() => {
    setCallListOpen(false);
    setHistoryOpen(false);
    setSettingsOpen(false);
  }, []);
  useHotkeys(value.state, value.run, {
    focusPhoneBook: () => searchRef.current?.focus(),
    closePopups,
  });

  return (
    <div class={`screen${value.connected ? '' : ' disconnected'}`}>
      <TelephonyPanel
        callListOpen={callListOpen}
        setCallListOpen={setCallListOpen}
        onOpenHistory={() => setHistoryOpen(true)}
        onOpenSettings={() => setSettingsOpen(true)}
        searchRef={searchRef}
      />
      <main class="work">
        <OrdersArea />
      </main>
      {historyOpen ? <HistoryPanel onClose={() => setHistoryOpen(false)} /> : null}
      {settingsOpen ? <SettingsPanel onClose={() => setSettingsOpen(false)} /> : null}
    </div>
  );
}
