// The lossy relay the reliability tests put between the app and Kamailio: it must stay a faithful
// stand-in for a network path, whatever the server sends where.
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startLossyUdpRelay } from '../../support/lossy-udp-relay.js';
import type { LossyUdpRelay } from '../../support/lossy-udp-relay.js';

const sockets: dgram.Socket[] = [];
let relay: LossyUdpRelay | null = null;
afterEach(async () => {
  await relay?.close();
  relay = null;
  for (const s of sockets.splice(0)) s.close();
});

async function udp(): Promise<{ socket: dgram.Socket; port: number; got: string[]; next(): Promise<string> }> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const got: string[] = [];
  const waiting: Array<(s: string) => void> = [];
  socket.on('message', (m) => {
    const text = m.toString();
    got.push(text);
    waiting.shift()?.(text);
  });
  return {
    socket,
    port: socket.address().port,
    got,
    next: () =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no datagram within 1 s')), 1000);
        waiting.push((s) => {
          clearTimeout(timer);
          resolve(s);
        });
      }),
  };
}

const request = (method: string, uri: string, branch: string): string =>
  `${method} ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=${branch}\r\nCall-ID: c1\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`;

describe('lossy UDP relay', () => {
  it('a request the server routes to the relay address is dropped as a loop and does not steal the client address', async () => {
    const server = await udp();
    const client = await udp();
    relay = await startLossyUdpRelay({ serverPort: server.port, loss: 0, trace: true });
    const send = (s: dgram.Socket, text: string, port: number): void => void s.send(text, port, '127.0.0.1');

    send(client.socket, request('OPTIONS', `sip:127.0.0.1:${relay.clientPort}`, 'z9hG4bKa'), relay.clientPort);
    expect(await server.next()).toMatch(/^OPTIONS /);
    // The proxy routes a request to the relay's client-side port (its Request-URI named it).
    send(server.socket, request('OPTIONS', `sip:127.0.0.1:${relay.clientPort}`, 'z9hG4bKloop'), relay.clientPort);
    // Then the server sends the client a request: it must reach the client, not go back to the server.
    send(server.socket, request('INVITE', 'sip:5001@127.0.0.1', 'z9hG4bKb'), relay.serverSidePort);
    expect(await client.next()).toMatch(/^INVITE /);
    expect(server.got).toHaveLength(1);
    expect(relay.toServer.looped).toBe(1);
    expect(relay.trace.map((e) => `${e.dir} ${e.dropped ? 'drop' : 'pass'} ${e.first.split(' ')[0]} ${e.branch}`)).toEqual([
      'to-server pass OPTIONS z9hG4bKa',
      'to-server drop OPTIONS z9hG4bKloop',
      'to-client pass INVITE z9hG4bKb',
    ]);
    expect(relay.traceOf('c1')).toHaveLength(3);
  });
});
