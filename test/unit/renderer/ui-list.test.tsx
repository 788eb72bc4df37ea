// @vitest-environment happy-dom
// #11 part 4 in the renderer: the online list, the longest-waiting mark, F2 closes the call list, history
// on today, focus after a call ends, a new client's call clears the order pane, labels and tooltips.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import { dayBefore, localDay } from '../../../renderer/history/HistoryPanel.js';
import type { HistoryQuery } from '../../../shared/domain.js';
import { baseState, call, employee, FakePhoneApi, order } from './fake-phone.js';

afterEach(() => cleanup());

const two = (now: number) => [
  call({ callId: 'old', number: '+79120000001', startedAt: now - 40_000 }),
  call({ callId: 'new', number: '+79120000002', startedAt: now - 2_000 }),
];

describe('the online list', () => {
  it('says so when nobody is online, and typing searches everyone', async () => {
    const api = new FakePhoneApi(baseState({ settings: { ...baseState().settings, locale: 'ru' } }));
    const nobody = employee({ employeeId: 'e-9', surname: 'Лебедев', sipUri: null, online: null });
    const offline = employee({ employeeId: 'e-8', surname: 'Жуков', online: false });
    api.handle('searchPhoneBook', (args) => ({ ok: true, value: args.query === '' ? [offline, nobody] : [nobody] }));
    render(<App api={api} />);
    const empty = await screen.findByTestId('phonebook-nobody-online');
    expect(empty.textContent).toContain('никого нет онлайн');
    expect(screen.queryAllByTestId('phonebook-entry')).toHaveLength(0);
    fireEvent.input(screen.getByTestId('phonebook-search'), { target: { value: 'леб' } });
    await waitFor(() => expect(screen.getAllByTestId('phonebook-entry').map((e) => e.getAttribute('data-employee-id'))).toEqual(['e-9']));
    expect(screen.queryByTestId('phonebook-nobody-online')).toBeNull();
  });

  it('lists only those the core marks online', async () => {
    const api = new FakePhoneApi(baseState());
    api.handle('searchPhoneBook', () => ({
      ok: true,
      value: [
        employee({ employeeId: 'on', surname: 'Online' }),
        employee({ employeeId: 'unknown', surname: 'Unknown', sipUri: null, online: null }),
        employee({ employeeId: 'off', surname: 'Off', online: false }),
      ],
    }));
    render(<App api={api} />);
    await waitFor(() => expect(screen.getAllByTestId('phonebook-entry').map((e) => e.getAttribute('data-employee-id'))).toEqual(['on']));
  });
});

describe('the call list', () => {
  it('marks the call that has waited longest, the one F2 answers', async () => {
    const now = Date.now();
    const api = new FakePhoneApi(baseState({ calls: two(now), incomingQueue: ['old', 'new'] }));
    render(<App api={api} />);
    fireEvent.click(await screen.findByTestId('call-indicator'));
    const rows = within(screen.getByTestId('call-list')).getAllByTestId('incoming-call');
    expect(rows.map((r) => r.getAttribute('data-longest-waiting'))).toEqual(['true', null]);
    expect(within(rows[0]!).getByTestId('longest-waiting').textContent).toBe('waiting longest');
    expect(within(rows[1]!).queryByTestId('longest-waiting')).toBeNull();
    expect(rows[0]!.getAttribute('title')).toBe('Answer (F2)');
  });

  it('closes after answering with F2', async () => {
    const now = Date.now();
    const api = new FakePhoneApi(baseState({ calls: two(now), incomingQueue: ['old', 'new'] }));
    render(<App api={api} />);
    fireEvent.click(await screen.findByTestId('call-indicator'));
    expect(screen.getByTestId('call-list')).toBeTruthy();
    fireEvent.keyDown(window, { key: 'F2' });
    await waitFor(() => expect(api.commands('answer')).toEqual([{ callId: 'old' }]));
    expect(screen.queryByTestId('call-list')).toBeNull();
  });
});

describe('history', () => {
  it('opens on today; the day before and all days come on demand', async () => {
    const api = new FakePhoneApi(baseState());
    api.handle('listHistory', (args) => ({ ok: true, value: { entries: [], total: 0, page: args.query.page ?? 0, pageSize: 25 } }));
    render(<App api={api} />);
    fireEvent.click(await screen.findByTestId('history-button'));
    const today = localDay(Date.now());
    const lastQuery = () => (api.commands('listHistory').at(-1) as { query: HistoryQuery } | undefined)?.query;
    await waitFor(() => expect(lastQuery()).toEqual({ pageSize: 25, day: today }));
    fireEvent.click(screen.getByTestId('history-earlier-day'));
    await waitFor(() => expect(lastQuery()?.day).toBe(dayBefore(today, Date.now())));
    fireEvent.click(screen.getByTestId('history-all-days'));
    await waitFor(() => expect(lastQuery()?.day).toBeUndefined());
    fireEvent.click(screen.getByTestId('history-today'));
    await waitFor(() => expect(lastQuery()?.day).toBe(today));
  });

  it('counts days back across a month', () => {
    expect(dayBefore('2026-03-01', 0)).toBe('2026-02-28');
    expect(dayBefore('2026-01-01', 0)).toBe('2025-12-31');
  });
});

describe('focus and the order pane across calls', () => {
  it('the focus goes to the phone book search when the call that had it ends', async () => {
    const active = call({ callId: 'a', state: 'active', answeredAt: Date.now() });
    const api = new FakePhoneApi(baseState({ calls: [active], activeCallId: 'a' }));
    render(<App api={api} />);
    const hangup = await screen.findByTestId('hangup-button');
    hangup.focus();
    expect(document.activeElement).toBe(hangup);
    act(() => api.publish({ calls: [{ ...active, state: 'ended', endedAt: Date.now(), endReason: 'hung-up-remote' }], activeCallId: null }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('phonebook-search')));
  });

  it("a new client's call clears the previous client's order from the order info pane", async () => {
    const theirs = order({ orderId: 'o-5', number: '5005' });
    const client = call({ callId: 'c', state: 'active', answeredAt: Date.now(), identity: { kind: 'client', clientId: 'c-1', name: 'Anna', unfinishedOrders: [theirs] } });
    const api = new FakePhoneApi(baseState({ calls: [client], activeCallId: 'c' }));
    api.handle('listOrders', (args) => ({ ok: true, value: args.filter.clientId === 'c-1' ? [theirs] : [] }));
    api.handle('getOrder', () => ({ ok: true, value: theirs }));
    render(<App api={api} />);
    await waitFor(() => expect(screen.getByTestId('order-info').getAttribute('data-order-id')).toBe('o-5'));

    const fresh = call({ callId: 'n', number: '+79127654321', state: 'active', answeredAt: Date.now(), identity: { kind: 'new-client' } });
    act(() => api.publish({ calls: [{ ...client, state: 'ended', endedAt: Date.now() }, fresh], activeCallId: 'n' }));
    await waitFor(() => expect(screen.getByTestId('order-info').getAttribute('data-order-id')).toBeNull());
    expect(screen.getByTestId('order-info').textContent).not.toContain('5005');
  });
});

describe('labels and tooltips', () => {
  it('no two elements share an aria-label such as "Панель телефонии"', async () => {
    const active = call({ callId: 'a', state: 'active', answeredAt: Date.now() });
    const api = new FakePhoneApi(baseState({ calls: [active], activeCallId: 'a', settings: { ...baseState().settings, locale: 'ru' } }));
    render(<App api={api} />);
    fireEvent.click(await screen.findByTestId('transfer-button'));
    await screen.findByTestId('transfer-panel');
    const landmarks = [...document.querySelectorAll('section[aria-label], aside[aria-label], main[aria-label], [role="dialog"][aria-label], [role="listbox"][aria-label]')];
    const labels = landmarks.map((e) => e.getAttribute('aria-label'));
    expect(labels.filter((l) => l === 'Панель телефонии')).toHaveLength(1);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('every button has a tooltip, and the ones with a key name it', async () => {
    const now = Date.now();
    const active = call({ callId: 'a', state: 'active', answeredAt: now });
    const api = new FakePhoneApi(baseState({ calls: [active, ...two(now)], incomingQueue: ['old', 'new'], activeCallId: 'a' }));
    render(<App api={api} />);
    fireEvent.click(await screen.findByTestId('call-indicator'));
    fireEvent.click(screen.getByTestId('transfer-button'));
    await screen.findByTestId('transfer-panel');
    const untitled = [...document.querySelectorAll('button')].filter((b) => !b.getAttribute('title')?.trim()).map((b) => b.outerHTML.slice(0, 80));
    expect(untitled).toEqual([]);
    expect(screen.getByTestId('hold-button').getAttribute('title')).toBe('Hold (F3)');
    expect(screen.getByTestId('hangup-button').getAttribute('title')).toBe('End call (F4)');
    expect(screen.getByTestId('phonebook-search').getAttribute('title')).toContain('(F6)');

    fireEvent.click(screen.getByTestId('history-button'));
    expect((await screen.findByTestId('history-close')).getAttribute('title')).toBe('Close (Esc)');
  });
});
