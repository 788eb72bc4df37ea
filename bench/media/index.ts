// bench/media: what the media path costs and how long audio waits, beside baresip where the same
// figure can be taken from it in the same run.
//   npm run bench -- media delay      added delay RTP arrival -> talk device, p50/p99, at 0 and 30 ms
//                                     jitter, measured with clicks through the sink's monitor beside what
//                                     the call reports (bench/media/delay.ts; private PulseAudio, no lab
//                                     lock), for --backends pulse,portaudio,rtaudio (default: all three).
//   npm run bench -- media long       a 30-minute call (sender 0.5 % fast), faster than real time: the
//                                     jitter buffer's level minute 1 vs minute 30 (the same code, driven
//                                     by simulated arrival times), plus a real-time engine call of
//                                     --long-real S seconds (default 120): RSS and playout delay start vs end.
//   npm run bench -- media idle       (needs the lab, inside its lock) app and baresip registered and
//                                     idle for --minutes M (default 3): CPU ms per second and RSS, side by side.
// Figures, not pass/fail.
import { execFileSync } from 'node:child_process';
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
import { measuredDelay } from './delay.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const num = (args: string[], flag: string, fallback: number) => {
  const i = args.indexOf(flag);
  return i < 0 ? fallback : Number(args[i + 1]);
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
    const sample = async (s: number) => {
      const d: number[] = [];
      for (let i = 0; i < s * 4; i++) {
        await sleep(250);
        d.push(call.sdh.stats().playoutDelayMs ?? Number.NaN);
      }
      return percentile(d.filter(Number.isFinite), 50);
    };
    await sleep(2000);
    const rss0 = process.memoryUsage().rss / 1e6;
    const d0 = await sample(10);
    await sleep(Math.max(0, realSeconds - 22) * 1000);
    const d1 = await sample(10);
    const rss1 = process.memoryUsage().rss / 1e6;
    call.stop();
    await engine.close();
    out.push(
      { name: `real-time call ${realSeconds} s, peer +0.5 %: playout delay first 10 s (p50)`, value: d0, unit: 'ms' },
      { name: `real-time call ${realSeconds} s, peer +0.5 %: playout delay last 10 s (p50)`, value: d1, unit: 'ms' },
      { name: `real-time call: RSS of the process (engine + test peer) at 2 s`, value: rss0, unit: 'MB' },
      { name: `real-time call: RSS at the end`, value: rss1, unit: 'MB' },
    );
  } finally {
    await pulse.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

let clockTicks = 0;
function cpuMs(pid: number): number {
  clockTicks ||= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = fields.slice(fields.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) / clockTicks) * 1000;
}
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function idle(minutes: number): Promise<Figure[]> {
  const { startApp } = await import('../../test/support/app-process.js');
  const { labPaths, pruneStaleContacts } = await import('../../test/lab/peers.js');
  const { startBenchBaresip } = await import('../sip/baresip.js');
  const paths = labPaths();
  await pruneStaleContacts('6000');
  const app = await startApp({ user: '6000', config: {}, env: { PULSE_SERVER: paths.pulseServer } });
  const peer = await startBenchBaresip({ user: '6001', audioFile: paths.audio.tone440short, maxCalls: 4, player: 'pulse' });
  try {
    await sleep(10_000); // registration, start-up GC and JIT settle
    const pids = { app: app.process.pid!, peer: peer.pid };
    const c0 = { app: cpuMs(pids.app), peer: cpuMs(pids.peer) };
    const t0 = performance.now();
    await sleep(minutes * 60_000);
    const secs = (performance.now() - t0) / 1000;
    const c1 = { app: cpuMs(pids.app), peer: cpuMs(pids.peer) };
    return [
      { name: `idle, registered, ${minutes} min: CPU per second`, value: (c1.app - c0.app) / secs, unit: 'ms/s', peer: { name: 'baresip', value: (c1.peer - c0.peer) / secs }, goal: '<= 1 ms/s' },
      { name: 'idle, registered: RSS', value: rssMb(pids.app), unit: 'MB', peer: { name: 'baresip', value: rssMb(pids.peer) } },
    ];
  } finally {
    await Promise.allSettled([app.stop(), peer.stop()]);
  }
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
      for (const b of backends) out.push(...(await measuredDelay(b, num(args, '--seconds', 20))));
    }
    if (sections.includes('long')) out.push(...(await long(num(args, '--long-real', 120))));
    if (sections.includes('idle')) out.push(...(await idle(num(args, '--minutes', 3))));
    return out;
  },
};

export default bench;
