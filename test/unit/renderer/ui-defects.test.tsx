// @vitest-environment happy-dom
// Small defects found in the browser (issue #11): each one pinned here.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import { dayText, parseDayText } from '../../../renderer/history/HistoryPanel.js';
import { matchedNumber } from '../../../renderer/telephony/format.js';
import type { HistoryEntry } from '../../../shared/domain.js';
import { baseState, call, employee, FakePhoneApi } from './fake-phone.js';

afterEach(() => cleanup());

const missed = (id: number, number: string): HistoryEntry => ({
  historyId: id,
  callId: `h${id}`,
  direction: 'incoming',
  number,
  identity: { kind: 'new-client' },
  handledBy: null,
  startedAt: Date.now() - 60_000,
  answeredAt: null,
  endedAt: Date.now() - 50_000,
  durationSeconds: null,
  outcome: 'missed',
  transferredTo: null,
  endReason: 'cancelled-by-caller',
  failureCause: null,
  heldCount: 0,
});

describe('history window', () => {
  it('the missed list refreshes when a call ends while the window is open', async () => {
    const api = new FakePhoneApi(baseState({ calls: [call({ callId: 'a' })], incomingQueue: ['a'] }));
    let list: HistoryEntry[] = [];
    api.handle('listMissedNotCalledBack', () => ({ ok: true, value: list }));
    render(<App api={api} />);
    fireEvent.click(await screen.findByTestId('history-button'));
    await screen.findByTestId('missed-list');
    expect(screen.queryAllByTestId('missed-entry')).toHaveLength(0);
    // The caller gives up: the core logs a missed call and the call shows as ended.
    list = [missed(1, '+79120000000')];
    act(() => api.publish({ calls: [call({ callId: 'a', state: 'ended', endReason: 'cancelled-by-caller', endedAt: Date.now() })], incomingQueue: [] }));
    await waitFor(() => expect(screen.getAllByTestId('missed-entry')).toHaveLength(1));
  });

  it('the day field reads and writes dd.mm.yyyy, whatever the browser locale', async () => {
    expect(dayText('2026-12-02')).toBe('02.12.2026');
    expect(parseDayText('2.12.2026')).toBe('2026-12-02');
    expect(parseDayText('02.12.2026')).toBe('2026-12-02');
    expect(parseDayText('2026-12-02')).toBe('2026-12-02');
    expect(parseDayText('31.02.2026')).toBeNull();
    expect(parseDayText('12/02/2026')).toBe('2026-02-12'); // day first, as read in Russia
    expect(parseDayText('завтра')).toBeNull();
    expect(parseDayText('')).toBe('');

    const api = new FakePhoneApi(baseState());
    api.handle('listHistory', (args) => ({ ok: true, value: { entries: [], total: 0, page: args.query.page ?? 0, pageSize: 25 } }));
    render(<App api={api} />);
    fireEvent.click(await screen.findByTestId('history-button'));
    const field = (await screen.findByTestId('history-day')) as HTMLInputElement;
    expect(field.type).toBe('text');
    expect(field.value).toMatch(/^\d{2}\.\d{2}\.\d{4}$/);
    expect(field.placeholder).toBe('dd.mm.yyyy'); // the English screen of these tests; ru: дд.мм.гггг
    fireEvent.input(field, { target: { value: '01.11.2026' } });
    await waitFor(() => expect((api.commands('listHistory').at(-1) as { query: { day?: string } }).query.day).toBe('2026-11-01'));
    fireEvent.click(screen.getByTestId('history-all-days'));
    await waitFor(() => expect(field.value).toBe(''));
  });
});

describe('phone book', () => {
  it('a search by digits shows the number that matched, not the first one', async () => {
    expect(matchedNumber(['+79121000001', '20001'], '2000')).toBe('20001');
    expect(matchedNumber(['+79121000001', '20001'], '8 912 100')).toBe('+79121000001');
    expect(matchedNumber(['+79121000001', '20001'], 'петр')).toBe('+79121000001');
    expect(matchedNumber([], '123')).toBeNull();

    const api = new FakePhoneApi(baseState());
    api.handle('searchPhoneBook', (args) => ({
      ok: true,
      value: args.query ? [employee({ employeeId: 'e1', surname: 'Петров', numbers: ['+79121000001', '20001'], sipUri: null, online: null })] : [],
    }));
    render(<App api={api} />);
    fireEvent.input(await screen.findByTestId('phonebook-search'), { target: { value: '20001' } });
    await waitFor(() => expect(screen.getByTestId('entry-number').textContent).toBe('20001'));
    fireEvent.input(screen.getByTestId('phonebook-search'), { target: { value: 'Петр' } });
    await waitFor(() => expect(screen.getByTestId('entry-number').textContent).toBe('+79121000001'));
  });
});
