// The carrier under garbage: every request and frame gets an answer or a close, and a real client still works.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ok } from '../../../shared/errors.js';
import type { PhoneBridge } from '../../../main/bridge/phone-bridge.js';
import { MAX_CLIENTS, originAllowed, startWsCarrier, type WsCarrier } from '../../../main/bridge/ws-carrier.js';
import { emptyPhoneState } from '../../support/phone-state.js';
import { closeCode, serverFrames, throwGarbage, type GarbageOutcome } from '../../support/web-garbage.js';

let carrier: WsCarrier;
let outcomes: GarbageOutcome[];
const dispatched: string[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'renderer-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>panel</title>');
  const icon = join(dir, '..', `icon-${process.pid}.png`);
  writeFileSync(icon, Buffer.from('89504e470d0a1a0a', 'hex'));
  const state = emptyPhoneState();
  const bridge = {
    currentState: () => state,
    subscribe: () => () => undefined,
    dispatch: async (name: unknown) => (dispatched.push(String(name)), ok(null)),
  } as unknown as PhoneBridge;
  carrier = await startWsCarrier({ bridge, rendererDir: dir, port: 0, iconFile: icon, logger: { warn: () => {}, error: () => {} } });
  outcomes = await throwGarbage(carrier.port, carrier.token);
}, 120_000);
afterAll(() => carrier.close());

const outcome = (name: string) => outcomes.find((o) => o.name === name)!;

describe('web host carrier under garbage', () => {
  it('answers each bad request with the status it deserves', () => {
    const expected: Record<string, string> = {
      'GET /%': 'HTTP/1.1 400', 'GET //a:b': 'HTTP/1.1 400', 'GET /%00': 'HTTP/1.1 400', 'path traversal': 'HTTP/1.1 404',
      'absolute-form target': 'HTTP/1.1 400', 'POST with a body': 'HTTP/1.1 405', 'not HTTP at all': 'HTTP/1.1 400',
      'header without a colon': 'HTTP/1.1 400', 'oversized header': 'HTTP/1.1 431', 'upgrade without token': 'HTTP/1.1 401',
      'upgrade to /%': 'HTTP/1.1 401', 'upgrade to //a:b': 'HTTP/1.1 401', 'upgrade with a bad key': 'HTTP/1.1 400',
      'upgrade from a foreign origin': 'HTTP/1.1 403', 'upgrade from a null origin': 'HTTP/1.1 403',
    };
    const got = Object.fromEntries(Object.keys(expected).map((k) => [k, outcome(k).answer.slice(0, 12)]));
    expect(got).toEqual(expected);
  });

  it('answers frames it cannot read with a typed error and keeps the socket; closes on protocol violations', () => {
    for (const name of ['binary frame', 'not JSON', 'JSON of the wrong shape']) {
      const o = outcome(name);
      expect(o.answer, name).toMatch(/^HTTP\/1.1 101/);
      const results = serverFrames(o.after).filter((f) => f.opcode === 0x1).map((f) => JSON.parse(f.payload.toString()));
      expect(results.some((m) => m.kind === 'result' && m.result.ok === false), name).toBe(true);
      expect(closeCode(o.after), name).toBeNull();
    }
    expect(closeCode(outcome('oversized text frame').after)).toBe(1009);
    expect(closeCode(outcome('invalid UTF-8 text').after)).toBe(1007);
    for (const name of ['unmasked frame', 'reserved opcode', 'RSV bits set', 'fragmented control frame']) {
      expect(closeCode(outcome(name).after), name).toBe(1002);
    }
    expect([1002, 1009]).toContain(closeCode(outcome('a frame that claims 2^63 bytes').after));
    // No garbage frame reached a command handler: only the well-formed `__proto__`/`dial` shapes got that far, and the bridge refuses those itself.
    expect(dispatched.every((n) => n === '__proto__' || n === 'dial')).toBe(true);
  });

  it('still serves the page, the icon and a real client afterwards', async () => {
    expect((await fetch(`http://127.0.0.1:${carrier.port}/`)).status).toBe(200);
    const icon = await fetch(`http://127.0.0.1:${carrier.port}/favicon.ico`);
    expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/png']);
    const ws = new WebSocket(`ws://127.0.0.1:${carrier.port}/phone?token=${carrier.token}`, { origin: `http://127.0.0.1:${carrier.port}` });
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    expect(JSON.parse(first)).toMatchObject({ kind: 'state' });
    ws.close();
  });

  it('lets at most MAX_CLIENTS tabs share the phone and refuses one more', async () => {
    const open = (): Promise<WebSocket> => {
      const ws = new WebSocket(`ws://127.0.0.1:${carrier.port}/phone?token=${carrier.token}`);
      return new Promise((resolve, reject) => {
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    };
    await expect.poll(() => carrier.clients()).toBe(0);
    const tabs = await Promise.all(Array.from({ length: MAX_CLIENTS }, open));
    await expect(open()).rejects.toThrow(/503/);
    tabs.forEach((t) => t.close());
  });

  it('takes only its own page as an Origin', () => {
    expect(originAllowed('http://127.0.0.1:8123', 8123)).toBe(true);
    expect(originAllowed('http://localhost:8123', 8123)).toBe(true);
    expect(originAllowed(undefined, 8123)).toBe(true);
    expect(originAllowed('http://127.0.0.1:8124', 8123)).toBe(false);
    expect(originAllowed('https://127.0.0.1:8123', 8123)).toBe(false);
    expect(originAllowed('null', 8123)).toBe(false);
  });
});
