// The fast paths of main/sip/sipjs-seams/fast-grammar.ts must give exactly what sip.js's grammar gives: same
// classes, same own properties in the same order, same values; and where the grammar refuses a value
// (-1) so must the wrapper. Checked on the headers of our fixtures, the RFC 4475 torture messages and
// generated variants, each value through every rule that has a fast path.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Grammar, Core } from 'sip.js';
import { installFastGrammar, originalGrammarParse, withFastPaths } from '../../../main/sip/sipjs-seams/fast-grammar.js';
import { textMutations } from '../../support/text-mutations.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/sip');

const RULES = [
  'Via',
  'From',
  'To',
  'Contact',
  'Record_Route',
  'Request_Response',
  'Call_ID',
  'CSeq',
  'Max_Forwards',
  'Content_Length',
  'Content_Type',
] as const;
type Rule = (typeof RULES)[number];

const HEADER_RULE: Record<string, Rule> = {
  via: 'Via',
  v: 'Via',
  from: 'From',
  f: 'From',
  to: 'To',
  t: 'To',
  contact: 'Contact',
  m: 'Contact',
  'record-route': 'Record_Route',
  'call-id': 'Call_ID',
  i: 'Call_ID',
  cseq: 'CSeq',
  'max-forwards': 'Max_Forwards',
  'content-length': 'Content_Length',
  l: 'Content_Length',
  'content-type': 'Content_Type',
  c: 'Content_Type',
};

type ParseFn = (input: string, rule: string) => unknown;
const original = originalGrammarParse() as ParseFn;
let originalCalls = 0;
const counted: ParseFn = (input, rule) => {
  originalCalls++;
  return original(input, rule);
};
const fast = withFastPaths(counted);

/** Deep identity: same prototypes, same own keys in the same order, same primitive values. */
function identical(a: unknown, b: unknown, where = '$'): string | undefined {
  if (typeof a !== typeof b) return `${where}: ${typeof a} vs ${typeof b}`;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return Object.is(a, b) ? undefined : `${where}: ${String(a)} vs ${String(b)}`;
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${where}: different prototypes`;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b);
  if (ka.join('\u0000') !== kb.join('\u0000')) return `${where}: keys [${ka.join(',')}] vs [${kb.join(',')}]`;
  for (const k of ka) {
    const d = identical((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k], `${where}.${String(k)}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Header values (folded lines joined) and first lines of a fixture message. */
function fixtureValues(file: string): { firstLine: string; headers: [string, string][] } {
  const text = fs.readFileSync(file, 'latin1');
  const head = text.split(/\r?\n\r?\n/)[0] ?? '';
  const lines = head.split(/\r?\n/);
  const firstLine = lines.shift() ?? '';
  const headers: [string, string][] = [];
  for (const line of lines) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line) && last !== undefined) last[1] += ' ' + line.trim();
    else if (line.includes(':')) headers.push([line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]);
  }
  return { firstLine, headers };
}

const fixtureFiles = [
  path.join(FIXTURES, 'invite.txt'),
  ...fs
    .readdirSync(path.join(FIXTURES, 'rfc4475'))
    .filter((f) => f.endsWith('.txt'))
    .map((f) => path.join(FIXTURES, 'rfc4475', f)),
];

function generated(): string[] {
  const hosts = ['127.0.0.1', '10.0.0.255', '192.168.1.20', 'pbx.example.ru', 'host', 'a-b.c_d.example', '1.2.3.4.example.com', '256.1.1.1', '01.2.3.4', '[::1]', 'h-'];
  const ports = ['', ':5060', ':0', ':65535', ':123456', ':'];
  const users = ['', '3001@', '+79123456789@', 'alice.b-c@', 'a%20b@', 'a%ZZ@', 'a%C3@', 'user:pass@', "a!~*'()&=+$,@"];
  const uriParams = ['', ';transport=udp', ';transport=TCP', ';transport=ws', ';transport=udpx', ';lr', ';lr=1', ';LR', ';lrx', ';alias=127.0.0.1~20140~1', ';ob', ';user=phone', ';maddr=1.2.3.4', ';ttl=5', ';method=INVITE', ';x=%41', ';a=b;c', '?subject=x'];
  const displays = ['', '"Driver 17" ', '"Driver 17"', '"" ', '"Волков Иван" ', '"😀 emoji" ', '"a \\"q\\"" ', 'Bob ', 'Bob  Smith   ', 'Bob<', '"unterminated ', 'Волков '];
  const headerParams = ['', ';tag=a1b2c3d4', ';TAG=x', ';tag', ';tagx=1', ';tag=1;tag=2', ';foo=Bar;baz', ';expires=3600', ';q=0.5', ';quux=1', ';x=', ';x="quoted"', ' ;x=1', ';x=1 ',
    // a registrar's answer to REGISTER (bench/media idle: every binding fetch's Contact went to the grammar)
    ';expires=300;+sip.instance="<urn:uuid:0f3e-11aa>";reg-id=1', ';Expires=0300', ';expires=', ';expires=1;expires=2', ';expires="60"', ';expires=60x', ';expiresx=1',
    ';tag="q"', ';x="a b"', ';x=""', ';x="a\\"b"', ';received="sip:1.2.3.4:5060"', ';x="<u>";tag=t1'];
  const out: string[] = [];
  for (const host of hosts) {
    for (const port of ports) {
      out.push(`<sip:3001@${host}${port}>`, `sip:3001@${host}${port}`);
      for (const v of ['SIP/2.0/UDP ', 'SIP/2.0/TCP  ', 'sip/2.0/udp ', 'SIP/2.0/WSS ', 'SIP / 2.0 / UDP ', 'SIP/2.0/TLS-SCTP ']) {
        out.push(`${v}${host}${port};branch=z9hG4bK.1;rport`);
      }
    }
  }
  for (const user of users) for (const p of uriParams) out.push(`<sip:${user}127.0.0.1${p}>`, `INVITE sip:${user}h${p} SIP/2.0`);
  for (const d of displays) for (const hp of headerParams) out.push(`${d}<sip:3011@127.0.0.1>${hp}`, `${d}<sips:a@h:5061;transport=tls>${hp}`);
  const viaParams = ['', ';branch=z9hG4bK4a1c.7a3b9f2e0000000000000000', ';branch=', ';branch', ';Branch=X', ';branchx=1', ';rport', ';rport=', ';rport=20140', ';RPORT=1', ';rport=x', ';rportx', ';received=127.0.0.1', ';received=host', ';received=[::1]', ';Received=1.2.3.4', ';received=1.2.3.400', ';ttl=5', ';maddr=1.2.3.4', ';alias', ';x=Y', ';x=', ';x="q"', ' ;x=1'];
  const contacts = ['<sip:3011-0x55@127.0.0.1:20140;alias=127.0.0.1~20140~1>', '"A" <sip:a@h>;expires=60', 'Bob <sip:b@h;lr>;x=1', '<sip:c@d:5060>;q=0.5', '<sips:e@f;transport=tls> ', '<sip:a@h>;x'];
  for (const a of contacts) for (const b of contacts) for (const sep of [',', ', ', ' ,', ' , ', ',  ']) out.push(`${a}${sep}${b}`, `${a}${sep}${b}${sep}${a}`);
  for (const a of viaParams) for (const b of viaParams) out.push(`SIP/2.0/UDP 127.0.0.1:20140${a}${b}`, `SIP/2.0/TCP host.example.com${b}${a}`);
  out.push(
    '<sip:a@h>,<sip:b@h>', '<sip:a@h> , <sip:b@h>', '<sip:a@h>;x=1 ,  <sip:b@h>', '<sip:a@h>;x=1, <sip:b@h>;y', '"A, B" <sip:a@h>', '"A" <sip:a@h>, "B" <sip:b@h>',
    '<sip:a@h>,', ',<sip:a@h>', '<sip:a@h>,,<sip:b@h>', ' <sip:a@h>', '<sip:a@h> ', '<sip:a@h>\t', '*', '<sip:a@h>;expires=0x', '<sip:a@h>;q=0.50',
    '9f8e7d6c5b4a39281706@127.0.0.1', 'abc', 'a@b@c', 'a b', '', '<weird>:{id}/[x]?', 'a"b', 'a\\b',
    '31337 INVITE', '1  ACK', '1 invite', '1 FOO-BAR', '1 INVITEX', '1 PRACK', '12345678901 BYE', 'x INVITE', '1\tBYE',
    '69', '0', '007', '1234567890', '-1', '1 ', 'application/sdp', 'APPLICATION/SDP', 'application/sdp;charset=x', 'textx/plain', 'foo/bar', 'message/sipfrag', 'multipart/mixed', 'application / sdp',
    'INVITE sip:3001@127.0.0.1:5062;transport=udp SIP/2.0', 'INFO sip:a@h SIP/2.0', 'INVITEX sip:a@h SIP/2.0', 'INVITE sip:a@h SIP/3.0', 'INVITE  sip:a@h SIP/2.0', 'invite sip:a@h SIP/2.0', 'INVITE tel:+123 SIP/2.0', 'SIP/2.0 200 OK',
    // status lines (bench/media: every response's first line went to the grammar)
    'SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'SIP/2.0 183 Session Progress', 'SIP/2.0 401 Unauthorized', 'SIP/2.0 407 Proxy Authentication Required',
    'SIP/2.0 481 Call/Transaction Does Not Exist', 'SIP/2.0 488 Not Acceptable Here', 'SIP/2.0 503 Service Unavailable', 'SIP/2.0 200', 'SIP/2.0 200 ', 'SIP/2.0 200  OK',
    'SIP/2.0 2000 OK', 'SIP/2.0 099 X', 'SIP/2.0 700 Odd', 'SIP/2.0 200 OK\t', 'SIP/2.0 200 Très bien', 'SIP/2.0 200 OK (fine)', 'SIP/3.0 200 OK', 'sip/2.0 200 OK', 'SIP/2.0 200 ok-1.2',
    'SIP/2.0 603 Decline', 'SIP/2.0 486 Busy Here', 'SIP/2.0 200 a%20b',
  );
  return out;
}

function corpus(): string[] {
  const values = new Set<string>();
  for (const file of fixtureFiles) {
    const { firstLine, headers } = fixtureValues(file);
    values.add(firstLine);
    for (const [, value] of headers) values.add(value);
  }
  for (const v of generated()) values.add(v);
  return [...values];
}

describe('fast paths over the sip.js grammar', () => {
  const values = corpus();

  it('give results identical to the grammar, refusals (-1) included', () => {
    let handled = 0;
    let compared = 0;
    const mismatches: string[] = [];
    for (const value of values) {
      for (const rule of RULES) {
        const before = originalCalls;
        const got = fast(value, rule);
        if (originalCalls === before) handled++;
        const want = original(value, rule);
        compared++;
        const diff = identical(got, want);
        if (diff !== undefined) mismatches.push(`${rule} ${JSON.stringify(value)}: ${diff}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(5000);
    expect(handled).toBeGreaterThan(1000);
  });

  it('handle every parsed header of a real INVITE without the grammar', () => {
    const { firstLine, headers } = fixtureValues(path.join(FIXTURES, 'invite.txt'));
    const before = originalCalls;
    expect(identical(fast(firstLine, 'Request_Response'), original(firstLine, 'Request_Response'))).toBeUndefined();
    for (const [name, value] of headers) {
      const rule = HEADER_RULE[name];
      if (rule !== undefined) expect(identical(fast(value, rule), original(value, rule)), `${name}: ${value}`).toBeUndefined();
    }
    expect(originalCalls).toBe(before);
  });

  it('refuse what the grammar refuses', () => {
    for (const [value, rule] of [
      ['not a via at all', 'Via'],
      ['SIP/2.0/UDP 127.0.0.1;branch=', 'Via'],
      ['<sip:a@h>;expires=0x', 'Contact'],
      ['"unterminated <sip:a@h>', 'From'],
      ['1 INVITEX', 'CSeq'],
      ['x', 'Max_Forwards'],
    ] as const) {
      expect(original(value, rule)).toBe(-1);
      expect(fast(value, rule)).toBe(-1);
    }
  });

  it('leave whole messages, fixtures and random mutations of a real INVITE, parsed exactly as before', () => {
    const logger = { warn: () => undefined, log: () => undefined, error: () => undefined, debug: () => undefined };
    const grammar = Grammar as unknown as { parse: ParseFn };
    const saved = grammar.parse;
    const parseWith = (parse: ParseFn, raw: string): unknown => {
      grammar.parse = parse;
      try {
        return Core.Parser.parseMessage(raw, logger as unknown as Core.Logger);
      } catch (e) {
        return e instanceof Error ? `throws ${e.constructor.name}: ${e.message}` : 'throws';
      } finally {
        grammar.parse = saved;
      }
    };
    const messages = fixtureFiles.map((f) => fs.readFileSync(f, 'latin1').replace(/\r?\n/g, '\r\n'));
    messages.push(...textMutations(messages[0] ?? '', 2024, ' ;:,<>"=@.\t\r\n%-AaZz09', 1500));
    const mismatches: string[] = [];
    for (const raw of messages) {
      const diff = identical(parseWith(fast, raw), parseWith(original, raw));
      if (diff !== undefined) mismatches.push(`${JSON.stringify(raw.slice(0, 400))}: ${diff}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('is installed once over Grammar.parse, and sip.js parses messages through it the same way', () => {
    installFastGrammar();
    const installed = Grammar.parse;
    installFastGrammar();
    expect(Grammar.parse).toBe(installed);
    expect(originalGrammarParse()).toBe(original);
    const raw = fs.readFileSync(path.join(FIXTURES, 'invite.txt'), 'utf8').replace(/\r?\n/g, '\r\n');
    const logger = { warn: () => undefined, log: () => undefined, error: () => undefined, debug: () => undefined };
    const withFast = Core.Parser.parseMessage(raw, logger as unknown as Core.Logger);
    const grammar = Grammar as unknown as { parse: ParseFn };
    grammar.parse = original;
    try {
      const without = Core.Parser.parseMessage(raw, logger as unknown as Core.Logger);
      expect(identical(withFast, without)).toBeUndefined();
    } finally {
      grammar.parse = installed;
    }
  });
});
