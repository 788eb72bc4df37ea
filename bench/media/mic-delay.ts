// The added delay of the microphone path (mic -> RTP), measured from outside the code under test, the
// same way for the app's engine and for baresip 1.0 in the same run (the same private PulseAudio, the
// same `mic` source, the same clicks): the talk path's `delay` bench turned around.
// - The feed: a pacat plays into the `micfeed` null sink a quiet 300 Hz tone with a 20 ms click every
//   400 ms (the 8 click tones of delay.ts in turn); `mic` is the remap of `micfeed.monitor` (lab.pa),
//   what the app's parec and baresip's ALSA pulse plugin record.
// - When each click was rendered: a recorder (parec, 5 ms fragments) on `micfeed.monitor` dates each
//   sample by the sink's clock (delay.ts's clickRecorder: the earliest chunk arrival less the samples
//   before it, within 2 s). Its dates are late by the recorder's least scheduling delay (~1 ms, the
//   freshest sample of a chunk): the figures are low by that much, for both.
// - When it reached the far end: a bare UDP socket in a worker thread of its own (this thread's pactl
//   and recorder must not make packets look late) takes each RTP packet's arrival on the monotonic
//   clock both threads share, and decodes the G.711 here; the click's first sample in the decoded
//   stream gives the packet it came in.
// Two figures per click: "click -> its packet" (arrival - the onset's rendering: what the far end hears
// late, packetization included) and "the packet's first sample -> sent" (the same plus the onset's
// place in its frame: how long the oldest sample of the frame waited, what captureDelayMs claims to be).
// Beside it for the app: what the call reports (stats().captureDelayMs), and PulseAudio's own figure
// for the app's parec (`pactl list source-outputs`: Buffer Latency + Source Latency).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Session } from 'sip.js';
import { decodeG711 } from '../../main/media/g711.js';
import { MediaEngine } from '../../main/media/engine.js';
import type { MediaSessionDescriptionHandler } from '../../main/media/session-description-handler.js';
import { startPrivatePulse, type PrivatePulse } from '../../test/support/private-pulse.js';
import { dominant } from '../../test/unit/media/helpers.js';
import { answerPort, offerFor } from '../../test/unit/media/rtp-peer.js';
import { percentile, type Figure } from '../harness.js';
import { CLICK_EVERY, CLICK_FREQS, clickRecorder, pulseLatency, SETTLE_MS } from './delay.js';
import { startDelayBaresip, type DelayBaresip } from './delay-baresip.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** `seconds` of the feed as raw s16le 8 kHz: the quiet tone, a click every CLICK_EVERY frames (not at 0). */
function feedFile(dir: string, seconds: number): string {
  const n = seconds * 8000;
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const frame = Math.floor(i / 160);
    const k = frame % CLICK_EVERY === 0 && frame > 0 ? (frame / CLICK_EVERY) % CLICK_FREQS.length : -1;
    const v = k >= 0 ? 16000 * Math.sin((2 * Math.PI * CLICK_FREQS[k]! * i) / 8000) : 1500 * Math.sin((2 * Math.PI * 300 * i) / 8000);
    b.writeInt16LE(Math.round(v), i * 2);
  }
  const f = path.join(dir, 'feed.raw');
  fs.writeFileSync(f, b);
  return f;
}

// The far end's thread: arrival time and payload of each PCMU packet (no CSRC or extension from either peer here).
const RECEIVER = `
const { parentPort } = require('node:worker_threads');
const dgram = require('node:dgram');
const sock = dgram.createSocket('udp4');
const now = () => Number(process.hrtime.bigint()) / 1e6;
sock.on('message', (m) => {
  const at = now();
  if (m.length < 12 || (m[1] & 0x7f) !== 0) return;
  parentPort.postMessage({ at, payload: m.subarray(12 + 4 * (m[0] & 0x0f)) });
});
sock.bind(0, '127.0.0.1', () => parentPort.postMessage({ port: sock.address().port }));
parentPort.on('message', () => { sock.close(); parentPort.close(); });
`;

interface RtpOnset {
  at: number;
  /** The onset's sample index within its packet. */
  offset: number;
  freq: number;
}

/** The RTP receiver: the clicks' onsets in what arrives (dated by their packet's arrival), and silent runs. */
async function rtpReceiver() {
  const w = new Worker(RECEIVER, { eval: true });
  const onsets: RtpOnset[] = [];
  const gaps: { at: number; ms: number }[] = [];
  let packets = 0;
  let quiet = 0;
  let silent = 0;
  let silentFrom = 0;
  let onset: { at: number; offset: number; samples: number[] } | null = null;
  const port = await new Promise<number>((resolve) => {
    w.on('message', (m: { port?: number; at?: number; payload?: Uint8Array }) => {
      if (m.port !== undefined) return resolve(m.port);
      packets++;
      const pcm = decodeG711('PCMU', m.payload!);
      for (let i = 0; i < pcm.length; i++) {
        const v = pcm[i]!;
        if (onset) {
          onset.samples.push(v);
          if (onset.samples.length === 120) {
            onsets.push({ at: onset.at, offset: onset.offset, freq: dominant(Int16Array.from(onset.samples), CLICK_FREQS).freq });
            onset = null;
          }
        } else if (Math.abs(v) > 4000 && quiet > 800) onset = { at: m.at!, offset: i, samples: [v] };
        quiet = Math.abs(v) > 4000 ? 0 : quiet + 1;
        if (Math.abs(v) < 100) {
          if (silent++ === 0) silentFrom = m.at!;
        } else {
          if (silent >= 80) gaps.push({ at: silentFrom, ms: silent / 8 });
          silent = 0;
        }
      }
    });
  });
  return {
    port,
    onsets,
    gaps,
    packets: () => packets,
    stop: async () => {
      w.postMessage('stop');
      await new Promise((r) => w.once('exit', r));
    },
  };
}

interface Run {
  /** arrival - the onset's rendering, per click heard after the start-up */
  click: number[];
  /** the same + the onset's place in its frame: the frame's oldest sample, rendering -> arrival */
  frame: number[];
  early: number[];
  fed: number;
  gaps: { at: number; ms: number }[];
  packetsPerSecond: number;
  reported: number[];
  fromPulse: number[];
}

/** One call sending the `mic` source for `seconds` after the start-up: the app's engine or baresip. */
async function oneRun(pulse: PrivatePulse, dir: string, target: 'app' | DelayBaresip, seconds: number): Promise<Run> {
  const rx = await rtpReceiver();
  let sdh: MediaSessionDescriptionHandler | null = null;
  let hangup: () => Promise<void>;
  if (target === 'app') {
    const engine = await MediaEngine.create({ audio: { backend: 'pulse', server: pulse.server }, routing: { talkOutputDeviceId: 'headset', microphoneDeviceId: 'mic' } });
    const s = engine.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 34000, rtpPortMax: 34098 })({} as Session) as MediaSessionDescriptionHandler;
    sdh = s;
    await s.setDescription(offerFor(rx.port));
    answerPort((await s.getDescription()).body);
    hangup = async () => {
      s.close();
      await engine.close();
    };
  } else {
    hangup = (await target.call(rx.port)).hangup;
  }
  await sleep(300); // the microphone stream opens (the app's parec, baresip's ALSA stream)
  const rec = clickRecorder(pulse, 'micfeed.monitor');
  const feed = spawn('pacat', ['--playback', '--raw', '--format=s16le', '--rate=8000', '--channels=1', '--latency-msec=20', '--device=micfeed', feedFile(dir, Math.ceil(SETTLE_MS / 1000) + seconds + 2)], {
    env: pulse.env,
    stdio: 'ignore',
  });
  const reported: number[] = [];
  const fromPulse: number[] = [];
  const t0 = nowMs();
  let p0 = 0;
  while (nowMs() - t0 < SETTLE_MS + seconds * 1000) {
    await sleep(100);
    if (nowMs() - t0 < SETTLE_MS) {
      p0 = rx.packets();
      continue;
    }
    const d = sdh?.stats().captureDelayMs ?? null;
    if (d !== null) reported.push(d);
    if (sdh && reported.length % 10 === 0) void pulseLatency(pulse, 'source-outputs').then((pl) => pl !== null && fromPulse.push(pl), () => undefined);
  }
  const tEnd = nowMs();
  const packetsPerSecond = (rx.packets() - p0) / ((tEnd - t0 - SETTLE_MS) / 1000);
  await sleep(600); // the last clicks reach the far end
  feed.kill('SIGTERM');
  await hangup();
  await rx.stop();
  rec.stop();
  const heard = rec.heard(); // the clicks as rendered into the microphone
  const click: number[] = [];
  const frame: number[] = [];
  const early: number[] = [];
  let fed = 0;
  for (const h of heard) {
    if (h.at > tEnd) continue;
    const late = h.at - t0 > SETTLE_MS;
    if (late) fed++;
    const o = rx.onsets.find((x) => x.freq === h.freq && x.at > h.at && x.at < h.at + 1000);
    if (!o) continue;
    if (!late) early.push(o.at - h.at);
    else {
      click.push(o.at - h.at);
      frame.push(o.at - h.at + o.offset / 8);
    }
  }
  return { click, frame, early, fed, gaps: rx.gaps.filter((g) => g.at > t0 + SETTLE_MS && g.at < tEnd), packetsPerSecond, reported, fromPulse };
}

export async function micDelay(seconds: number, withBaresip: boolean): Promise<Figure[]> {
  const pulse = await startPrivatePulse();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mic-delay-'));
  let baresip: DelayBaresip | null = null;
  try {
    if (withBaresip) baresip = await startDelayBaresip(pulse, { mic: true });
    const a = await oneRun(pulse, dir, 'app', seconds);
    await sleep(500);
    const b = baresip ? await oneRun(pulse, dir, baresip, seconds) : null;
    const tag = 'mic -> RTP (pulse)';
    const fig = (name: string, unit: string, pick: (r: Run) => number): Figure => ({
      name: `${name}, ${tag}`,
      value: pick(a),
      unit,
      ...(b ? { peer: { name: 'baresip', value: pick(b) } } : {}),
    });
    return [
      fig('click -> its packet p50', 'ms', (r) => percentile(r.click, 50)),
      fig('click -> its packet p99', 'ms', (r) => percentile(r.click, 99)),
      fig('click -> its packet max', 'ms', (r) => Math.max(...r.click)),
      fig("the packet's first sample -> sent p50", 'ms', (r) => percentile(r.frame, 50)),
      fig("the packet's first sample -> sent p99", 'ms', (r) => percentile(r.frame, 99)),
      fig('click -> its packet in the first 2 s, max', 'ms', (r) => (r.early.length ? Math.max(...r.early) : Number.NaN)),
      fig('clicks received after 2 s', `of ${a.fed}${b ? ` / ${b.fed}` : ''}`, (r) => r.click.length),
      fig('RTP packets per second after 2 s', '', (r) => r.packetsPerSecond),
      fig('silent runs >= 10 ms in the RTP after 2 s', '', (r) => r.gaps.length),
      fig('longest silent run in the RTP after 2 s', 'ms', (r) => Math.max(0, ...r.gaps.map((g) => g.ms))),
      { name: `reported captureDelayMs p50, ${tag}`, value: percentile(a.reported, 50), unit: 'ms' },
      { name: `reported captureDelayMs p99, ${tag}`, value: percentile(a.reported, 99), unit: 'ms' },
      { name: `PulseAudio's buffer + source latency of our parec p50, ${tag}`, value: percentile(a.fromPulse, 50), unit: 'ms' },
    ];
  } finally {
    await baresip?.stop();
    await pulse.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
