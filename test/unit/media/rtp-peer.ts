// A far end made of a bare UDP socket: sends a G.711 tone as real RTP (20 ms frames on a real-time
// clock), optionally with loss and jitter, and counts what it receives. Plus an offer for it, and a
// reader of what the engine's file output played, frame by frame.
import dgram from 'node:dgram';
import { encodeG711 } from '../../../main/media/g711.js';
import { encodeRtp } from '../../../main/media/rtp.js';
import { seededRandom } from '../../support/seeded-random.js';
import { dominant, rms, SCAN } from './helpers.js';

export interface ToneOptions {
  freq: number;
  ssrc: number;
  /** Drop probability per packet (0..1). */
  loss?: number;
  /** Extra delay per packet, uniform in [0, jitterMs]: packets reorder as on a real network. */
  jitterMs?: number;
  seed?: number;
  /** The sender's clock against ours: 1.005 = 0.5 % fast (more packets per second than 50). */
  rate?: number;
}

export class RtpPeer {
  received = 0;
  readonly from = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private seq = Math.floor(Math.random() * 30000);
  private ts = Math.floor(Math.random() * 1e9);
  private phase = 0;

  readonly port: number;

  private constructor(readonly socket: dgram.Socket) {
    this.port = socket.address().port;
    socket.on('message', (_m, r) => {
      this.received++;
      this.from.add(`${r.address}:${r.port}`);
    });
  }

  static async open(): Promise<RtpPeer> {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new RtpPeer(s);
  }

  /** Send `freq` to 127.0.0.1:`to` every 20 ms until stop(); a new call restarts with new options. */
  sendTone(to: number, o: ToneOptions): void {
    this.stop();
    const rnd = seededRandom(o.seed ?? 7);
    const pcm = new Int16Array(160);
    const started = performance.now();
    let sent = 0;
    const one = () => {
      for (let i = 0; i < 160; i++) pcm[i] = Math.round(12000 * Math.sin(this.phase + (2 * Math.PI * o.freq * i) / 8000));
      this.phase += (2 * Math.PI * o.freq * 160) / 8000;
      const pkt = encodeRtp({ payloadType: 0, marker: false, sequenceNumber: this.seq, timestamp: this.ts, ssrc: o.ssrc, payload: encodeG711('PCMU', pcm) });
      this.seq = (this.seq + 1) & 0xffff;
      this.ts = (this.ts + 160) >>> 0;
      if (o.loss && rnd() < o.loss) return;
      const delay = o.jitterMs ? rnd() * o.jitterMs : 0;
      if (delay < 1) this.socket.send(pkt, to, '127.0.0.1');
      else setTimeout(() => this.closed || this.socket.send(pkt, to, '127.0.0.1'), delay);
    };
    // packets are due by the sender's own clock; a 5 ms poll keeps them within 5 ms of it
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) * (o.rate ?? 1)) / 20);
      for (; sent < due; sent++) one();
    }, 5);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private closed = false;

  close(): void {
    this.stop();
    this.closed = true;
    this.socket.close();
  }
}

export function offerFor(port: number): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

export function answerPort(sdp: string): number {
  const m = /m=audio (\d+)/.exec(sdp);
  if (!m) throw new Error('no m=audio in answer');
  return Number(m[1]);
}

/** The dominant tone of each 20 ms frame of what was played (0 = silence). */
export function framesHeard(samples: Int16Array, candidates = SCAN): number[] {
  const out: number[] = [];
  for (let i = 0; i + 160 <= samples.length; i += 160) {
    const f = samples.subarray(i, i + 160);
    out.push(rms(f) < 500 ? 0 : dominant(f, candidates).freq);
  }
  return out;
}

/** The longest run of frames not carrying `freq` between its first and last appearance, in ms. */
export function longestGapMs(frames: number[], freq: number): number {
  const first = frames.indexOf(freq);
  const last = frames.lastIndexOf(freq);
  let worst = 0;
  let run = 0;
  for (let i = first; i <= last && first >= 0; i++) {
    run = frames[i] === freq ? 0 : run + 1;
    worst = Math.max(worst, run);
  }
  return worst * 20;
}
