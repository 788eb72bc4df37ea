import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Retransmitter } from '../../../main/sip/retransmit.js';
import { peekMessage } from '../../../main/sip/wire.js';

const req = (method: string, branch: string, cseqMethod = method): string =>
  `${method} sip:3001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=${branch};rport\r\n` +
  `Call-ID: abc\r\nCSeq: 1 ${cseqMethod}\r\nContent-Length: 0\r\n\r\n`;
const resp = (code: number, branch: string, cseqMethod: string): string =>
  `SIP/2.0 ${code} X\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=${branch};rport=5060\r\nCall-ID: abc\r\nCSeq: 1 ${cseqMethod}\r\nContent-Length: 0\r\n\r\n`;

describe('Retransmitter (RFC 3261 timers A, E, G)', () => {
  let sent: number[];
  let r: Retransmitter;
  let t0: number;
  beforeEach(() => {
    vi.useFakeTimers();
    t0 = Date.now();
    sent = [];
    r = new Retransmitter(() => sent.push(Date.now() - t0));
  });
  afterEach(() => {
    r.clear();
    vi.useRealTimers();
  });

  it('Timer A: INVITE at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s, then Timer B stops it', () => {
    const text = req('INVITE', 'z9hG4bKa');
    r.outgoing(text, peekMessage(text));
    vi.advanceTimersByTime(40_000);
    expect(sent).toEqual([500, 1500, 3500, 7500, 15500, 31500]);
    expect(r.active()).toEqual([]);
  });

  it('Timer A stops at the first response, even 100 Trying', () => {
    const text = req('INVITE', 'z9hG4bKb');
    r.outgoing(text, peekMessage(text));
    vi.advanceTimersByTime(1600);
    expect(r.incoming(peekMessage(resp(100, 'z9hG4bKb', 'INVITE')))).toBe(true);
    vi.advanceTimersByTime(30_000);
    expect(sent).toEqual([500, 1500]);
  });

  it('Timer E: non-INVITE doubles up to T2 = 4 s until Timer F', () => {
    const text = req('REGISTER', 'z9hG4bKc');
    r.outgoing(text, peekMessage(text));
    vi.advanceTimersByTime(33_000);
    expect(sent).toEqual([500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  });

  it('Timer E: every T2 after a provisional response, stops at the final one', () => {
    const text = req('BYE', 'z9hG4bKd');
    r.outgoing(text, peekMessage(text));
    vi.advanceTimersByTime(600); // one retransmission at 500
    r.incoming(peekMessage(resp(100, 'z9hG4bKd', 'BYE')));
    vi.advanceTimersByTime(8100); // 4600, 8600
    r.incoming(peekMessage(resp(200, 'z9hG4bKd', 'BYE')));
    vi.advanceTimersByTime(30_000);
    expect(sent).toEqual([500, 4600, 8600]);
  });

  it('a response for another transaction or method does not stop it', () => {
    const text = req('OPTIONS', 'z9hG4bKe');
    r.outgoing(text, peekMessage(text));
    r.incoming(peekMessage(resp(200, 'z9hG4bKother', 'OPTIONS')));
    r.incoming(peekMessage(resp(200, 'z9hG4bKe', 'CANCEL')));
    vi.advanceTimersByTime(600);
    expect(sent).toEqual([500]);
  });

  it('CANCEL and INVITE with the same branch are separate transactions', () => {
    const invite = req('INVITE', 'z9hG4bKf');
    const cancel = req('CANCEL', 'z9hG4bKf');
    r.outgoing(invite, peekMessage(invite));
    r.outgoing(cancel, peekMessage(cancel));
    r.incoming(peekMessage(resp(200, 'z9hG4bKf', 'CANCEL')));
    expect(r.active()).toEqual(['c:z9hG4bKf:INVITE']);
  });

  it('ACK is never retransmitted', () => {
    const ack = req('ACK', 'z9hG4bKg');
    r.outgoing(ack, peekMessage(ack));
    vi.advanceTimersByTime(40_000);
    expect(sent).toEqual([]);
  });

  it('Timer G: our 486 to an INVITE is repeated until the ACK', () => {
    const busy = resp(486, 'z9hG4bKh', 'INVITE');
    r.outgoing(busy, peekMessage(busy));
    vi.advanceTimersByTime(8000); // 500, 1500, 3500, 7500
    r.incoming(peekMessage(req('ACK', 'z9hG4bKh')));
    vi.advanceTimersByTime(30_000);
    expect(sent).toEqual([500, 1500, 3500, 7500]);
  });

  it('Timer G gives up after Timer H (32 s) without an ACK', () => {
    const busy = resp(603, 'z9hG4bKi', 'INVITE');
    r.outgoing(busy, peekMessage(busy));
    vi.advanceTimersByTime(60_000);
    expect(sent.at(-1)).toBeLessThanOrEqual(32_000);
    expect(r.active()).toEqual([]);
  });

  it('2xx to INVITE and responses to non-INVITE are left to sip.js', () => {
    const ok = resp(200, 'z9hG4bKj', 'INVITE');
    const okBye = resp(200, 'z9hG4bKk', 'BYE');
    r.outgoing(ok, peekMessage(ok));
    r.outgoing(okBye, peekMessage(okBye));
    vi.advanceTimersByTime(40_000);
    expect(sent).toEqual([]);
  });

  it('absorbs a retransmitted final response after the non-INVITE transaction completed', () => {
    const text = req('REGISTER', 'z9hG4bKl');
    r.outgoing(text, peekMessage(text));
    expect(r.incoming(peekMessage(resp(200, 'z9hG4bKl', 'REGISTER')))).toBe(true);
    expect(r.incoming(peekMessage(resp(200, 'z9hG4bKl', 'REGISTER')))).toBe(false);
    expect(r.stats.absorbed).toBe(1);
    vi.advanceTimersByTime(33_000);
    expect(r.incoming(peekMessage(resp(200, 'z9hG4bKl', 'REGISTER')))).toBe(true);
  });
});

// sip.js keeps no finished transaction around (its Timers D, I, J, K are 0: made for WebSocket). Over UDP
// the Retransmitter stands in for the Completed state, for 64*T1.
describe('Retransmitter: what a finished transaction still owes (Timers J and D)', () => {
  let resent: string[];
  let r: Retransmitter;
  beforeEach(() => {
    vi.useFakeTimers();
    resent = [];
    r = new Retransmitter((text) => resent.push(text));
  });
  afterEach(() => {
    r.clear();
    vi.useRealTimers();
  });
  const incoming = (text: string): boolean => r.incoming(peekMessage(text));
  const outgoing = (text: string): void => r.outgoing(text, peekMessage(text));

  it('Timer J: a BYE repeated because our 200 was lost gets the same 200, not a new (481) answer', () => {
    // Seen in the lossy-network test: Kamailio's BYE retransmissions were answered 481 after the dialog ended.
    const bye = req('BYE', 'z9hG4bKbye1');
    const ok = resp(200, 'z9hG4bKbye1', 'BYE');
    expect(incoming(bye)).toBe(true);
    outgoing(ok); // dropped on the way
    vi.advanceTimersByTime(500);
    expect(incoming(bye)).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(incoming(bye)).toBe(false);
    expect(resent).toEqual([ok, ok]);
    expect(r.stats.absorbed).toBe(2);
    // Another request on that branch (a CANCEL) or another branch is sip.js's.
    expect(incoming(req('CANCEL', 'z9hG4bKbye1'))).toBe(true);
    expect(incoming(req('BYE', 'z9hG4bKbye2'))).toBe(true);
    // After 64*T1 the transaction is forgotten.
    vi.advanceTimersByTime(32_000);
    expect(incoming(bye)).toBe(true);
    expect(resent).toHaveLength(2);
  });

  it('Timer J: each answer is kept its own 64*T1, however many came after it (a presence flood)', () => {
    const notify = (i: number) => req('NOTIFY', `z9hG4bKf${i}`);
    for (let i = 0; i < 3000; i++) {
      incoming(notify(i));
      outgoing(resp(200, `z9hG4bKf${i}`, 'NOTIFY'));
      if (i % 100 === 99) vi.advanceTimersByTime(1000);
    }
    // 30 s after the first: all still answered again from memory.
    expect(incoming(notify(0))).toBe(false);
    expect(incoming(notify(2999))).toBe(false);
    // 3 s later the first hundred have gone (32 s each), the rest are kept.
    vi.advanceTimersByTime(3000);
    expect(incoming(notify(0))).toBe(true);
    expect(incoming(notify(99))).toBe(true);
    expect(incoming(notify(500))).toBe(false);
    expect(incoming(notify(2999))).toBe(false);
  });

  it('Timer J: a request still being worked on (no final response yet) is left to sip.js', () => {
    const notify = req('NOTIFY', 'z9hG4bKn1');
    expect(incoming(notify)).toBe(true);
    outgoing(resp(100, 'z9hG4bKn1', 'NOTIFY'));
    expect(incoming(notify)).toBe(true);
    expect(resent).toEqual([]);
  });

  it('Timer J never applies to INVITE (sip.js keeps its INVITE server transaction)', () => {
    const invite = req('INVITE', 'z9hG4bKi1');
    expect(incoming(invite)).toBe(true);
    outgoing(resp(200, 'z9hG4bKi1', 'INVITE'));
    expect(incoming(invite)).toBe(true);
    expect(resent).toEqual([]);
  });

  it('Timer D: a 486 repeated because our ACK was lost is ACKed again and kept from sip.js', () => {
    const invite = req('INVITE', 'z9hG4bKd1');
    const ack = req('ACK', 'z9hG4bKd1');
    const busy = resp(486, 'z9hG4bKd1', 'INVITE');
    outgoing(invite);
    expect(incoming(busy)).toBe(true);
    outgoing(ack); // dropped on the way
    expect(incoming(busy)).toBe(false);
    expect(resent).toEqual([ack]);
    vi.advanceTimersByTime(33_000);
    expect(incoming(busy)).toBe(true);
    expect(resent).toEqual([ack]);
  });

  it('Timer D: 2xx responses to INVITE always reach sip.js (it ACKs those itself)', () => {
    const invite = req('INVITE', 'z9hG4bKd2');
    outgoing(invite);
    const ok = resp(200, 'z9hG4bKd2', 'INVITE');
    expect(incoming(ok)).toBe(true);
    outgoing(req('ACK', 'z9hG4bKd2x'));
    expect(incoming(ok)).toBe(true);
    expect(resent).toEqual([]);
  });
});
