// The SIP account in the settings: server, transport, user, password, display name, and the registration
// result in plain words. Saving sends saveAccount: the core registers with the new account at once. The
// password is never shown back (the field stays empty; empty keeps the saved one). Why the settings opened by
// themselves (no account, no password, a refused one: account-attention.ts) is said at the top, in plain words.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RegistrationState } from '../../shared/domain.js';
import type { AccountSummary } from '../../shared/state.js';
import { errorText, useT, type Strings } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';
import { accountAttention } from './account-attention.js';

export function registrationResult(t: Strings, account: AccountSummary, registration: RegistrationState): { text: string; level: 'ok' | 'info' | 'error' } {
  const r = t.account.result;
  if (account.user === '') return { text: r.notConfigured, level: 'info' };
  switch (registration.kind) {
    case 'registered':
      return { text: r.registered, level: 'ok' };
    case 'registering':
      return { text: r.registering, level: 'info' };
    case 'unregistered':
      return { text: r.unregistered, level: 'info' };
    case 'wrong-credentials':
      return { text: t.facts.accountAttention['credentials-refused']({ kind: 'credentials-refused', code: registration.code }), level: 'error' };
    case 'unreachable':
      return { text: r.unreachable(t.facts.cause(registration.cause)), level: 'error' };
    case 'server-error':
      return { text: r.serverError(registration.code, registration.reason), level: 'error' };
  }
}

export function AccountSettings() {
  const { state, run } = usePhone();
  const t = useT();
  const a = state.account;
  const [server, setServer] = useState(a.server);
  const [transport, setTransport] = useState(a.transport);
  const [user, setUser] = useState(a.user);
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState(a.displayName ?? '');
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const result = registrationResult(t, a, state.registration);
  const firstRun = a.user === '';
  const attention = accountAttention(state);
  // Said by the result line below when the server refused the account; the other reasons have their own line.
  const banner = attention && attention.kind !== 'credentials-refused' ? attention : null;
  const asksPassword = attention?.kind === 'password-missing' || attention?.kind === 'credentials-refused';
  const passwordRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (asksPassword) passwordRef.current?.focus();
  }, [asksPassword]);

  const save = async (ev: Event) => {
    ev.preventDefault();
    setSaving(true);
    setRefusal(null);
    const saved = await run('saveAccount', {
      account: {
        server: server.trim(),
        transport,
        user: user.trim(),
        ...(password !== '' || firstRun || a.passwordMissing ? { password } : {}),
        displayName: displayName.trim() === '' ? null : displayName.trim(),
      },
    }, { quiet: true });
    setSaving(false);
    // Said here, beside the fields (a call is up, a field the bridge refused), in the dispatcher's words.
    if (!saved.ok) setRefusal(errorText(saved.error, t));
    setPassword('');
  };
  const text = (testId: string, label: string, value: string, set: (v: string) => void, type = 'text', placeholder = '') => (
    <label class="field">
      <span class="field-label">{label}</span>
      <input
        ref={type === 'password' ? passwordRef : undefined}
        type={type}
        data-testid={testId}
        value={value}
        placeholder={placeholder}
        autocomplete="off"
        onInput={(ev) => set((ev.currentTarget as HTMLInputElement).value)}
      />
    </label>
  );

  return (
    <form class="account-settings" data-testid="account-settings" aria-labelledby="account-title" onSubmit={(ev) => void save(ev)}>
      <h3 id="account-title">{t.account.title}</h3>
      {banner ? (
        <div class={`notice notice-${banner.kind === 'no-account' ? 'info' : 'warning'}`} data-testid="account-attention" data-kind={banner.kind} role="alert">
          {t.facts.accountAttention[banner.kind](banner as never)}
        </div>
      ) : null}
      <div class={`notice notice-${result.level === 'error' ? 'error' : 'info'}`} data-testid="account-result" role="status">
        {result.text}
      </div>
      {refusal ? <div class="notice notice-warning" data-testid="account-refused">{refusal}</div> : null}
      <div class="settings-grid">
        {text('account-server', t.account.server, server, setServer)}
        <label class="field">
          <span class="field-label">{t.account.transport}</span>
          <select data-testid="account-transport" value={transport} onChange={(ev) => setTransport((ev.currentTarget as HTMLSelectElement).value as typeof transport)}>
            <option value="udp">UDP</option>
            <option value="tcp">TCP</option>
            <option value="tls">TLS</option>
          </select>
        </label>
        {text('account-user', t.account.user, user, setUser)}
        {text('account-password', t.account.password, password, setPassword, 'password', firstRun || a.passwordMissing ? '' : t.account.passwordKept)}
        {text('account-display-name', t.account.displayName, displayName, setDisplayName)}
        <div class="field">
          <span class="field-label" />
          <button type="submit" class="btn btn-primary" data-testid="account-save" title={t.account.save} disabled={saving || server.trim() === '' || user.trim() === ''}>
            {saving ? t.account.saving : t.account.save}
          </button>
        </div>
      </div>
    </form>
  );
}
