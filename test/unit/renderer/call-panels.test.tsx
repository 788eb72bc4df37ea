// @vitest-environment happy-dom
// The call panels of the renderer: hold/resume, mute, DTMF and hang-up buttons, and both transfers as the
// dispatcher drives them (blind: pick an employee; attended: consult, then "Connect subscribers").
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import { baseState, call, employee, FakePhoneApi } from './fake-phone.js';

afterEach(() => cleanup());

function mount(api: FakePhoneApi) {
  return render(<App api={api} />);
}

describe('call panels', () => {
  it('shows hold state on the button and sends hold/resume, mute, DTMF, hangup', async () => {
    const api = new FakePhoneApi(
      baseState({
        calls: [call({ callId: 'c1', state: 'active', answeredAt: Date.now() - 65_000, identity: { kind: 'new-client' } })],
        activeCallId: 'c1',
      }),
    );
    mount(api);
    const panel = await screen.findByTestId('call-panel');
    expect(panel.getAttribute('data-state')).toBe('active');
    expect(within(panel).getByTestId('call-timer').textContent).toMatch(/^1:0[5-6]$/);
    const hold = within(panel).getByTestId('hold-button');
    expect(hold.getAttribute('data-held')).toBe('false');
    fireEvent.click(hold);
    fireEvent.click(within(panel).getByTestId('mute-button'));
    fireEvent.click(within(panel).getByTestId('keypad-button'));
    fireEvent.click(within(panel).getByTestId('dtmf-5'));
    fireEvent.click(within(panel).getByTestId('hangup-button'));
    await waitFor(() =>
      expect(api.sent.map((c) => c.name).filter((n) => ['hold', 'mute', 'sendDtmf', 'hangup'].includes(n))).toEqual(['hold', 'mute', 'sendDtmf', 'hangup']),
    );
    expect(api.commands('mute')).toEqual([{ callId: 'c1', muted: true }]);
    expect(api.commands('sendDtmf')).toEqual([{ callId: 'c1', digits: '5' }]);

    act(() => api.publish({ calls: [call({ callId: 'c1', state: 'held', heldLocally: true, heldRemotely: false, answeredAt: Date.now() })], activeCallId: null }));
    const held = screen.getByTestId('hold-button');
    expect(held.getAttribute('data-held')).toBe('true');
    expect(held.className).toContain('is-held');
    expect(screen.getByTestId('call-panel').getAttribute('data-state')).toBe('held');
    fireEvent.click(held);
    await waitFor(() => expect(api.commands('resume')).toEqual([{ callId: 'c1' }]));
  });

  it('blind transfer: pick an employee in the transfer panel', async () => {
    const api = new FakePhoneApi(baseState({ calls: [call({ callId: 'c1', state: 'active', answeredAt: Date.now() })], activeCallId: 'c1' }));
    api.handle('searchPhoneBook', () => ({ ok: true, value: [employee({ employeeId: 'e-5', surname: 'Orlov', sipUri: 'sip:1005@pbx' })] }));
    mount(api);
    fireEvent.click(await screen.findByTestId('transfer-button'));
    const panel = screen.getByTestId('transfer-panel');
    expect(panel.getAttribute('data-kind')).toBe('blind');
    fireEvent.click(await within(panel).findByTestId('transfer-entry'));
    await waitFor(() => expect(api.commands('blindTransfer')).toEqual([{ callId: 'c1', target: 'sip:1005@pbx' }]));
    await waitFor(() => expect(screen.queryByTestId('transfer-panel')).toBeNull());

    act(() =>
      api.publish({
        calls: [call({ callId: 'c1', state: 'active', answeredAt: Date.now(), transfer: { kind: 'blind', target: 'sip:1005@pbx', status: 'failed', cause: { kind: 'sip', code: 486, phrase: 'Busy Here' } } })],
      }),
    );
    const status = screen.getByTestId('transfer-status');
    expect(status.getAttribute('data-status')).toBe('failed');
    expect(status.textContent).toContain('486 Busy Here');
  });

  it('attended transfer: consultation starts, then the two panels are separated by Connect subscribers', async () => {
    const api = new FakePhoneApi(baseState({ calls: [call({ callId: 'caller', state: 'active', answeredAt: Date.now() })], activeCallId: 'caller' }));
    api.handle('searchPhoneBook', () => ({ ok: true, value: [employee({ employeeId: 'e-5', surname: 'Orlov', firstName: 'Oleg', sipUri: 'sip:1005@pbx' })] }));
    api.handle('startConsultation', () => ({ ok: true, value: { consultationCallId: 'consult' } }));
    mount(api);
    fireEvent.click(await screen.findByTestId('transfer-button'));
    fireEvent.click(screen.getByTestId('transfer-attended'));
    fireEvent.click(await within(screen.getByTestId('transfer-panel')).findByTestId('transfer-entry'));
    await waitFor(() => expect(api.commands('startConsultation')).toEqual([{ callId: 'caller', target: 'sip:1005@pbx' }]));

    act(() =>
      api.publish({
        calls: [
          call({ callId: 'caller', state: 'held', heldLocally: true, answeredAt: Date.now(), transfer: { kind: 'attended', consultationCallId: 'consult', status: 'consulting', cause: null } }),
          call({
            callId: 'consult',
            direction: 'outgoing',
            number: '1005',
            state: 'active',
            startedAt: Date.now(),
            answeredAt: Date.now(),
            consultationFor: 'caller',
            identity: { kind: 'employee', employeeId: 'e-5', name: 'Orlov Oleg', callsign: null, role: 'dispatcher' },
          }),
        ],
        activeCallId: 'consult',
      }),
    );
    const pair = screen.getByTestId('transfer-pair');
    const kids = [...pair.querySelectorAll('[data-testid="call-panel"], [data-testid="connect-subscribers"]')];
    expect(kids.map((k) => k.getAttribute('data-testid') + ':' + (k.getAttribute('data-call-id') ?? ''))).toEqual([
      'call-panel:caller',
      'connect-subscribers:',
      'call-panel:consult',
    ]);
    expect(kids[2]!.textContent).toContain('Orlov Oleg');
    expect(within(kids[0] as HTMLElement).getByTestId('hold-button').getAttribute('data-held')).toBe('true');
    const connect = screen.getByTestId('connect-subscribers');
    expect(connect.className).toContain('btn-connect');
    expect((connect as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(connect);
    await waitFor(() => expect(api.commands('connectSubscribers')).toEqual([{ callId: 'caller' }]));
    fireEvent.click(screen.getByTestId('back-to-caller'));
    await waitFor(() => expect(api.commands('backToCaller')).toEqual([{ callId: 'caller' }]));
  });

  it('Connect subscribers waits until the consultation is connected', async () => {
    const api = new FakePhoneApi(
      baseState({
        calls: [
          call({ callId: 'caller', state: 'held', heldLocally: true, answeredAt: Date.now(), transfer: { kind: 'attended', consultationCallId: 'consult', status: 'consulting', cause: null } }),
          call({ callId: 'consult', direction: 'outgoing', number: '1005', state: 'early', consultationFor: 'caller' }),
        ],
        activeCallId: null,
      }),
    );
    mount(api);
    expect(((await screen.findByTestId('connect-subscribers')) as HTMLButtonElement).disabled).toBe(true);
  });
});
