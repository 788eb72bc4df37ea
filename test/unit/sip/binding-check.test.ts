// A registrar that lost our binding (restarted with its location table in memory) while it still answers:
// the binding fetch (REGISTER without Contact, RFC 3261 10.2.3) finds us missing, the state says
// "registering", and we register again. Against an in-process registrar that keeps bindings in a Map.
import dgram from 'node:dgram';
import { afterEach, expect, it } from 'vitest';
import type { RegistrationState } from '../../../shared/domain.js';
import { SipTelephony } from '../../../main/sip/telephony.js';
import { waitUntil } from '../../support/wait.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function registrar() {
  const socket = dgram.createSocket('udp4');
  const bindings = new Map<string, string>();
  const requests: string[] = [];
  socket.on('message', (m, from) => {
    const text = m.toString('utf8');
    if (!text.startsWith('REGISTER')) return;
    requests.push(text);
    const lines = text.split('\r\n');
    for (const c of lines.filter((l) => /^contact\s*:/i.test(l))) {
      const value = c.replace(/^contact\s*:\s*/i, '');
      const uri = /<([^>]+)>/.exec(value)?.[1] ?? '';
      if (/;expires=0\b/.test(value)) bindings.delete(uri);
      else bindings.set(uri, value);
    }
    const keep = lines.filter((h) => /^(via|from|to|call-id|cseq)\s*:/i.test(h));
    const contacts = [...bindings.values()].map((v) => `Contact: ${v}`);
    socket.send(['SIP/2.0 200 OK', ...keep, ...contacts, 'Content-Length: 0', '', ''].join('\r\n'), from.port, from.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => socket.close(() => r())));
  return { port: socket.address().port, bindings, requests };
}

it('notices a lost binding at the next fetch, says "registering", and registers again', async () => {
  const reg = await registrar();
  const tel = new SipTelephony({
    account: { server: `127.0.0.1:${reg.port}`, transport: 'udp', user: '3970', password: 'x' },
    sessionDescriptionHandlerFactory: () => {
      throw new Error('no media in this test');
    },
    bindingCheckIntervalMs: 300,
  });
  cleanup.push(() => tel.stop());
  const states: RegistrationState['kind'][] = [];
  tel.onRegistration((s) => states.push(s.kind));
  await tel.start();
  await waitUntil(() => tel.registration.kind === 'registered', { timeoutMs: 3000, intervalMs: 20 });
  const registers = () => reg.requests.filter((r) => /^contact\s*:/im.test(r)).length;
  const fetches = () => reg.requests.filter((r) => !/^contact\s*:/im.test(r)).length;

  // Bindings held: fetches come and change nothing.
  await waitUntil(() => fetches() >= 2, { timeoutMs: 3000, intervalMs: 20 });
  expect(registers()).toBe(1);
  expect(states).toEqual(['registering', 'registered']);

  // The registrar restarts with an empty table.
  reg.bindings.clear();
  await waitUntil(() => registers() === 2, { timeoutMs: 3000, intervalMs: 10 });
  await waitUntil(() => tel.registration.kind === 'registered', { timeoutMs: 3000, intervalMs: 10 });
  expect(states).toEqual(['registering', 'registered', 'registering', 'registered']);
  expect(reg.bindings.size).toBe(1);
  // Not hammering: one fetch per interval, no REGISTER while the binding stays.
  const at = fetches();
  await new Promise((r) => setTimeout(r, 700));
  expect(fetches() - at).toBeLessThanOrEqual(3);
  expect(registers()).toBe(2);
});
