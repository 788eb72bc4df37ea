import { describe, expect, it } from 'vitest';
import { normaliseNumber, searchableDigits, SipDialPlan } from '../../../main/numbers/phone-numbers.js';

describe('normaliseNumber', () => {
  it.each([
    ['+7 (912) 345-67-89', '+79123456789'],
    ['8 912 345 67 89', '+79123456789'],
    ['89123456789', '+79123456789'],
    ['9123456789', '+79123456789'],
    ['79161230001', '+79161230001'],
    ['+7 912 345-67-89 ', '+79123456789'],
    ['0044 20 7946 0958', '+442079460958'],
    ['tel:+7-912-345-67-89', '+79123456789'],
    ['1002', '1002'],
    ['2001', '2001'],
    ['100', '100'],
  ])('%s -> %s', (raw, expected) => {
    expect(normaliseNumber(raw, 'RU')).toBe(expected);
  });

  it.each(['', '   ', 'abc', '12ab34', '+', '+7912', '1234567890123456789', "1'; DROP TABLE x;--", '++79123456789'])(
    'refuses %j',
    (raw) => {
      expect(normaliseNumber(raw, 'RU')).toBeNull();
    },
  );

  it('uses the default region for national numbers', () => {
    expect(normaliseNumber('020 7946 0958', 'GB')).toBe('+442079460958');
  });

  it('gives the digit forms a person may type', () => {
    expect(searchableDigits('+79123456789', 'RU').sort()).toEqual(['79123456789', '89123456789', '9123456789']);
    expect(searchableDigits('1002', 'RU')).toEqual(['1002']);
  });
});

describe('SipDialPlan', () => {
  const plan = new SipDialPlan({ domain: '127.0.0.1', defaultRegion: 'RU' });

  it.each([
    ['+7 (912) 345-67-89', 'sip:+79123456789@127.0.0.1', '+79123456789'],
    ['8 912 345 67 89', 'sip:+79123456789@127.0.0.1', '+79123456789'],
    ['1002', 'sip:1002@127.0.0.1', '1002'],
    ['sip:1002@host', 'sip:1002@host', '1002'],
    ['sip:1002@127.0.0.1', 'sip:1002@127.0.0.1', '1002'],
    ['SIP:8(912)3456789@pbx.example.ru', 'sip:+79123456789@pbx.example.ru', '+79123456789'],
    ['sips:1002@pbx:5061;transport=tls', 'sips:1002@pbx:5061;transport=tls', '1002'],
    ['sip:alice@example.com', 'sip:alice@example.com', 'alice'],
  ])('%s -> %s', (target, uri, number) => {
    expect(plan.resolve(target)).toEqual({ ok: true, value: { uri, number } });
  });

  it.each(['abc', '', '   ', '12ab34', 'sip:', 'sips:', 'sip:@host', 'sip:1002@', 'sip:10 02@host', '1'.repeat(20), `sip:${'1'.repeat(300)}@h`, '+7912'])(
    'refuses %j with a clear message',
    (target) => {
      const result = plan.resolve(target);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('invalid-number');
        expect(result.error.why).toMatchObject({ kind: 'invalid-number', problem: expect.any(String) });
      }
    },
  );

  it('can dial numbers of the home region with the trunk prefix 8', () => {
    const national = new SipDialPlan({ domain: 'pbx', defaultRegion: 'RU', dialE164As: 'national-8' });
    expect(national.resolve('+7 912 345 67 89')).toEqual({ ok: true, value: { uri: 'sip:89123456789@pbx', number: '+79123456789' } });
    expect(national.resolve('+44 20 7946 0958')).toEqual({ ok: true, value: { uri: 'sip:+442079460958@pbx', number: '+442079460958' } });
    expect(national.resolve('1002')).toEqual({ ok: true, value: { uri: 'sip:1002@pbx', number: '1002' } });
  });
});
