// The binding fetch and the refresh carry credentials computed from the registrar's last challenge, so that
// each costs one round trip, not two; a registrar that no longer takes the nonce (it restarted: new secret;
// or the nonce expired) challenges, is answered, and the fetch's answer still tells whether our binding is
// there. Against an in-process registrar that checks the digest for real (RFC 2617, MD5, qop=auth, nc).
// Also pins the seam in main/sip/sipjs-seams/register-client.ts (sip.js's private credentials).
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { afterEach, expect, it } from 'vitest';
import type { RegistrationState } from '../../../shared/domain.js';
import { SipTelephony } from '../../../main/sip/telephony.js';
import { waitUntil } from '../../support/wait.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const REALM = '127.0.0.1';
const PASSWORD = 'pw-3980';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface Seen {
  text: string;
  contact: boolean;
  authorization: Record<string, string> | null;
  answer: number;
}

function params(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.replace(/^Digest\s+/i, '').matchAll(/(\w+)=("([^"]*)"|[^,\s]+)/g)) out[m[1]!.toLowerCase()] = m[3] ?? m[2]!;
  return out;
}

/** A registrar with digest auth: nonces it issued (this "boot") and the highest nc seen for each; bindings in a Map. */
async function registrar(qop: boolean) {
  const socket = dgram.createSocket('udp4');
  const state = { password: PASSWORD, nonces: new Map<string, number>(), bindings: new Map<string, string>(), seen: [] as Seen[] };
  const restart = () => {
    state.nonces.clear();
    state.bindings.clear();
  };
  socket.on('message', (m, from) => {
    const text = m.toString('utf8');
    if (!text.startsWith('REGISTER')) return;
    const lines = text.split('\r\n');
    const keep = lines.filter((h) => /^(via|from|to|call-id|cseq)\s*:/i.test(h));
    const authLine = lines.find((l) => /^authorization\s*:/i.test(l));
    const auth = authLine ? params(authLine.replace(/^authorization\s*:\s*/i, '')) : null;
    const contacts = lines.filter((l) => /^contact\s*:/i.test(l));
    const reply = (code: number, extra: string[]) => {
      state.seen.push({ text, contact: contacts.length > 0, authorization: auth, answer: code });
      socket.send([`SIP/2.0 ${code} ${code === 200 ? 'OK' : 'Unauthorized'}`, ...keep, ...extra, 'Content-Length: 0', '', ''].join('\r\n'), from.port, from.address);
    };
    const challenge = (stale: boolean) => {
      const nonce = randomBytes(8).toString('hex');
      state.nonces.set(nonce, 0);
      reply(401, [`WWW-Authenticate: Digest realm="${REALM}", nonce="${nonce}"${qop ? ', qop="auth"' : ''}${stale ? ', stale=true' : ''}`]);
    };
    if (!auth) return challenge(false);
    const lastNc = state.nonces.get(auth.nonce ?? '');
    if (lastNc === undefined) return challenge(true); // not one of ours (any more)
    const ha1 = md5(`${auth.username}:${REALM}:${state.password}`);
    const ha2 = md5(`REGISTER:${auth.uri}`);
    const nc = qop ? parseInt(auth.nc ?? '0', 16) : 0;
    const expected = qop ? md5(`${ha1}:${auth.nonce}:${auth.nc}:${auth.cnonce}:auth:${ha2}`) : md5(`${ha1}:${auth.nonce}:${ha2}`);
    if (auth.response !== expected || (qop && nc <= lastNc)) return challenge(false);
    state.nonces.set(auth.nonce!, nc);
    for (const c of contacts) {
      const value = c.replace(/^contact\s*:\s*/i, '');
      const uri = /<([^>]+)>/.exec(value)?.[1] ?? '';
      if (/;expires=0\b/.test(value)) state.bindings.delete(uri);
      else state.bindings.set(uri, value);
    }
    reply(200, [...state.bindings.values()].map((v) => `Contact: ${v}`));
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => socket.close(() => r())));
  return { port: socket.address().port, state, restart };
}

async function phone(port: number, user: string) {
  const tel = new SipTelephony({
    account: { server: `127.0.0.1:${port}`, transport: 'udp', user, password: PASSWORD },
    sessionDescriptionHandlerFactory: () => {
      throw new Error('no media in this test');
    },
    bindingCheckIntervalMs: 250,
    keepAliveIntervalMs: 60_000,
  });
  cleanup.push(() => tel.stop());
  const states: RegistrationState['kind'][] = [];
  tel.onRegistration((s) => states.push(s.kind));
  await tel.start();
  await waitUntil(() => tel.registration.kind === 'registered', { timeoutMs: 5000, intervalMs: 20 });
  return { tel, states };
}

for (const qop of [true, false]) {
  it(`fetches carry the last challenge's nonce and are answered at once (qop ${qop ? 'auth, nc counts up' : 'none'})`, async () => {
    const reg = await registrar(qop);
    const { tel } = await phone(reg.port, '3980');
    // The first REGISTER was challenged and answered: 2 requests.
    expect(reg.state.seen.map((s) => s.answer)).toEqual([401, 200]);
    await waitUntil(() => reg.state.seen.filter((s) => !s.contact).length >= 4, { timeoutMs: 5000, intervalMs: 20 });
    const fetches = reg.state.seen.filter((s) => !s.contact);
    // Every fetch went with credentials and none was challenged: one round trip each.
    expect(fetches.every((f) => f.authorization !== null && f.answer === 200)).toBe(true);
    const nonce = reg.state.seen[1]!.authorization!.nonce;
    expect(fetches.every((f) => f.authorization!.nonce === nonce)).toBe(true);
    if (qop) {
      const ncs = [reg.state.seen[1]!, ...fetches].map((f) => parseInt(f.authorization!.nc!, 16));
      expect(ncs).toEqual(ncs.map((_, i) => i + 1));
      expect(new Set(fetches.map((f) => f.authorization!.cnonce)).size).toBe(fetches.length);
    }
    expect(tel.account.digestReuse.sent).toBeGreaterThanOrEqual(4);
    expect(tel.account.digestReuse.challenged).toBe(0);
    expect(tel.registration.kind).toBe('registered');
  });
}

it('a restarted registrar refuses the old nonce: the fetch is challenged, answered, finds no binding, and we register again', async () => {
  const reg = await registrar(true);
  const { tel, states } = await phone(reg.port, '3981');
  await waitUntil(() => reg.state.seen.filter((s) => !s.contact).length >= 2, { timeoutMs: 5000, intervalMs: 20 });
  const before = reg.state.seen.length;
  reg.restart();
  await waitUntil(() => reg.state.bindings.size === 1 && tel.registration.kind === 'registered' && states.length === 4, { timeoutMs: 5000, intervalMs: 10 });
  expect(states).toEqual(['registering', 'registered', 'registering', 'registered']);
  const after = reg.state.seen.slice(before);
  // The fetch with the old nonce -> 401 stale; again with the new one -> 200 without our binding;
  // the REGISTER with our Contact carries the new nonce and is taken at once.
  expect(after.slice(0, 3).map((s) => [s.contact, s.answer])).toEqual([
    [false, 401],
    [false, 200],
    [true, 200],
  ]);
  expect(after[2]!.authorization!.nonce).toBe(after[1]!.authorization!.nonce);
  expect(after[2]!.authorization!.nonce).not.toBe(reg.state.seen[before - 1]!.authorization!.nonce);
  expect(tel.account.digestReuse.challenged).toBe(1);
  // Fetches go on with the new nonce, one round trip each again.
  const n = reg.state.seen.length;
  await waitUntil(() => reg.state.seen.length >= n + 2, { timeoutMs: 5000, intervalMs: 20 });
  expect(reg.state.seen.slice(n).every((s) => s.answer === 200)).toBe(true);
});

it('credentials the registrar refuses are answered once with its fresh challenge, never in a loop', async () => {
  const reg = await registrar(true);
  const { tel } = await phone(reg.port, '3982');
  // The account's password changed on the server: each fetch's credentials are refused, then the
  // answer to the fresh challenge too; sip.js stops there (the fetch says nothing about the binding).
  reg.state.password = 'changed';
  const seen = reg.state.seen.length;
  const sent = tel.account.digestReuse.sent;
  await waitUntil(() => tel.account.digestReuse.sent >= sent + 3, { timeoutMs: 5000, intervalMs: 20 });
  await new Promise((r) => setTimeout(r, 100)); // the last one's second round trip
  const after = reg.state.seen.slice(seen);
  const fetches = tel.account.digestReuse.sent - sent;
  expect(after.every((s) => s.answer === 401)).toBe(true);
  expect(after.length).toBeGreaterThanOrEqual(2 * fetches - 1);
  expect(after.length).toBeLessThanOrEqual(2 * fetches);
});
