// The quality figure: the E-model's arithmetic, then real RTP through an impaired network (10 % loss,
// 30 ms jitter, applied on the wire by the sending peer) against a clean one, and RTT from real RTCP
// between two engines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from 'sip.js';
import { encodeWav, readWav } from '../../../main/media/audio/wav.js';
import { MediaEngine } from '../../../main/media/engine.js';
import { estimateQuality, mosFromR } from '../../../main/media/quality.js';
import type { MediaSessionDescriptionHandler } from '../../../main/media/session-description-handler.js';
import { sine } from './helpers.js';
import { answerPort, framesHeard, longestGapMs, offerFor, RtpPeer, type ToneOptions } from './rtp-peer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'media-quality-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('E-model', () => {
  it('G.711 on a LAN is good; 5 % loss fair; 10 % loss poor; a long delay costs', () => {
    expect(estimateQuality({ lossPercent: 0, remoteLossPercent: 0, rttMs: 2, localDelayMs: 60 }).quality).toBe('good');
    expect(estimateQuality({ lossPercent: 0, remoteLossPercent: 0, rttMs: 2, localDelayMs: 60 }).mos).toBeGreaterThan(4.2);
    expect(estimateQuality({ lossPercent: 5, remoteLossPercent: null, rttMs: null, localDelayMs: 60 }).quality).toBe('fair');
    expect(estimateQuality({ lossPercent: 0, remoteLossPercent: 10, rttMs: 2, localDelayMs: 60 }).quality).toBe('poor');
    expect(estimateQuality({ lossPercent: 0, remoteLossPercent: 0, rttMs: 600, localDelayMs: 100 }).quality).toBe('poor');
    expect(mosFromR(93.2)).toBeCloseTo(4.41, 1);
  });
});

async function receive(tag: string, tone: ToneOptions, seconds: number) {
  const out = path.join(dir, tag);
  fs.mkdirSync(out);
  const engine = new MediaEngine({ audio: { backend: 'file', outputs: ['talk'], outputDir: out }, routing: { talkOutputDeviceId: 'talk' } });
  const sdh = engine.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 32400, rtpPortMax: 32498 })({} as Session) as MediaSessionDescriptionHandler;
  const peer = await RtpPeer.open();
  try {
    await sdh.setDescription(offerFor(peer.port));
    peer.sendTone(answerPort((await sdh.getDescription()).body), tone);
    await sleep(seconds * 1000);
    return { stats: sdh.stats(), frames: () => framesHeard(readWav(path.join(out, 'talk.wav')).samples) };
  } finally {
    peer.close();
    sdh.close();
    await engine.close();
  }
}

describe('quality of a real stream', () => {
  it('10 % loss and 30 ms jitter: the tone has no gap over 60 ms, and the figure says fair or poor', async () => {
    const r = await receive('lossy', { freq: 440, ssrc: 0x7777, loss: 0.1, jitterMs: 30, seed: 11 }, 7);
    expect(r.stats.lossPercent).toBeGreaterThan(4);
    expect(r.stats.jitterMs).toBeGreaterThan(5);
    expect(['fair', 'poor']).toContain(r.stats.quality);
    expect(r.stats.mos).toBeLessThan(4);
    const frames = r.frames();
    expect(frames.filter((f) => f === 440).length).toBeGreaterThan(250);
    expect(longestGapMs(frames.slice(50), 440)).toBeLessThanOrEqual(60);
  });

  it('without impairment the figure says good', async () => {
    const r = await receive('clean', { freq: 440, ssrc: 0x7778 }, 4);
    expect(r.stats.lossPercent).toBe(0);
    expect(r.stats.quality).toBe('good');
    expect(r.stats.mos).toBeGreaterThan(4.2);
    expect(r.stats.playoutDelayMs).toBeGreaterThan(0);
  });

  it('two engines exchange RTCP: RTT and the far end view of our loss are known within 8 s', async () => {
    fs.writeFileSync(path.join(dir, 'tone.wav'), encodeWav(sine(440, 2), 8000));
    const a = new MediaEngine({ audio: { backend: 'file', inputs: { tone: path.join(dir, 'tone.wav') }, outputs: ['talk'] }, routing: { microphoneDeviceId: 'tone', talkOutputDeviceId: 'talk' } });
    const b = new MediaEngine({ audio: { backend: 'file', inputs: { tone: path.join(dir, 'tone.wav') }, outputs: ['talk'] }, routing: { microphoneDeviceId: 'tone', talkOutputDeviceId: 'talk' } });
    const sa = a.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 32500, rtpPortMax: 32598 })({} as Session) as MediaSessionDescriptionHandler;
    const sb = b.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 32600, rtpPortMax: 32698 })({} as Session) as MediaSessionDescriptionHandler;
    try {
      const offer = await sa.getDescription();
      await sb.setDescription(offer.body);
      await sa.setDescription((await sb.getDescription()).body);
      await sleep(8500);
      for (const s of [sa.stats(), sb.stats()]) {
        expect(s.rttMs).not.toBeNull();
        expect(s.rttMs!).toBeLessThan(50);
        expect(s.remoteLossPercent).toBe(0);
        expect(s.remoteJitterMs).not.toBeNull();
        expect(s.quality).toBe('good');
      }
    } finally {
      sa.close();
      sb.close();
      await a.close();
      await b.close();
    }
  }, 30_000);
});
