import { describe, expect, it } from 'vitest';
import type { PhoneState } from '../../../shared/state.js';
import { AppLifecycle } from '../../../main/desktop/lifecycle.js';
import { emptyPhoneState } from '../../support/phone-state.js';
import { call } from './harness.js';

function lifecycle(state: PhoneState, answer: boolean | Promise<boolean>, stop: () => Promise<void> = async () => undefined, stopBoundMs = 1000) {
  const asked: string[] = [];
  const exits: number[] = [];
  let stops = 0;
  const l = new AppLifecycle({
    state: () => state,
    window: { show: () => asked.push('show'), hide: () => undefined, isVisible: () => true },
    dialog: { confirmQuit: async (title, message) => (asked.push(`${title}: ${message}`), answer) },
    stop: () => (stops++, stop()),
    exit: (code) => exits.push(code),
    stopBoundMs,
  });
  return { l, asked, exits, stops: () => stops };
}

describe('app lifecycle', () => {
  it('hides to the tray on close while registered or with a call up; closes when offline and idle', () => {
    expect(lifecycle(emptyPhoneState(), true).l.hideInsteadOfClose()).toBe(true);
    const offline = emptyPhoneState({ registration: { kind: 'unreachable', cause: { kind: 'error', detail: 'x' }, retryAt: null } });
    expect(lifecycle(offline, true).l.hideInsteadOfClose()).toBe(false);
    expect(lifecycle({ ...offline, calls: [call('a', { state: 'held' })] }, true).l.hideInsteadOfClose()).toBe(true);
  });

  it('quits without asking when no call is up', async () => {
    const t = lifecycle(emptyPhoneState({ calls: [call('r')], incomingQueue: ['r'] }), false);
    expect(await t.l.quit()).toBe(true);
    expect([t.asked, t.stops(), t.exits]).toEqual([[], 1, [0]]);
  });

  it('asks with a call up; staying keeps everything running', async () => {
    const t = lifecycle(emptyPhoneState({ calls: [call('a', { state: 'active' })], activeCallId: 'a' }), false);
    expect(await t.l.quit()).toBe(false);
    expect(t.asked).toEqual(['show', 'A call is up: Quitting ends the call you are on.']);
    expect([t.stops(), t.exits]).toEqual([0, []]);
  });

  it('stops once however many quits come in (tray, before-quit, window-all-closed)', async () => {
    let release!: () => void;
    const t = lifecycle(emptyPhoneState({ calls: [call('a', { state: 'active' })] }), true, () => new Promise((r) => (release = r)));
    const quits = [t.l.quit(), t.l.quit(), t.l.quit()];
    await new Promise((r) => setImmediate(r));
    expect(t.l.isQuitting).toBe(true);
    expect(t.l.hideInsteadOfClose()).toBe(false);
    release();
    expect(await Promise.all(quits)).toEqual([true, true, true]);
    expect([t.asked.length, t.stops(), t.exits]).toEqual([2, 1, [0]]);
  });

  it('exits anyway (code 1) when the clean stop hangs past the bound', async () => {
    const t = lifecycle(emptyPhoneState(), true, () => new Promise(() => undefined), 50);
    await t.l.quit();
    expect(t.exits).toEqual([1]);
  });
});
