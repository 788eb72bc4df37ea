import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerMessage } from '../../../shared/commands.js';
import { fail, ok } from '../../../shared/errors.js';
import type { PhoneState } from '../../../shared/state.js';
import { createCommandHandlers, type HandlerDeps } from '../../../main/bridge/command-handlers.js';
import { PhoneBridge } from '../../../main/bridge/phone-bridge.js';
import { startWsCarrier, type WsCarrier } from '../../../main/bridge/ws-carrier.js';
import { emptyPhoneState } from '../../support/phone-state.js';

function fixture() {
  let state = emptyPhoneState();
  const listeners = new Set<(s: PhoneState) => void>();
  const dialled: string[] = [];
  const deps: HandlerDeps = {
    calls: new Proxy({} as HandlerDeps['calls'], {
      get: (_t, name) => (...args: unknown[]) => {
        if (name === 'dial') {
          dialled.push(String(args[0]));
          return ok({ callId: 'c1' });
        }
        if (name === 'answer') return fail('unknown-call', { kind: 'no-such-call', callId: String(args[0]) });
        if (name === 'hold') throw new Error('leg exploded');
        return ok(null);
      },
    }),
    directory: {
      searchPhoneBook: (q) => [{ employeeId: 'e1', surname: q, firstName: 'Ivan', callsign: '17', role: 'driver', numbers: ['2001'], sipUri: null, online: true }],
      listOrders: () => [],
      getOrder: () => fail('not-found', { kind: 'not-found', what: 'order', id: 'x' }),
      createOrder: () => fail('validation', { kind: 'invalid-field', field: 'pickupAddress', rule: 'required' }, 'pickupAddress'),
    },
    history: { query: () => ({ entries: [], total: 0, page: 0, pageSize: 20 }), missedNotCalledBack: () => [] },
    devices: { devices: () => state.devices, refreshDevices: () => state.devices, setRouting: () => undefined, playTestTone: () => undefined, testMicrophone: () => ({ ok: true, value: { kind: 'silence', peakDbfs: null, seconds: 3 } }) },
    settings: { update: (p) => ({ ...state.settings, ...p }) },
    state: () => state,
  };
  const bridge = new PhoneBridge(createCommandHandlers(deps), {
    current: () => state,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  }, { warn: () => {}, error: () => {} });
  const publish = (next: PhoneState) => {
    state = next;
    for (const l of listeners) l(state);
  };
  return { bridge, publish, dialled };
}

describe('web host WebSocket carrier', () => {
  let carrier: WsCarrier;
  let f: ReturnType<typeof fixture>;
  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>panel</title>');
    f = fixture();
    carrier = await startWsCarrier({ bridge: f.bridge, rendererDir: dir, port: 0 });
  });
  afterEach(() => carrier.close());

  function connect(token = carrier.token): Promise<{ ws: WebSocket; messages: ServerMessage[] }> {
    const ws = new WebSocket(`ws://127.0.0.1:${carrier.port}/phone?token=${token}`);
    const messages: ServerMessage[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, messages }));
      ws.once('error', reject);
    });
  }

  async function request(ws: WebSocket, messages: ServerMessage[], frame: unknown, requestId: number) {
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    await expect.poll(() => messages.find((m) => m.kind === 'result' && m.requestId === requestId)).toBeTruthy();
    return messages.find((m) => m.kind === 'result' && m.requestId === requestId) as Extract<ServerMessage, { kind: 'result' }>;
  }

  it('serves the renderer only on loopback and refuses path traversal', async () => {
    expect(carrier.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect((await fetch(`http://127.0.0.1:${carrier.port}/`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${carrier.port}/..%2f..%2fetc%2fpasswd`)).status).toBe(404);
  });

  it('refuses a connection without the right token', async () => {
    await expect(connect('wrong')).rejects.toThrow(/401/);
    await expect(connect('')).rejects.toThrow(/401/);
  });

  it('pushes the state on connect and on every publish', async () => {
    const { ws, messages } = await connect();
    await expect.poll(() => messages.filter((m) => m.kind === 'state').length).toBe(1);
    f.publish(emptyPhoneState({ version: 2, incomingQueue: ['x'] }));
    await expect.poll(() => messages.filter((m) => m.kind === 'state').length).toBe(2);
    const last = messages.at(-1) as Extract<ServerMessage, { kind: 'state' }>;
    expect(last.state.incomingQueue).toEqual(['x']);
    ws.close();
  });

  it('runs a valid command and returns typed errors for bad ones, without dropping the socket', async () => {
    const { ws, messages } = await connect();
    const dial = await request(ws, messages, { kind: 'command', requestId: 1, name: 'dial', args: { target: '1002' } }, 1);
    expect(dial.result).toEqual({ ok: true, value: { callId: 'c1' } });
    expect(f.dialled).toEqual(['1002']);

    const unknown = await request(ws, messages, { kind: 'command', requestId: 2, name: 'rm -rf', args: {} }, 2);
    expect(unknown.result).toMatchObject({ ok: false, error: { code: 'invalid-command' } });

    const badArgs = await request(ws, messages, { kind: 'command', requestId: 3, name: 'dial', args: { target: 42 } }, 3);
    expect(badArgs.result).toMatchObject({ ok: false, error: { code: 'invalid-command', field: 'target' } });

    const extra = await request(ws, messages, { kind: 'command', requestId: 4, name: 'answer', args: { callId: 'a', evil: true } }, 4);
    expect(extra.result).toMatchObject({ ok: false, error: { code: 'invalid-command' } });

    const unknownCall = await request(ws, messages, { kind: 'command', requestId: 5, name: 'answer', args: { callId: 'nope' } }, 5);
    expect(unknownCall.result).toMatchObject({ ok: false, error: { code: 'unknown-call' } });

    const thrown = await request(ws, messages, { kind: 'command', requestId: 6, name: 'hold', args: { callId: 'c1' } }, 6);
    expect(thrown.result).toMatchObject({ ok: false, error: { code: 'internal', why: { kind: 'internal', detail: expect.stringContaining('leg exploded') } } });

    const garbage = await request(ws, messages, '{not json', -1);
    expect(garbage.result).toMatchObject({ ok: false, error: { code: 'invalid-command' } });

    const order = await request(ws, messages, { kind: 'command', requestId: 7, name: 'createOrder', args: { order: { clientPhone: '+79161230001', pickupAddress: '' } } }, 7);
    expect(order.result).toMatchObject({ ok: false, error: { code: 'validation', field: 'pickupAddress' } });

    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});
