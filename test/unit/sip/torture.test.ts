// No message, valid or not, may crash the process: RFC 4475 torture messages (sections 3.1.1 and
// 3.1.2, see test/fixtures/sip/rfc4475/) and random mutations of a real INVITE are fed as UDP
// datagrams into our UdpTransport under a real sip.js UserAgent. Afterwards it must still answer.
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from 'sip.js';
import type { Core, Transport } from 'sip.js';
import { installFastGrammar } from '../../../main/sip/sipjs-seams/fast-grammar.js';
import { UdpTransport } from '../../../main/sip/udp-transport.js';
import { seededRandom } from '../../support/seeded-random.js';

// sip.js parses as in production: through our fast paths (main/sip/telephony.ts installs them).
installFastGrammar();

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/sip');

/** Fixtures are stored with LF line ends: SIP wants CRLF. */
function crlf(buf: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0x0a && buf[i - 1] !== 0x0d) out.push(0x0d);
    out.push(buf[i] as number);
  }
  return Buffer.from(out);
}


function mutate(input: Buffer, rnd: () => number): Buffer {
  const b = [...input];
  const edits = 1 + Math.floor(rnd() * 6);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rnd() * b.length);
    const op = Math.floor(rnd() * 6);
    if (op === 0) b[at] = Math.floor(rnd() * 256);
    else if (op === 1) b.splice(at, 1);
    else if (op === 2) b.splice(at, 0, Math.floor(rnd() * 256));
    else if (op === 3) b.splice(at, 0, ...[0x3a, 0x3b, 0x3c, 0x22, 0x0d, 0x0a, 0x25].slice(0, 1 + Math.floor(rnd() * 7)));
    else if (op === 4) b.length = Math.max(1, at);
    else b.splice(at, 0, ...b.slice(Math.floor(rnd() * b.length), Math.floor(rnd() * b.length)));
  }
  return Buffer.from(b);
}

let server: dgram.Socket;
let peer: dgram.Socket;
let ua: UserAgent;
let transport: UdpTransport;
const toServer: string[] = [];

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function feed(datagrams: Buffer[]): Promise<void> {
  for (const d of datagrams) {
    await new Promise<void>((resolve, reject) => peer.send(d, transport.localPort, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    await tick(2);
  }
  await tick(100);
}

async function stillAnswers(tag: string): Promise<void> {
  const before = toServer.length;
  const options =
    `OPTIONS sip:3900@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${server.address().port};branch=z9hG4bK-alive-${tag}\r\n` +
    `Max-Forwards: 70\r\nTo: <sip:3900@127.0.0.1>\r\nFrom: <sip:probe@127.0.0.1>;tag=p1\r\nCall-ID: alive-${tag}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
  await feed([Buffer.from(options)]);
  const answered = toServer.slice(before).some((m) => m.startsWith('SIP/2.0 200') && m.includes(`alive-${tag}`));
  expect(answered, 'the UA still answers OPTIONS').toBe(true);
}

beforeAll(async () => {
  server = dgram.createSocket('udp4');
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
  server.on('message', (m) => toServer.push(m.toString('utf8')));
  peer = dgram.createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
  ua = new UserAgent({
    uri: UserAgent.makeURI('sip:3900@127.0.0.1'),
    viaHost: '127.0.0.1',
    transportConstructor: UdpTransport as unknown as new (l: Core.Logger, o: unknown) => Transport,
    transportOptions: { host: '127.0.0.1', port: server.address().port },
    logBuiltinEnabled: false,
    logLevel: 'error',
    // A 486 for every INVITE: the point is the parser and transaction layer, not calls.
  });
  await ua.start();
  transport = ua.transport as unknown as UdpTransport;
});

afterAll(async () => {
  if (process.env['SIP_TEST_LOG']) console.log('transport counters', transport.counters);
  await ua.stop();
  server.close();
  peer.close();
});

describe('RFC 4475 torture messages', () => {
  const files = fs.readdirSync(path.join(FIXTURES, 'rfc4475')).filter((f) => f.endsWith('.txt')).sort();

  it('has at least a dozen of each kind', () => {
    expect(files.filter((f) => f.startsWith('valid-')).length).toBeGreaterThanOrEqual(12);
    expect(files.filter((f) => f.startsWith('invalid-')).length).toBeGreaterThanOrEqual(12);
  });

  it.each(files)('%s does not crash the transport or sip.js', async (file) => {
    const data = crlf(fs.readFileSync(path.join(FIXTURES, 'rfc4475', file)));
    await feed([data]);
    await stillAnswers(file);
  });
});

describe('garbage', () => {
  it('binary noise, empty datagrams, keep-alives, huge datagrams', async () => {
    const rnd = seededRandom(7);
    const noise = Array.from({ length: 50 }, (_, i) => Buffer.from(Array.from({ length: 1 + i * 20 }, () => Math.floor(rnd() * 256))));
    await feed([...noise, Buffer.from('\r\n\r\n'), Buffer.from('\r\n'), Buffer.alloc(0), Buffer.alloc(60_000, 0x41)]);
    expect(transport.counters.keepAlives).toBeGreaterThanOrEqual(2);
    expect(transport.counters.malformed).toBeGreaterThan(0);
    await stillAnswers('noise');
  });

  it('fuzz: 400 random mutations of a real INVITE (seeded)', async () => {
    const invite = crlf(fs.readFileSync(path.join(FIXTURES, 'invite.txt')));
    const rnd = seededRandom(4475);
    const batch: Buffer[] = [];
    for (let i = 0; i < 400; i++) batch.push(mutate(invite, rnd));
    await feed(batch);
    await stillAnswers('fuzz');
  }, 60_000);
});
