// The handler inside real sip.js: two UserAgents joined by an in-memory transport, our factory plugged
// in the way sip/ will do it. Covers INVITE/200/ACK offer-answer, hold/resume by re-INVITE with
// sessionDescriptionHandlerOptions {hold}, the far end seeing sendonly, and BYE closing the media.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Inviter, SessionState, UserAgent, type Invitation, type Session } from 'sip.js';
import { encodeWav } from '../../../main/media/audio/wav.js';
import type { MediaControls, MediaDirection } from '../../../main/media/contract.js';
import { MediaEngine } from '../../../main/media/engine.js';
import type { MediaSessionDescriptionHandler } from '../../../main/media/session-description-handler.js';
import { sine } from './helpers.js';
import { TestTransport } from '../../support/sipjs-test-transport.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wires = new Map<string, PipeTransport>();

/** Delivers every message to the transport registered under options.peer. */
class PipeTransport extends TestTransport {
  private readonly peer: string;

  constructor(_logger: unknown, options: { name: string; peer: string }) {
    super();
    this.peer = options.peer;
    wires.set(options.name, this);
  }

  async send(message: string): Promise<void> {
    setImmediate(() => wires.get(this.peer)?.onMessage?.(message));
  }
}

let dir: string;
let ea: MediaEngine;
let eb: MediaEngine;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'media-sipjs-'));
  fs.writeFileSync(path.join(dir, 'tone.wav'), encodeWav(sine(440, 1), 8000));
  ea = new MediaEngine({ audio: { backend: 'file', inputs: { tone: path.join(dir, 'tone.wav') } }, routing: { microphoneDeviceId: 'tone' } });
  eb = new MediaEngine({ audio: { backend: 'none' } });
});

afterAll(async () => {
  await ea.close();
  await eb.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function userAgent(name: string, peer: string, engine: MediaEngine, ports: [number, number]) {
  return new UserAgent({
    uri: UserAgent.makeURI(`sip:${name}@127.0.0.1`),
    transportConstructor: PipeTransport,
    transportOptions: { name, peer },
    viaHost: '127.0.0.1',
    logBuiltinEnabled: false,
    logLevel: 'error',
    sessionDescriptionHandlerFactory: engine.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: ports[0], rtpPortMax: ports[1] }),
  });
}

function established(s: Session): Promise<void> {
  return new Promise((resolve) => {
    if (s.state === SessionState.Established) resolve();
    s.stateChange.addListener((st) => st === SessionState.Established && resolve());
  });
}

describe('MediaSessionDescriptionHandler inside sip.js 0.21', () => {
  it('call, hold, resume, DTMF, hang up', async () => {
    const ua = userAgent('alice', 'bob', ea, [34000, 34100]);
    const ub = userAgent('bob', 'alice', eb, [34200, 34300]);
    let incoming: Invitation | null = null;
    ub.delegate = {
      onInvite: (inv) => {
        incoming = inv;
        void inv.accept();
      },
    };
    await ua.start();
    await ub.start();
    try {
      const inviter = new Inviter(ua, UserAgent.makeURI('sip:bob@127.0.0.1')!);
      await inviter.invite();
      await established(inviter);
      expect(incoming).not.toBeNull();
      const inv = incoming! as Invitation;
      await established(inv);
      const ma = inviter.sessionDescriptionHandler as MediaSessionDescriptionHandler & MediaControls;
      const mb = inv.sessionDescriptionHandler as MediaSessionDescriptionHandler & MediaControls;
      const seenByBob: MediaDirection[] = [];
      mb.onRemoteDirectionChange((d) => seenByBob.push(d));
      await sleep(400);
      expect(mb.stats().packetsReceived).toBeGreaterThan(10);
      expect(ma.stats().packetsReceived).toBeGreaterThan(10);
      expect(mb.remoteDirection()).toBe('sendrecv');

      // hold, as sip/ will do it: a re-INVITE with sessionDescriptionHandlerOptions { hold: true }
      await new Promise<void>((resolve, reject) => {
        void inviter.invite({
          sessionDescriptionHandlerOptions: { hold: true } as object,
          requestDelegate: { onAccept: () => resolve(), onReject: () => reject(new Error('hold rejected')) },
        });
      });
      await sleep(50);
      expect(seenByBob).toEqual(['sendonly']);
      expect(mb.remoteDirection()).toBe('sendonly');
      expect(ma.remoteDirection()).toBe('recvonly');
      expect(ma.held).toBe(true);

      // resume
      await new Promise<void>((resolve, reject) => {
        void inviter.invite({
          sessionDescriptionHandlerOptions: { hold: false } as object,
          requestDelegate: { onAccept: () => resolve(), onReject: () => reject(new Error('resume rejected')) },
        });
      });
      await sleep(50);
      expect(mb.remoteDirection()).toBe('sendrecv');
      expect(seenByBob).toEqual(['sendonly', 'sendrecv']);

      // DTMF through the session's handler
      const digits: string[] = [];
      mb.onDtmf((d) => digits.push(d));
      expect(ma.sendDtmf('7')).toBe(true);
      await sleep(400);
      expect(digits).toEqual(['7']);

      expect(ea.activeSessions()).toHaveLength(1);
      await inviter.bye();
      await sleep(100);
      expect(inviter.state).toBe(SessionState.Terminated);
      expect(ea.activeSessions()).toHaveLength(0);
      expect(eb.activeSessions()).toHaveLength(0);
    } finally {
      await ua.stop();
      await ub.stop();
    }
  });

  it('late offer: INVITE without SDP, our offer in the 200, the answer in the ACK', async () => {
    const ua = userAgent('carol', 'dave', ea, [34400, 34500]);
    const ub = userAgent('dave', 'carol', eb, [34600, 34700]);
    let incoming: Invitation | null = null;
    ub.delegate = {
      onInvite: (inv) => {
        incoming = inv;
        void inv.accept();
      },
    };
    await ua.start();
    await ub.start();
    try {
      const inviter = new Inviter(ua, UserAgent.makeURI('sip:dave@127.0.0.1')!, { inviteWithoutSdp: true });
      await inviter.invite();
      await established(inviter);
      const inv = incoming! as Invitation;
      await established(inv);
      await sleep(400);
      const ma = inviter.sessionDescriptionHandler as MediaSessionDescriptionHandler;
      const mb = inv.sessionDescriptionHandler as MediaSessionDescriptionHandler;
      expect(mb.negotiation?.codec.name).toBe('PCMU');
      expect(ma.stats().packetsReceived).toBeGreaterThan(10);
      expect(mb.stats().packetsReceived).toBeGreaterThan(10);
      await inv.bye();
    } finally {
      await ua.stop();
      await ub.stop();
    }
  });
});
