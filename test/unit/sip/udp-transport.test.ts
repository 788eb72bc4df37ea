// The UDP transport's server address: a name is resolved once per connect (datagrams then go out at once,
// with no lookup each); a name that does not resolve is a clear error, and a later send tries again. A
// failing transport hook never costs a message.
import dgram from 'node:dgram';
import { afterEach, expect, it } from 'vitest';
import type { Core } from 'sip.js';
import { UdpTransport } from '../../../main/sip/udp-transport.js';
import { waitUntil } from '../../support/wait.js';

const logger = { error: () => undefined, warn: () => undefined, log: () => undefined, debug: () => undefined } as unknown as Core.Logger;
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function server(): Promise<{ port: number; received: string[] }> {
  const socket = dgram.createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (m) => received.push(m.toString('utf8')));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => socket.close(() => r())));
  return { port: socket.address().port, received };
}

const until = (fn: () => boolean, ms = 2000): Promise<boolean> => waitUntil(fn, { timeoutMs: ms, intervalMs: 20 });

const OPTIONS = 'OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-u1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n';

it('resolves a server name and sends there', async () => {
  const s = await server();
  const transport = new UdpTransport(logger, { host: 'localhost', port: s.port, localAddress: '127.0.0.1', timers: { t1: 60_000, t2: 60_000, timeout: 60_000 } });
  cleanup.push(() => transport.dispose());
  await transport.connect();
  await transport.send(OPTIONS);
  await until(() => s.received.length === 1);
  expect(s.received[0]).toBe(OPTIONS);
});

it('says clearly when the name does not resolve, tries again on the next send, and never reopens after disconnect', async () => {
  const transport = new UdpTransport(logger, { host: 'no-such-sip-server.invalid', port: 5060, localAddress: '127.0.0.1' });
  cleanup.push(() => transport.dispose());
  await expect(transport.connect()).rejects.toThrow(/SIP server no-such-sip-server\.invalid not found/);
  expect(transport.isConnected()).toBe(false);
  await expect(transport.send(OPTIONS)).rejects.toThrow(/SIP server no-such-sip-server\.invalid not found/);
  await transport.disconnect();
  await expect(transport.send(OPTIONS)).rejects.toThrow(/not connected/);
});

it('a hook that throws costs only its own job: the message still reaches sip.js and goes out, and it is reported', async () => {
  const s = await server();
  const problems: string[] = [];
  const transport = new UdpTransport(logger, { host: '127.0.0.1', port: s.port, localAddress: '127.0.0.1', onProblem: (m) => problems.push(m) });
  cleanup.push(() => transport.dispose());
  const fail = (): never => {
    throw new Error('hook broke');
  };
  transport.hook = { received: fail, handled: fail, sending: fail };
  const delivered: string[] = [];
  transport.onMessage = (m) => delivered.push(m);
  await transport.connect();
  const peer = dgram.createSocket('udp4');
  cleanup.push(() => new Promise<void>((r) => peer.close(() => r())));
  peer.send(OPTIONS, transport.localPort, '127.0.0.1');
  await until(() => delivered.length === 1);
  await transport.send(OPTIONS);
  await until(() => s.received.length === 1);
  expect(delivered).toEqual([OPTIONS]);
  expect(s.received).toEqual([OPTIONS]);
  expect(problems).toHaveLength(3);
  expect(problems[0]).toMatch(/SIP UDP transport hook failed: hook broke/);
});
