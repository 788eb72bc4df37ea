// The account's one clock: with the keep-alive and the binding check on the same interval (the defaults,
// 15 s, shortened here), each tick is one binding fetch and nothing else (no OPTIONS while the fetches are
// answered), the route to the server is looked up on the same tick, and a server that stops answering the
// fetch is still found dead by one confirming OPTIONS, then registered with again when it answers.
import dgram from 'node:dgram';
import { afterEach, expect, it } from 'vitest';
import type { RegistrationState } from '../../../shared/domain.js';
import { SipTelephony } from '../../../main/sip/telephony.js';
import { waitUntil } from '../../support/wait.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Answers everything 200 (REGISTER with the Contacts it holds) while `alive`; records each request. */
async function server() {
  const socket = dgram.createSocket('udp4');
  const s = { alive: true, bindings: new Map<string, string>(), requests: [] as Array<{ method: string; contact: boolean; at: number }> };
  socket.on('message', (m, from) => {
    const text = m.toString('utf8');
    const method = text.split(' ', 1)[0] ?? '';
    if (method === 'SIP/2.0') return;
    const lines = text.split('\r\n');
    const contacts = lines.filter((l) => /^contact\s*:/i.test(l));
    s.requests.push({ method, contact: contacts.length > 0, at: Date.now() });
    if (!s.alive) return;
    for (const c of contacts) {
      const value = c.replace(/^contact\s*:\s*/i, '');
      const uri = /<([^>]+)>/.exec(value)?.[1] ?? '';
      if (/;expires=0\b/.test(value)) s.bindings.delete(uri);
      else s.bindings.set(uri, value);
    }
    const keep = lines.filter((h) => /^(via|from|to|call-id|cseq)\s*:/i.test(h));
    const held = method === 'REGISTER' ? [...s.bindings.values()].map((v) => `Contact: ${v}`) : [];
    socket.send(['SIP/2.0 200 OK', ...keep, ...held, 'Content-Length: 0', '', ''].join('\r\n'), from.port, from.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => socket.close(() => r())));
  return { port: socket.address().port, s };
}

it('each tick is one binding fetch: no OPTIONS while they are answered, the route looked up on the same tick', async () => {
  const srv = await server();
  let lookups = 0;
  const tel = new SipTelephony({
    account: { server: `127.0.0.1:${srv.port}`, transport: 'udp', user: '3990', password: 'x' },
    sessionDescriptionHandlerFactory: () => {
      throw new Error('no media in this test');
    },
    keepAliveIntervalMs: 200,
    bindingCheckIntervalMs: 200,
    routeLookup: async () => {
      lookups++;
      return '127.0.0.1';
    },
  });
  cleanup.push(() => tel.stop());
  await tel.start();
  await waitUntil(() => tel.registration.kind === 'registered', { timeoutMs: 3000, intervalMs: 20 });
  const lookupsAtStart = lookups;
  const fetches = () => srv.s.requests.filter((r) => r.method === 'REGISTER' && !r.contact).length;
  await waitUntil(() => fetches() >= 6, { timeoutMs: 6000, intervalMs: 20 });
  expect(srv.s.requests.filter((r) => r.method === 'OPTIONS')).toEqual([]);
  // One lookup per tick (each tick sent a fetch), give or take the tick in progress.
  expect(lookups - lookupsAtStart).toBeGreaterThanOrEqual(fetches() - 1);
  expect(lookups - lookupsAtStart).toBeLessThanOrEqual(fetches() + 1);
  expect(tel.registration.kind).toBe('registered');
});

it('a server that stops answering the fetches is confirmed dead by one OPTIONS, and registered with on its return', async () => {
  const srv = await server();
  const tel = new SipTelephony({
    account: { server: `127.0.0.1:${srv.port}`, transport: 'udp', user: '3991', password: 'x' },
    sessionDescriptionHandlerFactory: () => {
      throw new Error('no media in this test');
    },
    keepAliveIntervalMs: 300,
    bindingCheckIntervalMs: 300,
    keepAliveTimeoutMs: 400,
    backoffMinMs: 100,
    backoffMaxMs: 200,
  });
  cleanup.push(() => tel.stop());
  const states: RegistrationState['kind'][] = [];
  tel.onRegistration((s) => states.push(s.kind));
  await tel.start();
  await waitUntil(() => tel.registration.kind === 'registered', { timeoutMs: 3000, intervalMs: 20 });
  await waitUntil(() => srv.s.requests.filter((r) => !r.contact).length >= 2, { timeoutMs: 3000, intervalMs: 20 });
  const before = srv.s.requests.length;
  srv.s.alive = false;
  const t0 = Date.now();
  await waitUntil(() => tel.registration.kind === 'unreachable', { timeoutMs: 6000, intervalMs: 10 });
  // A tick (300) + the fetch unanswered (400) + the confirming OPTIONS unanswered (400), with slack for a loaded machine.
  expect(Date.now() - t0).toBeLessThan(3000);
  const whileDying = srv.s.requests.slice(before);
  expect(whileDying.some((r) => r.method === 'REGISTER' && !r.contact)).toBe(true);
  expect(whileDying.filter((r) => r.method === 'OPTIONS').length).toBeGreaterThanOrEqual(1);
  srv.s.alive = true;
  await waitUntil(() => tel.registration.kind === 'registered', { timeoutMs: 6000, intervalMs: 10 });
  expect(states).toEqual(expect.arrayContaining(['registered', 'unreachable']));
  expect(states.at(-1)).toBe('registered');
});
