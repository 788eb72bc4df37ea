// TLS registration (server certificate checked against the lab CA) and SIP presence via Kamailio.
import fs from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, labPaths } from '../../lab/peers.js';
import { SipTelephony } from '../../../main/sip/telephony.js';
import { fakeSdhFactory } from './fake-sdh.js';
import { makePhone, quietLog, waitFor } from './helpers.js';
import type { TestPhone } from './helpers.js';

const phones: SipTelephony[] = [];
afterEach(async () => {
  for (const p of phones.splice(0)) await p.stop().catch(() => undefined);
});
beforeAll(async () => {
  await ensureLab();
});

function tlsPhone(user: string, caFile: string, problems: string[]): SipTelephony {
  const tel = new SipTelephony({
    account: { server: '127.0.0.1:5061', transport: 'tls', user, password: 'secret', tlsCaFile: caFile },
    sessionDescriptionHandlerFactory: fakeSdhFactory(),
    logger: { ...quietLog, warn: (m) => problems.push(m) },
    backoffMinMs: 500,
  });
  phones.push(tel);
  return tel;
}

describe('TLS', () => {
  it('registers over TLS when the server certificate chains to the configured CA', async () => {
    const ca = labPaths().tlsCa;
    if (!fs.existsSync(ca)) return; // lab without TLS
    const tel = tlsPhone('3050', ca, []);
    await tel.start();
    await waitFor(() => tel.registration.kind === 'registered', 10_000, 'registered over TLS');
  });

  it('refuses a server whose certificate is not trusted, with a clear message', async () => {
    const problems: string[] = [];
    const tel = tlsPhone('3051', '/etc/ssl/certs/ca-certificates.crt', problems);
    await tel.start();
    await waitFor(() => tel.registration.kind === 'unreachable', 10_000, 'unreachable');
    expect(problems.join('\n')).toMatch(/certificate that is not trusted/);
  });
});

describe('presence', () => {
  const pp: TestPhone[] = [];
  afterEach(async () => {
    for (const p of pp.splice(0)) await p.tel.stop().catch(() => undefined);
  });

  it('PUBLISH online/break is seen by a watcher', async () => {
    const a = makePhone('3040');
    const b = makePhone('3041');
    pp.push(a, b);
    await a.tel.start();
    await b.tel.start();
    await waitFor(() => a.tel.registration.kind === 'registered' && b.tel.registration.kind === 'registered', 10_000, 'registered');
    const support: boolean[] = [];
    a.tel.onPresenceSupport((s) => support.push(s));
    await a.tel.setOwnPresence('online');
    expect(support).toEqual([true]);
    const seen: Array<[string, boolean]> = [];
    b.tel.onPresence((uri, online) => seen.push([uri, online]));
    b.tel.watchPresence(['sip:3040@127.0.0.1']);
    await waitFor(() => seen.some(([, on]) => on), 10_000, 'online');
    await a.tel.setOwnPresence('break');
    await waitFor(() => seen.at(-1)?.[1] === false, 10_000, 'away');
    expect(seen.at(-1)).toEqual(['sip:3040@127.0.0.1', false]);
  });
});
