// Fast paths over sip.js's SIP grammar (a peg.js bytecode interpreter that costs 5-70 us per header
// even with the bytecode decoded once, see patch-sipjs.mjs). sip.js parses a dozen headers of
// every incoming message through `Grammar.parse(value, rule)`; for the common simple forms of the
// costliest rules this module builds the very same result by hand (same classes, same properties in
// the same order, same param maps; the grammar's actions were read in
// node_modules/sip.js/lib/grammar/pegjs/dist/grammar.js). Anything that does not match a strict
// pattern, or any quirk of the grammar (special param names, escapes, whitespace around separators,
// IPv6, multi-valued Via, ...) goes to the original grammar. test/unit/sip/fast-grammar.test.ts checks
// identity against the grammar on a corpus of real and generated header values.
import { Grammar, NameAddrHeader, URI } from 'sip.js';

type ParseFn = (input: string, startRule: string) => unknown;
type Params = Record<string, string | number | undefined>;
/** sip.js's typings say string values; at run time undefined (a param without value) becomes null. */
type SipParams = Record<string, string>;

/** Returned by a fast path that does not handle the input: the grammar decides. */
const NO = Symbol('fast-grammar: not handled');
type Fast = (input: string) => unknown;

const INSTALLED = Symbol.for('dispatch-phone.fast-grammar');

const TOKEN = "[A-Za-z0-9\\-.!%*_+`'~]+";
const TOKEN_RE = new RegExp(`^${TOKEN}$`);
const DEC_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const IPV4_RE = new RegExp(`^${DEC_OCTET}(?:\\.${DEC_OCTET}){3}$`);
const HOSTNAME_RE = /^(?:[A-Za-z0-9_-]+\.)*[A-Za-z][A-Za-z0-9-]*$/;
/** SIP/SIPS URI without password, IPv6, escapes in params or headers ("?"). */
const URI_RE =
  /^(sips?):(?:((?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})+)@)?([A-Za-z0-9_.-]+)(?::([0-9]{1,5}))?((?:;[A-Za-z0-9\-_.!~*'()]+(?:=[A-Za-z0-9\-_.!~*'()]+)?)*)$/;
const URI_PARAM_RE = /;([A-Za-z0-9\-_.!~*'()]+)(?:=([A-Za-z0-9\-_.!~*'()]+))?/g;
/** A header param's quoted-string value as the grammar keeps it (quotes included), without spaces or escapes. */
const QUOTED = '"[\\x21\\x23-\\x5B\\x5D-\\x7E]*"';
/** [1] quoted display name content, [2] unquoted display name, [3] URI, [4] header params. */
const NAME_ADDR_RE = new RegExp(
  `^(?:"([ \\x21\\x23-\\x5B\\x5D-\\x7E\\u0080-\\uFFFF]*)" *|(${TOKEN}(?: +${TOKEN})*) +)?<([^<>"\\s]+)>((?:;${TOKEN}(?:=(?:${TOKEN}|${QUOTED}))?)*)$`,
);
const HEADER_PARAM_RE = new RegExp(`;(${TOKEN})(?:=(${TOKEN}|${QUOTED}))?`, 'g');
/** Contact's `expires` as the grammar's c_p_expires takes it (delta-seconds, a number). */
const DELTA_SECONDS_RE = /^[0-9]+$/;
const METHOD_RE = /^(?:INVITE|ACK|OPTIONS|BYE|CANCEL|REGISTER|SUBSCRIBE|NOTIFY|REFER|PUBLISH|INFO|MESSAGE|UPDATE|PRACK)$/;

/** True when `name` (lowercased) is one of `specials` or merely starts with one (grammar quirks). */
function startsWithAny(name: string, specials: readonly string[]): boolean {
  for (const s of specials) if (name.startsWith(s)) return true;
  return false;
}

function hostKind(host: string): 'IPv4' | 'domain' | undefined {
  if (IPV4_RE.test(host)) return 'IPv4';
  if (HOSTNAME_RE.test(host)) return 'domain';
  return undefined;
}

const URI_SPECIAL_PARAMS = ['transport', 'user', 'method', 'ttl', 'maddr', 'lr'] as const;
const TRANSPORT_RE = /^(?:udp|tcp|tls|sctp|ws|wss)$/i;

interface UriParts {
  scheme: string;
  user: string | undefined;
  host: string;
  port: number | undefined;
  params: Params | undefined;
}

/** What the grammar's SIP_URI action builds a URI from, after every check the fast path makes; or NO. */
function uriParts(text: string): UriParts | typeof NO {
  const m = URI_RE.exec(text);
  if (m === null) return NO;
  const [, scheme = 'sip', rawUser, host = '', port, paramText = ''] = m;
  if (hostKind(host) === undefined) return NO;
  const user = rawUser === undefined ? undefined : decodeURIComponent(rawUser);
  let params: Params | undefined;
  if (paramText !== '') {
    params = {};
    for (const p of paramText.matchAll(URI_PARAM_RE)) {
      const name = (p[1] ?? '').toLowerCase();
      const value = p[2];
      if (startsWithAny(name, URI_SPECIAL_PARAMS)) {
        if (name === 'lr' && value === undefined) params.lr = undefined;
        else if (name === 'transport' && value !== undefined && TRANSPORT_RE.test(value)) {
          params.transport = value.toLowerCase();
        } else return NO;
      } else params[name] = value;
    }
  }
  return { scheme, user, host, port: port === undefined ? undefined : parseInt(port), params };
}

function buildUri(parts: UriParts): URI {
  // the grammar passes an undefined user (no userinfo) as well
  return new URI(parts.scheme, parts.user as string, parts.host, parts.port, parts.params as SipParams | undefined, undefined);
}

interface NameAddr {
  uri: UriParts;
  displayName: string | undefined;
  params: Params | undefined;
  tag: string | undefined;
}

/**
 * `[display-name] <uri> *(;param)`; `special` names (lowercased, or names starting with them) are
 * refused except `tag` when `withTag` (From/To keep it apart and set it last).
 */
function nameAddr(text: string, special: readonly string[], withTag: boolean): NameAddr | typeof NO {
  const m = NAME_ADDR_RE.exec(text);
  if (m === null) return NO;
  const uri = uriParts(m[3] ?? '');
  if (uri === NO) return NO;
  const displayName = m[1] ?? m[2];
  let params: Params | undefined;
  let tag: string | undefined;
  const paramText = m[4] ?? '';
  if (paramText !== '') {
    for (const p of paramText.matchAll(HEADER_PARAM_RE)) {
      const name = (p[1] ?? '').toLowerCase();
      const value = p[2];
      if (withTag && name === 'tag' && value !== undefined) {
        if (value.startsWith('"')) return NO; // not a tag-param: the grammar keeps it as a generic one
        tag = value;
        continue;
      }
      // A registrar's answer lists each binding with `;expires=N` (the grammar's c_p_expires: a number).
      if (special === CONTACT_SPECIAL && name === 'expires' && value !== undefined && DELTA_SECONDS_RE.test(value)) {
        params ??= {};
        params[name] = parseInt(value);
        continue;
      }
      if (startsWithAny(name, special)) return NO;
      params ??= {};
      params[name] = value;
    }
  }
  return { uri, displayName, params, tag };
}

function buildNameAddr(na: NameAddr): NameAddrHeader {
  return new NameAddrHeader(buildUri(na.uri), na.displayName as string, (na.params ?? {}) as SipParams);
}

/** From / To: the grammar's action sets `tag` after building the header. */
function fromTo(text: string): NameAddrHeader | typeof NO {
  const na = nameAddr(text, ['tag'], true);
  if (na === NO) return NO;
  const header = buildNameAddr(na);
  if (na.tag) header.setParam('tag', na.tag);
  return header;
}

interface Listed<T> {
  position: number;
  offset: number;
  parsed: T;
}

/**
 * Contact / Record-Route: a list of name-addrs, each with `offset` (its start) and `position` (its
 * end, trailing whitespace included after a closing `>`).
 */
function nameAddrList(text: string, special: readonly string[]): Array<Listed<NameAddr>> | typeof NO {
  if (text.includes('"') && text.indexOf(',') >= 0) return NO; // a comma may be quoted
  const out: Array<Listed<NameAddr>> = [];
  let start = 0;
  for (;;) {
    const comma = text.indexOf(',', start);
    const end = comma < 0 ? text.length : comma;
    const segment = text.slice(start, end);
    const trimmed = segment.trimEnd();
    // whitespace before the comma is only the grammar's when it follows '>' (RAQUOT SWS)
    if (trimmed.length !== segment.length && (!trimmed.endsWith('>') || !/^ +$/.test(segment.slice(trimmed.length)))) {
      return NO;
    }
    const na = nameAddr(trimmed, special, false);
    if (na === NO) return NO;
    out.push({ position: end, offset: start, parsed: na });
    if (comma < 0) return out;
    start = comma + 1;
    while (text.charCodeAt(start) === 0x20) start++;
  }
}

function multiNameAddr(text: string, special: readonly string[]): Array<Listed<NameAddrHeader>> | typeof NO {
  const list = nameAddrList(text, special);
  return list === NO ? NO : list.map((h) => ({ position: h.position, offset: h.offset, parsed: buildNameAddr(h.parsed) }));
}

const VIA_SPECIAL = ['ttl', 'maddr', 'received', 'branch', 'rport'] as const;
const VIA_RE =
  /^(SIP|sip)\/2\.0\/(UDP|TCP|TLS|SCTP|WS|WSS|udp|tcp|tls|sctp|ws|wss) +([A-Za-z0-9_.-]+)(?::([0-9]{1,5}))?((?:;[A-Za-z0-9\-.!%*_+`'~]+(?:=[A-Za-z0-9\-.!%*_+`'~]*)?)*)$/;
const VIA_PARAM_RE = /;([A-Za-z0-9\-.!%*_+`'~]+)(?:=([A-Za-z0-9\-.!%*_+`'~]*))?/g;

function via(text: string): Record<string, unknown> | typeof NO {
  const m = VIA_RE.exec(text);
  if (m === null) return NO;
  const [, protocol, transport, host = '', port, paramText = ''] = m;
  const kind = hostKind(host);
  if (kind === undefined) return NO;
  const data: Record<string, unknown> = { protocol, transport, host_type: kind, host };
  if (port !== undefined) data.port = parseInt(port);
  let params: Params | undefined;
  for (const p of paramText.matchAll(VIA_PARAM_RE)) {
    const name = (p[1] ?? '').toLowerCase();
    const value = p[2];
    if (startsWithAny(name, VIA_SPECIAL)) {
      if (name === 'branch' && value !== undefined && TOKEN_RE.test(value)) data.branch = value;
      else if (name === 'received' && value !== undefined && IPV4_RE.test(value)) {
        data.received = value;
        data.host_type = 'IPv4'; // the grammar's IPv4address action runs again for the value
      } else if (name === 'rport' && value === undefined) {
        params ??= {};
        data.params = params;
        params.rport = undefined;
      } else if (name === 'rport' && value !== undefined && /^[0-9]*$/.test(value)) data.rport = value;
      else return NO;
    } else {
      if (value === '') return NO;
      params ??= {};
      data.params = params;
      params[name] = value;
    }
  }
  return data;
}

function requestLineParts(text: string): { method: string; uri: UriParts } | typeof NO {
  const sp1 = text.indexOf(' ');
  const sp2 = text.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 === sp1 || text.slice(sp2 + 1) !== 'SIP/2.0') return NO;
  const method = text.slice(0, sp1);
  if (!METHOD_RE.test(method)) return NO;
  const uri = uriParts(text.slice(sp1 + 1, sp2));
  if (uri === NO) return NO;
  return { method, uri };
}

function requestLine(text: string): Record<string, unknown> | typeof NO {
  const parts = requestLineParts(text);
  return parts === NO ? NO : { method: parts.method, uri: buildUri(parts.uri), sip_version: 'SIP/2.0' };
}

/**
 * A status line with a plain reason phrase (letters, digits, spaces, '-', '.'), as registrars and phones
 * send them: the first line of every response we receive. Anything else goes to the grammar.
 */
const STATUS_LINE_RE = /^SIP\/2\.0 ([1-6][0-9][0-9]) ([A-Za-z][A-Za-z0-9 .-]*)$/;

function firstLine(text: string): Record<string, unknown> | typeof NO {
  if (!text.startsWith('SIP/2.0 ')) return requestLine(text);
  const m = STATUS_LINE_RE.exec(text);
  return m === null ? NO : { sip_version: 'SIP/2.0', status_code: parseInt(m[1] ?? ''), reason_phrase: m[2] ?? '' };
}

const CALL_ID_RE = /^[A-Za-z0-9\-.!%*_+`'~()<>:/[\]?{}]+(?:@[A-Za-z0-9\-.!%*_+`'~()<>:/[\]?{}]+)?$/;
const CSEQ_RE = /^([0-9]{1,9}) +([A-Z]+)$/;
const NUMBER_RE = /^[0-9]{1,9}$/;
const CONTENT_TYPE_RE = /^(?:application|text|image|audio|video|message|multipart)\/[A-Za-z0-9\-.!%*_+`'~]+$/i;

const CONTACT_SPECIAL = ['q', 'expires'] as const;
const callId = (text: string): string | typeof NO => (CALL_ID_RE.test(text) ? text : NO);
const number = (text: string): number | typeof NO => (NUMBER_RE.test(text) ? parseInt(text) : NO);
const contentType = (text: string): string | typeof NO => (CONTENT_TYPE_RE.test(text) ? text : NO);

function cseq(text: string): { value: number; method: string } | typeof NO {
  const m = CSEQ_RE.exec(text);
  return m !== null && METHOD_RE.test(m[2] ?? '') ? { value: parseInt(m[1] ?? ''), method: m[2] ?? '' } : NO;
}

const FAST: Record<string, Fast> = {
  Via: via,
  From: fromTo,
  To: fromTo,
  Contact: (text) => multiNameAddr(text, CONTACT_SPECIAL),
  Record_Route: (text) => multiNameAddr(text, []),
  Request_Response: firstLine,
  Call_ID: callId,
  CSeq: cseq,
  Max_Forwards: number,
  Content_Length: number,
  Content_Type: contentType,
};

/** `fn`'s answer, or undefined for NO or a throw (a malformed %-escape). */
function taken<T>(fn: () => T | typeof NO): T | undefined {
  try {
    const result = fn();
    return result === NO ? undefined : result;
  } catch {
    return undefined;
  }
}

/**
 * The fast paths' checks without building sip.js's objects, for early-ringing.ts, which must know cheaply
 * (on a cold CPU building them costs more than all the checks) that sip.js will parse a header. Each gives
 * what it read when the fast path takes the input, so the grammar returns the same and sip.js parses it;
 * undefined when the fast path would not take it (the grammar still might).
 */
export const fastForm = {
  requestLine: (text: string): { method: string; scheme: string; user: string | undefined } | undefined =>
    taken(() => {
      const p = requestLineParts(text);
      return p === NO ? NO : { method: p.method, scheme: p.uri.scheme, user: p.uri.user };
    }),
  /** Via: its branch ('' when it has none). */
  via: (text: string): { branch: string } | undefined =>
    taken(() => {
      const v = via(text);
      return v === NO ? NO : { branch: typeof v.branch === 'string' ? v.branch : '' };
    }),
  /** From / To: its tag ('' when it has none). */
  fromTo: (text: string): { tag: string } | undefined =>
    taken(() => {
      const na = nameAddr(text, ['tag'], true);
      return na === NO ? NO : { tag: na.tag ?? '' };
    }),
  contact: (text: string): boolean => taken(() => nameAddrList(text, CONTACT_SPECIAL)) !== undefined,
  /** Record-Route: each value's [start, end) in `text`, as sip.js splits them. */
  recordRoute: (text: string): Array<[number, number]> | undefined =>
    taken(() => {
      const list = nameAddrList(text, []);
      return list === NO ? NO : list.map((h): [number, number] => [h.offset, h.position]);
    }),
  callId: (text: string): boolean => callId(text) !== NO,
  cseq: (text: string): { value: number; method: string } | undefined => taken(() => cseq(text)),
  /** Max-Forwards, Content-Length. */
  number: (text: string): number | undefined => taken(() => number(text)),
  contentType: (text: string): boolean => contentType(text) !== NO,
};

/** `parse` with fast paths over `original`, which handles everything else. */
export function withFastPaths(original: ParseFn): ParseFn {
  const parse: ParseFn = (input, startRule) => {
    const fast = typeof input === 'string' ? FAST[startRule] : undefined;
    if (fast !== undefined) {
      try {
        const result = fast(input);
        if (result !== NO) return result;
      } catch {
        // e.g. a malformed %-escape in a URI user: the grammar says what it makes of it
      }
    }
    return original(input, startRule);
  };
  return Object.assign(parse, { [INSTALLED]: original });
}

const grammar = Grammar as unknown as { parse: ParseFn & { [INSTALLED]?: ParseFn } };

/** sip.js's own `Grammar.parse`, whether or not the fast paths are installed. */
export function originalGrammarParse(): ParseFn {
  return grammar.parse[INSTALLED] ?? grammar.parse;
}

/** Installs the fast paths over sip.js's `Grammar.parse`, once per process. */
export function installFastGrammar(): void {
  if (grammar.parse[INSTALLED] !== undefined) return;
  grammar.parse = withFastPaths(grammar.parse);
}
