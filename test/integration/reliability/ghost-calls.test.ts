// No ghost calls (issue #13 part 4): SIP sent straight to the app's port by a host that is not its proxy
// (as scanners do) is dropped unanswered: it never rings, never enters the history, is logged once per
// source. A burst of scanner traffic (sipp playing svmap/svwar's OPTIONS + INVITE) during a real call
// through Kamailio leaves that call talking. The scanner sends from 127.0.0.2, the proxy is 127.0.0.1:5060.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, labPaths, registrations, runSipp, startBaresip } from '../../lab/peers.js';
import { must, onCleanup, openApp, runCleanups, waitCall, waitNewRinging, watchStates } from './helpers.js';
import type { TestApp } from './helpers.js';

const APP_USER = '5030';
const SCANNER = '127.0.0.2';

let t: TestApp;
let appPort = 0;
const ringing = new Set<string>();

beforeAll(async () => {
  await ensureLab();
  t = await openApp({ user: APP_USER });
  await watchStates(t.app, (s) => {
    for (const c of s.calls) if (c.direction === 'incoming') ringing.add(c.callId);
  });
  const contact = (await registrations(APP_USER))[0]?.contacts[0]?.address ?? '';
  appPort = Number(/@[^:;>]+:(\d+)/.exec(contact)?.[1]);
  expect(appPort).toBeGreaterThan(0);
}, 60_000);
afterAll(async () => {
  await runCleanups();
}, 60_000);

const drops = (source: string): string[] => t.app.output.filter((l) => l.includes(`from ${source}`) && l.includes('not our proxy'));

describe('SIP from a host that is not the proxy', () => {
  it('a direct INVITE gets no answer, does not ring, stays out of the history, is logged once with a count', async () => {
    const socket = dgram.createSocket('udp4');
    onCleanup(() => socket.close());
    await new Promise<void>((r) => socket.bind(0, SCANNER, r));
    const answers: string[] = [];
    socket.on('message', (m) => answers.push(m.toString('utf8')));
    const source = `${SCANNER}:${socket.address().port}`;
    const invite = (n: number): string =>
      [
        `INVITE sip:${APP_USER}@127.0.0.1:${appPort} SIP/2.0`,
        `Via: SIP/2.0/UDP ${source};branch=z9hG4bK-ghost-${n};rport`,
        'Max-Forwards: 70',
        `From: "Ghost" <sip:100@${SCANNER}>;tag=g${n}`,
        `To: <sip:${APP_USER}@127.0.0.1>`,
        `Call-ID: ghost-${n}@${SCANNER}`,
        'CSeq: 1 INVITE',
        `Contact: <sip:100@${source}>`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    const callsBefore = ringing.size;
    for (let n = 0; n < 3; n++) socket.send(invite(n), appPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 2500));
    expect(answers, 'no response of any kind').toEqual([]);
    expect(ringing.size, 'nothing rang').toBe(callsBefore);
    const history = must(await t.phone.invoke('listHistory', { query: { number: '100' } }), 'history');
    expect(history.entries).toHaveLength(0);
    expect(drops(source)).toHaveLength(1);
    expect(drops(source)[0]).toContain('dropped INVITE');
  });

  it('a scanner burst during a real call through the proxy: the call keeps talking, nothing rings', async () => {
    const { phone } = t;
    const caller = await startBaresip({ user: '5031' });
    onCleanup(() => caller.stop());
    const known = new Set(ringing); // before dialling: the state may well arrive before dial() returns
    await caller.dial(APP_USER);
    const call = await waitNewRinging(phone, known, 'the real call rings');
    must(await phone.invoke('answer', { callId: call.callId }), 'answer');
    const before = await waitCall(phone, call.callId, (c) => c.state === 'active' && (c.media?.packetsReceived ?? 0) > 0, 'talking');
    const callsBefore = ringing.size;
    const scannerLines = (): number => t.app.output.filter((l) => l.includes(`from ${SCANNER}:`) && l.includes('not our proxy')).length;
    const linesBefore = scannerLines();

    // 200 OPTIONS + 200 INVITEs at 100 "calls" per second (bounded: -m 200), from the scanner's address.
    const burst = await runSipp(['-sf', labPaths().sipp.scannerBurst, `127.0.0.1:${appPort}`, '-s', APP_USER, '-i', SCANNER, '-m', '200', '-r', '100'], {
      timeoutMs: 20_000,
    });
    expect(burst.code, burst.stderr.slice(-400)).toBe(0);

    const after = await waitCall(
      phone,
      call.callId,
      (c) => c.state === 'active' && (c.media?.packetsReceived ?? 0) > (before.media?.packetsReceived ?? 0) + 50,
      'still talking after the burst',
    );
    expect(after.state).toBe('active');
    expect(ringing.size, 'no ghost rang').toBe(callsBefore);
    expect(scannerLines() - linesBefore, 'one line for the scanner, not one per message').toBe(1);
    must(await phone.invoke('hangup', { callId: call.callId }), 'hangup');
    await waitCall(phone, call.callId, (c) => c.state === 'ended', 'ended');
  }, 60_000);
});
