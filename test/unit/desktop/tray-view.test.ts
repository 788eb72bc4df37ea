import { describe, expect, it } from 'vitest';
import { trayView } from '../../../main/desktop/tray-view.js';
import { emptyPhoneState } from '../../support/phone-state.js';
import { call, ringing } from './harness.js';

const labels = (v: ReturnType<typeof trayView>) => v.menu.map((m) => ('separator' in m ? '---' : `${m.label}${m.enabled ? '' : ' [off]'}`));

describe('tray view', () => {
  it('online: green, the menu offers a break', () => {
    const v = trayView(emptyPhoneState());
    expect([v.icon, v.tooltip, v.count]).toEqual(['online', 'Dispatch Phone: online', 0]);
    expect(labels(v)).toEqual(['Answer (nobody is calling) [off]', 'Hang up (no call) [off]', 'Take a break', '---', 'Show the window', 'Quit']);
  });

  it('offline says why, in words; the break item is off', () => {
    const v = trayView(emptyPhoneState({ registration: { kind: 'wrong-credentials', code: 403, reason: 'Forbidden' } }));
    expect([v.icon, v.tooltip]).toEqual(['offline', 'Dispatch Phone: offline (wrong user name or password)']);
    expect(labels(v)[2]).toBe('Take a break [off]');
    const first = trayView(emptyPhoneState({ account: { user: '', displayName: null, server: '', transport: 'udp' }, registration: { kind: 'unregistered' } }));
    expect(first.tooltip).toBe('Dispatch Phone: offline (no SIP account set up)');
  });

  it('ringing shows the count and answers the longest-waiting caller', () => {
    const v = trayView(ringing(call('a'), call('b', { identity: { kind: 'new-client' }, number: '+7916' })));
    expect([v.icon, v.tooltip, v.count]).toEqual(['ringing', '2 incoming calls', 2]);
    expect(labels(v)[0]).toBe('Answer Driver Иванов Пётр (17)');
  });

  it('in a call: who with, and hang up; with calls waiting it still says ringing', () => {
    const talking = emptyPhoneState({ calls: [call('a', { state: 'active' })], activeCallId: 'a' });
    const v = trayView(talking);
    expect([v.icon, v.tooltip]).toEqual(['in-call', 'In a call with Driver Иванов Пётр (17)']);
    expect(labels(v)[1]).toBe('Hang up Driver Иванов Пётр (17)');
    const busy = trayView({ ...talking, calls: [...talking.calls, call('b')], incomingQueue: ['b'] });
    expect([busy.icon, busy.tooltip]).toEqual(['ringing', 'In a call with Driver Иванов Пётр (17); 1 waiting']);
  });

  it('on a break: its own icon, and the menu brings you back; in Russian too', () => {
    const state = emptyPhoneState({ presence: { own: 'break', serverSupportsPresence: true } });
    const v = trayView(state);
    expect([v.icon, v.tooltip, labels(v)[2]]).toEqual(['break', 'Dispatch Phone: on a break', 'Back online']);
    const ru = trayView({ ...state, settings: { ...state.settings, locale: 'ru' } });
    expect([ru.tooltip, labels(ru)[2], labels(ru)[5]]).toEqual(['Dispatch Phone: перерыв', 'Вернуться с перерыва', 'Выход']);
  });
});
