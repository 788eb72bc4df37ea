import { describe, expect, it } from 'vitest';
import { StreamFramer, isKeepAlive, peekMessage } from '../../../main/sip/wire.js';
import { parseServer } from '../../../main/sip/user-agent-setup.js';

describe('peekMessage', () => {
  it('reads requests and responses, compact headers too', () => {
    expect(peekMessage('BYE sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1, SIP/2.0/UDP g;branch=z9hG4bK2\r\ni: c1\r\nCSeq: 2 BYE\r\n\r\n')).toEqual({
      kind: 'request',
      method: 'BYE',
      branch: 'z9hG4bK1',
      cseqMethod: 'BYE',
      callId: 'c1',
    });
    expect(peekMessage('SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;rport=1;branch=z9hG4bKx\r\nCSeq: 1 INVITE\r\n\r\n')).toMatchObject({
      kind: 'response',
      status: 180,
      branch: 'z9hG4bKx',
      cseqMethod: 'INVITE',
    });
  });
  it('takes the first of each header, skips continuation lines and other headers, reads bare LF and odd line starts', () => {
    const text = [
      'INVITE sip:a@b SIP/2.0',
      'Contact: <sip:x@y>',
      'Call-Info: <http://x>;purpose=icon', // starts like Call-ID, is not
      'Via: SIP/2.0/UDP h;branch=z9hG4bKtop',
      ' ;received=1.2.3.4', // continuation of the Via
      'VIA: SIP/2.0/UDP g;branch=z9hG4bKsecond',
      '\rCSeq: 7 invite', // a stray CR before the name: trimmed as before
      'CSeq: 8 BYE',
      'i: first-id',
      'Call-ID: second-id',
      '',
      'body: not a header',
    ].join('\n');
    expect(peekMessage(text)).toEqual({ kind: 'request', method: 'INVITE', branch: 'z9hG4bKtop', cseqMethod: 'INVITE', callId: 'first-id' });
    expect(peekMessage('OPTIONS sip:a@b SIP/2.0')).toEqual({ kind: 'request', method: 'OPTIONS', branch: null, cseqMethod: null, callId: null });
  });
  it('is null for non-SIP', () => {
    expect(peekMessage('GET / HTTP/1.1\r\n\r\n')).toBeNull();
    expect(peekMessage('\u0000\u0001')).toBeNull();
  });
  it('keep-alives', () => {
    expect(isKeepAlive('\r\n\r\n')).toBe(true);
    expect(isKeepAlive('\r\n')).toBe(true);
    expect(isKeepAlive('')).toBe(true);
    expect(isKeepAlive('OPTIONS')).toBe(false);
  });
});

describe('StreamFramer', () => {
  const m1 = 'OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 5\r\n\r\nhello';
  const m2 = 'SIP/2.0 200 OK\r\nl: 0\r\n\r\n';
  it('splits by Content-Length and skips CRLF keep-alives', () => {
    const f = new StreamFramer();
    expect(f.push(Buffer.from(`\r\n\r\n${m1}${m2}`))).toEqual([m1, m2]);
    expect(f.keepAlives).toBe(1);
  });
  it('waits for the rest of a split message, byte by byte', () => {
    const f = new StreamFramer();
    const out: string[] = [];
    for (const b of Buffer.from(m1 + m2)) out.push(...f.push(Buffer.from([b])));
    expect(out).toEqual([m1, m2]);
  });
  it('counts bytes, not characters', () => {
    const f = new StreamFramer();
    const m = 'MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 12\r\n\r\nпривет';
    expect(f.push(Buffer.from(m))).toEqual([m]);
  });
  it('throws on absurd sizes (the caller drops the connection)', () => {
    const f = new StreamFramer(1000);
    expect(() => f.push(Buffer.from('X sip:a SIP/2.0\r\nContent-Length: 99999999\r\n\r\n'))).toThrow();
    expect(() => new StreamFramer(100).push(Buffer.alloc(200, 0x41))).toThrow();
  });
});

describe('parseServer', () => {
  it('host, host:port, default ports', () => {
    expect(parseServer('127.0.0.1', 'udp')).toEqual({ host: '127.0.0.1', port: 5060 });
    expect(parseServer('pbx.example.com', 'tls')).toEqual({ host: 'pbx.example.com', port: 5061 });
    expect(parseServer('10.0.0.1:5080', 'tcp')).toEqual({ host: '10.0.0.1', port: 5080 });
    expect(() => parseServer('a:99999', 'udp')).toThrow();
  });
});
