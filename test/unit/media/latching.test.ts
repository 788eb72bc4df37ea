// Safe symmetric RTP with real sockets and real audio: an SSRC change from the signalled address keeps
// playing, a stray source neither plays nor receives our audio, a NAT'd peer is followed after a run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from 'sip.js';
import { readWav } from '../../../main/media/audio/wav.js';
import { MediaEngine } from '../../../main/media/engine.js';
import type { MediaSessionDescriptionHandler } from '../../../main/media/session-description-handler.js';
import { answerPort, framesHeard, offerFor, RtpPeer } from './rtp-peer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'media-latch-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function call(tag: string, signalledPort: (peer: RtpPeer) => number) {
  const out = path.join(dir, tag);
  fs.mkdirSync(out);
  const logs: string[] = [];
  const engine = new MediaEngine({ audio: { backend: 'file', outputs: ['talk'], outputDir: out }, routing: { talkOutputDeviceId: 'talk' }, onLog: (m) => logs.push(m) });
  const sdh = engine.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 32000, rtpPortMax: 32098 })({} as Session) as MediaSessionDescriptionHandler;
  const peer = await RtpPeer.open();
  await sdh.setDescription(offerFor(signalledPort(peer)));
  const ourPort = answerPort((await sdh.getDescription()).body);
  const finish = async () => {
    sdh.close();
    await engine.close();
    peer.close();
    return framesHeard(readWav(path.join(out, 'talk.wav')).samples);
  };
  return { sdh, peer, ourPort, logs, finish };
}

const count = (frames: number[], f: number) => frames.filter((x) => x === f).length;

/** Waits for what the test needs to have happened (bounded), not for a time: a loaded machine starts the worker late. */
async function until(what: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !what() && Date.now() < end; ) await sleep(20);
}

describe('safe latching', () => {
  it('an SSRC change mid-call from the signalled address plays on; the new stream is counted afresh', async () => {
    const c = await call('ssrc', (p) => p.port);
    c.peer.sendTone(c.ourPort, { freq: 440, ssrc: 0x1111 });
    await sleep(800);
    const before = c.sdh.stats().packetsReceived;
    c.peer.sendTone(c.ourPort, { freq: 1000, ssrc: 0x2222 });
    await sleep(800);
    const stats = c.sdh.detailedStats()!;
    const frames = await c.finish();
    expect(before).toBeGreaterThan(25);
    expect(stats.received).toBeLessThan(before + 5 + 40); // reset at the change: only the new SSRC's packets
    expect(stats.strayDropped).toBe(0);
    expect(count(frames, 440)).toBeGreaterThan(20);
    expect(count(frames, 1000)).toBeGreaterThan(20);
    expect(frames.lastIndexOf(440)).toBeLessThan(frames.indexOf(1000) + 5);
  });

  it('a stray source sending another SSRC is never played, never answered, and is logged', async () => {
    const c = await call('stray', (p) => p.port);
    const stray = await RtpPeer.open();
    try {
      c.peer.sendTone(c.ourPort, { freq: 440, ssrc: 0x1111 });
      await sleep(400);
      stray.sendTone(c.ourPort, { freq: 1000, ssrc: 0x9999 });
      await sleep(600);
      c.peer.stop(); // even when the real peer falls silent, another SSRC does not take over
      await sleep(600);
    } finally {
      stray.close();
    }
    const stats = c.sdh.detailedStats()!;
    const frames = await c.finish();
    expect(count(frames, 440)).toBeGreaterThan(20);
    expect(count(frames, 1000)).toBe(0);
    expect(stray.received).toBe(0); // our audio still goes to the signalled address
    expect(c.peer.received).toBeGreaterThan(50);
    expect(stats.strayDropped).toBeGreaterThan(40);
    expect(stats.latched).toBe(0);
    expect(c.logs.some((l) => l.includes(`127.0.0.1:${stray.port}`) && l.includes('ignored'))).toBe(true);
  });

  it('a stray source with the right SSRC cannot take over while the real source sends', async () => {
    const c = await call('spoof', (p) => p.port);
    const stray = await RtpPeer.open();
    try {
      c.peer.sendTone(c.ourPort, { freq: 440, ssrc: 0x1111 });
      await sleep(300);
      stray.sendTone(c.ourPort, { freq: 1000, ssrc: 0x1111 });
      await sleep(1000);
    } finally {
      stray.close();
    }
    const frames = await c.finish();
    expect(count(frames, 1000)).toBe(0);
    expect(stray.received).toBe(0);
  });

  it('NAT: the SDP names a dead address; the real source is followed after a run of packets, and logged', async () => {
    const dead = await RtpPeer.open();
    const deadPort = dead.port;
    dead.close();
    const c = await call('nat', () => deadPort);
    c.peer.sendTone(c.ourPort, { freq: 440, ssrc: 0x4444 });
    // 100 packets taken in (2 s of tone), then a moment for the playout behind them: on a loaded machine
    // the file backend's worker can play a second behind what it took in, and 30 frames must still be there
    await until(() => (c.sdh.detailedStats()?.received ?? 0) >= 100 && c.peer.received > 20, 15_000);
    await sleep(300);
    const stats = c.sdh.detailedStats()!;
    const frames = await c.finish();
    expect(stats.latched).toBe(1);
    expect(c.peer.received).toBeGreaterThan(20);
    expect(count(frames, 440)).toBeGreaterThan(30);
    expect(c.logs.some((l) => l.includes(`to 127.0.0.1:${c.peer.port} after 10 consecutive packets`))).toBe(true);
  });
});
