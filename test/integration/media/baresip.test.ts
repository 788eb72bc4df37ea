// RTP interop with a real SIP stack: our sip.js UserAgent (with a bare UDP transport written here;
// sip/ owns the real one) calls a lab baresip peer directly. Checks audio both ways (our 1000 Hz reaches
// baresip's recording, its 440 Hz reaches our talk output), RFC 4733 DTMF, and baresip's hold.
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Inviter, SessionState, UserAgent, type Session } from 'sip.js';
import { encodeWav, readWav } from '../../../main/media/audio/wav.js';
import type { MediaDirection } from '../../../main/media/contract.js';
import { MediaEngine } from '../../../main/media/engine.js';
import type { MediaSessionDescriptionHandler } from '../../../main/media/session-description-handler.js';
import { audioStats, ensureLab, startBaresip, type BaresipPeer } from '../../lab/peers.js';
import { dominant, rms, SCAN, sine } from '../../unit/media/helpers.js';
import { TestTransport } from '../../support/sipjs-test-transport.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One UDP flow to one peer; enough for a direct call on loopback (no retransmissions). */
class UdpTransport extends TestTransport {
  private readonly socket: dgram.Socket;

  constructor(
    _logger: unknown,
    private readonly options: { socket: dgram.Socket; peerPort: number },
  ) {
    super();
    this.socket = options.socket;
    this.socket.on('message', (m) => {
      const s = m.toString('utf8');
      if (s.trim() !== '') this.onMessage?.(s);
    });
  }

  async send(message: string): Promise<void> {
    this.socket.send(message, this.options.peerPort, '127.0.0.1');
  }
}

let dir: string;
let engine: MediaEngine;
let peer: BaresipPeer | null = null;
let socket: dgram.Socket;

beforeAll(async () => {
  await ensureLab();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'media-baresip-'));
  fs.writeFileSync(path.join(dir, 'tone1000.wav'), encodeWav(sine(1000, 2), 8000));
  engine = await MediaEngine.create({
    audio: { backend: 'file', inputs: { tone: path.join(dir, 'tone1000.wav') }, outputs: ['talk'], outputDir: dir },
    routing: { microphoneDeviceId: 'tone', talkOutputDeviceId: 'talk' },
  });
  socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
});

afterAll(async () => {
  await peer?.stop();
  await engine.close();
  socket.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function established(s: Session): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.state === SessionState.Established) resolve();
    s.stateChange.addListener((st) => {
      if (st === SessionState.Established) resolve();
      if (st === SessionState.Terminated) reject(new Error('call failed'));
    });
  });
}

describe('interop with baresip (G.711, RFC 4733, hold)', () => {
  it('talks both ways, delivers DTMF, follows the far end putting us on hold', async () => {
    peer = await startBaresip({ user: '9471', autoAnswer: true });
    const ua = new UserAgent({
      uri: UserAgent.makeURI('sip:dispatcher@127.0.0.1'),
      transportConstructor: UdpTransport,
      transportOptions: { socket, peerPort: peer.port },
      viaHost: '127.0.0.1',
      contactName: 'dispatcher',
      contactParams: { transport: 'udp' },
      forceRport: true,
      logBuiltinEnabled: false,
      logLevel: 'error',
      sessionDescriptionHandlerFactory: engine.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 35000, rtpPortMax: 35100 }),
    });
    // sip.js writes a random host and no port in Contact: point it at our socket so baresip's
    // in-dialog requests (its hold re-INVITE) reach us
    ua.contact.uri.host = '127.0.0.1';
    ua.contact.uri.port = socket.address().port;
    ua.delegate = {};
    await ua.start();
    try {
      const inviter = new Inviter(ua, UserAgent.makeURI(`sip:${peer.user}@127.0.0.1:${peer.port}`)!);
      await inviter.invite();
      await established(inviter);
      await peer.waitFor('CALL_ESTABLISHED');
      const sdh = inviter.sessionDescriptionHandler as MediaSessionDescriptionHandler;
      const dirs: MediaDirection[] = [];
      sdh.onRemoteDirectionChange((d) => dirs.push(d));
      await sleep(1500);
      expect(sdh.stats().packetsReceived).toBeGreaterThan(40);
      expect(sdh.stats().packetsSent).toBeGreaterThan(40);
      expect(sdh.stats().packetsLost).toBe(0);

      expect(sdh.sendDtmf('5')).toBe(true);
      const ev = await peer.waitFor('CALL_DTMF_START', { timeoutMs: 3000 });
      expect(JSON.stringify(ev)).toContain('5');

      await peer.hold();
      await sleep(500);
      expect(sdh.remoteDirection()).toMatch(/sendonly|inactive/);
      expect(dirs.length).toBeGreaterThanOrEqual(1);
      await peer.resume();
      await sleep(500);
      expect(sdh.remoteDirection()).toBe('sendrecv');

      await inviter.bye();
      await peer.waitFor('CALL_CLOSED');
    } finally {
      await ua.stop();
    }
    // what baresip received from us: 1000 Hz
    const rec = await peer.waitForRecording();
    const st = await audioStats(rec.dec);
    expect(st.roughFrequency).toBeGreaterThan(900);
    expect(st.roughFrequency).toBeLessThan(1100);
    // what we received from baresip (its default source, 440 Hz): on our talk output
    await sleep(100);
    const heard = readWav(path.join(dir, 'talk.wav'));
    const tail = heard.samples.subarray(1600, 1600 + 8000);
    expect(rms(tail)).toBeGreaterThan(1000);
    expect(dominant(tail, SCAN).freq).toBe(440);
  });
});
