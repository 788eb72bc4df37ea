// The first responses to an incoming INVITE: 180 Ringing goes out before sip.js parses the INVITE
// (main/sip/sipjs-seams/early-ringing.ts and first-responses.ts), and so before the call centre hears of the call, without sip.js's redundant
// 100 Trying; sip.js then owns the call with the 180's To-tag. An INVITE with Replaces keeps its 100.
import dgram from 'node:dgram';
import { afterEach, expect, it, vi } from 'vitest';
import { SipTelephony } from '../../../main/sip/telephony.js';
import { toTagOf } from '../../support/sip-text.js';
import { waitUntil } from '../../support/wait.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A proxy socket that answers REGISTER with 200 and records everything else the phone sends. */
async function fakeProxy(): Promise<{ socket: dgram.Socket; port: number; received: string[] }> {
  const socket = dgram.createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (m, from) => {
    const text = m.toString('utf8');
    if (text.startsWith('REGISTER')) {
      const keep = text.split('\r\n').filter((h) => /^(via|from|to|call-id|cseq|contact)\s*:/i.test(h));
      socket.send([`SIP/2.0 200 OK`, ...keep, 'Expires: 300', 'Content-Length: 0', '', ''].join('\r\n'), from.port, from.address);
      return;
    }
    received.push(text);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => socket.close(() => r())));
  return { socket, port: socket.address().port, received };
}

/** The fake proxy's port: its Via's sent-by, where responses go (RFC 3261 18.2.2). */
let proxyPort = 5999;

function invite(callId: string, extra: string[] = [], user = '3950'): string {
  return [
    `INVITE sip:${user}@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${proxyPort};branch=z9hG4bK-${callId}`,
    'Record-Route: <sip:127.0.0.1;lr;ftag=caller1>',
    'Max-Forwards: 70',
    'From: <sip:3951@127.0.0.1>;tag=caller1',
    'To: <sip:3950@127.0.0.1>',
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    'Contact: <sip:3951@127.0.0.1:5999>',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

const until = (fn: () => boolean, ms = 3000): Promise<boolean> => waitUntil(fn, { timeoutMs: ms, intervalMs: 20 });

async function phone(): Promise<{ tel: SipTelephony; proxy: Awaited<ReturnType<typeof fakeProxy>>; sent: string[] }> {
  const proxy = await fakeProxy();
  proxyPort = proxy.port;
  const tel = new SipTelephony({
    account: { server: `127.0.0.1:${proxy.port}`, transport: 'udp', user: '3950', password: 'x' },
    sessionDescriptionHandlerFactory: () => {
      throw new Error('no media in this test');
    },
  });
  cleanup.push(() => tel.stop());
  const sent: string[] = [];
  tel.transport.onPacket((direction, text) => {
    if (direction === 'out') sent.push(text);
  });
  await tel.start();
  await until(() => tel.registration.kind === 'registered');
  return { tel, proxy, sent };
}

const status = (m: string): string => m.slice(8, 11);
const forCall = (list: string[], callId: string): string[] => list.filter((m) => m.startsWith('SIP/2.0') && m.includes(`Call-ID: ${callId}`));

it('sends 180 Ringing before the call centre hears of the call, and no 100 Trying', async () => {
  const { tel, proxy, sent } = await phone();
  const seenByListener: string[][] = [];
  tel.onIncoming((leg) => {
    seenByListener.push(forCall(sent, 'ring-1').map(status));
    void leg.decline(486);
  });
  proxy.socket.send(invite('ring-1'), tel.transport.localPort, '127.0.0.1');
  await until(() => forCall(proxy.received, 'ring-1').length >= 2);
  expect(seenByListener).toEqual([['180']]);
  expect(forCall(proxy.received, 'ring-1').map(status)).toEqual(['180', '486']);
});

it('keeps the 100 Trying for an INVITE with Replaces (answered only once its media is set up)', async () => {
  const { tel, proxy } = await phone();
  let announced = 0;
  tel.onIncoming(() => announced++);
  // No dialog matches: 481 (RFC 3891 3), after the 100.
  proxy.socket.send(invite('replaces-1', ['Replaces: unknown-call;to-tag=a;from-tag=b']), tel.transport.localPort, '127.0.0.1');
  await until(() => forCall(proxy.received, 'replaces-1').length >= 2);
  expect(forCall(proxy.received, 'replaces-1').map(status)).toEqual(['100', '481']);
  expect(announced).toBe(0);
  expect(tel.earlyRinging.stats.rung, 'left to sip.js').toBe(0);
});

it('rings before sip.js with the very 180 sip.js builds, which is not sent twice; the call keeps its To-tag', async () => {
  const { tel, proxy } = await phone();
  const dropped: string[] = [];
  const sending = tel.earlyRinging.sending.bind(tel.earlyRinging);
  vi.spyOn(tel.earlyRinging, 'sending').mockImplementation((text) => {
    const out = sending(text);
    if (out === null) dropped.push(text);
    return out;
  });
  const announcedTags: Array<string | undefined> = [];
  tel.onIncoming((leg) => {
    announcedTags.push((leg as unknown as { session: { request: { toTag?: string } } }).session.request.toTag);
    setTimeout(() => void leg.decline(486), 20);
  });
  proxy.socket.send(invite('early-1'), tel.transport.localPort, '127.0.0.1');
  await until(() => forCall(proxy.received, 'early-1').length >= 2);
  const [ringing, final] = forCall(proxy.received, 'early-1');
  expect([ringing, final].map((m) => status(m ?? ''))).toEqual(['180', '486']);
  expect(tel.earlyRinging.stats).toEqual({ rung: 1, closed: 0 });
  expect(dropped, "sip.js's own 180, byte for byte the one already sent").toEqual([ringing]);
  expect(ringing).toContain('Record-Route: <sip:127.0.0.1;lr;ftag=caller1>\r\nContact: <sip:3950-');
  const tag = toTagOf(ringing ?? '');
  expect(tag).toMatch(/^[0-9a-f]{12}$/);
  expect(announcedTags).toEqual([tag]);
  expect(toTagOf(final ?? '')).toBe(tag);
});

it('an INVITE resent by the proxy gets the same 180 again and stays one call', async () => {
  const { tel, proxy } = await phone();
  let announced = 0;
  tel.onIncoming(() => announced++);
  proxy.socket.send(invite('resent-1'), tel.transport.localPort, '127.0.0.1');
  await until(() => forCall(proxy.received, 'resent-1').length >= 1);
  proxy.socket.send(invite('resent-1'), tel.transport.localPort, '127.0.0.1');
  await until(() => forCall(proxy.received, 'resent-1').length >= 2);
  const sent = forCall(proxy.received, 'resent-1');
  expect(sent.map(status)).toEqual(['180', '180']);
  expect(toTagOf(sent[1] ?? '')).toBe(toTagOf(sent[0] ?? ''));
  expect(announced).toBe(1);
  expect(tel.earlyRinging.stats.rung).toBe(1);
});

it('two calls at once: each rings with its own tag', async () => {
  const { tel, proxy } = await phone();
  let announced = 0;
  tel.onIncoming(() => announced++);
  proxy.socket.send(invite('both-1'), tel.transport.localPort, '127.0.0.1');
  proxy.socket.send(invite('both-2'), tel.transport.localPort, '127.0.0.1');
  await until(() => forCall(proxy.received, 'both-1').length >= 1 && forCall(proxy.received, 'both-2').length >= 1);
  const tags = ['both-1', 'both-2'].map((c) => toTagOf(forCall(proxy.received, c)[0] ?? ''));
  expect(new Set(tags).size).toBe(2);
  await until(() => announced === 2);
  expect(announced).toBe(2);
});

it('an INVITE for someone else gets only sip.js\'s 404, no ringing', async () => {
  const { tel, proxy } = await phone();
  proxy.socket.send(invite('other-1', [], '3999'), tel.transport.localPort, '127.0.0.1');
  await until(() => forCall(proxy.received, 'other-1').length >= 1);
  await new Promise((r) => setTimeout(r, 50));
  expect(forCall(proxy.received, 'other-1').map(status)).toEqual(['404']);
  expect(tel.earlyRinging.stats.rung).toBe(0);
});

it('sip.js refuses what was rung (our own call looped back): its 482 carries the 180\'s tag', async () => {
  const { tel, proxy } = await phone();
  // sip.js takes an INVITE whose Call-ID starts with its own id for one of its calls come back (482).
  const callId = `${tel.ua.configuration.sipjsId}looped`;
  proxy.socket.send(invite(callId), tel.transport.localPort, '127.0.0.1');
  await until(() => forCall(proxy.received, callId).length >= 2);
  const sent = forCall(proxy.received, callId);
  expect(sent.map(status)).toEqual(['180', '482']);
  expect(toTagOf(sent[1] ?? '')).toBe(toTagOf(sent[0] ?? ''));
});

it("on a break a call does not ring: the call centre's 480 is the only answer", async () => {
  const { tel, proxy } = await phone();
  // As the call centre does on a break: it answers "no new calls" and steps aside at once.
  let onBreak = true;
  tel.takesNewCalls(() => !onBreak);
  tel.onIncoming((leg) => void leg.decline(480));
  // The fake proxy never answers the PUBLISH: the status is set here whatever the server says.
  void tel.setOwnPresence('break').catch(() => undefined);
  proxy.socket.send(invite('break-1'), tel.transport.localPort, '127.0.0.1');
  await until(() => forCall(proxy.received, 'break-1').length >= 1);
  await new Promise((r) => setTimeout(r, 50));
  expect(forCall(proxy.received, 'break-1').map(status)).toEqual(['480']);
  expect(tel.earlyRinging.stats.rung).toBe(0);
  onBreak = false;
  void tel.setOwnPresence('online').catch(() => undefined);
  proxy.socket.send(invite('back-1'), tel.transport.localPort, '127.0.0.1');
  await until(() => forCall(proxy.received, 'back-1').length >= 2);
  expect(forCall(proxy.received, 'back-1').map(status)).toEqual(['180', '480']);
});
