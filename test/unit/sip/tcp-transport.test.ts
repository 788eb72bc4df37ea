// TCP transport: framing under sip.js and reconnection after the server drops the connection.
import net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { SipTelephony } from '../../../main/sip/telephony.js';
import { StreamFramer } from '../../../main/sip/wire.js';
import { waitUntil } from '../../support/wait.js';

function respond(req: string, code: number): string {
  const head = req.split('\r\n\r\n')[0]?.split('\r\n') ?? [];
  const keep = head.filter((h) => /^(via|from|to|call-id|cseq|contact)\s*:/i.test(h));
  return [`SIP/2.0 ${code} OK`, ...keep, 'Expires: 300', 'Content-Length: 0', '', ''].join('\r\n');
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

it('re-connects and re-registers after the server closes the connection', async () => {
  const sockets: net.Socket[] = [];
  let registers = 0;
  const server = net.createServer((s) => {
    sockets.push(s);
    const framer = new StreamFramer();
    s.on('data', (d) => {
      for (const m of framer.push(d)) {
        if (m.startsWith('REGISTER')) registers++;
        if (!m.startsWith('SIP/2.0')) s.write(respond(m, 200));
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  const port = (server.address() as net.AddressInfo).port;
  const tel = new SipTelephony({
    account: { server: `127.0.0.1:${port}`, transport: 'tcp', user: '3901', password: 'x' },
    sessionDescriptionHandlerFactory: () => {
      throw new Error('no media');
    },
    backoffMinMs: 100,
  });
  cleanup.push(() => tel.stop());
  await tel.start();
  const until = (fn: () => boolean, ms = 5000): Promise<boolean> => waitUntil(fn, { timeoutMs: ms, intervalMs: 20 });
  await until(() => tel.registration.kind === 'registered');
  const firstPort = tel.transport.localPort;
  sockets[0]?.destroy();
  await until(() => tel.registration.kind === 'unreachable', 2000);
  await until(() => tel.registration.kind === 'registered' && sockets.length === 2, 5000);
  expect(registers).toBeGreaterThanOrEqual(2);
  // The new connection has a new local port and the Contact follows it.
  expect(tel.transport.localPort).not.toBe(firstPort);
  expect(tel.ua.contact.uri.port).toBe(tel.transport.localPort);
});
