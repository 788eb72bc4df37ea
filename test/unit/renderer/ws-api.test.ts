import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONNECTION_LOST, WebSocketPhoneApi, type SocketLike } from '../../../renderer/api/ws-api.js';
import { webSocketUrl } from '../../../renderer/api/pick-api.js';
import type { ClientMessage, ServerMessage } from '../../../shared/commands.js';
import { baseState } from './fake-phone.js';

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  readonly sent: ClientMessage[] = [];
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close() {
    this.drop();
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  receive(message: ServerMessage) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

afterEach(() => vi.useRealTimers());

function setup(options: { requestTimeoutMs?: number } = {}) {
  const sockets: FakeSocket[] = [];
  const api = new WebSocketPhoneApi('ws://127.0.0.1:9/phone?token=t', {
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    backoffMs: [100, 200, 400],
    ...options,
  });
  return { api, sockets, last: () => sockets[sockets.length - 1]! };
}

describe('WebSocketPhoneApi', () => {
  it('builds the URL from the page host and its ?token=', () => {
    expect(webSocketUrl({ host: '127.0.0.1:8123', search: '?token=a b&x=1', protocol: 'http:' })).toBe('ws://127.0.0.1:8123/phone?token=a%20b');
  });

  it('sends commands as ClientMessage frames and resolves with the matching result', async () => {
    const { api, last } = setup();
    last().open();
    const p1 = api.invoke('hold', { callId: 'c1' });
    const p2 = api.invoke('dial', { target: '1002' });
    const [m1, m2] = last().sent;
    expect(m1).toMatchObject({ kind: 'command', name: 'hold', args: { callId: 'c1' } });
    last().receive({ kind: 'result', requestId: m2!.requestId, result: { ok: true, value: { callId: 'x' } } });
    last().receive({ kind: 'result', requestId: m1!.requestId, result: { ok: false, error: { code: 'invalid-state', why: { kind: 'call-not-ready', action: 'hold', state: 'ringing' } } } });
    expect(await p2).toEqual({ ok: true, value: { callId: 'x' } });
    expect(await p1).toEqual({ ok: false, error: { code: 'invalid-state', why: { kind: 'call-not-ready', action: 'hold', state: 'ringing' } } });
    api.close();
  });

  it('delivers state frames, drops stale versions, and replays the latest to new listeners', () => {
    const { api, last } = setup();
    last().open();
    const seen: number[] = [];
    api.onState((s) => seen.push(s.version));
    last().receive({ kind: 'state', state: baseState({ version: 5 }) });
    last().receive({ kind: 'state', state: baseState({ version: 4 }) });
    last().receive({ kind: 'state', state: baseState({ version: 6 }) });
    expect(seen).toEqual([5, 6]);
    const late: number[] = [];
    api.onState((s) => late.push(s.version));
    expect(late).toEqual([6]);
    api.close();
  });

  it('fails pending requests when the socket drops, fails at once while down, and reconnects with back-off', async () => {
    vi.useFakeTimers();
    const { api, sockets, last } = setup();
    const changes: boolean[] = [];
    api.onConnectionChange((up) => changes.push(up));
    last().open();
    const pending = api.invoke('answer', { callId: 'c1' });
    last().drop();
    expect(await pending).toEqual({ ok: false, error: CONNECTION_LOST });
    expect(await api.invoke('hangup', { callId: 'c1' })).toMatchObject({ ok: false, error: CONNECTION_LOST });
    expect(api.isConnected()).toBe(false);

    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    last().drop(); // refused again: the next wait is longer
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(3);
    last().open();
    expect(changes).toEqual([true, false, true]);
    // a restarted core starts its versions again: accepted on the new connection
    const seen: number[] = [];
    api.onState((s) => seen.push(s.version));
    last().receive({ kind: 'state', state: baseState({ version: 1 }) });
    expect(seen).toContain(1);
    api.close();
  });

  it('a request with no answer fails after the timeout instead of hanging', async () => {
    vi.useFakeTimers();
    const { api, last } = setup({ requestTimeoutMs: 1000 });
    last().open();
    const p = api.invoke('getState', {});
    vi.advanceTimersByTime(1000);
    expect(await p).toMatchObject({ ok: false, error: { code: 'internal' } });
    api.close();
  });
});
