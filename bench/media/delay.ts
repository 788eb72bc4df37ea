// The added one-way delay of the talk path, measured from outside the code under test: a bare UDP
// sender sends silence with a 20 ms click every 400 ms (each of 8 tones in turn, so a click lost on
// the way is missed rather than paired with the next); the click's packet send time (loopback: its
// arrival) is taken in this process; a recorder (parec, 5 ms fragments) on the talk sink's monitor
// timestamps each chunk as it arrives, and the click's first sample is dated back from there. The
// recorder's own fragment (<= 5 ms plus the pipe) is in the figure, so it is an upper bound.
// Beside it: what the call reports (stats().playoutDelayMs) at the same moments, and what PulseAudio
// says of our stream (`pactl list sink-inputs`: Buffer Latency + Sink Latency).
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import dgram from 'node:dgram';
import type { Session } from 'sip.js';
import type { AudioBackendConfig } from '../../main/media/audio/port.js';
import { encodeG711 } from '../../main/media/g711.js';
import { MediaEngine } from '../../main/media/engine.js';
import { encodeRtp } from '../../main/media/rtp.js';
import type { MediaSessionDescriptionHandler } from '../../main/media/session-description-handler.js';
import { startPrivatePulse, type PrivatePulse } from '../../test/support/private-pulse.js';
import { seededRandom } from '../../test/support/seeded-random.js';
import { dominant } from '../../test/unit/media/helpers.js';
import { answerPort, offerFor } from '../../test/unit/media/rtp-peer.js';
import { percentile, type Figure } from '../harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLICK_EVERY = 20; // frames (400 ms)

/** Click k carries CLICK_FREQS[k % 8]: a lost click is missed, not paired with the next one. */
const CLICK_FREQS = [500, 700, 900, 1100, 1300, 1500, 1700, 1900];

/** Silence with a click (one 20 ms frame of a tone) every CLICK_EVERY frames; returns the click send times. */
function clickSender(to: number, jitterMs: number) {
  const sock = dgram.createSocket('udp4');
  const rnd = seededRandom(5);
  const sent: { at: number; freq: number }[] = [];
  const silence = encodeG711('PCMU', new Int16Array(160));
  const clicks = CLICK_FREQS.map((f) => encodeG711('PCMU', Int16Array.from({ length: 160 }, (_, i) => Math.round(16000 * Math.sin((2 * Math.PI * f * i) / 8000)))));
  let n = 0;
  let closed = false;
  let seq = 1000;
  let ts = 123456;
  const started = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - started) / 20);
    for (; n < due; n++) {
      const k = n % CLICK_EVERY === 0 && n > 0 ? (n / CLICK_EVERY) % CLICK_FREQS.length : -1;
      const pkt = encodeRtp({ payloadType: 0, marker: false, sequenceNumber: seq, timestamp: ts, ssrc: 0x4242, payload: k >= 0 ? clicks[k]! : silence });
      seq = (seq + 1) & 0xffff;
      ts = (ts + 160) >>> 0;
      const go = () => {
        if (closed) return;
        sock.send(pkt, to, '127.0.0.1');
        if (k >= 0) sent.push({ at: performance.now(), freq: CLICK_FREQS[k]! });
      };
      const d = jitterMs ? rnd() * jitterMs : 0;
      if (d < 1) go();
      else setTimeout(go, d);
    }
  }, 5);
  return {
    sent,
    stop: () => {
      closed = true;
      clearInterval(timer);
      sock.close();
    },
  };
}

/** parec on a monitor: the local time at which each click's first sample reached the sink, and its tone. */
function clickRecorder(pulse: PrivatePulse, source: string) {
  const p = spawn('parec', ['--raw', '--format=s16le', '--rate=8000', '--channels=1', '--latency-msec=5', `--device=${source}`], { env: pulse.env });
  const heard: { at: number; freq: number }[] = [];
  let quiet = 0;
  let carry: Buffer | null = null;
  let onset: { at: number; samples: number[] } | null = null;
  p.stdout.on('data', (c: Buffer) => {
    const at = performance.now();
    const b = carry ? Buffer.concat([carry, c]) : c;
    const n = Math.floor(b.length / 2);
    carry = b.length % 2 ? b.subarray(b.length - 1) : null;
    for (let i = 0; i < n; i++) {
      const v = b.readInt16LE(i * 2);
      if (onset) {
        onset.samples.push(v);
        if (onset.samples.length === 120) {
          heard.push({ at: onset.at, freq: dominant(Int16Array.from(onset.samples), CLICK_FREQS).freq });
          onset = null;
        }
      } else if (Math.abs(v) > 4000 && quiet > 800) onset = { at: at - ((n - i) / 8000) * 1000, samples: [v] };
      quiet = Math.abs(v) > 4000 ? 0 : quiet + 1;
    }
  });
  return { heard, stop: () => p.kill('SIGTERM') };
}

/** Each click sent -> the first click of its tone heard after it (within the 3.2 s before that tone comes again). */
function pair(sent: { at: number; freq: number }[], heard: { at: number; freq: number }[]): number[] {
  const out: number[] = [];
  for (const s of sent) {
    const h = heard.find((x) => x.freq === s.freq && x.at > s.at && x.at < s.at + CLICK_EVERY * 20 * CLICK_FREQS.length);
    if (h !== undefined) out.push(h.at - s.at);
  }
  return out;
}

/** PulseAudio's own figure for our stream: "Latency: X usec, configured Y usec" of sink-input 'call'. */
async function pulseLatency(pulse: PrivatePulse): Promise<number | null> {
  // (async: a blocking spawn here would stall this thread's sender and make the jitter it measures)
  const { stdout } = await promisify(execFile)('pactl', ['list', 'sink-inputs'], { env: pulse.env, encoding: 'utf8' });
  for (const block of stdout.split(/\n(?=Sink Input #)/)) {
    if (!/media\.name = "call"/.test(block)) continue;
    const b = /Buffer Latency: (\d+) usec/.exec(block);
    const s = /Sink Latency: (\d+) usec/.exec(block);
    if (b && s) return (Number(b[1]) + Number(s[1])) / 1000;
  }
  return null;
}

export async function measuredDelay(backend: 'pulse' | 'portaudio' | 'rtaudio', seconds: number): Promise<Figure[]> {
  const pulse = await startPrivatePulse();
  const out: Figure[] = [];
  try {
    for (const jitter of [0, 30]) {
      let audio: AudioBackendConfig;
      let device: string;
      if (backend === 'pulse') {
        audio = { backend: 'pulse', server: pulse.server };
        device = 'headset';
      } else {
        // PortAudio / RtAudio reach the private server through ALSA's pulse plugin (its default sink)
        process.env.PULSE_SERVER = pulse.server;
        process.env.PULSE_SINK = 'headset';
        audio = { backend };
        device = backend === 'portaudio' ? 'pa:pulse' : 'rt:PulseAudio Sound Server';
      }
      const rec = clickRecorder(pulse, 'headset.monitor');
      const engine = await MediaEngine.create({ audio, routing: { talkOutputDeviceId: device } });
      const sdh = engine.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 34000, rtpPortMax: 34098 })({} as Session) as MediaSessionDescriptionHandler;
      const holder = dgram.createSocket('udp4');
      await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
      const offerPort = holder.address().port;
      await sdh.setDescription(offerFor(offerPort));
      const sender = clickSender(answerPort((await sdh.getDescription()).body), jitter);
      const reported: number[] = [];
      const fromPulse: number[] = [];
      const t0 = performance.now();
      const startReported: number[] = [];
      while (performance.now() - t0 < (seconds + 2) * 1000) {
        await sleep(100);
        const d = sdh.stats().playoutDelayMs;
        if (performance.now() - t0 < 2000) {
          if (d !== null) startReported.push(d);
          continue; // the first 2 s: start-up (reported separately)
        }
        if (d !== null) reported.push(d);
        if (backend === 'pulse' && reported.length % 10 === 0) {
          void pulseLatency(pulse).then((pl) => pl !== null && fromPulse.push(pl), () => undefined);
        }
      }
      sender.stop();
      holder.close();
      sdh.close();
      await engine.close();
      rec.stop();
      const all = pair(sender.sent, rec.heard);
      const startCut = sender.sent.findIndex((s) => s.at - t0 > 2000);
      const measured = pair(sender.sent.slice(Math.max(0, startCut)), rec.heard);
      const early = all.slice(0, Math.max(0, all.length - measured.length));
      const tag = `${jitter} ms jitter (${backend})`;
      out.push(
        { name: `measured delay p50, ${tag}`, value: percentile(measured, 50), unit: 'ms', goal: jitter === 0 ? 'p99 <= 60 ms at 0 jitter' : undefined },
        { name: `measured delay p99, ${tag}`, value: percentile(measured, 99), unit: 'ms' },
        { name: `reported playoutDelayMs p50, ${tag}`, value: percentile(reported, 50), unit: 'ms' },
        { name: `reported playoutDelayMs p99, ${tag}`, value: percentile(reported, 99), unit: 'ms' },
        { name: `measured delay in the first 2 s, max, ${tag}`, value: early.length ? Math.max(...early) : Number.NaN, unit: 'ms' },
        { name: `clicks heard / sent after 2 s, ${tag}`, value: measured.length, unit: `of ${sender.sent.length - Math.max(0, startCut)}` },
      );
      if (fromPulse.length) out.push({ name: `PulseAudio's buffer + sink latency of our stream p50, ${tag}`, value: percentile(fromPulse, 50), unit: 'ms' });
    }
  } finally {
    await pulse.stop();
  }
  return out;
}
