// @vitest-environment happy-dom
// The settings open on the SIP account by themselves when the phone cannot register with it: the first run (no
// account), an account with no password (the desktop app could not keep or open it), and a password the server
// refused (401/403). Each is said in plain words, in English and in Russian, from the facts (shared/facts.ts).
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import { dictionaries } from '../../../renderer/i18n/index.js';
import { accountAttention } from '../../../renderer/settings/account-attention.js';
import { ACCOUNT_ATTENTION_KINDS, PASSWORD_MISSING_KINDS, type AccountAttention } from '../../../shared/facts.js';
import type { PhoneState } from '../../../shared/state.js';
import { baseState, FakePhoneApi } from './fake-phone.js';

afterEach(() => cleanup());

const ru = (state: PhoneState): PhoneState => ({ ...state, settings: { ...state.settings, locale: 'ru' } });
const account = { user: '1001', displayName: 'Диспетчер 1', server: '127.0.0.1', transport: 'udp' as const };

describe('the settings open on the SIP account when it cannot register', () => {
  it('an account with no password: the settings open by themselves, say why, and the password field has the focus', async () => {
    const api = new FakePhoneApi(baseState({ account: { ...account, passwordMissing: 'no-keyring' }, registration: { kind: 'wrong-credentials', code: 401, reason: 'Unauthorized' } }));
    render(<App api={api} />);
    expect(screen.getByTestId('settings-panel')).toBeTruthy();
    const attention = screen.getByTestId('account-attention');
    expect(attention.getAttribute('data-kind')).toBe('password-missing');
    expect(attention.textContent).toBe('Enter the SIP password: this computer has no keyring to keep it safely, so it is asked at every start.');
    expect(document.activeElement).toBe(screen.getByTestId('account-password'));
    expect((screen.getByTestId('account-password') as HTMLInputElement).placeholder).toBe(''); // nothing saved to keep
    expect((screen.getByTestId('account-user') as HTMLInputElement).value).toBe('1001');
    fireEvent.input(screen.getByTestId('account-password'), { target: { value: 'hunter2' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('account-save'));
    });
    expect(api.commands('saveAccount')).toEqual([{ account: { server: '127.0.0.1', transport: 'udp', user: '1001', password: 'hunter2', displayName: 'Диспетчер 1' } }]);
  });

  it('says it in Russian, for each reason', () => {
    const api = new FakePhoneApi(ru(baseState({ account: { ...account, passwordMissing: 'sealed-elsewhere' } })));
    render(<App api={api} />);
    expect(screen.getByTestId('account-attention').textContent).toBe(
      'Введите пароль SIP ещё раз: сохранённый пароль не открывается на этом компьютере или под этой учётной записью.',
    );
    act(() => api.publish({ account: { ...account, passwordMissing: 'not-saved' } }));
    expect(screen.getByTestId('account-attention').textContent).toBe('Введите пароль SIP: для этой учётной записи пароль не сохранён, поэтому телефон не зарегистрирован.');
  });

  it('a refused password opens the settings when the refusal comes, once; closed, they open again at the next refusal', () => {
    const api = new FakePhoneApi(baseState({ registration: { kind: 'registering', attempt: 1 } }));
    render(<App api={api} />);
    expect(screen.queryByTestId('settings-panel')).toBeNull();
    act(() => api.publish({ registration: { kind: 'wrong-credentials', code: 403, reason: 'Forbidden' } }));
    expect(screen.getByTestId('settings-panel')).toBeTruthy();
    expect(screen.getByTestId('account-result').textContent).toBe('The server refused the user name or password (403). Check them, enter the password and save again.');
    expect(document.activeElement).toBe(screen.getByTestId('account-password'));
    fireEvent.click(screen.getByTestId('settings-close'));
    act(() => api.publish({ registration: { kind: 'wrong-credentials', code: 403, reason: 'Forbidden' } })); // the same refusal, republished
    expect(screen.queryByTestId('settings-panel')).toBeNull();
    act(() => api.publish({ registration: { kind: 'registering', attempt: 1 } }));
    act(() => api.publish({ registration: { kind: 'wrong-credentials', code: 401, reason: 'Unauthorized' } }));
    expect(screen.getByTestId('settings-panel')).toBeTruthy();
    act(() => api.publish({ settings: { ...api.state.settings, locale: 'ru' } }));
    expect(screen.getByTestId('account-result').textContent).toBe('Сервер не принял имя пользователя или пароль (401). Проверьте их, введите пароль и сохраните снова.');
  });

  it('a registered account with its password opens nothing', () => {
    render(<App api={new FakePhoneApi(baseState({ registration: { kind: 'registered', expiresAt: Date.now() + 60_000 } }))} />);
    expect(screen.queryByTestId('settings-panel')).toBeNull();
  });

  it('decides the reason from the state: no account, then no password, then a refusal', () => {
    const s = baseState();
    expect(accountAttention({ ...s, account: { ...account, user: '' } })).toEqual({ kind: 'no-account' });
    expect(accountAttention({ ...s, account: { ...account, passwordMissing: 'not-saved' }, registration: { kind: 'wrong-credentials', code: 401, reason: '' } })).toEqual({
      kind: 'password-missing',
      why: 'not-saved',
    });
    expect(accountAttention({ ...s, registration: { kind: 'wrong-credentials', code: 407, reason: '' } })).toEqual({ kind: 'credentials-refused', code: 407 });
    expect(accountAttention({ ...s, registration: { kind: 'unreachable', cause: { kind: 'connection-lost' }, retryAt: null } })).toBeNull();
  });

  it('every reason has words in both languages, and the Russian ones are Russian', () => {
    const facts: AccountAttention[] = [
      { kind: 'no-account' },
      ...PASSWORD_MISSING_KINDS.map((why) => ({ kind: 'password-missing' as const, why })),
      { kind: 'credentials-refused', code: 403 },
    ];
    expect(new Set(facts.map((f) => f.kind))).toEqual(new Set(ACCOUNT_ATTENTION_KINDS));
    for (const locale of ['en', 'ru'] as const) {
      const words = facts.map((f) => dictionaries[locale].facts.accountAttention[f.kind](f as never));
      expect(new Set(words).size, locale).toBe(facts.length); // each reason its own words
      for (const w of words) expect(w, locale).toMatch(/\S{3}/);
      if (locale === 'ru') for (const w of words) expect(w.replace(/SIP/g, '').match(/[A-Za-z]{3,}/g), w).toBeNull();
    }
  });
});
