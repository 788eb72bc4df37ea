// @vitest-environment happy-dom
// The transfer key opens the transfer panel (blind/attended tabs) of the call being talked on: F8 in the window,
// and the desktop shell's request when the global shortcut was pressed with the window in the background.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import { keyName } from '../../../renderer/telephony/key-names.js';
import { baseState, call, employee, FakePhoneApi } from './fake-phone.js';

afterEach(() => cleanup());

const panelOf = (callId: string) => screen.getAllByTestId('call-panel').find((p) => p.getAttribute('data-call-id') === callId)!;

function twoCalls() {
  const api = new FakePhoneApi(
    baseState({
      calls: [
        call({ callId: 'held', state: 'held', heldLocally: true, answeredAt: Date.now(), startedAt: Date.now() - 9_000 }),
        call({ callId: 'talk', state: 'active', answeredAt: Date.now() }),
        call({ callId: 'r1', state: 'ringing' }),
      ],
      incomingQueue: ['r1'],
      activeCallId: 'talk',
    }),
  );
  api.handle('searchPhoneBook', () => ({ ok: true, value: [employee({ employeeId: 'e-5', surname: 'Orlov', sipUri: 'sip:1005@pbx' })] }));
  return api;
}

describe('the transfer key', () => {
  it('F8 opens the transfer panel of the call being talked on, not the call list, and it transfers from there', async () => {
    const api = twoCalls();
    render(<App api={api} />);
    expect(screen.queryByTestId('transfer-panel')).toBeNull();
    fireEvent.keyDown(window, { key: 'F8' });
    const panel = await within(panelOf('talk')).findByTestId('transfer-panel');
    expect(within(panelOf('held')).queryByTestId('transfer-panel')).toBeNull();
    expect(screen.queryByTestId('call-list')).toBeNull();
    expect(within(panel).getByTestId('transfer-blind').getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(within(panel).getByTestId('transfer-search'));
    fireEvent.click(within(panel).getByTestId('transfer-attended'));
    fireEvent.click(await within(panel).findByTestId('transfer-entry'));
    await waitFor(() => expect(api.commands('startConsultation')).toEqual([{ callId: 'talk', target: 'sip:1005@pbx' }]));
    expect(api.commands('answer')).toEqual([]); // F8 answers nothing
  });

  it('F8 with nothing talked on opens the panel of the call held last; with no call it does nothing', async () => {
    const api = new FakePhoneApi(baseState({ calls: [call({ callId: 'h', state: 'held', heldLocally: true, answeredAt: Date.now() })] }));
    render(<App api={api} />);
    fireEvent.keyDown(window, { key: 'F8' });
    expect(await within(panelOf('h')).findByTestId('transfer-panel')).toBeTruthy();
    act(() => api.publish({ calls: [] }));
    fireEvent.keyDown(window, { key: 'F8' });
    expect(screen.queryByTestId('transfer-panel')).toBeNull();
    const callCommands = ['answer', 'hold', 'resume', 'hangup', 'blindTransfer', 'startConsultation'] as const;
    expect(callCommands.flatMap((name) => api.commands(name))).toEqual([]);
  });

  it("the desktop shell's transfer request (the global shortcut) opens that call's panel once, over a closed call list", async () => {
    const api = twoCalls();
    render(<App api={api} />);
    fireEvent.click(screen.getByTestId('call-indicator'));
    expect(screen.getByTestId('call-list')).toBeTruthy();
    act(() => api.publish({ desktop: { shortcutsRefused: [], request: { seq: 4, open: 'transfer', callId: 'talk' } } }));
    const panel = await within(panelOf('talk')).findByTestId('transfer-panel');
    expect(screen.queryByTestId('call-list')).toBeNull();
    // Closed by the dispatcher, it stays closed when the same request comes again in a later state.
    fireEvent.click(within(panel).getByLabelText('Close'));
    expect(screen.queryByTestId('transfer-panel')).toBeNull();
    act(() => api.publish({ desktop: { shortcutsRefused: [], request: { seq: 4, open: 'transfer', callId: 'talk' } } }));
    expect(screen.queryByTestId('transfer-panel')).toBeNull();
    // A new press is a new request.
    act(() => api.publish({ desktop: { shortcutsRefused: [], request: { seq: 5, open: 'transfer', callId: 'talk' } } }));
    expect(await within(panelOf('talk')).findByTestId('transfer-panel')).toBeTruthy();
  });

  it('the transfer button names its key', () => {
    render(<App api={twoCalls()} />);
    expect(within(panelOf('talk')).getByTestId('transfer-button').getAttribute('title')).toBe('Transfer (F8)');
  });
});

describe('key names in tooltips', () => {
  it('come from the key map: each window action names the key that does it', () => {
    expect((['answer', 'hold', 'hangup', 'transfer', 'focus-phone-book', 'close-popups'] as const).map(keyName)).toEqual(['F2', 'F3', 'F4', 'F8', 'F6', 'Esc']);
  });
});
