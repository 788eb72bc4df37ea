import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { DTMF_DIGITS, normaliseDtmf } from '../../../shared/dtmf.js';
import { commandSchemas } from '../../../main/bridge/command-schemas.js';
import { digitToEvent } from '../../../main/media/telephone-event.js';

describe('the DTMF rule', () => {
  it('takes the sixteen keys in either case and gives them in upper case', () => {
    expect(normaliseDtmf('0123456789*#ABCD')).toBe('0123456789*#ABCD');
    expect(normaliseDtmf('12#*ad')).toBe('12#*AD');
    for (const bad of ['', '12x', 'E', ' 1', '1 2', '+', 'ß']) expect(normaliseDtmf(bad)).toBeNull();
  });

  it('numbers the keys as RFC 4733 does', () => {
    expect([...DTMF_DIGITS].map(digitToEvent)).toEqual([...Array(16).keys()]);
    expect(digitToEvent('d')).toBe(15);
  });

  it('is the bridge\'s rule: lowercase reaches the core in upper case, anything else is refused', () => {
    const schema = commandSchemas.sendDtmf;
    expect(v.parse(schema, { callId: 'c1', digits: '5a#' })).toEqual({ callId: 'c1', digits: '5A#' });
    expect(v.safeParse(schema, { callId: 'c1', digits: '5x' }).success).toBe(false);
    expect(v.safeParse(schema, { callId: 'c1', digits: '' }).success).toBe(false);
    expect(v.safeParse(schema, { callId: 'c1', digits: '1'.repeat(33) }).success).toBe(false);
    expect(v.parse(schema, { callId: 'c1', digits: '1'.repeat(32) }).digits).toHaveLength(32);
  });
});
