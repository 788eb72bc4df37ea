// The dispatcher screen: the telephony panel top-left, the orders beside it; everything drawn from the one
// PhoneState the core publishes.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { PhoneApi } from '../shared/commands.js';
import { useFocusKeeper } from './common/focus-keeper.js';
import { LinkPrompt } from './desktop/LinkPrompt.js';
import { useWindowRequest } from './desktop/use-window-request.js';
import { useHeadsetSession } from './headset/headset-session.js';
import { HistoryPanel } from './history/HistoryPanel.js';
import { DEFAULT_LOCALE, dictionaries, I18nContext } from './i18n/index.js';
import { OrdersArea } from './orders/OrdersArea.js';
import { useAccountAttention } from './settings/account-attention.js';
import { SettingsPanel } from './settings/SettingsPanel.js';
import { PhoneProvider, useCommandRunner, usePhone, type PhoneContextValue } from './store/phone-context.js';
import { DirectoryRevisionContext } from './store/directory-revision.js';
import { usePhoneState } from './store/use-phone-state.js';
import { useHotkeys } from './telephony/hotkeys.js';
import { TelephonyPanel } from './telephony/TelephonyPanel.js';
import { TransferRequestContext, type TransferRequest } from './telephony/transfer-request.js';

export function App(props: { api: PhoneApi }) {
  const { state, connected, directory } = usePhoneState(props.api);
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
      <DirectoryRevisionContext.Provider value={directory}>
        <PhoneProvider value={value}>
          <Screen />
        </PhoneProvider>
      </DirectoryRevisionContext.Provider>
    </I18nContext.Provider>
  );
}

function Screen() {
  const [callListOpen, setCallListOpen] = useState(false);
  const [historyOpen, setHistoryOpen] = useState(false);
  const value = usePhone();
  // No SIP account yet, no password, or a refused one: the settings open with its fields (settings/account-attention.ts).
  const [settingsOpen, setSettingsOpen] = useState(false);
  useAccountAttention(value.state, () => setSettingsOpen(true));
  const searchRef = useRef<HTMLInputElement>(null);
  // The transfer key (F8, the global shortcut): that call's transfer panel, with nothing over it.
  const [transferRequest, setTransferRequest] = useState<TransferRequest | null>(null);
  const showTransfer = useCallback((callId: string) => {
    setCallListOpen(false);
    setHistoryOpen(false);
    setTransferRequest((r) => ({ callId, seq: (r?.seq ?? 0) + 1 }));
  }, []);
  const link = useWindowRequest(value.state.desktop?.request, { callList: () => setCallListOpen(true), transfer: showTransfer });
  useHeadsetSession(value.state, value.run, showTransfer);

  const closePopups = useCallback(() => {
    setCallListOpen(false);
    setHistoryOpen(false);
    setSettingsOpen(false);
  }, []);

  useHotkeys(value.state, value.run, {
    focusPhoneBook: () => searchRef.current?.focus(),
    showTransfer,
    closePopups,
  });

  // When a call ends its panel goes, and with it the button that had the focus (End call): the focus
  // must not fall to the page, where no key reaches a field. It goes to the phone book search.
  // Also when a call changes state (answered from the call list, which closes under the focus).
  const liveCalls = value.state.calls
    .filter((c) => c.state !== 'ended')
    .map((c) => `${c.callId}:${c.state}`)
    .join(' ');
  useEffect(() => {
    const focused = document.activeElement;
    if (focused === null || focused === document.body || !focused.isConnected) searchRef.current?.focus();
  }, [liveCalls]);
  // And whenever the focused element leaves the screen for another reason (a form or a pop-up closed).
  useFocusKeeper(() => searchRef.current);

  return (
    <div class={`screen${value.connected ? '' : ' disconnected'}`}>
      <TransferRequestContext.Provider value={transferRequest}>
        <TelephonyPanel
          callListOpen={callListOpen}
          setCallListOpen={setCallListOpen}
          onOpenHistory={() => setHistoryOpen(true)}
          onOpenSettings={() => setSettingsOpen(true)}
          searchRef={searchRef}
        />
      </TransferRequestContext.Provider>
      <main class="work">
        <OrdersArea />
      </main>
      {historyOpen ? <HistoryPanel onClose={() => setHistoryOpen(false)} /> : null}
      {settingsOpen ? <SettingsPanel onClose={() => setSettingsOpen(false)} /> : null}
      {link.dialTarget !== null ? <LinkPrompt target={link.dialTarget} onClose={link.closeDial} /> : null}
    </div>
  );
}
