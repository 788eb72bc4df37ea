import { describe, expect, it } from 'vitest';
import { cancelEndReason, endReasonForStatus, parseReason, parseReplaces, parseSipfrag } from '../../../main/sip/headers.js';

describe('parseReplaces (RFC 3891)', () => {
  it('parses call-id and tags in any order', () => {
    expect(parseReplaces('98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff')).toEqual({
      callId: '98732@sip.example.com',
      toTag: 'ff87ff',
      fromTag: 'r33th4x0r',
      earlyOnly: false,
    });
    expect(parseReplaces('abc ; to-tag = 1 ; from-tag = 2 ; early-only')).toEqual({ callId: 'abc', toTag: '1', fromTag: '2', earlyOnly: true });
  });
  it('accepts the escaped form from a Refer-To URI', () => {
    expect(parseReplaces('12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994')).toEqual({
      callId: '12345@192.168.118.3',
      toTag: '12345',
      fromTag: '5FFE-3994',
      earlyOnly: false,
    });
  });
  it('refuses incomplete or garbage values', () => {
    expect(parseReplaces('abc;to-tag=1')).toBeNull();
    expect(parseReplaces('')).toBeNull();
    expect(parseReplaces(undefined)).toBeNull();
    expect(parseReplaces(';to-tag=1;from-tag=2')).toBeNull();
    expect(parseReplaces('%E0%A4%A%3Bto-tag%3D1%3Bfrom-tag%3D2')).toBeNull(); // broken escape
  });
});

describe('parseSipfrag (REFER NOTIFY bodies)', () => {
  it.each([
    ['SIP/2.0 100 Trying', 'trying', 100],
    ['SIP/2.0 180 Ringing\r\n', 'ringing', 180],
    ['SIP/2.0 183 Session Progress', 'ringing', 183],
    ['SIP/2.0 200 OK\r\nContent-Length: 0\r\n', 'succeeded', 200],
    ['SIP/2.0 486 Busy Here', 'failed', 486],
    ['SIP/2.0 603 Declined', 'failed', 603],
    ['  SIP/2.0 202 Accepted', 'succeeded', 202],
  ])('%j -> %s', (body, status, code) => {
    expect(parseSipfrag(body)).toMatchObject({ status, code });
  });
  it('keeps the reason phrase', () => {
    expect(parseSipfrag('SIP/2.0 503 Service Unavailable')?.reason).toBe('Service Unavailable');
  });
  it('rejects what is not a status line', () => {
    expect(parseSipfrag('INVITE sip:x SIP/2.0')).toBeNull();
    expect(parseSipfrag('SIP/2.0 2000 OK')).toBeNull();
    expect(parseSipfrag('')).toBeNull();
    expect(parseSipfrag(null)).toBeNull();
  });
});

describe('Reason and end reasons', () => {
  it('parses Reason (RFC 3326)', () => {
    expect(parseReason('SIP;cause=200;text="Call completed elsewhere"')).toEqual({ protocol: 'SIP', cause: 200, text: 'Call completed elsewhere' });
    expect(parseReason('Q.850;cause=16')).toEqual({ protocol: 'Q.850', cause: 16, text: null });
  });
  it('CANCEL with Reason SIP;cause=200 means answered elsewhere', () => {
    expect(cancelEndReason(['SIP;cause=200;text="Call completed elsewhere"'])).toBe('answered-elsewhere');
    expect(cancelEndReason(['Q.850;cause=16, SIP;cause=200'])).toBe('answered-elsewhere');
    expect(cancelEndReason(['Q.850;cause=16'])).toBe('cancelled-by-caller');
    expect(cancelEndReason([])).toBe('cancelled-by-caller');
  });
  it('maps failure codes', () => {
    expect(endReasonForStatus(486)).toBe('busy');
    expect(endReasonForStatus(600)).toBe('busy');
    expect(endReasonForStatus(404)).toBe('not-found');
    expect(endReasonForStatus(480)).toBe('no-answer');
    expect(endReasonForStatus(408)).toBe('no-answer');
    expect(endReasonForStatus(603)).toBe('rejected');
    expect(endReasonForStatus(500)).toBe('failed');
  });
});
