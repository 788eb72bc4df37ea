// Small, defensive look at raw SIP text for the transport layer: enough to match retransmissions
// (start line, top Via branch, CSeq, Call-ID) and to frame a TCP stream. Never throws.

export type Peek =
  | { kind: 'request'; method: string; branch: string | null; cseqMethod: string | null; callId: string | null }
  | { kind: 'response'; status: number; branch: string | null; cseqMethod: string | null; callId: string | null };

const COMPACT: Record<string, string> = { v: 'via', i: 'call-id', l: 'content-length' };

/**
 * Headers of interest, lower-cased and compact forms expanded: top Via, CSeq, Call-ID. One pass over the
 * head without splitting it (this runs on every datagram before sip.js parses it): only lines that start
 * like one of those names are looked at closer.
 */
function scanHeaders(head: string, from: number): { via: string | null; cseq: string | null; callId: string | null } {
  let via: string | null = null;
  let cseq: string | null = null;
  let callId: string | null = null;
  let start = from;
  while (start < head.length) {
    let end = head.indexOf('\n', start);
    if (end < 0) end = head.length;
    const c = head.charCodeAt(start);
    const lower = c | 0x20; // lower case for letters
    // v(ia), c(seq), c(all-id), i: the only names we want. Continuation lines start with a space or tab; any
    // other odd first character (a stray CR, a control or non-ASCII one) takes the careful path too, as trim() would.
    if (lower === 0x76 || lower === 0x63 || lower === 0x69 || (c !== 0x20 && c !== 0x09 && (c < 0x20 || c > 0x7e))) {
      const lineEnd = end > start && head.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
      const colon = head.indexOf(':', start);
      if (colon > start && colon < lineEnd) {
        let name = head.slice(start, colon).trim().toLowerCase();
        name = COMPACT[name] ?? name;
        if (name === 'via' || name === 'cseq' || name === 'call-id') {
          const value = head.slice(colon + 1, lineEnd).trim();
          if (name === 'via' && via === null) via = value.split(',')[0] ?? value;
          else if (name === 'cseq' && cseq === null) cseq = value;
          else if (name === 'call-id' && callId === null) callId = value;
        }
      }
    }
    start = end + 1;
  }
  return { via, cseq, callId };
}

/** The branch parameter of a Via value, as the transport matches transactions by it. */
export function branchOf(via: string | null): string | null {
  if (!via) return null;
  const m = /;\s*branch\s*=\s*([^;,\s]+)/i.exec(via);
  return m?.[1] ?? null;
}

function cseqMethodOf(cseq: string | null): string | null {
  if (!cseq) return null;
  const parts = cseq.trim().split(/\s+/);
  return parts.length >= 2 ? (parts[1] ?? '').toUpperCase() : null;
}

/** What kind of message this is, or null if the start line is not SIP. */
export function peekMessage(text: string): Peek | null {
  try {
    const end = text.search(/\r?\n\r?\n/);
    const head = end >= 0 ? text.slice(0, end) : text;
    const firstEnd = head.indexOf('\n');
    const first = firstEnd < 0 ? head : head.slice(0, head.charCodeAt(firstEnd - 1) === 0x0d ? firstEnd - 1 : firstEnd);
    const { via, cseq, callId } = firstEnd < 0 ? { via: null, cseq: null, callId: null } : scanHeaders(head, firstEnd + 1);
    const common = { branch: branchOf(via), cseqMethod: cseqMethodOf(cseq), callId };
    const resp = /^SIP\/2\.0\s+(\d{3})(\s|$)/i.exec(first);
    if (resp) return { kind: 'response', status: Number(resp[1]), ...common };
    const req = /^([A-Za-z!%*_+`'~.-]+)\s+\S+\s+SIP\/2\.0\s*$/i.exec(first);
    if (req) return { kind: 'request', method: (req[1] ?? '').toUpperCase(), ...common };
    return null;
  } catch {
    return null;
  }
}

/** A keep-alive (RFC 5626 CRLF ping/pong) or an empty datagram. */
export function isKeepAlive(text: string): boolean {
  // Every datagram comes here: a SIP message is told apart by its first character alone.
  const c = text.charCodeAt(0);
  return text.length === 0 || ((c === 0x0d || c === 0x0a) && /^[\r\n]*$/.test(text));
}

/**
 * Frames SIP messages from a byte stream (TCP/TLS) by Content-Length (RFC 3261 18.3).
 * Leading CRLFs (keep-alives) are skipped. A message without Content-Length has an empty body.
 */
export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  /** Bytes of CRLF keep-alive seen (a pong from the server shows it is alive). */
  keepAlives = 0;

  constructor(private readonly maxMessageBytes = 256 * 1024) {}

  /** Feed bytes; returns whole messages. Throws on an unframeable stream (caller drops the connection). */
  push(chunk: Buffer): string[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: string[] = [];
    for (;;) {
      let start = 0;
      while (start < this.buffer.length && (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a)) start++;
      if (start > 0) {
        this.keepAlives++;
        this.buffer = this.buffer.subarray(start);
      }
      if (this.buffer.length === 0) break;
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) {
        if (this.buffer.length > this.maxMessageBytes) throw new Error('SIP header section too large');
        break;
      }
      const head = this.buffer.subarray(0, headEnd).toString('utf8');
      const m = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/im.exec(head);
      const bodyLength = m ? Number(m[1]) : 0;
      if (bodyLength > this.maxMessageBytes) throw new Error(`Content-Length ${bodyLength} too large`);
      const total = headEnd + 4 + bodyLength;
      if (this.buffer.length < total) break;
      out.push(this.buffer.subarray(0, total).toString('utf8'));
      this.buffer = this.buffer.subarray(total);
    }
    return out;
  }

  reset(): void {
    this.buffer = Buffer.alloc(0);
  }
}
