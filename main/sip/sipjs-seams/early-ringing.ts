// 180 Ringing for a new incoming INVITE straight from the transport, before sip.js parses the request.
//
// Why: sip.js's own way to the 180 (a full parse, transaction, user agent server, Invitation, early dialog)
// takes ~0.5 ms on a CPU gone cold between calls. This is one pass over the header lines that checks each
// header sip.js will parse against fast-grammar.ts's patterns, without building sip.js's objects. The
// caller hears ringback sooner and the proxy stops resending the INVITE sooner.
//
// sip.js still handles the INVITE, in the same turn, and stays the one that owns it: its user agent server
// is given our To-tag (claim), the 180 it then sends is not sent a second time (it keeps it for INVITE
// retransmissions), and every response to this INVITE carries that one tag (RFC 3261 8.2.6.2). Anything
// unusual (Replaces, Require, a To-tag, not for us, a retransmission, line folding, a header in a form
// fast-grammar.ts does not take) is left to sip.js alone. Should sip.js still not take an INVITE we rang
// for, the caller is told 400: ringing is always followed by an answer.
import { randomBytes } from 'node:crypto';
import { fastForm } from './fast-grammar.js';
import type { TransportHook } from '../transport-base.js';
import type { Peek } from '../wire.js';
import { branchOf, peekMessage } from '../wire.js';

export interface EarlyRingingProfile {
  /** sip.js takes calls now (a stopped user agent drops them). */
  accepting(): boolean;
  /** Request-URI users that are us: sip.js answers 404 to the others. */
  users(): readonly string[];
  /**
   * sip.js already has a server transaction for this branch: a retransmitted INVITE. (A merged request, the
   * same INVITE by another path, is rung here too; sip.js's 482 then carries the 180's tag.)
   */
  knownTransaction(branch: string): boolean;
  /** The headers sip.js puts on its responses: Supported, User-Agent, and the Contact of a dialog-forming one. */
  supported(): readonly string[];
  userAgent(): string | undefined;
  contact(): string;
}

export interface EarlyRingingStats {
  /** INVITEs rung here, before sip.js. */
  rung: number;
  /** INVITEs rung here that sip.js then did not take: we answered 400. */
  closed: number;
}

/**
 * To-tags: RFC 3261 19.3 wants them cryptographically random (32 bits at least; these have 48). Drawing
 * them one at a time from the system's generator costs ~50 us on a cold CPU, in the middle of the way to
 * the 180, so they come from a pool filled in bulk, topped up once the 180 is out.
 */
export class TagPool {
  private pool: Buffer = Buffer.alloc(0);
  private at = 0;

  constructor(private readonly size = 64) {
    this.refill();
  }

  take(): string {
    if (this.at >= this.pool.length) this.refill();
    const tag = this.pool.toString('hex', this.at, this.at + TAG_BYTES);
    this.at += TAG_BYTES;
    return tag;
  }

  refillIfLow(): void {
    if (this.pool.length - this.at < 8 * TAG_BYTES) this.refill();
  }

  private refill(): void {
    this.pool = randomBytes(this.size * TAG_BYTES);
    this.at = 0;
  }
}

const TAG_BYTES = 6;

/** The INVITE being handed to sip.js, if we rang for it. */
interface Ringing {
  branch: string;
  tag: string;
  /** Via..Call-ID, Supported, User-Agent: what any response to it starts with. */
  head: string;
  claimed: boolean;
  duplicateDropped: boolean;
  answered: boolean;
}

/** The parts of an INVITE that a response copies (RFC 3261 8.2.6.2, 12.1.1), as sip.js would copy them. */
export interface InviteHead {
  branch: string;
  vias: string[];
  from: string;
  to: string;
  callId: string;
  cseq: number;
  recordRoutes: string[];
}

const WHITE_SPACE = /\s/;

/** What scanInvite has read of an INVITE so far. */
interface Reading extends Omit<InviteHead, 'from' | 'to' | 'callId' | 'cseq'> {
  from: string | null;
  to: string | null;
  callId: string | null;
  cseq: number | null;
  contact: boolean;
  contentLength: number | null;
}

/** Reads one header value into `r`; false: the INVITE is sip.js's alone. */
type HeaderCheck = (value: string, r: Reading) => boolean;

const leaveToSipjs: HeaderCheck = () => false;

/** A header that must come once, in a form `valid` takes. */
const single =
  (key: 'from' | 'to' | 'callId', valid: (value: string) => boolean): HeaderCheck =>
  (value, r) => {
    if (r[key] !== null || !valid(value)) return false;
    r[key] = value;
    return true;
  };

/**
 * Every header sip.js parses, and Replaces and Require, by lower-case name (compact forms too). All other
 * headers sip.js keeps as text, and so does scanInvite.
 */
const HEADERS = new Map<string, HeaderCheck>(
  (
    [
      [
        ['via', 'v'],
        (value, r) => {
          // sip.js parses the top Via only (and takes the transaction's branch from it). The transport
          // (retransmissions, our own responses) matches by wire.ts's reading: the two must agree.
          if (r.vias.length === 0) {
            const top = fastForm.via(value);
            if (top === undefined || branchOf(value) !== top.branch) return false;
            r.branch = top.branch;
          }
          r.vias.push(value);
          return true;
        },
      ],
      [['from', 'f'], single('from', (value) => !!fastForm.fromTo(value)?.tag)],
      // A To-tag: a request inside a dialog.
      [['to', 't'], single('to', (value) => fastForm.fromTo(value)?.tag === '')],
      [
        ['record-route'],
        (value, r) => {
          const spans = fastForm.recordRoute(value);
          for (const [first, last] of spans ?? []) r.recordRoutes.push(value.substring(first, last));
          return spans !== undefined;
        },
      ],
      [['call-id', 'i'], single('callId', fastForm.callId)],
      [
        ['cseq'],
        (value, r) => {
          const parsed = fastForm.cseq(value);
          if (r.cseq !== null || parsed?.method !== 'INVITE') return false;
          r.cseq = parsed.value;
          return true;
        },
      ],
      [
        ['contact', 'm'],
        (value, r) => {
          r.contact = true;
          return fastForm.contact(value);
        },
      ],
      [
        ['content-length', 'l'],
        (value, r) => {
          const parsed = fastForm.number(value);
          if (r.contentLength !== null || parsed === undefined) return false;
          r.contentLength = parsed;
          return true;
        },
      ],
      [['content-type', 'c'], (value) => fastForm.contentType(value)],
      [['max-forwards'], (value) => fastForm.number(value) !== undefined],
      // Parsed by sip.js with rules we have no fast form for; taking over a call; extensions such as 100rel.
      [['www-authenticate', 'proxy-authenticate', 'refer-to', 'r', 'replaces', 'require'], leaveToSipjs],
    ] as Array<[string[], HeaderCheck]>
  ).flatMap(([names, check]) => names.map((name): [string, HeaderCheck] => [name, check])),
);

export class EarlyRinging implements TransportHook {
  readonly stats: EarlyRingingStats = { rung: 0, closed: 0 };
  private current: Ringing | null = null;
  private readonly tags = new TagPool();

  constructor(
    private readonly profile: EarlyRingingProfile,
    private readonly send: (text: string) => void,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  /** A message from the network: a new INVITE for us is answered 180 here and its Peek returned. */
  received(text: string): Peek | null {
    this.current = null;
    if (!text.startsWith('INVITE ') || !this.profile.accepting()) return null;
    const invite = scanInvite(text, this.profile.users());
    if (!invite || this.profile.knownTransaction(invite.branch)) return null;
    const tag = this.tags.take();
    const head = responseHead(invite, tag, this.profile);
    const dialog = invite.recordRoutes.map((rr) => `Record-Route: ${rr}\r\n`).join('') + `Contact: ${this.profile.contact()}\r\n`;
    this.send(`SIP/2.0 180 Ringing\r\n${head}${dialog}Content-Length: 0\r\n\r\n`);
    this.stats.rung++;
    this.current = { branch: invite.branch, tag, head, claimed: false, duplicateDropped: false, answered: false };
    return { kind: 'request', method: 'INVITE', branch: invite.branch, cseqMethod: 'INVITE', callId: invite.callId };
  }

  /** sip.js's user agent server for `branch` takes our To-tag, if we rang for it. */
  claim(branch: string): string | null {
    const c = this.current;
    if (!c || c.branch !== branch || c.claimed) return null;
    c.claimed = true;
    return c.tag;
  }

  sending(text: string): string | null {
    const c = this.current;
    if (!c || !text.startsWith('SIP/2.0 ')) return text;
    const peek = peekMessage(text);
    if (!peek || peek.kind !== 'response' || peek.branch !== c.branch || peek.cseqMethod !== 'INVITE') return text;
    if (peek.status === 180 && !c.duplicateDropped) {
      c.duplicateDropped = true;
      return null;
    }
    if (peek.status >= 200) c.answered = true;
    return peek.status > 100 ? withToTag(text, c.tag) : text;
  }

  handled(): void {
    const c = this.current;
    this.current = null;
    // Now that the 180 is out, not on its way.
    this.tags.refillIfLow();
    if (!c || c.claimed || c.answered) return;
    // sip.js did not take it (nothing here should lead there): the caller heard ringing, so it hears the end too.
    this.stats.closed++;
    this.warn(`incoming INVITE (branch ${c.branch}) rang but sip.js did not take it: answered 400 Bad Request`);
    this.send(`SIP/2.0 400 Bad Request\r\n${c.head}Content-Length: 0\r\n\r\n`);
  }
}

/**
 * The INVITE's copied headers if it is a plain new call for one of `users` that sip.js will parse and take
 * (every header sip.js parses is in a form fast-grammar.ts parses exactly as sip.js's grammar does), else
 * null: sip.js decides alone.
 */
export function scanInvite(text: string, users: readonly string[]): InviteHead | null {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const firstEnd = text.indexOf('\r\n');
  const start = fastForm.requestLine(text.slice(0, firstEnd));
  if (start?.method !== 'INVITE' || start.scheme !== 'sip' || !users.includes(start.user ?? '')) return null;
  const r: Reading = { branch: '', vias: [], from: null, to: null, callId: null, cseq: null, recordRoutes: [], contact: false, contentLength: null };
  let at = firstEnd + 2;
  while (at < headEnd) {
    let end = text.indexOf('\r\n', at);
    if (end < 0 || end > headEnd) end = headEnd;
    const colon = text.indexOf(':', at);
    // A folded line (sip.js folds at any white space, a CR or LF too) or one without a name: sip.js's parser
    // is the judge of those.
    if (WHITE_SPACE.test(text.charAt(at)) || colon <= at || colon >= end) return null;
    const check = HEADERS.get(text.slice(at, colon).trim().toLowerCase());
    if (check && !check(text.slice(colon + 1, end).trim(), r)) return null;
    at = end + 2;
  }
  const { branch, vias, from, to, callId, cseq, recordRoutes } = r;
  if (!branch || !from || !to || !callId || cseq === null || !r.contact) return null;
  // sip.js answers 400 to a body shorter than its Content-Length.
  if (r.contentLength !== null && Buffer.byteLength(text.slice(headEnd + 4)) < r.contentLength) return null;
  return { branch, vias, from, to, callId, cseq, recordRoutes };
}

/** `text` with the To-tag (which sip.js appends to the To line) set to `tag`. */
export function withToTag(text: string, tag: string): string {
  const line = /\r\n(?:To|t)[ \t]*:[^\r\n]*/i.exec(text);
  if (!line) return text;
  const fixed = line[0].replace(/;tag=[^;\r\n>]*$/, `;tag=${tag}`);
  return fixed === line[0] ? text : text.slice(0, line.index) + fixed + text.slice(line.index + line[0].length);
}

function responseHead(invite: InviteHead, tag: string, profile: EarlyRingingProfile): string {
  let head = '';
  for (const via of invite.vias) head += `Via: ${via}\r\n`;
  head += `From: ${invite.from}\r\nTo: ${invite.to};tag=${tag}\r\nCSeq: ${invite.cseq} INVITE\r\nCall-ID: ${invite.callId}\r\n`;
  // As sip.js's constructOutgoingResponse: a Supported header even when the list is empty.
  head += `Supported: ${profile.supported().join(', ')}\r\n`;
  const userAgent = profile.userAgent();
  if (userAgent) head += `User-Agent: ${userAgent}\r\n`;
  return head;
}
