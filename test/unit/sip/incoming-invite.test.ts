// The first responses to an incoming INVITE: 180 Ringing goes out before the call centre hears of the call,
// and without sip.js's redundant 100 Trying; an INVITE with Replaces keeps its 100.
import dgram from 'node:dgram';
import { afterEach, expect, it } from 'vitest';
import { SipTelephony } from '../../../main/sip/telephony.js';
import { waitUntil } from '../../support/wait.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A proxy socket that answers REGISTER with 200 and records everything else the phone sends. */
async function fakeProxy(): Promise<{ socket: dgram.Socket; port: number; received: string[] }> {
  const socket = dgram.createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (m, from) => {
    const text = m.toString('utf8');
    if (text.startsWith('REGISTER')) {
      const keep = text.split('\r\n').filter((h) => /^(via|from|to|call-id|cseq|contact)\s*:/i.test(h));
      socket.send([`SIP/2.0 200 OK`, ...keep, 'Expires: 300', 'Content-Length: 0', '', ''].join('\r\n'), from.port, from.address);
      return;
    }
    received.push(text);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => socket.close(() => r())));
  return { socket, port: socket.address().port, received };
}

function invite(callId: string, extra: string[] = []): string {
  return [
    'INVITE sip:3950@127.0.0.1 SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-${callId}`,
    'Max-Forwards: 70',
    'From: <sip:3951@127.0.0.1>;tag=caller1',
    'To: <sip:3950@127.0.0.1>',
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    'Contact: <sip:3951@127.0.0.1:5999>',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

const until = (fn: () => boolean, ms = 3000): Promise<boolean> => waitUntil(fn, { timeoutMs: ms, intervalMs: 20 });

async function phone(): Promise<{ tel: SipTelephony; proxy: Awaited<ReturnType<typeof fakeProxy>>; sent: string[] }> {
  const proxy = await fakeProxy();
  const tel = new SipTelephony({
    account: { server: `127.0.0.1:${proxy.port}`, transport: 'udp', user: '3950', password: 'x' },
    sessionDescriptionHandlerFactory: () => {
      throw new Error('no media in this test');
    },
  });
  cleanup.push(() => tel.stop());
  const sent: string[] = [];
  tel.transport.onPacket((direction, text) => {
    if (direction === 'out') sent.push(text);
  });
  await tel.start();
  await until(() => tel.registration.kind === 'registered');
  return { tel, proxy, sent };
}

const status = (m: string): string => m.slice(8, 11);
const forCall = (list: string[], callId: string): string[] => list.filter((m) => m.startsWith('SIP/2.0') && m.includes(`Call-ID: ${callId}`));

it('sends 180 Ringing before the call centre hears of the call, and no 100 Trying', async () => {
  const { tel, proxy, sent } = await phone();
  const seenByListener: string[][] = [];
  tel.onIncoming((leg) => {
    seenByListener.push(forCall(sent, 'ring-1').map(status));
    void leg.decline(486);
  });
  proxy.socket.send(invite('ring-1'), tel.transport.localPort, '127.0.0.1');
  await until(() => forCall(proxy.received, 'ring-1').length >= 2);
  expect(seenByListener).toEqual([['180']]);
  expect(forCall(proxy.received, 'ring-1').map(status)).toEqual(['180', '486']);
});

it('keeps the 100 Trying for an INVITE with Replaces (answered only once its media is set up)', async () => {
  const { tel, proxy } = await phone();
  let announced = 0;
  tel.onIncoming(() => announced++);
  // No dialog matches: 481 (RFC 3891 3), after the 100.
  proxy.socket.send(invite('replaces-1', ['Replaces: unknown-call;to-tag=a;from-tag=b']), tel.transport.localPort, '127.0.0.1');
  await until(() => forCall(proxy.received, 'replaces-1').length >= 2);
  expect(forCall(proxy.received, 'replaces-1').map(status)).toEqual(['100', '481']);
  expect(announced).toBe(0);
});
