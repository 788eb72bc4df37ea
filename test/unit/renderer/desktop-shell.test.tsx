// @vitest-environment happy-dom
// The renderer side of the desktop shell: the first run opens the SIP account settings; a wrong password is
// said in plain words there, in Russian too; a link asks before calling and warns about the live caller;
// refused shortcuts are listed.
import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import { baseState, call, FakePhoneApi } from './fake-phone.js';

afterEach(() => cleanup());

const noAccount = { user: '', displayName: null, server: '', transport: 'udp' as const };

describe('desktop shell in the renderer', () => {
  it('opens the account settings on the first run and saves the account', async () => {
    const api = new FakePhoneApi(baseState({ account: noAccount, registration: { kind: 'unregistered' } }));
    render(<App api={api} />);
    expect(screen.getByTestId('account-attention').textContent).toBe('Set up the SIP account to start taking calls.');
    fireEvent.input(screen.getByTestId('account-server'), { target: { value: ' pbx.example:5060 ' } });
    fireEvent.change(screen.getByTestId('account-transport'), { target: { value: 'tls' } });
    fireEvent.input(screen.getByTestId('account-user'), { target: { value: '1007' } });
    fireEvent.input(screen.getByTestId('account-password'), { target: { value: 'hunter2' } });
    fireEvent.input(screen.getByTestId('account-display-name'), { target: { value: 'Диспетчер 7' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('account-save'));
    });
    expect(api.commands('saveAccount')).toEqual([
      { account: { server: 'pbx.example:5060', transport: 'tls', user: '1007', password: 'hunter2', displayName: 'Диспетчер 7' } },
    ]);
  });

  it('says a wrong password in plain words, and keeps the stored password when the field is left empty', async () => {
    const api = new FakePhoneApi(baseState({ registration: { kind: 'wrong-credentials', code: 403, reason: 'Forbidden' } }));
    render(<App api={api} />);
    fireEvent.click(screen.getByTestId('settings-button'));
    expect(screen.getByTestId('account-result').textContent).toBe('The server refused the user name or password (403). Check them, enter the password and save again.');
    await act(async () => {
      fireEvent.click(screen.getByTestId('account-save'));
    });
    expect(api.commands('saveAccount')).toEqual([{ account: { server: '127.0.0.1', transport: 'udp', user: '1001', displayName: 'Диспетчер 1' } }]);
    act(() => api.publish({ settings: { ...api.state.settings, locale: 'ru' } }));
    expect(screen.getByTestId('account-result').textContent).toBe('Сервер не принял имя пользователя или пароль (403). Проверьте их, введите пароль и сохраните снова.');
  });

  it('says in the dispatcher\'s words why the account cannot change during a call', async () => {
    const base = baseState();
    const api = new FakePhoneApi({ ...base, settings: { ...base.settings, locale: 'ru' } });
    api.handle('saveAccount', () => ({ ok: false, error: { code: 'invalid-state', why: { kind: 'account-change-during-call' } } }));
    render(<App api={api} />);
    fireEvent.click(screen.getByTestId('settings-button'));
    await act(async () => {
      fireEvent.click(screen.getByTestId('account-save'));
    });
    expect(api.commands('saveAccount')).toHaveLength(1);
    expect((await screen.findByTestId('account-refused')).textContent).toBe('Завершите разговоры, прежде чем менять учётную запись SIP');
  });

  it('a link fills the dial prompt and calls only after the click, warning that the live caller will be held', async () => {
    const api = new FakePhoneApi(baseState({ calls: [call({ callId: 'a', state: 'active' })], activeCallId: 'a' }));
    render(<App api={api} />);
    act(() => api.publish({ desktop: { shortcutsRefused: [], request: { seq: 1, open: 'dial', target: '+79123456789' } } }));
    expect((screen.getByTestId('link-target') as HTMLInputElement).value).toBe('+79123456789');
    expect(screen.getByTestId('link-hold-warning')).toBeTruthy();
    expect(api.commands('dial')).toEqual([]);
    await act(async () => {
      fireEvent.click(screen.getByTestId('link-call'));
    });
    expect(api.commands('dial')).toEqual([{ target: '+79123456789' }]);
    // The same request again (a re-sent state) does not ask twice.
    act(() => api.publish({ desktop: { shortcutsRefused: [], request: { seq: 1, open: 'dial', target: '+79123456789' } } }));
    expect(screen.queryByTestId('link-prompt-panel')).toBeNull();
  });

  it('lists refused global shortcuts in the settings (desktop only)', () => {
    const api = new FakePhoneApi(baseState());
    render(<App api={api} />);
    fireEvent.click(screen.getByTestId('settings-button'));
    expect(screen.queryByTestId('shortcut-settings')).toBeNull(); // the web host has no global shortcuts
    act(() => api.publish({ desktop: { shortcutsRefused: [{ action: 'answer', accelerator: 'Ctrl+Shift+F2', why: 'taken' }], request: null } }));
    expect(screen.getByTestId('shortcuts-refused').textContent).toBe('Answer: Ctrl+Shift+F2 is taken by another program or is not a valid key');
  });

  it('says that a bare F-key would be taken from every program, and applies the shortcuts as typed', async () => {
    const api = new FakePhoneApi(baseState({ desktop: { shortcutsRefused: [], request: null } }));
    render(<App api={api} />);
    fireEvent.click(screen.getByTestId('settings-button'));
    expect(screen.getByTestId('shortcuts-bare-f-keys').textContent).toMatch(/^Answer: F2, Hold \/ resume: F3, End call: F4, Transfer: F5: a key without/);
    for (const [action, keys] of [['answer', 'Ctrl+Shift+F2'], ['hold', 'Ctrl+Shift+F3'], ['transfer', 'Ctrl+Shift+F8'], ['hangup', 'F5']] as const) {
      fireEvent.input(screen.getByTestId(`shortcut-${action}`), { target: { value: keys } });
    }
    expect(screen.getByTestId('shortcuts-bare-f-keys').textContent).toBe(
      'End call: F5: a key without Ctrl/Shift/Alt is taken from every program while this app runs, the browser with the order system too (F5 would no longer reload it).',
    );
    await act(async () => {
      fireEvent.click(screen.getByTestId('shortcuts-apply'));
    });
    expect(api.commands('updateSettings')).toEqual([{ settings: { shortcuts: { answer: 'Ctrl+Shift+F2', hold: 'Ctrl+Shift+F3', transfer: 'Ctrl+Shift+F8', hangup: 'F5' } } }]);
  });

  it("sets what the headset's Flash button does", async () => {
    const api = new FakePhoneApi(baseState());
    render(<App api={api} />);
    fireEvent.click(screen.getByTestId('settings-button'));
    const flash = screen.getByTestId('headset-flash') as HTMLSelectElement;
    expect(flash.value).toBe('hold');
    expect([...flash.options].map((o) => o.textContent)).toEqual(['Hold / resume', 'Open the transfer panel']);
    await act(async () => {
      fireEvent.change(flash, { target: { value: 'transfer' } });
    });
    expect(api.commands('updateSettings')).toEqual([{ settings: { headsetFlash: 'transfer' } }]);
  });
});
