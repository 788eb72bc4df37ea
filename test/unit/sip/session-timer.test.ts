// RFC 4028 session timers on a fake clock: who refreshes, when, and what a failed refresh does.
import { describe, expect, it } from 'vitest';
import { parseSessionExpires, SessionTimer, supportsTimer, type TimerClock } from '../../../main/sip/session-timer.js';
import type { Cause } from '../../../shared/facts.js';

function clock(): TimerClock & { run(): number | null; pending: () => number } {
  let next = 1;
  const due = new Map<number, { ms: number; fn: () => void }>();
  return {
    setTimeout(fn, ms) {
      const id = next++;
      due.set(id, { ms, fn });
      return id;
    },
    clearTimeout: (h) => void due.delete(h as number),
    pending: () => due.size,
    /** Fires the one pending timer; returns its delay. */
    run() {
      const first = [...due.entries()][0];
      if (!first) return null;
      due.delete(first[0]);
      first[1].fn();
      return first[1].ms;
    },
  };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function leg(answers: Array<{ code: number; sessionExpires: string | undefined }>) {
  const state = { refreshes: [] as string[][], gone: [] as Cause[] };
  return {
    state,
    leg: {
      refresh: async (headers: string[]) => {
        state.refreshes.push(headers);
        return answers.shift() ?? { code: 200, sessionExpires: '90;refresher=uac' };
      },
      gone: (c: Cause) => void state.gone.push(c),
      warn: () => undefined,
    },
  };
}

describe('Session-Expires and Supported', () => {
  it('reads the interval and the refresher', () => {
    expect(parseSessionExpires('1800;refresher=uac')).toEqual({ seconds: 1800, refresher: 'uac' });
    expect(parseSessionExpires(' 90 ; foo=1;refresher=UAS')).toEqual({ seconds: 90, refresher: 'uas' });
    expect(parseSessionExpires('4')).toEqual({ seconds: 4, refresher: null });
    expect(parseSessionExpires('soon')).toBeNull();
    expect(parseSessionExpires(undefined)).toBeNull();
    expect(supportsTimer(['100rel, timer'])).toBe(true);
    expect(supportsTimer(['replaces', 'outbound'])).toBe(false);
  });
});

describe('SessionTimer', () => {
  it('outgoing: asks to refresh; with a 2xx that agrees, refreshes every half interval; a 481 ends the call', async () => {
    const c = clock();
    const l = leg([{ code: 200, sessionExpires: '4;refresher=uac' }, { code: 481, sessionExpires: undefined }]);
    const t = new SessionTimer(l.leg, {}, c);
    expect(t.inviteHeaders()).toEqual(['Session-Expires: 1800;refresher=uac', 'Supported: timer']);
    t.start(); // sip.js says established before it hands over the 2xx
    t.answered('4;refresher=uac');
    expect(c.run()).toBe(2000);
    await flush();
    expect(l.state.refreshes[0]).toEqual(['Session-Expires: 4;refresher=uac', 'Supported: timer']);
    expect(l.state.gone).toEqual([]);
    expect(c.run()).toBe(2000);
    await flush();
    expect(l.state.gone).toMatchObject([{ kind: 'session-refresh-failed', code: 481 }]);
    expect(c.pending()).toBe(0);
  });

  it('outgoing to a far end without timers: nothing at all', () => {
    const c = clock();
    const t = new SessionTimer(leg([]).leg, {}, c);
    t.start();
    t.answered(undefined);
    expect(c.pending()).toBe(0);
  });

  it('a refresh refused for another reason (491) is tried again; a 2xx without Session-Expires turns the timer off', async () => {
    const c = clock();
    const l = leg([{ code: 491, sessionExpires: undefined }, { code: 200, sessionExpires: undefined }]);
    const t = new SessionTimer(l.leg, {}, c);
    t.answered('120;refresher=uac');
    t.start();
    expect(c.run()).toBe(60_000);
    await flush();
    expect(c.run()).toBe(30_000); // min(32, 120/4) s later
    await flush();
    expect(l.state.gone).toEqual([]);
    expect(c.pending()).toBe(0);
  });

  it('incoming from a caller that supports timers and leaves the refresher open: we refresh', () => {
    const c = clock();
    const t = new SessionTimer(leg([]).leg, {}, c);
    expect(t.answerHeaders('600', ['timer'])).toEqual(['Session-Expires: 600;refresher=uas']);
    t.start();
    expect(c.run()).toBe(300_000);
  });

  it('incoming where the caller refreshes: its refresh is expected in time, else the call ends', () => {
    const c = clock();
    const l = leg([]);
    const t = new SessionTimer(l.leg, {}, c);
    expect(t.answerHeaders('90;refresher=uac', ['timer'])).toEqual(['Session-Expires: 90;refresher=uac', 'Require: timer']);
    t.start();
    expect(c.run()).toBe(60_000); // 90 - min(32, 30)
    expect(l.state.gone).toEqual([{ kind: 'session-refresh-failed', code: null, seconds: 90 }]);
  });

  it('incoming where the caller refreshes and does: we stop expecting (our 200 to it carries no Session-Expires)', () => {
    const c = clock();
    const l = leg([]);
    const t = new SessionTimer(l.leg, {}, c);
    t.answerHeaders('90;refresher=uac', ['timer']);
    t.start();
    t.refreshedByFarEnd();
    expect(c.pending()).toBe(0);
  });

  it('incoming without timers, or timers turned off: no headers, no timer', () => {
    const c = clock();
    expect(new SessionTimer(leg([]).leg, {}, c).answerHeaders(undefined, ['replaces'])).toEqual([]);
    const off = new SessionTimer(leg([]).leg, { sessionExpiresS: 0 }, c);
    expect(off.inviteHeaders()).toEqual([]);
    expect(off.answerHeaders('90', ['timer'])).toEqual([]);
    off.start();
    expect(c.pending()).toBe(0);
  });
});
