// The added one-way delay of the talk path, measured from outside the code under test, the same way for
// the app's engine and for baresip 1.0 in the same run (the same private PulseAudio, the same `headset`
// sink, the same packets): a bare UDP sender sends a quiet 300 Hz tone with a 20 ms click every 400 ms
// (each of 8 tones in turn, so a click lost on the way is missed rather than paired with the next).
// - The sender runs in a worker thread of its own (this thread's work, pactl and the recorder, must not
//   bunch the packets: at 0 jitter it sends each packet at its 20 ms deadline, within ~1 ms); the
//   click's send time (loopback: its arrival) is taken there, on the monotonic clock both threads share.
// - A recorder (parec, 5 ms fragments) on the sink's monitor: sample i of the recording was rendered at
//   anchor + i/8 ms, where the anchor is the earliest (chunk arrival - samples so far) among the chunks
//   within 2 s: a chunk can only arrive late, so the minimum is the rendering clock (no bias from this
//   thread being late to read). The click's first sample is dated from there.
// - Gaps: runs of silence (|x| < 100 for >= 10 ms) in the quiet tone after the first 2 s: what the
//   listener hears as a drop-out (a device that ran dry), whatever the code under test believes.
//   What the recorder puts in the figure: not its fragment (the earliest chunk is the anchor: a 25 ms
//   fragment measured the same, within the noise), but the monitor's view. The sink renders ahead of
//   its own clock (the null sink: one block, its "Sink Latency" swings from the block to 0) and its
//   monitor gets each block when rendered, so a sample is dated that block (~2 x the sink's latency
//   p50, 4-6 ms here) before the sink's clock plays it: the figure is arrival -> rendered.
// Beside it for the app: what the call reports (stats().playoutDelayMs: arrival -> the sink's clock,
// as pacat's own report of what is heard counts it), and PulseAudio's own figure for its stream
// (`pactl list sink-inputs`: Buffer Latency + Sink Latency, and the sink's part alone).
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import dgram from 'node:dgram';
import { Worker } from 'node:worker_threads';
import type { Session } from 'sip.js';
import type { AudioBackendConfig } from '../../main/media/audio/port.js';
import { encodeG711 } from '../../main/media/g711.js';
import { MediaEngine } from '../../main/media/engine.js';
import type { MediaSessionDescriptionHandler } from '../../main/media/session-description-handler.js';
import { startPrivatePulse, type PrivatePulse } from '../../test/support/private-pulse.js';
import { dominant } from '../../test/unit/media/helpers.js';
import { answerPort, offerFor } from '../../test/unit/media/rtp-peer.js';
import { percentile, type Figure } from '../harness.js';
import { startDelayBaresip, type DelayBaresip } from './delay-baresip.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
export const CLICK_EVERY = 20; // frames (400 ms)
/** Click k carries CLICK_FREQS[k % 8]: a lost click is missed, not paired with the next one. */
export const CLICK_FREQS = [500, 700, 900, 1100, 1300, 1500, 1700, 1900];
/** The first seconds (start-up) are reported apart. */
export const SETTLE_MS = 2000;

const frameOf = (f: number, amp: number) => encodeG711('PCMU', Int16Array.from({ length: 160 }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * f * i) / 8000))));

// The sender's thread: plain JS (no loader in a worker), RTP header by hand, mulberry32 for the jitter.
const SENDER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const dgram = require('node:dgram');
const sock = dgram.createSocket('udp4');
const now = () => Number(process.hrtime.bigint()) / 1e6;
let a = w.seed >>> 0;
const rnd = () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
let n = 0, seq = 1000, ts = 123456, closed = false, timer = null;
const start = now();
function packet(payload) {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80; b[1] = 0; b.writeUInt16BE(seq, 2); b.writeUInt32BE(ts >>> 0, 4); b.writeUInt32BE(0x4242, 8);
  Buffer.from(payload).copy(b, 12);
  seq = (seq + 1) & 0xffff; ts = (ts + 160) >>> 0;
  return b;
}
function tick() {
  const due = Math.floor((now() - start) / 20) + 1;
  for (; n < due; n++) {
    const k = n % w.clickEvery === 0 && n > 0 ? (n / w.clickEvery) % w.clicks.length : -1;
    const pkt = packet(k >= 0 ? w.clicks[k] : w.tone);
    const go = () => {
      if (closed) return;
      const at = now();
      sock.send(pkt, w.port, '127.0.0.1');
      if (k >= 0) parentPort.postMessage({ at, freq: w.freqs[k] });
    };
    const d = w.jitterMs ? rnd() * w.jitterMs : 0;
    if (d < 1) go(); else setTimeout(go, d);
  }
  timer = setTimeout(tick, Math.max(0, start + n * 20 - now()));
}
tick();
parentPort.on('message', () => { closed = true; clearTimeout(timer); sock.close(); parentPort.close(); });
`;

/** The click stream to `port`, from its own thread; returns the clicks' send times (this process's monotonic ms). */
function clickSender(port: number, jitterMs: number) {
  const sent: { at: number; freq: number }[] = [];
  const w = new Worker(SENDER, {
    eval: true,
    workerData: { port, jitterMs, seed: 5, clickEvery: CLICK_EVERY, freqs: CLICK_FREQS, tone: frameOf(300, 1500), clicks: CLICK_FREQS.map((f) => frameOf(f, 16000)) },
  });
  w.on('message', (m: { at: number; freq: number }) => sent.push(m));
  return {
    sent,
    stop: async () => {
      w.postMessage('stop');
      await new Promise((r) => w.once('exit', r));
    },
  };
}

/** parec on a monitor: when each click's first sample was rendered, and the gaps in the quiet tone. */
export function clickRecorder(pulse: PrivatePulse, source: string) {
  const p = spawn('parec', ['--raw', '--format=s16le', '--rate=8000', '--channels=1', '--latency-msec=5', `--device=${source}`], { env: pulse.env });
  const chunks: { at: number; total: number }[] = [];
  const onsets: { index: number; freq: number }[] = [];
  const gaps: { index: number; samples: number }[] = [];
  let total = 0;
  let quiet = 0;
  let silent = 0;
  let carry: Buffer | null = null;
  let onset: { index: number; samples: number[] } | null = null;
  p.stdout.on('data', (c: Buffer) => {
    const at = nowMs();
    const b = carry ? Buffer.concat([carry, c]) : c;
    const n = Math.floor(b.length / 2);
    carry = b.length % 2 ? b.subarray(b.length - 1) : null;
    for (let i = 0; i < n; i++, total++) {
      const v = b.readInt16LE(i * 2);
      if (onset) {
        onset.samples.push(v);
        if (onset.samples.length === 120) {
          onsets.push({ index: onset.index, freq: dominant(Int16Array.from(onset.samples), CLICK_FREQS).freq });
          onset = null;
        }
      } else if (Math.abs(v) > 4000 && quiet > 800) onset = { index: total, samples: [v] };
      quiet = Math.abs(v) > 4000 ? 0 : quiet + 1;
      if (Math.abs(v) < 100) silent++;
      else {
        if (silent >= 80) gaps.push({ index: total - silent, samples: silent });
        silent = 0;
      }
    }
    chunks.push({ at, total });
  });
  /** The rendering time of sample `index` (see the head of the file). */
  const timeOf = (index: number) => {
    let anchor = Infinity;
    for (const c of chunks) if (Math.abs(c.total - index) < 16000) anchor = Math.min(anchor, c.at - (c.total / 8000) * 1000);
    return anchor + (index / 8000) * 1000;
  };
  return {
    heard: () => onsets.map((o) => ({ at: timeOf(o.index), freq: o.freq })),
    gaps: (from: number, to: number) => gaps.map((g) => ({ at: timeOf(g.index), ms: g.samples / 8 })).filter((g) => g.at > from && g.at < to),
    stop: () => p.kill('SIGTERM'),
  };
}

/** Each click sent -> the first click of its tone heard within 1 s after it (later: missed; the same tone comes again after 3.2 s). */
export function pair(sent: { at: number; freq: number }[], heard: { at: number; freq: number }[]): number[] {
  const out: number[] = [];
  for (const s of sent) {
    const h = heard.find((x) => x.freq === s.freq && x.at > s.at && x.at < s.at + 1000);
    if (h !== undefined) out.push(h.at - s.at);
  }
  return out;
}

/**
 * PulseAudio's own figure for the stream named 'call': "Buffer Latency" + the sink's or source's latency of
 * its sink-input (the talk side) or source-output (the microphone side).
 */
export async function pulseLatency(pulse: PrivatePulse, kind: 'sink-inputs' | 'source-outputs' = 'sink-inputs'): Promise<number | null> {
  return (await pulseLatencyParts(pulse, kind))?.total ?? null;
}

/** The same, in its two parts: the stream's buffer, and the sink's (or source's) own latency. */
export async function pulseLatencyParts(pulse: PrivatePulse, kind: 'sink-inputs' | 'source-outputs' = 'sink-inputs'): Promise<{ total: number; device: number } | null> {
  const { stdout } = await promisify(execFile)('pactl', ['list', kind], { env: pulse.env, encoding: 'utf8' });
  const [heading, device] = kind === 'sink-inputs' ? ['Sink Input #', 'Sink'] : ['Source Output #', 'Source'];
  for (const block of stdout.split(new RegExp(`\\n(?=${heading})`))) {
    if (!/media\.name = "call"/.test(block)) continue;
    const b = /Buffer Latency: (\d+) usec/.exec(block);
    const s = new RegExp(`${device} Latency: (\\d+) usec`).exec(block);
    if (b && s) return { total: (Number(b[1]) + Number(s[1])) / 1000, device: Number(s[1]) / 1000 };
  }
  return null;
}

interface Run {
  measured: number[];
  early: number[];
  sentAfter: number;
  gaps: { at: number; ms: number }[];
  reported: number[];
  fromPulse: number[];
  /** The sink's own latency (pactl's Sink Latency): rendered, not yet played by the sink's clock. */
  sinkLatency: number[];
}

/** One call receiving the click stream for `seconds` after the start-up: the app's engine or baresip. */
async function oneRun(pulse: PrivatePulse, target: { app: AudioBackendConfig; device: string } | DelayBaresip, jitter: number, seconds: number): Promise<Run> {
  const rec = clickRecorder(pulse, 'headset.monitor');
  const holder = dgram.createSocket('udp4'); // our RTP address in the offer (what comes back is ignored)
  await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
  holder.on('message', () => undefined);
  let engine: MediaEngine | null = null;
  let sdh: MediaSessionDescriptionHandler | null = null;
  let hangup: () => Promise<void>;
  let rtpPort: number;
  if ('app' in target) {
    engine = await MediaEngine.create({ audio: target.app, routing: { talkOutputDeviceId: target.device } });
    sdh = engine.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 34000, rtpPortMax: 34098 })({} as Session) as MediaSessionDescriptionHandler;
    await sdh.setDescription(offerFor(holder.address().port));
    rtpPort = answerPort((await sdh.getDescription()).body);
    hangup = async () => {
      sdh!.close();
      await engine!.close();
    };
  } else {
    const call = await target.call(holder.address().port);
    rtpPort = call.rtpPort;
    hangup = call.hangup;
  }
  const sender = clickSender(rtpPort, jitter);
  const reported: number[] = [];
  const fromPulse: number[] = [];
  const sinkLatency: number[] = [];
  const t0 = nowMs();
  while (nowMs() - t0 < SETTLE_MS + seconds * 1000) {
    await sleep(100);
    if (!sdh || nowMs() - t0 < SETTLE_MS) continue;
    const d = sdh.stats().playoutDelayMs;
    if (d !== null) reported.push(d);
    if (reported.length % 10 === 0)
      void pulseLatencyParts(pulse).then(
        (pl) => {
          if (!pl) return;
          fromPulse.push(pl.total);
          sinkLatency.push(pl.device);
        },
        () => undefined,
      );
  }
  const tEnd = nowMs();
  await sender.stop();
  await sleep(400); // the last clicks reach the sink
  await hangup();
  holder.close();
  rec.stop();
  const heard = rec.heard();
  const after = sender.sent.filter((s) => s.at - t0 > SETTLE_MS);
  const measured = pair(after, heard);
  const early = pair(
    sender.sent.filter((s) => s.at - t0 <= SETTLE_MS),
    heard,
  );
  return { measured, early, sentAfter: after.length, gaps: rec.gaps(t0 + SETTLE_MS, tEnd - 100), reported, fromPulse, sinkLatency };
}

/** `pacatLatencyMs`: pacat's --latency-msec (or the native streams' device latency) for the app (default: the product's, 20); `pulseStreams`: the pulse backend's stream client (default: the product's). */
export async function measuredDelay(
  backend: 'pulse' | 'portaudio' | 'rtaudio',
  seconds: number,
  withBaresip = backend === 'pulse',
  pacatLatencyMs?: number,
  pulseStreams?: 'native' | 'pacat',
): Promise<Figure[]> {
  const pulse = await startPrivatePulse();
  const out: Figure[] = [];
  const saved = { PULSE_SERVER: process.env.PULSE_SERVER, PULSE_SINK: process.env.PULSE_SINK };
  let baresip: DelayBaresip | null = null;
  try {
    if (withBaresip) baresip = await startDelayBaresip(pulse);
    let app: AudioBackendConfig;
    let device: string;
    if (backend === 'pulse') {
      app = { backend: 'pulse', server: pulse.server, ...(pacatLatencyMs ? { latencyMs: pacatLatencyMs } : {}), ...(pulseStreams ? { streams: pulseStreams } : {}) };
      device = 'headset';
    } else {
      // PortAudio / RtAudio reach the private server through ALSA's pulse plugin (its default sink)
      process.env.PULSE_SERVER = pulse.server;
      process.env.PULSE_SINK = 'headset';
      app = { backend };
      device = backend === 'portaudio' ? 'pa:pulse' : 'rt:PulseAudio Sound Server';
    }
    for (const jitter of [0, 30]) {
      const a = await oneRun(pulse, { app, device }, jitter, seconds);
      await sleep(500);
      const b = baresip ? await oneRun(pulse, baresip, jitter, seconds) : null;
      await sleep(500);
      const tag = `${jitter} ms jitter (${backend}${pulseStreams ? `, ${pulseStreams} streams` : ''})`;
      const fig = (name: string, unit: string, pick: (r: Run) => number, goal?: string): Figure => ({
        name: `${name}, ${tag}`,
        value: pick(a),
        unit,
        ...(b ? { peer: { name: 'baresip', value: pick(b) } } : {}),
        ...(goal ? { goal } : {}),
      });
      const worstGap = (r: Run) => Math.max(0, ...r.gaps.map((g) => g.ms));
      out.push(
        fig('measured delay p50', 'ms', (r) => percentile(r.measured, 50), jitter === 0 ? 'p99 <= 60 ms at 0 jitter' : undefined),
        fig('measured delay p90', 'ms', (r) => percentile(r.measured, 90)),
        fig('measured delay p99', 'ms', (r) => percentile(r.measured, 99)),
        fig('measured delay max', 'ms', (r) => Math.max(...r.measured)),
        fig('measured delay in the first 2 s, max', 'ms', (r) => (r.early.length ? Math.max(...r.early) : Number.NaN)),
        fig('clicks heard after 2 s', `of ${a.sentAfter}`, (r) => r.measured.length),
        fig('silent gaps >= 10 ms after 2 s', '', (r) => r.gaps.length),
        fig('longest silent gap after 2 s', 'ms', worstGap),
        { name: `reported playoutDelayMs p50, ${tag}`, value: percentile(a.reported, 50), unit: 'ms' },
        { name: `reported playoutDelayMs p99, ${tag}`, value: percentile(a.reported, 99), unit: 'ms' },
      );
      if (a.fromPulse.length) out.push({ name: `PulseAudio's buffer + sink latency of our stream p50, ${tag}`, value: percentile(a.fromPulse, 50), unit: 'ms' });
      if (a.sinkLatency.length) out.push({ name: `of which the sink's own latency p50, ${tag}`, value: percentile(a.sinkLatency, 50), unit: 'ms' });
    }
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await baresip?.stop();
    await pulse.stop();
  }
  return out;
}
