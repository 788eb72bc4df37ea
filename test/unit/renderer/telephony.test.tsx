// @vitest-environment happy-dom
// The telephony panel's renderer: the call indicator and list, status and notices, the phone book, the
// history and the settings (the call panels are in call-panels.test.tsx).
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import type { PhoneBookEntry } from '../../../shared/domain.js';
import type { Result } from '../../../shared/errors.js';
import { baseState, call, deferred, employee, FakePhoneApi, order } from './fake-phone.js';

afterEach(() => cleanup());

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function mount(api: FakePhoneApi) {
  return render(<App api={api} />);
}

describe('call indicator and call list', () => {
  it('shows the queue length, pulses while calls ring', async () => {
    const api = new FakePhoneApi(baseState());
    mount(api);
    const indicator = await screen.findByTestId('call-indicator');
    expect(screen.getByTestId('call-count').textContent).toBe('0');
    expect(indicator.className).not.toContain('indicator-ringing');

    act(() =>
      api.publish({
        calls: [call({ callId: 'a' }), call({ callId: 'b', number: '+79120000002' })],
        incomingQueue: ['a', 'b'],
      }),
    );
    expect(screen.getByTestId('call-count').textContent).toBe('2');
    expect(screen.getByTestId('call-indicator').className).toContain('indicator-ringing');
    expect(screen.getByTestId('call-indicator').getAttribute('data-ringing')).toBe('true');
  });

  it('lists two ringing calls in arrival order with who they are, and a click answers', async () => {
    const now = Date.now();
    const api = new FakePhoneApi(
      baseState({
        calls: [
          // the core's calls array is not the queue order: the queue is
          call({ callId: 'late', number: '+79125550002', startedAt: now - 3_000, identity: { kind: 'client', clientId: 'c-9', name: 'Anna Petrova', unfinishedOrders: [order(), order({ orderId: 'o-2', number: '4712' })] } }),
          call({
            callId: 'early',
            number: '+79125550001',
            startedAt: now - 12_000,
            identity: { kind: 'driver', employeeId: 'e-driver', name: 'Sidorov Ivan', callsign: '77', currentOrder: order() },
          }),
        ],
        incomingQueue: ['early', 'late'],
      }),
    );
    mount(api);
    fireEvent.click(await screen.findByTestId('call-indicator'));
    const list = screen.getByTestId('call-list');
    const items = within(list).getAllByTestId('incoming-call');
    expect(items.map((i) => i.getAttribute('data-call-id'))).toEqual(['early', 'late']);
    expect(items[0]!.textContent).toContain('+79125550001');
    expect(items[0]!.textContent).toContain('Sidorov Ivan · 77');
    expect(items[0]!.textContent).toContain('order №4711');
    expect(items[0]!.querySelector('[data-testid="waiting-time"]')!.textContent).toMatch(/^0:1[2-3]$/);
    expect(items[1]!.textContent).toContain('Anna Petrova');
    expect(items[1]!.textContent).toContain('2 unfinished orders');

    fireEvent.click(items[1]!);
    await waitFor(() => expect(api.commands('answer')).toEqual([{ callId: 'late' }]));
  });

  it('names a new client and an employee with their role', async () => {
    const api = new FakePhoneApi(
      baseState({
        calls: [
          call({ callId: 'n', identity: { kind: 'new-client' } }),
          call({ callId: 'e', identity: { kind: 'employee', employeeId: 'e-2', name: 'Kozlova Olga', callsign: null, role: 'dispatcher' } }),
        ],
        incomingQueue: ['n', 'e'],
      }),
    );
    mount(api);
    fireEvent.click(await screen.findByTestId('call-indicator'));
    const items = screen.getAllByTestId('incoming-call');
    expect(items[0]!.textContent).toContain('New client');
    expect(items[1]!.textContent).toContain('Kozlova Olga');
    expect(items[1]!.textContent).toContain('dispatcher');
  });

  it('F2 answers the oldest ringing call', async () => {
    const api = new FakePhoneApi(baseState({ calls: [call({ callId: 'x' }), call({ callId: 'y' })], incomingQueue: ['y', 'x'] }));
    mount(api);
    await screen.findByTestId('call-indicator');
    fireEvent.keyDown(window, { key: 'F2' });
    await waitFor(() => expect(api.commands('answer')).toEqual([{ callId: 'y' }]));
    expect(screen.getByTestId('hotkey-help').textContent).toContain('F2');
  });
});

describe('status and notices', () => {
  it('shows the registration state and switches presence', async () => {
    const api = new FakePhoneApi(baseState({ registration: { kind: 'wrong-credentials', code: 403, reason: 'Forbidden' } }));
    mount(api);
    const status = await screen.findByTestId('registration-status');
    expect(status.getAttribute('data-state')).toBe('wrong-credentials');
    expect(status.textContent).toContain('Wrong credentials');
    fireEvent.click(screen.getByTestId('presence-break'));
    await waitFor(() => expect(api.commands('setPresence')).toEqual([{ presence: 'break' }]));
  });

  it('shows a command error, and the core notices with dismiss', async () => {
    const api = new FakePhoneApi(
      baseState({
        calls: [call({ callId: 'c1', state: 'active', answeredAt: Date.now() })],
        activeCallId: 'c1',
        notices: [
          {
            noticeId: 7,
            level: 'warning',
            what: { kind: 'transfer-failed', party: { name: 'Иванов Пётр', callsign: '17', number: '2001' }, target: '1005', cause: { kind: 'sip', code: 486, phrase: 'Busy Here' } },
            at: Date.now(),
            callId: 'c1',
          },
        ],
      }),
    );
    api.handle('hold', () => ({
      ok: false,
      error: { code: 'sip-failure', why: { kind: 'operation-failed', operation: 'hold', party: null, cause: { kind: 'sip', code: 488, phrase: 'Not Acceptable Here' } } },
    }));
    mount(api);
    fireEvent.click(await screen.findByTestId('hold-button'));
    const error = await screen.findByTestId('command-error');
    expect(error.textContent).toContain('Could not hold: 488 Not Acceptable Here');
    expect(error.getAttribute('data-code')).toBe('sip-failure');

    expect(screen.getByTestId('notice').textContent).toContain(
      'Transfer of Иванов Пётр (17) to 1005 failed (486 Busy Here). The caller is back on the line with you.',
    );
    fireEvent.click(screen.getByTestId('notice-dismiss'));
    await waitFor(() => expect(api.commands('dismissNotice')).toEqual([{ noticeId: 7 }]));
  });

  it('a command that throws still ends as a shown error', async () => {
    const api = new FakePhoneApi(baseState());
    api.handle('dial', () => {
      throw new Error('ipc gone');
    });
    mount(api);
    fireEvent.input(await screen.findByTestId('phonebook-search'), { target: { value: '1002' } });
    fireEvent.click(screen.getByTestId('dial-number'));
    expect((await screen.findByTestId('command-error')).textContent).toContain('ipc gone');
  });

  it('draws in Russian by default locale ru', async () => {
    const api = new FakePhoneApi(baseState({ settings: { ...baseState().settings, locale: 'ru' } }));
    mount(api);
    expect((await screen.findByTestId('registration-status')).textContent).toContain('Зарегистрирован');
    expect(screen.getByTestId('presence-online').textContent).toBe('На линии');
    expect(screen.getByTestId('presence-break').textContent).toBe('Перерыв');
  });
});

describe('phone book', () => {
  const ivanov = employee({ employeeId: 'e-1', surname: 'Ivanov', firstName: 'Petr', callsign: '12', sipUri: 'sip:1002@pbx', online: true });
  const ivanova = employee({ employeeId: 'e-2', surname: 'Ivanova', firstName: 'Maria', sipUri: null, numbers: ['+79123456789'], online: null });

  it('typing searches, and an older answer never overwrites a newer one', async () => {
    const api = new FakePhoneApi(baseState());
    const answers = new Map<string, ReturnType<typeof deferred<Result<PhoneBookEntry[]>>>>();
    api.handle('searchPhoneBook', (args) => {
      const d = deferred<Result<PhoneBookEntry[]>>();
      answers.set(args.query, d);
      return d.promise;
    });
    mount(api);
    const search = await screen.findByTestId('phonebook-search');
    fireEvent.input(search, { target: { value: 'Iv' } });
    await act(() => sleep(20));
    fireEvent.input(search, { target: { value: 'Ivanova' } });
    await act(() => sleep(20));
    expect(api.commands('searchPhoneBook').map((a) => (a as { query: string }).query)).toEqual(['', 'Iv', 'Ivanova']);

    // The newer answer arrives first, the older one late: the list keeps the newer.
    answers.get('Ivanova')!.resolve({ ok: true, value: [ivanova] });
    await act(() => sleep(10));
    expect(screen.getAllByTestId('phonebook-entry').map((e) => e.getAttribute('data-employee-id'))).toEqual(['e-2']);
    answers.get('Iv')!.resolve({ ok: true, value: [ivanov, ivanova] });
    await act(() => sleep(10));
    const entries = screen.getAllByTestId('phonebook-entry');
    expect(entries.map((e) => e.getAttribute('data-employee-id'))).toEqual(['e-2']);
    expect(entries[0]!.querySelector('[data-testid="online-mark"]')).toBeNull(); // online unknown: no mark
  });

  it('shows surname, first name, callsign and online mark; click dials the sip uri, else the first number', async () => {
    const api = new FakePhoneApi(baseState());
    api.handle('searchPhoneBook', () => ({ ok: true, value: [ivanov, ivanova] }));
    mount(api);
    // Typed: the search lists everyone it finds, online or not.
    fireEvent.input(await screen.findByTestId('phonebook-search'), { target: { value: 'Iv' } });
    await waitFor(() => expect(screen.getAllByTestId('phonebook-entry')).toHaveLength(2));
    const entries = screen.getAllByTestId('phonebook-entry');
    expect(entries[0]!.textContent).toContain('Ivanov');
    expect(entries[0]!.textContent).toContain('Petr');
    expect(entries[0]!.textContent).toContain('12');
    expect(entries[0]!.querySelector('[data-testid="online-mark"]')!.getAttribute('data-online')).toBe('true');
    fireEvent.click(entries[0]!);
    // A pick clears the search: type again for the second one.
    fireEvent.input(screen.getByTestId('phonebook-search'), { target: { value: 'Iv' } });
    await waitFor(() => expect(screen.getAllByTestId('phonebook-entry')).toHaveLength(2));
    fireEvent.keyDown(screen.getAllByTestId('phonebook-entry')[1]!, { key: 'Enter' });
    await waitFor(() => expect(api.commands('dial')).toEqual([{ target: 'sip:1002@pbx' }, { target: '+79123456789' }]));
  });

  it('searches again when presence moves (directoryRevision), so the online marks stay true', async () => {
    const api = new FakePhoneApi(baseState());
    let online: boolean | null = null;
    api.handle('searchPhoneBook', () => ({ ok: true, value: [{ ...ivanov, online }] }));
    mount(api);
    // Not known to be online: not in the online list, which says nobody is online.
    expect(await screen.findByTestId('phonebook-nobody-online')).toBeTruthy();
    expect(screen.queryAllByTestId('phonebook-entry')).toHaveLength(0);
    online = true;
    act(() => api.publish({ directoryRevision: 1 }));
    await waitFor(() =>
      expect(screen.getAllByTestId('phonebook-entry')[0]!.querySelector('[data-testid="online-mark"]')?.getAttribute('data-online')).toBe('true'),
    );
    expect(screen.queryByTestId('phonebook-nobody-online')).toBeNull();
    expect(api.commands('searchPhoneBook').length).toBe(2);
  });

  it('offers to call a typed number; Enter dials it', async () => {
    const api = new FakePhoneApi(baseState());
    mount(api);
    const search = await screen.findByTestId('phonebook-search');
    fireEvent.input(search, { target: { value: '8 912 345 67 89' } });
    expect(screen.getByTestId('dial-number').textContent).toContain('Call 8 912 345 67 89');
    fireEvent.keyDown(search, { key: 'Enter' });
    await waitFor(() => expect(api.commands('dial')).toEqual([{ target: '8 912 345 67 89' }]));
    fireEvent.input(search, { target: { value: 'Ivanov' } });
    expect(screen.queryByTestId('dial-number')).toBeNull();
  });
});

describe('history and settings', () => {
  it('history lists with filters and paging, and calls back a missed call', async () => {
    const entry = (id: number, number: string) => ({
      historyId: id,
      callId: `h${id}`,
      direction: 'incoming' as const,
      number,
      identity: { kind: 'new-client' as const },
      handledBy: '1001',
      startedAt: Date.now() - 3_600_000,
      answeredAt: null,
      endedAt: Date.now() - 3_590_000,
      durationSeconds: null,
      outcome: 'missed' as const,
      transferredTo: null,
      endReason: 'cancelled-by-caller' as const,
      failureCause: null,
      heldCount: 0,
    });
    const api = new FakePhoneApi(baseState());
    api.handle('listHistory', (args) => ({
      ok: true,
      value: { entries: [entry(1 + (args.query.page ?? 0), '+79990000001')], total: 30, page: args.query.page ?? 0, pageSize: 25 },
    }));
    api.handle('listMissedNotCalledBack', () => ({ ok: true, value: [entry(9, '+79990000009')] }));
    mount(api);
    fireEvent.click(await screen.findByTestId('history-button'));
    expect(await screen.findByTestId('history-entry')).toBeTruthy();
    fireEvent.click(screen.getByTestId('history-all-days'));
    fireEvent.change(screen.getByTestId('history-outcome'), { target: { value: 'missed' } });
    await waitFor(() => expect(api.commands('listHistory').at(-1)).toEqual({ query: { pageSize: 25, outcome: 'missed', page: 0 } }));
    fireEvent.click(screen.getByTestId('history-next'));
    await waitFor(() => expect(api.commands('listHistory').at(-1)).toEqual({ query: { pageSize: 25, outcome: 'missed', page: 1 } }));
    fireEvent.click(await screen.findByTestId('call-back-button'));
    await waitFor(() => expect(api.commands('dial')).toEqual([{ target: '+79990000009' }]));
  });

  it('settings route ring, talk and microphone separately and switch the locale', async () => {
    const api = new FakePhoneApi(baseState());
    mount(api);
    fireEvent.click(await screen.findByTestId('settings-button'));
    fireEvent.change(screen.getByTestId('ring-device'), { target: { value: 'headset' } });
    await waitFor(() =>
      expect(api.commands('setAudioRouting')).toEqual([{ routing: { ringDeviceId: 'headset', talkOutputDeviceId: 'headset', microphoneDeviceId: 'mic' } }]),
    );
    fireEvent.change(screen.getByTestId('locale-select'), { target: { value: 'ru' } });
    await waitFor(() => expect(api.commands('updateSettings')).toEqual([{ settings: { locale: 'ru' } }]));
  });
});
