// Garbage for the web host: raw HTTP requests and WebSocket frames no browser would send, each on its own
// TCP connection, each answered or closed within a bound. Used against the carrier (unit) and against a
// running host process (integration); both then check that a real client still works.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface GarbageCase {
  name: string;
  /** Bytes written once connected (after the WebSocket handshake when `ws` is set). */
  bytes: Buffer | string;
  /** Do a valid WebSocket handshake first, then write `bytes` as raw frame data. */
  ws?: boolean;
  /** The status line the host must answer with (prefix match), or 'closed'. Omitted: any answer or close. */
  expect?: string;
}

/** The first line the host answered (e.g. "HTTP/1.1 400 Bad Request"), or "closed" when it closed without one. */
export interface GarbageOutcome {
  name: string;
  answer: string;
  /** For `ws` cases: the bytes the host sent after the handshake (a close frame, an error result). */
  after: Buffer;
}

/** A client frame: FIN + opcode, masked as RFC 6455 requires of clients (unless `unmasked`). */
export function wsFrame(opcode: number, payload: Buffer, options: { unmasked?: boolean; fin?: boolean; rsv?: number } = {}): Buffer {
  const head: number[] = [((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode];
  const maskBit = options.unmasked ? 0 : 0x80;
  const len = payload.length;
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 0xff);
  else {
    head.push(maskBit | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (options.unmasked) return Buffer.concat([Buffer.from(head), payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from(head), mask, body]);
}

const text = (s: string) => wsFrame(0x1, Buffer.from(s));

export function garbageCases(): GarbageCase[] {
  const req = (line: string, headers = 'Host: 127.0.0.1\r\n') => `${line}\r\n${headers}\r\n`;
  return [
    { name: 'GET /%', bytes: req('GET /% HTTP/1.1'), expect: 'HTTP/1.1 400' },
    { name: 'GET //a:b', bytes: req('GET //a:b HTTP/1.1'), expect: 'HTTP/1.1 400' },
    { name: 'GET /%00', bytes: req('GET /%00 HTTP/1.1'), expect: 'HTTP/1.1 400' },
    { name: 'GET /%E0%A4%A', bytes: req('GET /%E0%A4%A HTTP/1.1'), expect: 'HTTP/1.1 400' },
    { name: 'path traversal', bytes: req('GET /..%2f..%2f..%2fetc%2fpasswd HTTP/1.1'), expect: 'HTTP/1.1 404' },
    { name: 'absolute-form target', bytes: req('GET http://evil.example/ HTTP/1.1'), expect: 'HTTP/1.1 400' },
    { name: 'asterisk target', bytes: req('OPTIONS * HTTP/1.1'), expect: 'HTTP/1.1 405' },
    { name: 'POST with a body', bytes: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', expect: 'HTTP/1.1 405' },
    { name: 'not HTTP at all', bytes: 'GARBAGE GARBAGE\r\n\r\n', expect: 'HTTP/1.1 400' },
    { name: 'header without a colon', bytes: req('GET / HTTP/1.1', 'this is not a header\r\n'), expect: 'HTTP/1.1 400' },
    { name: 'header with a NUL', bytes: req('GET / HTTP/1.1', 'X-A: a\u0000b\r\n'), expect: 'HTTP/1.1 400' },
    { name: 'oversized header', bytes: req('GET / HTTP/1.1', `X-Big: ${'a'.repeat(100_000)}\r\n`), expect: 'HTTP/1.1 431' },
    { name: 'random binary', bytes: randomBytes(4096) },
    { name: 'half a request, then silence', bytes: 'GET / HTTP/1.1\r\nHost: 12' },
    { name: 'upgrade without token', bytes: upgrade('/phone'), expect: 'HTTP/1.1 401' },
    { name: 'upgrade to /%', bytes: upgrade('/%?token=x'), expect: 'HTTP/1.1 401' },
    { name: 'upgrade to //a:b', bytes: upgrade('//a:b'), expect: 'HTTP/1.1 401' },
    { name: 'upgrade with a bad key', bytes: 'GET /phone?token=TOKEN HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: nope\r\nSec-WebSocket-Version: 13\r\n\r\n', expect: 'HTTP/1.1 400' },
    { name: 'upgrade with version 99', bytes: upgrade('/phone?token=TOKEN', { 'Sec-WebSocket-Version': '99' }), expect: 'HTTP/1.1 400' },
    { name: 'upgrade from a foreign origin', bytes: upgrade('/phone?token=TOKEN', { Origin: 'http://evil.example' }), expect: 'HTTP/1.1 403' },
    { name: 'upgrade from a null origin', bytes: upgrade('/phone?token=TOKEN', { Origin: 'null' }), expect: 'HTTP/1.1 403' },
    { name: 'binary frame', ws: true, bytes: wsFrame(0x2, randomBytes(200)) },
    { name: 'oversized text frame', ws: true, bytes: text('x'.repeat(200_000)) },
    { name: 'invalid UTF-8 text', ws: true, bytes: wsFrame(0x1, Buffer.from([0xc3, 0x28, 0xff, 0xfe])) },
    { name: 'not JSON', ws: true, bytes: text('{not json') },
    { name: 'JSON of the wrong shape', ws: true, bytes: Buffer.concat(['null', '[]', '42', '"x"', '{"kind":"command"}', '{"kind":"command","requestId":"1","name":"getState"}', '{"kind":"command","requestId":1,"name":"__proto__","args":{}}', '{"kind":"command","requestId":1,"name":"dial","args":{"target":{"toString":1}}}'].map(text)) },
    { name: 'unmasked frame', ws: true, bytes: wsFrame(0x1, Buffer.from('{}'), { unmasked: true }) },
    { name: 'reserved opcode', ws: true, bytes: wsFrame(0x3, Buffer.from('x')) },
    { name: 'RSV bits set', ws: true, bytes: wsFrame(0x1, Buffer.from('{}'), { rsv: 7 }) },
    { name: 'fragmented control frame', ws: true, bytes: wsFrame(0x9, Buffer.from('ping'), { fin: false }) },
    { name: 'a frame that claims 2^63 bytes', ws: true, bytes: Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]) },
    { name: 'random bytes after the handshake', ws: true, bytes: randomBytes(2048) },
  ];
}

function upgrade(path: string, extra: Record<string, string> = {}): string {
  const headers: Record<string, string> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    ...extra,
  };
  return `GET ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

/** Sends one case; resolves with what came back once the host closed, or after `boundMs` (then we close). */
export function sendGarbage(port: number, token: string, c: GarbageCase, boundMs = 700): Promise<GarbageOutcome> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let handshakeEnd = -1;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const head = handshakeEnd >= 0 ? received.subarray(0, handshakeEnd) : received;
      const firstLine = head.toString('latin1').split('\r\n')[0] ?? '';
      resolve({ name: c.name, answer: firstLine || 'closed', after: handshakeEnd >= 0 ? received.subarray(handshakeEnd) : Buffer.alloc(0) });
    };
    const timer = setTimeout(finish, boundMs);
    const payload = typeof c.bytes === 'string' ? Buffer.from(c.bytes.replaceAll('TOKEN', token), 'latin1') : c.bytes;
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (c.ws && handshakeEnd < 0) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        handshakeEnd = end + 4;
        socket.write(payload);
      }
    });
    socket.on('connect', () => {
      if (c.ws) socket.write(upgrade(`/phone?token=${token}`));
      else socket.write(payload);
    });
  });
}

export async function throwGarbage(port: number, token: string): Promise<GarbageOutcome[]> {
  const outcomes: GarbageOutcome[] = [];
  for (const c of garbageCases()) outcomes.push(await sendGarbage(port, token, c));
  return outcomes;
}

/** Server frames (unmasked) in what came back after the handshake; a truncated last frame is left out. */
export function serverFrames(bytes: Buffer): Array<{ opcode: number; payload: Buffer }> {
  const frames: Array<{ opcode: number; payload: Buffer }> = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    let len = bytes[at + 1]! & 0x7f;
    let head = 2;
    if (len === 126) {
      if (at + 4 > bytes.length) break;
      len = bytes.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      if (at + 10 > bytes.length) break;
      len = Number(bytes.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (at + head + len > bytes.length) break;
    frames.push({ opcode, payload: bytes.subarray(at + head, at + head + len) });
    at += head + len;
  }
  return frames;
}

/** The close code the host sent, or null when it sent no close frame. */
export function closeCode(after: Buffer): number | null {
  const close = serverFrames(after).find((f) => f.opcode === 0x8);
  return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : null;
}
