// Two session description handlers (two engines, each with its own media worker) talk over loopback.
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from 'sip.js';
import { encodeWav, readWav } from '../../../main/media/audio/wav.js';
import { MediaEngine } from '../../../main/media/engine.js';
import type { MediaDirection } from '../../../main/media/contract.js';
import type { MediaSessionDescriptionHandler } from '../../../main/media/session-description-handler.js';
import { dominant, rms, SCAN, sine } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fakeSession = {} as Session;

let dir: string;
let a: MediaEngine;
let b: MediaEngine;

function makeEngines(tag: string) {
  const dirA = path.join(dir, `${tag}-a`);
  const dirB = path.join(dir, `${tag}-b`);
  fs.mkdirSync(dirA, { recursive: true });
  fs.mkdirSync(dirB, { recursive: true });
  a = new MediaEngine({
    audio: { backend: 'file', inputs: { tone: path.join(dir, 'tone440.wav') }, outputs: ['talk', 'ring'], outputDir: dirA },
    routing: { microphoneDeviceId: 'tone', talkOutputDeviceId: 'talk', ringDeviceId: 'ring' },
  });
  b = new MediaEngine({
    audio: { backend: 'file', outputs: ['talk'], outputDir: dirB },
    routing: { talkOutputDeviceId: 'talk' },
  });
  return { dirA, dirB };
}

function handlers(portsA = [31000, 31098], portsB = [31100, 31198]) {
  const fa = a.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: portsA[0]!, rtpPortMax: portsA[1]! });
  const fb = b.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: portsB[0]!, rtpPortMax: portsB[1]! });
  return { sa: fa(fakeSession) as MediaSessionDescriptionHandler, sb: fb(fakeSession) as MediaSessionDescriptionHandler };
}

async function exchange(offerer: MediaSessionDescriptionHandler, answerer: MediaSessionDescriptionHandler, offerOptions?: object, munge = { offer: (s: string) => s, answer: (s: string) => s }) {
  const offer = await offerer.getDescription(offerOptions);
  await answerer.setDescription(munge.offer(offer.body));
  const answer = await answerer.getDescription();
  await offerer.setDescription(munge.answer(answer.body));
  return { offer: offer.body, answer: answer.body };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'media-loop-'));
  fs.writeFileSync(path.join(dir, 'tone440.wav'), encodeWav(sine(440, 2), 8000));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('two handlers on loopback', () => {
  it('offer -> answer: 440 Hz from A arrives at B; packets flow both ways', async () => {
    const { dirB } = makeEngines('tone');
    const { sa, sb } = handlers();
    try {
      const { offer, answer } = await exchange(sa, sb);
      expect(offer).toContain('m=audio ');
      expect(answer).toContain('a=sendrecv');
      expect(sa.negotiation?.codec.name).toBe('PCMU');
      await sleep(1500);
      const sA = sa.stats();
      const sB = sb.stats();
      expect(sA.codec).toBe('PCMU');
      expect(sA.packetsSent).toBeGreaterThan(50);
      expect(sB.packetsReceived).toBeGreaterThan(50);
      expect(sB.packetsSent).toBeGreaterThan(50);
      expect(sA.packetsReceived).toBeGreaterThan(50);
      expect(sB.packetsLost).toBe(0);
      expect(sB.jitterMs).not.toBeNull();
      expect(sB.jitterMs!).toBeLessThan(20);
    } finally {
      sa.close();
      sb.close();
      await a.close();
      await b.close();
    }
    const heard = readWav(path.join(dirB, 'talk.wav'));
    expect(heard.rate).toBe(8000);
    expect(heard.samples.length).toBeGreaterThan(8000); // > 1 s written
    const tail = heard.samples.subarray(1600); // skip jitter-buffer priming
    expect(rms(tail)).toBeGreaterThan(3000);
    const peak = dominant(tail, SCAN);
    expect([425, 440]).toContain(peak.freq);
    expect(peak.share).toBeGreaterThan(0.5);
  });

  it('hold: sendonly offer is answered recvonly, the far end sees it, media stops; resume restores', async () => {
    makeEngines('hold');
    const { sa, sb } = handlers();
    const seenByB: MediaDirection[] = [];
    sb.onRemoteDirectionChange((d) => seenByB.push(d));
    try {
      await exchange(sa, sb);
      await sleep(300);
      const { answer } = await exchange(sa, sb, { hold: true });
      expect(answer).toContain('a=recvonly');
      expect(sb.remoteDirection()).toBe('sendonly');
      expect(sa.remoteDirection()).toBe('recvonly');
      expect(seenByB).toEqual(['sendrecv', 'sendonly']);
      await sleep(100);
      const before = [sa.stats().packetsSent, sb.stats().packetsSent];
      await sleep(400);
      expect(sa.stats().packetsSent).toBe(before[0]); // held by us: no mic audio sent
      expect(sb.stats().packetsSent).toBe(before[1]); // recvonly: nothing sent either
      // a re-INVITE from the far end while we hold is answered sendonly (we stay on hold)
      const { answer: ans2 } = await exchange(sb, sa);
      expect(ans2).toContain('a=sendonly');
      // resume
      const { offer } = await exchange(sa, sb, { hold: false });
      expect(offer).toContain('a=sendrecv');
      expect(sb.remoteDirection()).toBe('sendrecv');
      const resumed = sa.stats().packetsSent;
      await sleep(300);
      expect(sa.stats().packetsSent).toBeGreaterThan(resumed + 5);
    } finally {
      sa.close();
      sb.close();
      await a.close();
      await b.close();
    }
  });

  it('mute stops sending; DTMF arrives as RFC 4733 digits', async () => {
    makeEngines('dtmf');
    const { sa, sb } = handlers();
    const digits: string[] = [];
    sb.onDtmf((d) => digits.push(d));
    try {
      await exchange(sa, sb);
      await sleep(200);
      expect(sa.sendDtmf('12#')).toBe(true);
      expect(sa.sendDtmf('x')).toBe(false);
      await sleep(800);
      expect(digits).toEqual(['1', '2', '#']);
      sa.setMuted(true);
      await sleep(60);
      const n = sa.stats().packetsSent;
      await sleep(300);
      expect(sa.stats().packetsSent).toBe(n);
      sa.setMuted(false);
      await sleep(200);
      expect(sa.stats().packetsSent).toBeGreaterThan(n);
    } finally {
      sa.close();
      sb.close();
      await a.close();
      await b.close();
    }
  });

  it('symmetric RTP: B answers to where A really sends from, not to the address in the SDP', async () => {
    makeEngines('nat');
    const { sa, sb } = handlers();
    // a port nobody listens on stands for A's unreachable private address
    const dead = dgram.createSocket('udp4');
    await new Promise<void>((r) => dead.bind(0, '127.0.0.1', () => r()));
    const deadPort = dead.address().port;
    dead.close();
    try {
      await exchange(sa, sb, undefined, { offer: (s) => s.replace(/m=audio \d+/, `m=audio ${deadPort}`), answer: (s) => s });
      // the outcome, however long a loaded machine takes (up to 10 s): B latched onto A's real source,
      // and what B sends there reaches A (10 packets: not a stray one)
      for (let i = 0; i < 100 && !(sb.detailedStats()!.latched === 1 && sa.stats().packetsReceived >= 10); i++) await sleep(100);
      expect(sb.detailedStats()!.latched).toBe(1);
      expect(sa.stats().packetsReceived).toBeGreaterThanOrEqual(10);
    } finally {
      sa.close();
      sb.close();
      await a.close();
      await b.close();
    }
  });

  it('stats with 10% loss injected by a relay: lost packets and jitter are counted', async () => {
    makeEngines('loss');
    const { sa, sb } = handlers();
    const relay = dgram.createSocket('udp4');
    await new Promise<void>((r) => relay.bind(0, '127.0.0.1', () => r()));
    const relayPort = relay.address().port;
    let portA = 0;
    let portB = 0;
    let fromA = 0;
    relay.on('message', (msg, rinfo) => {
      if (rinfo.port === portA) {
        fromA++;
        if (fromA % 10 === 0) return; // drop every 10th packet A -> B
        relay.send(msg, portB, '127.0.0.1');
      } else {
        relay.send(msg, portA, '127.0.0.1');
      }
    });
    try {
      await exchange(sa, sb, undefined, {
        offer: (s) => {
          portA = Number(/m=audio (\d+)/.exec(s)![1]);
          return s.replace(/m=audio \d+/, `m=audio ${relayPort}`);
        },
        answer: (s) => {
          portB = Number(/m=audio (\d+)/.exec(s)![1]);
          return s.replace(/m=audio \d+/, `m=audio ${relayPort}`);
        },
      });
      await sleep(2000);
      const s = sb.stats();
      const total = s.packetsReceived + s.packetsLost;
      expect(total).toBeGreaterThan(60);
      expect(s.packetsLost / total).toBeGreaterThan(0.07);
      expect(s.packetsLost / total).toBeLessThan(0.13);
      expect(s.jitterMs).not.toBeNull();
      expect(sa.stats().packetsLost).toBe(0);
      expect(sb.detailedStats()!.concealed).toBeGreaterThan(3);
    } finally {
      relay.close();
      sa.close();
      sb.close();
      await a.close();
      await b.close();
    }
  });

  it('a blocked main thread does not stop the media clock (it runs in the worker)', async () => {
    makeEngines('busy');
    const { sa, sb } = handlers();
    try {
      await exchange(sa, sb);
      await sleep(300);
      const sent0 = sa.stats().packetsSent;
      const recv0 = sb.stats().packetsReceived;
      const t0 = performance.now();
      while (performance.now() - t0 < 500); // the UI thread is stuck for (at least) 500 ms
      const blockedMs = performance.now() - t0;
      // statistics are shared memory: they moved while we were blocked. Bounds from the scenario, not
      // the machine's timing: the worker's clock sends one packet per 20 ms period at most (plus one
      // in flight); a clock stopped by the main thread would send none. Any packet sent arrives
      // (loopback), none is lost.
      const sent = sa.stats().packetsSent - sent0;
      const recv = sb.stats().packetsReceived - recv0;
      expect(sent).toBeGreaterThan(0);
      expect(sent).toBeLessThanOrEqual(Math.ceil(blockedMs / 20) + 1);
      expect(recv).toBeGreaterThan(0);
      expect(sb.stats().packetsLost).toBe(0);
    } finally {
      sa.close();
      sb.close();
      await a.close();
      await b.close();
    }
  });
});
