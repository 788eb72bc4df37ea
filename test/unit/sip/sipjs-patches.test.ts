import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Grammar, NameAddrHeader } from 'sip.js';
import { headerize } from 'sip.js/lib/core/messages/utils.js';

describe('sip.js patches (npm postinstall, main/sip/sipjs-seams/patch-sipjs.mjs)', () => {
  it('is applied, and parsing gives the same results call after call', () => {
    const source = readFileSync('node_modules/sip.js/lib/grammar/pegjs/dist/grammar.js', 'utf8');
    expect(source).toContain('dispatch-phone: bytecode decoded once');
    const first = Grammar.nameAddrHeaderParse('"Волков" <sip:2001@127.0.0.1;transport=udp>;tag=abc');
    const second = Grammar.nameAddrHeaderParse('<sip:+79161230001@pbx.example.ru>');
    expect(first).toBeInstanceOf(NameAddrHeader);
    expect(first?.uri.user).toBe('2001');
    expect(first?.getParam('tag')).toBe('abc');
    expect(second?.uri.user).toBe('+79161230001');
    expect(second?.uri.host).toBe('pbx.example.ru');
    expect(Grammar.parse('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1;rport', 'Via')).not.toBe(-1);
    expect(Grammar.parse('not a via at all', 'Via')).toBe(-1);
  });

  it('headerize remembers its answers, and they are the canonical names', () => {
    const source = readFileSync('node_modules/sip.js/lib/core/messages/utils.js', 'utf8');
    expect(source).toContain('dispatch-phone: headerize remembered');
    const cases: Array<[string, string]> = [
      ['call_id', 'Call-ID'],
      ['call-id', 'Call-ID'],
      ['CSEQ', 'CSeq'],
      ['www-authenticate', 'WWW-Authenticate'],
      ['record-route', 'Record-Route'],
      ['x-dispatch-order', 'X-Dispatch-Order'],
    ];
    for (let round = 0; round < 2; round++) for (const [name, canonical] of cases) expect(headerize(name)).toBe(canonical);
    // Names from the wire are unbounded; past the table's size they are still answered right.
    for (let i = 0; i < 2000; i++) expect(headerize(`x-junk-${i}`)).toBe(`X-Junk-${i}`);
  });
});
