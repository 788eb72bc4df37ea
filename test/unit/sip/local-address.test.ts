// The right address without configuration (issue #13 part 1): the route's address in Via, Contact and the
// SDP's options, re-chosen on reregister() and by the periodic check (then re-registered, the old Contact
// removed), the received/rport the registrar saw used in Contact and SDP (a NAT), and responses sent where
// RFC 3261 18.2.2 / RFC 3581 say. Against an in-process UDP registrar.
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { responseDestination, routeAddressTo, stampVia } from '../../../main/sip/local-address.js';
import { SipTelephony } from '../../../main/sip/telephony.js';
import type { SipTelephonyOptions } from '../../../main/sip/telephony.js';
import { waitUntil } from '../../support/wait.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const until = <T>(fn: () => T | undefined | false, ms = 3000): Promise<T> => waitUntil(fn, { timeoutMs: ms, intervalMs: 20 });

async function socketOn(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => socket.close(() => r())));
  return socket;
}

/** Answers REGISTER 200 (its Via amended by `via`, as a registrar behind or before a NAT would stamp it). */
async function registrar(via: (topVia: string) => string = (v) => v) {
  const socket = await socketOn();
  const registers: string[] = [];
  const other: string[] = [];
  socket.on('message', (m, from) => {
    const text = m.toString('utf8');
    if (!text.startsWith('REGISTER')) return void other.push(text);
    registers.push(text);
    const lines = text.split('\r\n');
    const keep = lines.filter((h) => /^(from|to|call-id|cseq|contact)\s*:/i.test(h));
    const top = lines.find((h) => /^via\s*:/i.test(h)) ?? '';
    const response = ['SIP/2.0 200 OK', `Via: ${via(top.replace(/^via\s*:\s*/i, ''))}`, ...keep, 'Expires: 300', 'Content-Length: 0', '', ''];
    socket.send(response.join('\r\n'), from.port, from.address);
  });
  return { socket, port: socket.address().port, registers, other };
}

async function phone(port: number, extra: Partial<SipTelephonyOptions> = {}): Promise<SipTelephony> {
  const tel = new SipTelephony({
    account: { server: `127.0.0.1:${port}`, transport: 'udp', user: '3960', password: 'x' },
    sessionDescriptionHandlerFactory: () => {
      throw new Error('no media in this test');
    },
    ...extra,
  });
  cleanup.push(() => tel.stop());
  await tel.start();
  await until(() => tel.registration.kind === 'registered');
  return tel;
}

const header = (text: string, name: string): string[] =>
  text.split('\r\n').filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)).map((l) => l.slice(name.length + 1).trim());
const mediaOptions = (tel: SipTelephony) => tel.ua.configuration.sessionDescriptionHandlerFactoryOptions as { localAddress?: string; advertisedAddress?: string };

describe('the route to the server', () => {
  it('is the address the OS sends from (loopback for a loopback server)', async () => {
    expect(await routeAddressTo('127.0.0.1', 5060)).toBe('127.0.0.1');
    expect(await routeAddressTo('no-such-sip-server.invalid', 5060)).toBeNull();
  });

  it('goes into Via, Contact and the SDP without configuration, and is chosen again on reregister()', async () => {
    const reg = await registrar();
    let route = '127.0.0.1';
    const tel = await phone(reg.port, { routeLookup: async () => route });
    expect(header(reg.registers[0]!, 'Via')[0]).toMatch(/^SIP\/2\.0\/UDP 127\.0\.0\.1;/);
    expect(header(reg.registers[0]!, 'Contact')[0]).toContain(`@127.0.0.1:${tel.transport.localPort}`);
    expect(mediaOptions(tel)).toMatchObject({ localAddress: '127.0.0.1', advertisedAddress: '127.0.0.1' });

    // The network moved under us (a new DHCP lease, a VPN): the desktop's trigger calls reregister().
    route = '127.0.0.7';
    const before = reg.registers.length;
    tel.reregister();
    const moved = await until(() => reg.registers.slice(before).find((r) => r.includes('127.0.0.7')));
    expect(header(moved, 'Via')[0]).toMatch(/^SIP\/2\.0\/UDP 127\.0\.0\.7;/);
    const contacts = header(moved, 'Contact');
    // The old binding goes in the same REGISTER: the registrar never forks to both.
    expect(contacts[0]).toMatch(/@127\.0\.0\.1:\d+.*;expires=0$/);
    expect(contacts[1]).toMatch(/@127\.0\.0\.7:\d+.*;expires=300$/);
    // sip.js took the 200 (its Via names the new host): registered again, and nothing more sent.
    await until(() => tel.registration.kind === 'registered');
    expect(mediaOptions(tel)).toMatchObject({ localAddress: '127.0.0.7', advertisedAddress: '127.0.0.7' });
    const settled = reg.registers.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(reg.registers.length).toBe(settled);
  });

  it('is looked at again by a periodic check, which re-registers on a change', async () => {
    const reg = await registrar();
    let route = '127.0.0.1';
    await phone(reg.port, { routeLookup: async () => route, addressCheckIntervalMs: 50 });
    const before = reg.registers.length;
    route = '127.0.0.8';
    await until(() => reg.registers.slice(before).some((r) => /^Via: SIP\/2\.0\/UDP 127\.0\.0\.8;/m.test(r)));
  });

  it('a fixed sip.localAddress is never re-chosen', async () => {
    const reg = await registrar();
    const tel = await phone(reg.port, { localAddress: '127.0.0.1', routeLookup: async () => '127.0.0.9', addressCheckIntervalMs: 30 });
    tel.reregister();
    await until(() => reg.registers.length >= 2);
    expect(reg.registers.every((r) => !r.includes('127.0.0.9'))).toBe(true);
  });
});

describe('behind a NAT', () => {
  it("uses the received/rport the registrar saw in Contact and SDP, once, removing the private binding", async () => {
    const reg = await registrar((via) => via.replace(/;rport(?=;|$)/, '').replace(/;branch=/, ';received=10.20.30.40;rport=40000;branch='));
    const tel = await phone(reg.port);
    const natted = await until(() => reg.registers.find((r) => r.includes('10.20.30.40')));
    const contacts = header(natted, 'Contact');
    expect(contacts[0]).toMatch(new RegExp(`@127\\.0\\.0\\.1:${tel.transport.localPort}.*;expires=0$`));
    expect(contacts[1]).toMatch(/@10\.20\.30\.40:40000.*;expires=300$/);
    // Via stays ours (sent-by is where we are; rport does the rest).
    expect(header(natted, 'Via')[0]).toMatch(/^SIP\/2\.0\/UDP 127\.0\.0\.1;/);
    expect(mediaOptions(tel)).toMatchObject({ localAddress: '127.0.0.1', advertisedAddress: '10.20.30.40' });
    await until(() => tel.registration.kind === 'registered');
    const settled = reg.registers.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(reg.registers.length, 'the same mapping again: no further REGISTER').toBe(settled);
    expect(settled).toBe(2);
  });
});

describe('responses (RFC 3261 18.2.2, RFC 3581)', () => {
  it('reads received/rport, else sent-by, else 5060', () => {
    expect(responseDestination('SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKa;received=1.2.3.4;rport=6000')).toEqual({ address: '1.2.3.4', port: 6000 });
    expect(responseDestination('SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKa;received=1.2.3.4')).toEqual({ address: '1.2.3.4', port: 5070 });
    expect(responseDestination('SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKa')).toEqual({ address: '10.0.0.5', port: 5060 });
  });

  it('a request learns its source in its top Via: received when it differs, always with rport', () => {
    const req = (via: string) => `OPTIONS sip:a@b SIP/2.0\r\nVia: ${via}\r\nVia: SIP/2.0/UDP 9.9.9.9\r\nCSeq: 1 OPTIONS\r\n\r\n`;
    const from = { address: '1.2.3.4', port: 6000 };
    expect(stampVia(req('SIP/2.0/UDP 1.2.3.4:6000;branch=z9hG4bKa'), from)).toBe(req('SIP/2.0/UDP 1.2.3.4:6000;branch=z9hG4bKa'));
    expect(stampVia(req('SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa'), from)).toBe(req('SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa;received=1.2.3.4'));
    expect(stampVia(req('SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bKa'), from)).toBe(
      req('SIP/2.0/UDP 10.0.0.5:5060;rport=6000;branch=z9hG4bKa;received=1.2.3.4'),
    );
    expect(stampVia(req('SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKa;rport'), from)).toBe(req('SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKa;rport=6000;received=1.2.3.4'));
  });

  it('go to the source port a request asked for with rport, not to the server', async () => {
    const reg = await registrar();
    const tel = await phone(reg.port, { allowedSources: ['127.0.0.1'] });
    const peer = await socketOn();
    const got: string[] = [];
    peer.on('message', (m) => got.push(m.toString('utf8')));
    const options = (branch: string, via: string) =>
      `OPTIONS sip:3960@127.0.0.1 SIP/2.0\r\nVia: ${via};branch=${branch}\r\nFrom: <sip:x@127.0.0.1>;tag=f1\r\nTo: <sip:3960@127.0.0.1>\r\nCall-ID: ${branch}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
    // A sent-by port nobody listens on: rport says where the answer goes.
    peer.send(options('z9hG4bK-rp1', 'SIP/2.0/UDP 127.0.0.1:9;rport'), tel.transport.localPort, '127.0.0.1');
    const answer = await until(() => got.find((m) => m.includes('z9hG4bK-rp1')));
    expect(answer).toMatch(/^SIP\/2\.0 200 /);
    expect(answer).toContain(`rport=${peer.address().port}`);
    expect(reg.other.some((m) => m.includes('z9hG4bK-rp1')), 'not sent blindly to the server').toBe(false);
  });
});
