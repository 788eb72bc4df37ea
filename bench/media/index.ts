// bench/media: what the media path costs and how long audio waits, beside baresip where the same
// figure can be taken from it in the same run.
//   npm run bench -- media delay      added delay RTP arrival -> talk device, p50/p99, at 0 and 30 ms
//                                     jitter, measured with clicks through the sink's monitor beside what
//                                     the call reports (bench/media/delay.ts; private PulseAudio, no lab
//                                     lock), for --backends pulse,portaudio,rtaudio (default: all three);
//                                     with pulse, baresip 1.0 gets the same clicks in the same run
//                                     (delay-baresip.ts; --no-baresip leaves it out; --pacat-latency MS
//                                     asks the app's streams for another device latency than the product's 20;
//                                     --pulse-streams native|pacat: the pulse backend's stream client).
//   npm run bench -- media mic        added delay microphone -> RTP p50/p99: clicks played into the `mic`
//                                     source (micfeed null sink), timed on the sink's monitor and at a UDP
//                                     far end, beside the call's captureDelayMs, baresip 1.0 in the same run
//                                     (bench/media/mic-delay.ts; private PulseAudio, no lab lock;
//                                     --seconds S, default 20; --no-baresip leaves it out).
//   npm run bench -- media long       a 30-minute call (sender 0.5 % fast), faster than real time: the
//                                     jitter buffer's level minute 1 vs minute 30 (the same code, driven
//                                     by simulated arrival times), plus a real-time engine call of
//                                     --long-real S seconds (default 1800, at least 120): playout delay,
//                                     RSS and CPU, minute 1 vs the last minute (private PulseAudio, no lock).
//   npm run bench -- media calls      (needs the lab, inside its lock) CPU per call-second and RSS with
//                                     --calls 1,4,10 concurrent calls, the app on each of --backends
//                                     pulse,rtaudio,portaudio (default: all three; pulse-pacat: the pulse
//                                     backend on its old pacat/parec streams) then baresip, the helper
//                                     processes and the PulseAudio server counted; --window S (default 20)
//                                     seconds measured while all calls are up (see bench/media/cost.ts).
//   npm run bench -- media idle       (needs the lab, inside its lock) app and baresip registered and
//                                     idle for --seconds S (default 600): CPU ms per second and RSS, side by side.
// Figures, not pass/fail.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Session } from 'sip.js';
import { MediaEngine } from '../../main/media/engine.js';
import { JitterBuffer } from '../../main/media/jitter-buffer.js';
import type { MediaSessionDescriptionHandler } from '../../main/media/session-description-handler.js';
import { startPrivatePulse } from '../../test/support/private-pulse.js';
import { seededRandom } from '../../test/support/seeded-random.js';
import { answerPort, offerFor, RtpPeer } from '../../test/unit/media/rtp-peer.js';
import { percentile, type Benchmark, type Figure } from '../harness.js';
import { calls, idle, type CallBackend } from './cost.js';
import { sampleTree, treeCost, treeRssMb } from './procs.js';
import { measuredDelay } from './delay.js';
import { micDelay } from './mic-delay.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const num = (args: string[], flag: string, fallback: number) => {
  const i = args.indexOf(flag);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const list = (args: string[], flag: string, fallback: number[]) => {
  const i = args.indexOf(flag);
  return i < 0 ? fallback : args[i + 1]!.split(',').map(Number);
};

async function engineCall(engine: MediaEngine, jitterMs: number, rate = 1) {
  const sdh = engine.sessionDescriptionHandlerFactory({ localAddress: '127.0.0.1', rtpPortMin: 34000, rtpPortMax: 34098 })({} as Session) as MediaSessionDescriptionHandler;
  const peer = await RtpPeer.open();
  await sdh.setDescription(offerFor(peer.port));
  peer.sendTone(answerPort((await sdh.getDescription()).body), { freq: 440, ssrc: 0x4242, jitterMs, rate, seed: 5 });
  return {
    sdh,
    stop: () => {
      peer.close();
      sdh.close();
    },
  };
}

function simulatedLongCall(minutes: number): { first: number; last: number; adjusted: number; dropped: number } {
  const jb = new JitterBuffer({ minMs: 20, maxMs: 200 });
  const rnd = seededRandom(9);
  const pcm = new Int16Array(160).fill(1000);
  const perSecond: number[] = [];
  let next = 0;
  const rate = 1.005;
  for (let t = 1; t <= minutes * 3000; t++) {
    const now = t * 20;
    while ((next * 20) / rate + 10 <= now) {
      jb.push((next * 160) >>> 0, pcm, (next * 20) / rate + rnd() * 10);
      next++;
    }
    jb.pop(160, now);
    if (t % 50 === 0) perSecond.push(jb.stats().levelMs);
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const s = jb.stats();
  return { first: mean(perSecond.slice(0, 60)), last: mean(perSecond.slice(-60)), adjusted: s.adjusted, dropped: s.dropped };
}

async function long(realSeconds: number): Promise<Figure[]> {
  const sim = simulatedLongCall(30);
  const out: Figure[] = [
    { name: 'long call (30 min simulated, peer +0.5 %): buffer level minute 1', value: sim.first, unit: 'ms' },
    { name: 'long call (30 min simulated, peer +0.5 %): buffer level minute 30', value: sim.last, unit: 'ms' },
    { name: 'long call (30 min simulated): frames dropped whole', value: sim.dropped, unit: 'frames' },
  ];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-media-long-'));
  const pulse = await startPrivatePulse();
  pulse.keep('headset.monitor');
  try {
    const engine = await MediaEngine.create({ audio: { backend: 'pulse', server: pulse.server }, routing: { talkOutputDeviceId: 'headset' } });
    const call = await engineCall(engine, 0, 1.005);
    // One minute of samples (4 a second): the playout delay the call's stats report, the RSS of this
    // process (the engine with its worker, and the test peer beside it) and of its children (pacat,
    // parec, and the private PulseAudio server with its recorder), CPU of both.
    const minute = async () => {
      const d: number[] = [];
      const c0 = process.cpuUsage();
      const h0 = sampleTree(process.pid);
      for (let i = 0; i < 240; i++) {
        await sleep(250);
        d.push(call.sdh.stats().playoutDelayMs ?? Number.NaN);
      }
      const c = process.cpuUsage(c0);
      const helpers = treeCost(h0, sampleTree(process.pid));
      const rss = treeRssMb(process.pid);
      const ok = d.filter(Number.isFinite);
      return { p50: percentile(ok, 50), p99: percentile(ok, 99), rss: rss.own, helperRss: rss.helpers, cpu: (c.user + c.system) / 1000 / 60, helperCpu: helpers.helpers / helpers.seconds };
    };
    const m1 = await minute();
    await sleep(Math.max(0, realSeconds - 120) * 1000);
    const mN = await minute();
    const stats = call.sdh.stats();
    call.stop();
    await engine.close();
    const tag = `real-time call ${(realSeconds / 60).toFixed(0)} min, peer +0.5 %`;
    const pair = (name: string, unit: string, pick: (m: typeof m1) => number) => [
      { name: `${tag}: ${name}, minute 1`, value: pick(m1), unit },
      { name: `${tag}: ${name}, last minute`, value: pick(mN), unit },
    ];
    out.push(
      ...pair('playout delay p50 (call stats)', 'ms', (m) => m.p50),
      ...pair('playout delay p99 (call stats)', 'ms', (m) => m.p99),
      ...pair('RSS of the process (engine + test peer)', 'MB', (m) => m.rss),
      ...pair('RSS of child processes (pacat, parec, the private PulseAudio server, its recorder)', 'MB', (m) => m.helperRss),
      ...pair('CPU of the process (engine + test peer)', 'ms/s', (m) => m.cpu),
      ...pair('CPU of child processes (the same)', 'ms/s', (m) => m.helperCpu),
      { name: `${tag}: packets received / lost at the end`, value: stats.packetsReceived, unit: 'packets', peer: { name: 'lost', value: stats.packetsLost ?? 0 } },
    );
  } finally {
    await pulse.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

const bench: Benchmark = {
  description: 'media: playout delay, a long call, idle cost (see the head of bench/media/index.ts)',
  async run(args) {
    const what = args.filter((a) => !a.startsWith('--') && !/^\d/.test(a));
    const sections = what.length ? what : ['delay', 'long'];
    const out: Figure[] = [];
    if (sections.includes('delay')) {
      const i = args.indexOf('--backends');
      const backends = (i < 0 ? 'pulse,portaudio,rtaudio' : args[i + 1]!).split(',') as ('pulse' | 'portaudio' | 'rtaudio')[];
      const s = args.indexOf('--pulse-streams');
      const streams = s < 0 ? undefined : (args[s + 1] as 'native' | 'pacat');
      for (const b of backends)
        out.push(...(await measuredDelay(b, num(args, '--seconds', 20), b === 'pulse' && !args.includes('--no-baresip'), args.includes('--pacat-latency') ? num(args, '--pacat-latency', 20) : undefined, streams)));
    }
    if (sections.includes('mic')) out.push(...(await micDelay(num(args, '--seconds', 20), !args.includes('--no-baresip'))));
    if (sections.includes('long')) out.push(...(await long(num(args, '--long-real', 1800))));
    if (sections.includes('calls')) {
      const i = args.indexOf('--backends');
      const backends = (i < 0 ? 'pulse,rtaudio,portaudio' : args[i + 1]!).split(',') as CallBackend[];
      out.push(...(await calls(list(args, '--calls', [1, 4, 10]), num(args, '--window', 20), backends)));
    }
    if (sections.includes('idle')) out.push(...(await idle(num(args, '--seconds', 600))));
    return out;
  },
};

export default bench;
