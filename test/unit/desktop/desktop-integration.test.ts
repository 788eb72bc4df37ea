import { describe, expect, it } from 'vitest';
import type { Call } from '../../../shared/domain.js';
import { ok } from '../../../shared/errors.js';
import type { PhoneState } from '../../../shared/state.js';
import type { PhoneBridge } from '../../../main/bridge/phone-bridge.js';
import { DesktopIntegration } from '../../../main/desktop/desktop-integration.js';
import { emptyPhoneState } from '../../support/phone-state.js';

function call(callId: string, over: Partial<Call> = {}): Call {
  return {
    callId, direction: 'incoming', number: '2001', displayName: null, remoteUri: 'sip:2001@lab',
    identity: { kind: 'driver', employeeId: 'e1', name: 'Иванов Пётр', callsign: '17', currentOrder: null },
    state: 'ringing', heldLocally: false, heldRemotely: false, muted: false, startedAt: 1, answeredAt: null,
    endedAt: null, endReason: null, endCause: null, transfer: null, consultationFor: null, media: null, ...over,
  };
}

function harness(initial: PhoneState) {
  let state = initial;
  const listeners = new Set<(s: PhoneState) => void>();
  const sent: Array<[string, unknown]> = [];
  const bridge = {
    currentState: () => state,
    subscribe: (l: (s: PhoneState) => void) => (listeners.add(l), () => listeners.delete(l)),
    dispatch: async (name: string, args: unknown) => (sent.push([name, args]), ok(null)),
  } as unknown as PhoneBridge;
  const tray: Array<[number, string]> = [];
  const notes: string[] = [];
  const shortcuts = new Map<string, () => void>();
  let focused = 0;
  const desktop = new DesktopIntegration(bridge, {
    tray: { showQueue: (n, t) => tray.push([n, t]) },
    notifications: { show: (title) => notes.push(title) },
    shortcuts: { register: (acc, h) => (acc === 'F9' ? false : (shortcuts.set(acc, h), true)), unregisterAll: () => shortcuts.clear() },
    window: { focus: () => focused++ },
  }, { warn: () => {} });
  const publish = (s: PhoneState) => { state = s; listeners.forEach((l) => l(s)); };
  return { desktop, publish, sent, tray, notes, shortcuts, focused: () => focused };
}

describe('desktop integration', () => {
  it('shows the queue in the tray and notifies each identified ringing call once', () => {
    const h = harness(emptyPhoneState());
    h.desktop.start();
    h.publish(emptyPhoneState({ calls: [call('a'), call('b', { identity: { kind: 'new-client' }, number: '+79161239999' })], incomingQueue: ['a', 'b'] }));
    h.publish(emptyPhoneState({ calls: [call('a'), call('b', { identity: { kind: 'new-client' }, number: '+79161239999' })], incomingQueue: ['a', 'b'] }));
    expect(h.tray.at(-1)).toEqual([2, '2 incoming']);
    expect(h.notes).toEqual(['Driver Иванов Пётр (17)', 'New client +79161239999']);
  });

  it('answers the oldest ringing call from the answer shortcut and hangs up the active one', async () => {
    const h = harness(emptyPhoneState({ calls: [call('a'), call('b')], incomingQueue: ['a', 'b'] }));
    h.desktop.start();
    h.shortcuts.get('F2')!();
    await Promise.resolve();
    expect(h.sent).toEqual([['answer', { callId: 'a' }]]);
    h.publish(emptyPhoneState({ calls: [call('a', { state: 'active' })], activeCallId: 'a' }));
    await h.desktop.perform('hold');
    await h.desktop.perform('hangup');
    expect(h.sent.slice(1)).toEqual([['hold', { callId: 'a' }], ['hangup', { callId: 'a' }]]);
  });

  it('resumes a held call from the hold shortcut, and focuses the window for transfer', async () => {
    const h = harness(emptyPhoneState({ calls: [call('a', { state: 'held', heldLocally: true })] }));
    h.desktop.start();
    await h.desktop.perform('hold');
    await h.desktop.perform('transfer');
    expect(h.sent).toEqual([['resume', { callId: 'a' }]]);
    expect(h.focused()).toBe(1);
  });
});
