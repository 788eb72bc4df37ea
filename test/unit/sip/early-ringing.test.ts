// The early 180 (main/sip/sipjs-seams/early-ringing.ts) rings only for INVITEs that sip.js will take as a new call:
// checked against sip.js's own parser on the RFC 4475 torture messages and on seeded random mutations of a
// real INVITE. The wire behaviour with a real sip.js UserAgent is in incoming-invite.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Core } from 'sip.js';
import { EarlyRinging, scanInvite, TagPool, withToTag } from '../../../main/sip/sipjs-seams/early-ringing.js';
import type { EarlyRingingProfile } from '../../../main/sip/sipjs-seams/early-ringing.js';
import { installFastGrammar } from '../../../main/sip/sipjs-seams/fast-grammar.js';
import { peekMessage } from '../../../main/sip/wire.js';
import { toTagOf } from '../../support/sip-text.js';
import { textMutations } from '../../support/text-mutations.js';

// sip.js parses as in production: through our fast paths (main/sip/telephony.ts installs them).
installFastGrammar();

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/sip');
const crlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');
const quiet = { warn: () => undefined, log: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Core.Logger;

/** Why sip.js would not take `raw` as a new call for one of `users` (null: it would). */
function sipjsRefuses(raw: string, users: string[]): string | null {
  const m = Core.Parser.parseMessage(raw, quiet);
  if (!m) return 'not parsed';
  if (!(m instanceof Core.IncomingRequestMessage) || m.method !== 'INVITE') return 'not an INVITE';
  for (const h of ['from', 'to', 'call_id', 'cseq', 'via', 'contact']) if (!m.hasHeader(h)) return `no ${h}`;
  if (m.ruri?.scheme !== 'sip' || !users.includes(m.ruri.user ?? '')) return 'not for us';
  if (m.toTag || !m.fromTag || !m.viaBranch) return 'tags or branch';
  const length = m.getHeader('content-length');
  if (length && Buffer.byteLength(m.body) < Number(length)) return 'short body';
  return null;
}

/** What EarlyRinging would ring for. */
const rings = (raw: string, users: string[]): boolean => scanInvite(raw, users) !== null;

describe('which INVITEs are rung before sip.js', () => {
  const invite = crlf(fs.readFileSync(path.join(FIXTURES, 'invite.txt'), 'latin1'));

  it('a real INVITE through a proxy is, and its copied headers are as sip.js copies them', () => {
    const head = scanInvite(invite, ['3001']);
    expect(head).toEqual({
      branch: 'z9hG4bK4a1c.7a3b9f2e0000000000000000',
      vias: [
        'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK4a1c.7a3b9f2e0000000000000000;rport',
        'SIP/2.0/UDP 127.0.0.1:20140;received=127.0.0.1;rport=20140;branch=z9hG4bK8f1f2a3b4c5d',
      ],
      from: '"Driver 17" <sip:3011@127.0.0.1>;tag=a1b2c3d4',
      to: '<sip:3001@127.0.0.1>',
      callId: '9f8e7d6c5b4a39281706@127.0.0.1',
      cseq: 31337,
      recordRoutes: ['<sip:127.0.0.1;lr;ftag=a1b2c3d4>'],
    });
    expect(sipjsRefuses(invite, ['3001'])).toBeNull();
    expect(scanInvite(invite, ['3002']), 'another user').toBeNull();
  });

  it('none of the RFC 4475 invalid messages is (each addressed to us)', () => {
    const dir = path.join(FIXTURES, 'rfc4475');
    const rung = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('invalid-'))
      .filter((f) => {
        const raw = crlf(fs.readFileSync(path.join(dir, f), 'latin1'));
        const user = /^\S+ \S*?sip:([^@\s]+)@/.exec(raw)?.[1] ?? '';
        return rings(raw, [user]);
      });
    expect(rung).toEqual([]);
  });

  it.each([
    ['a To-tag (inside a dialog)', (m: string) => m.replace('To: <sip:3001@127.0.0.1>', 'To: <sip:3001@127.0.0.1>;tag=x1')],
    ['no From-tag', (m: string) => m.replace(';tag=a1b2c3d4\r\n', '\r\n')],
    ['Replaces', (m: string) => m.replace('Max-Forwards', 'Replaces: abc;to-tag=1;from-tag=2\r\nMax-Forwards')],
    ['Require: 100rel', (m: string) => m.replace('Max-Forwards', 'Require: 100rel\r\nMax-Forwards')],
    ['no Contact', (m: string) => m.replace(/Contact: [^\r]*\r\n/, '')],
    ['a folded header', (m: string) => m.replace('Max-Forwards: 69', 'Max-Forwards:\r\n 69')],
    ['a body shorter than its Content-Length', (m: string) => m.replace('a=sendrecv\r\n', '')],
    ['a sips: Request-URI', (m: string) => m.replace('INVITE sip:', 'INVITE sips:')],
    ['CSeq of another method', (m: string) => m.replace('31337 INVITE', '31337 OPTIONS')],
    ['a second Call-ID', (m: string) => m.replace('Max-Forwards', 'Call-ID: other@x\r\nMax-Forwards')],
  ])('is left to sip.js with %s', (_why, change) => {
    const changed = change(invite);
    expect(changed).not.toBe(invite);
    expect(scanInvite(changed, ['3001'])).toBeNull();
  });

  it('random mutations of a real INVITE: whatever is rung, sip.js takes as a new call for us (seeded)', () => {
    let rung = 0;
    const refused: string[] = [];
    for (const [seed, alphabet] of [
      [99, ' ;:,<>"=@.\t\r\n%-AaZz09'],
      [7, '\x00\xff\r\n:;<>"\u00a0'],
    ] as const) {
      for (const raw of textMutations(invite, seed, alphabet, 10000)) {
        if (!rings(raw, ['3001'])) continue;
        rung++;
        const why = sipjsRefuses(raw, ['3001']);
        if (why) refused.push(`${why}: ${JSON.stringify(raw)}`);
      }
    }
    expect(refused).toEqual([]);
    // Most single edits leave a valid INVITE: the check above must have had plenty to look at.
    expect(rung).toBeGreaterThan(8000);
  }, 30_000);
});

describe('EarlyRinging', () => {
  const invite = crlf(fs.readFileSync(path.join(FIXTURES, 'invite.txt'), 'latin1'));
  const profile: EarlyRingingProfile = {
    accepting: () => true,
    users: () => ['3001'],
    knownTransaction: () => false,
    supported: () => ['outbound'],
    userAgent: () => 'Dispatch Phone',
    contact: () => '<sip:3001-x@127.0.0.1:5070;transport=udp>',
  };

  it('answers 400 with the 180\'s tag when sip.js does not take an INVITE it rang for', () => {
    const sent: string[] = [];
    const warnings: string[] = [];
    const ringing = new EarlyRinging(profile, (text) => sent.push(text), (m) => warnings.push(m));
    // The transport takes the returned peek for its own: it must be what wire.ts reads.
    expect(ringing.received(invite)).toEqual(peekMessage(invite));
    ringing.handled();
    expect(warnings).toEqual(['incoming INVITE (branch z9hG4bK4a1c.7a3b9f2e0000000000000000) rang but sip.js did not take it: answered 400 Bad Request']);
    expect(sent.map((m) => m.slice(0, 15))).toEqual(['SIP/2.0 180 Rin', 'SIP/2.0 400 Bad']);
    expect(toTagOf(sent[1] ?? '')).toBe(toTagOf(sent[0] ?? ''));
    expect(sent[1]).not.toContain('Contact:');
    expect(ringing.stats).toEqual({ rung: 1, closed: 1 });
  });

  it('claimed by sip.js: its duplicate 180 is dropped once, its other responses get the 180\'s tag', () => {
    const sent: string[] = [];
    const ringing = new EarlyRinging(profile, (text) => sent.push(text));
    ringing.received(invite);
    const ours = sent[0] ?? '';
    const tag = ringing.claim('z9hG4bK4a1c.7a3b9f2e0000000000000000');
    expect(tag).toBe(toTagOf(ours));
    expect(ringing.claim('z9hG4bK4a1c.7a3b9f2e0000000000000000'), 'claimed once').toBeNull();
    expect(ringing.sending(ours)).toBeNull();
    expect(ringing.sending(ours), 'a second 180 (a retransmission) goes out').toBe(ours);
    const stateless = ours.replace('180 Ringing', '482 Loop Detected').replace(`;tag=${tag}`, ';tag=sipjs-own');
    expect(toTagOf(ringing.sending(stateless) ?? '')).toBe(tag);
    ringing.handled();
    expect(sent).toHaveLength(1);
    expect(ringing.stats).toEqual({ rung: 1, closed: 0 });
  });

  it('leaves alone what is not a new INVITE for us, and a transaction sip.js already has', () => {
    const sent: string[] = [];
    const known = new EarlyRinging({ ...profile, knownTransaction: () => true }, (text) => sent.push(text));
    expect(known.received(invite)).toBeNull();
    const stopped = new EarlyRinging({ ...profile, accepting: () => false }, (text) => sent.push(text));
    expect(stopped.received(invite)).toBeNull();
    const options = invite.replace('INVITE sip', 'OPTIONS sip').replace('31337 INVITE', '31337 OPTIONS');
    expect(known.received(options)).toBeNull();
    expect(sent).toEqual([]);
    expect(known.sending('SIP/2.0 200 OK\r\n\r\n')).toBe('SIP/2.0 200 OK\r\n\r\n');
  });
});

describe('helpers', () => {
  it('withToTag sets the tag sip.js appended to the To line and nothing else', () => {
    const m = 'SIP/2.0 482 Loop\r\nFrom: <sip:a@h>;tag=f1\r\nTo: <sip:b@h>;tag=abc\r\nCall-ID: x\r\n\r\n';
    expect(withToTag(m, 'ours')).toBe(m.replace('tag=abc', 'tag=ours'));
    expect(withToTag('SIP/2.0 100 Trying\r\nTo: <sip:b@h>\r\n\r\n', 'ours')).toBe('SIP/2.0 100 Trying\r\nTo: <sip:b@h>\r\n\r\n');
  });

  it('TagPool hands out distinct 48-bit hex tags, past its size', () => {
    const pool = new TagPool(4);
    const tags = Array.from({ length: 50 }, () => {
      pool.refillIfLow();
      return pool.take();
    });
    expect(new Set(tags).size).toBe(50);
    for (const t of tags) expect(t).toMatch(/^[0-9a-f]{12}$/);
  });
});
