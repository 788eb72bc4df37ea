import { describe, expect, it } from 'vitest';
import { emptyPhoneState } from '../../support/phone-state.js';
import { call, harness, ringing } from './harness.js';

const order = { orderId: 'o1', number: '4512', clientId: null, clientName: null, clientPhone: null, driverId: 'e1', driverName: null, driverCallsign: null, pickupAddress: 'Ленина 1', destinationAddress: null, status: 'in-progress' as const, note: null, createdAt: 1 };

describe('desktop integration: notifications', () => {
  it('notifies every ringing call once, unknown callers included, saying who and the number', () => {
    const h = harness(emptyPhoneState());
    h.desktop.start();
    const state = ringing(
      call('a', { identity: { kind: 'driver', employeeId: 'e1', name: 'Иванов Пётр', callsign: '17', currentOrder: order } }),
      call('b', { identity: { kind: 'new-client' }, number: '+79161239999' }),
      call('c', { identity: { kind: 'client', clientId: 'c1', name: 'Анна', unfinishedOrders: [order, order] }, number: '+79160000001' }),
      call('d', { identity: { kind: 'unknown', reason: 'withheld' }, number: '' }),
      call('e', { identity: { kind: 'employee', employeeId: 'e9', name: 'Сидоров', callsign: null, role: 'dispatcher' }, number: '1003' }),
    );
    h.publish(state);
    h.publish(state);
    expect(h.notes.map((n) => [n.content.title, n.content.body])).toEqual([
      ['Incoming call: Driver Иванов Пётр (17)', '2001 · order №4512'],
      ['Incoming call: New client', '+79161239999'],
      ['Incoming call: Client Анна', '+79160000001 · 2 unfinished orders'],
      ['Incoming call: Unknown caller', 'number withheld'],
      ['Incoming call: Сидоров', '1003'],
    ]);
    expect(h.notes.every((n) => n.content.answerLabel === 'Answer')).toBe(true);
  });

  it('speaks Russian when the settings say ru', () => {
    const h = harness(emptyPhoneState());
    h.desktop.start();
    const state = ringing(call('a'), call('b', { identity: { kind: 'new-client' }, number: '+79161239999' }));
    h.publish({ ...state, settings: { ...state.settings, locale: 'ru' } });
    expect(h.notes.map((n) => n.content.title)).toEqual(['Входящий вызов: Водитель Иванов Пётр (17)', 'Входящий вызов: Новый клиент']);
    expect(h.notes[0]!.content.answerLabel).toBe('Ответить');
  });

  it('keeps a notification until its call is answered or gone, then closes it', () => {
    const h = harness(emptyPhoneState());
    h.desktop.start();
    h.publish(ringing(call('a'), call('b')));
    h.publish(emptyPhoneState({ calls: [call('a', { state: 'active' }), call('b')], incomingQueue: ['b'], activeCallId: 'a' }));
    expect(h.notes.map((n) => n.closed)).toEqual([true, false]);
    h.publish(emptyPhoneState({ calls: [call('a', { state: 'active' })], activeCallId: 'a' }));
    expect(h.notes.map((n) => n.closed)).toEqual([true, true]);
  });

  it('a click brings the window up with the call list; the Answer action answers that very call', async () => {
    const h = harness(emptyPhoneState());
    h.desktop.start();
    h.publish(ringing(call('a'), call('b')));
    h.notes[0]!.click();
    expect(h.windowCalls).toEqual(['show']);
    expect(h.status()?.request).toMatchObject({ open: 'call-list' });
    h.notes[1]!.answer();
    await Promise.resolve();
    expect(h.sent).toEqual([['answer', { callId: 'b' }]]);
  });
});

describe('desktop integration: shortcuts', () => {
  it('registers the defaults off the bare F-keys, and does what the window keys do', async () => {
    const h = harness(ringing(call('a'), call('b')));
    h.desktop.start();
    expect([...h.shortcuts.keys()].sort()).toEqual(['Ctrl+Shift+F2', 'Ctrl+Shift+F3', 'Ctrl+Shift+F4', 'Ctrl+Shift+F8', 'MediaPlayPause', 'MediaStop']);
    h.shortcuts.get('Ctrl+Shift+F2')!();
    await Promise.resolve();
    expect(h.sent).toEqual([['answer', { callId: 'a' }]]);
    h.publish(emptyPhoneState({ calls: [call('a', { state: 'active' })], activeCallId: 'a' }));
    h.shortcuts.get('Ctrl+Shift+F3')!();
    h.shortcuts.get('Ctrl+Shift+F4')!();
    h.shortcuts.get('MediaPlayPause')!();
    await Promise.resolve();
    expect(h.sent.slice(1)).toEqual([['hold', { callId: 'a' }], ['hangup', { callId: 'a' }], ['hangup', { callId: 'a' }]]);
  });

  it('applies changed shortcuts at once and reports the refused ones in the state', () => {
    const h = harness(emptyPhoneState(), { taken: ['Ctrl+Alt+A'] });
    h.desktop.start();
    const base = emptyPhoneState();
    h.publish({ ...base, settings: { ...base.settings, shortcuts: { answer: 'Ctrl+Alt+A', hold: 'Ctrl+Alt+H', hangup: 'ctrl+alt+h', transfer: 'Ctrl+Alt+T' }, mediaKeys: false } });
    expect([...h.shortcuts.keys()].sort()).toEqual(['Ctrl+Alt+H', 'Ctrl+Alt+T']);
    expect(h.status()?.shortcutsRefused).toEqual([
      { action: 'answer', accelerator: 'Ctrl+Alt+A', why: 'taken' },
      { action: 'hangup', accelerator: 'ctrl+alt+h', why: 'duplicate' },
    ]);
  });

  it('the transfer shortcut brings the window up with the transfer panel of the call being talked on', async () => {
    const h = harness(emptyPhoneState({ calls: [call('held', { state: 'held', heldLocally: true }), call('a', { state: 'active' })], activeCallId: 'a' }));
    h.desktop.start();
    h.shortcuts.get('Ctrl+Shift+F8')!();
    await Promise.resolve();
    expect(h.windowCalls).toEqual(['show']);
    expect(h.status()?.request).toEqual({ seq: 1, open: 'transfer', callId: 'a' });
    expect(h.sent).toEqual([]);
    // Pressed again: a new request (the window opens the panel again if the dispatcher closed it).
    await h.desktop.perform('transfer');
    expect(h.status()?.request).toEqual({ seq: 2, open: 'transfer', callId: 'a' });
  });

  it('the transfer shortcut does nothing without a call to transfer (only ringing calls, or a consultation)', async () => {
    const h = harness(ringing(call('r')));
    h.desktop.start();
    await h.desktop.perform('transfer');
    h.publish(emptyPhoneState({ calls: [call('c', { state: 'active', consultationFor: 'x' })], activeCallId: 'c' }));
    await h.desktop.perform('transfer');
    expect(h.windowCalls).toEqual([]);
    expect(h.status()?.request ?? null).toBeNull();
  });
});

describe('desktop integration: tray wiring and links', () => {
  it('draws the tray from the state and runs its menu', async () => {
    const h = harness(ringing(call('a')));
    h.desktop.start();
    expect(h.trays.at(-1)).toMatchObject({ icon: 'ringing', count: 1, tooltip: '1 incoming call' });
    h.tray('answer');
    h.tray('break-on');
    h.tray('quit');
    await new Promise((r) => setImmediate(r));
    expect(h.sent).toEqual([['answer', { callId: 'a' }], ['setPresence', { presence: 'break' }]]);
    expect(h.quits()).toBe(1);
    h.clickTray();
    expect(h.windowCalls).toEqual(['show']);
  });

  it('a link fills the dial field and asks, or calls at once when the setting says so and no call is up', async () => {
    const asking = harness(emptyPhoneState());
    asking.desktop.start();
    await asking.desktop.openLink('+79161234567');
    expect(asking.sent).toEqual([]);
    expect(asking.status()?.request).toMatchObject({ open: 'dial', target: '+79161234567' });

    const base = emptyPhoneState();
    const atOnce = harness({ ...base, settings: { ...base.settings, dialLinksAtOnce: true } });
    atOnce.desktop.start();
    await atOnce.desktop.openLink('+79161234567');
    expect(atOnce.sent).toEqual([['dial', { target: '+79161234567' }]]);

    const talking = harness({ ...base, settings: { ...base.settings, dialLinksAtOnce: true }, calls: [call('a', { state: 'active' })], activeCallId: 'a' });
    talking.desktop.start();
    await talking.desktop.openLink('+79161234567');
    expect(talking.sent).toEqual([]); // never holds the live caller without asking
    expect(talking.status()?.request).toMatchObject({ open: 'dial', target: '+79161234567' });
  });
});
