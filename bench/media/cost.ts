// bench/media cost: what calls and an idle shift cost, the app beside baresip in the same run, counted
// per process from /proc (procs.ts): the process itself (the app's media worker is one of its threads),
// its helper processes (pacat / parec / pactl), and the PulseAudio server both play through.
//
// calls: sipp (bench/media/uac-hold.xml) places N calls at once to the app (auto-answer), then N to
// baresip (auto-answer), N = 1, 4, 10, one side after the other. sipp sends G.711 RTP on every call from
// the ACK on and accepts every re-INVITE (a peer that accepts holds). The app answers each new call
// as a dispatcher would: the call being talked on is put on hold, so of N calls one talks (played on
// the headset, microphone sent) and N - 1 are held (sipp keeps sending to them; the app drops what
// they receive and sends nothing). baresip 1.0 answers each call and keeps them all talking (N
// streams played and recorded). Both use the lab's PulseAudio: the app through its pacat/parec,
// baresip through ALSA's pulse plugin, sink `headset`, source `mic`. The cost is taken over a
// window while all N calls are up (set-up and tear-down left out), per call-second: CPU / (N x window).
// The PulseAudio server's figure is its CPU in each side's window less its idle rate (measured first,
// both registered and idle).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type AppProcess } from '../../test/support/app-process.js';
import { ensureLab, labPaths, pruneStaleContacts, sleep, startSipp, LAB_PASSWORD, SIP_HOST, SIP_PORT } from '../../test/lab/peers.js';
import type { Figure } from '../harness.js';
import { startBenchBaresip, type BenchBaresip } from '../sip/baresip.js';
import { cpuMs, pulseServerPid, rssMb, sampleTree, taskCpu, taskSummary, threadCpuMs, treeCost, treeRssMb, type TreeCost } from './procs.js';

const APP_USER = '6000';
const PEER_USER = '6001';
const CALLER = '6099';
const here = path.dirname(new URL(import.meta.url).pathname);

/** `pulse-pacat`: the pulse backend with its old pacat/parec streams (`audio.pulseStreams: 'pacat'`), for a before/after in one run. */
export type CallBackend = 'pulse' | 'pulse-pacat' | 'rtaudio' | 'portaudio';

interface Lab {
  /** The first of `apps` (the idle figure's). */
  app: AppProcess;
  /** One app per backend, each its own user and RTP range, all registered at once. */
  apps: Map<CallBackend, { user: string; app: AppProcess }>;
  peer: BenchBaresip;
  pulse: number;
  stop(): Promise<void>;
}

/**
 * The app's audio settings per backend. pulse: its own pacat/parec on the lab's sinks by name. rtaudio and
 * portaudio reach the same server in-process through ALSA's pulse plugin (as baresip does), on the device
 * behind which PULSE_SINK / PULSE_SOURCE (set for every app) name the sink and source.
 */
const AUDIO: Record<CallBackend, Record<string, unknown>> = {
  pulse: { backend: 'pulse', ringDevice: 'spk', talkOutputDevice: 'headset', microphone: 'mic' },
  'pulse-pacat': { backend: 'pulse', ringDevice: 'spk', talkOutputDevice: 'headset', microphone: 'mic', pulseStreams: 'pacat' },
  rtaudio: { backend: 'rtaudio', ringDevice: null, talkOutputDevice: 'rt:PulseAudio Sound Server', microphone: 'rt:PulseAudio Sound Server' },
  portaudio: { backend: 'portaudio', ringDevice: null, talkOutputDevice: 'pa:pulse', microphone: 'pa:pulse' },
};

async function startBoth(maxCalls: number, backends: CallBackend[] = ['pulse']): Promise<Lab> {
  await ensureLab();
  const paths = labPaths();
  const users = backends.map((_, k) => String(Number(APP_USER) + 2 * k)); // 6000, 6002, 6004 (6001 is baresip)
  for (const u of users) await pruneStaleContacts(u);
  const [peer, ...started] = await Promise.all([
    startBenchBaresip({ user: PEER_USER, audioFile: paths.audio.tone440short, maxCalls, player: 'pulse', pulseDevices: { sink: 'headset', source: 'mic' } }),
    ...backends.map((backend, k) =>
      startApp({
        user: users[k]!,
        config: { autoAnswer: true, audio: AUDIO[backend], media: { rtpPortMin: 50000 + 3000 * k, rtpPortMax: 52999 + 3000 * k } },
        env: { PULSE_SERVER: paths.pulseServer, PULSE_SINK: 'headset', PULSE_SOURCE: 'mic' },
        // For looking inside the app: e.g. BENCH_MEDIA_APP_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (main thread
        // and media worker each write a profile when the app exits).
        ...(process.env.BENCH_MEDIA_APP_NODE_ARGS ? { nodeArgs: process.env.BENCH_MEDIA_APP_NODE_ARGS.split(' ') } : {}),
      }),
    ),
  ]);
  const apps = new Map(backends.map((b, k) => [b, { user: users[k]!, app: started[k] as AppProcess }]));
  return {
    app: started[0] as AppProcess,
    apps,
    peer: peer as BenchBaresip,
    pulse: pulseServerPid(paths.pulseServer),
    stop: async () => {
      await Promise.allSettled([...started.map((a) => (a as AppProcess).stop()), (peer as BenchBaresip).stop()]);
    },
  };
}

const perSecond = (ms: number, seconds: number) => ms / seconds;

/** Both registered and idle for `seconds`: the PulseAudio server's idle rate (ms/s), subtracted below. */
async function pulseIdleRate(pulse: number, seconds: number): Promise<number> {
  const c0 = cpuMs(pulse);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  return (cpuMs(pulse) - c0) / ((performance.now() - t0) / 1000);
}

interface Phase {
  side: TreeCost;
  pulseMs: number;
  rss: { own: number; helpers: number };
  sippCode: number | null;
}

/** N calls at once from sipp to `user`; measured over `windowS` once they are all up. */
async function phase(user: string, pid: number, pulse: number, n: number, windowS: number): Promise<Phase> {
  const paths = labPaths();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpu-calls-'));
  try {
    const settleS = 4 + n * 0.2; // all answered (and the holds exchanged) well before the window
    const callMs = Math.round((settleS + windowS + 3) * 1000);
    const scenario = fs
      .readFileSync(path.join(here, 'uac-hold.xml'), 'utf8')
      .replaceAll('[rtpfile]', paths.audio.tone440ulaw)
      .replaceAll('CALL_MS', String(callMs));
    fs.writeFileSync(path.join(dir, 'uac.xml'), scenario);
    fs.writeFileSync(path.join(dir, 'targets.csv'), `SEQUENTIAL\n${Array.from({ length: n }, () => `${user};`).join('\n')}\n`);
    const sipp = await startSipp(
      [
        '-sf', path.join(dir, 'uac.xml'), `${SIP_HOST}:${SIP_PORT}`,
        '-inf', path.join(dir, 'targets.csv'),
        '-key', 'caller', CALLER, '-au', CALLER, '-ap', LAB_PASSWORD,
        '-m', String(n), '-l', String(n), '-r', String(Math.max(n, 1)),
        '-trace_err', '-error_file', path.join(dir, 'sipp-errors.log'),
      ],
      { cwd: dir, timeoutMs: callMs + 60_000 },
    );
    await sleep(settleS * 1000);
    const a = sampleTree(pid);
    const t0 = taskCpu(pid);
    const p0 = cpuMs(pulse);
    await sleep(windowS * 1000);
    const b = sampleTree(pid);
    const t1 = taskCpu(pid);
    const p1 = cpuMs(pulse);
    console.log(`${n} call${n > 1 ? 's' : ''} to ${user}: busiest threads ${taskSummary(t0, t1, (b.at - a.at) / 1000)}`);
    const rss = treeRssMb(pid);
    const result = await sipp.done;
    if (result.code !== 0) {
      const errors = fs.existsSync(path.join(dir, 'sipp-errors.log')) ? fs.readFileSync(path.join(dir, 'sipp-errors.log'), 'utf8').slice(-1500) : '';
      console.log(`sipp to ${user} (${n} calls) exited ${result.code}: ${errors || result.stderr.slice(-1500)}`);
    }
    return { side: treeCost(a, b), pulseMs: p1 - p0, rss, sippCode: result.code };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function calls(counts: number[], windowS: number, backends: CallBackend[] = ['pulse', 'rtaudio', 'portaudio']): Promise<Figure[]> {
  const lab = await startBoth(Math.max(16, 2 * Math.max(...counts)), backends);
  const out: Figure[] = [];
  try {
    await sleep(8000); // registration, start-up JIT and GC settle
    const pulseIdle = await pulseIdleRate(lab.pulse, 10);
    out.push({ name: `PulseAudio server idle (${backends.length} apps and baresip registered, no call)`, value: pulseIdle, unit: 'ms/s' });
    for (const n of counts) {
      // each backend's app in turn, then baresip once: every app's figure is beside the same baresip window
      const apps: [CallBackend, Phase][] = [];
      for (const [backend, { user, app }] of lab.apps) {
        apps.push([backend, await phase(user, app.process.pid!, lab.pulse, n, windowS)]);
        await sleep(7000); // the app's talk streams linger 5 s after the last call, then close
      }
      const peer = await phase(PEER_USER, lab.peer.pid, lab.pulse, n, windowS);
      await sleep(4000); // baresip drains its players
      const callS = (c: Phase) => n * c.side.seconds;
      const pulseNet = (c: Phase) => Math.max(0, c.pulseMs - pulseIdle * c.side.seconds);
      const total = (c: Phase) => (c.side.own + c.side.helpers + pulseNet(c)) / callS(c);
      const split = (c: Phase) => `${c.side.own.toFixed(0)} ms (${c.side.sys.toFixed(0)} in the kernel, ${c.side.main.toFixed(0)} on the main thread)`;
      const calls = `${n} call${n > 1 ? 's' : ''}`;
      console.log(`${calls}: baresip window ${peer.side.seconds.toFixed(1)} s, sipp ${peer.sippCode}, process ${split(peer)}`);
      for (const [backend, app] of apps) {
        const tag = `${calls}, app on ${backend}`;
        const helpers = Object.entries(app.side.helpersByName)
          .map(([k, v]) => `${k} ${v.toFixed(0)}`)
          .join(', ');
        console.log(`${tag}: window ${app.side.seconds.toFixed(1)} s, sipp ${app.sippCode}, process ${split(app)}, helpers (ms): ${helpers || 'none'}; all ${total(app).toFixed(1)} ms per call-second = ${(total(app) / total(peer)).toFixed(2)}x baresip`);
        out.push(
          { name: `${tag}: process CPU per call-second`, value: perSecond(app.side.own, callS(app)), unit: 'ms', peer: { name: 'baresip', value: perSecond(peer.side.own, callS(peer)) } },
          { name: `${tag}: helper processes (pacat, parec) per call-second`, value: perSecond(app.side.helpers, callS(app)), unit: 'ms', peer: { name: 'baresip', value: perSecond(peer.side.helpers, callS(peer)) } },
          { name: `${tag}: PulseAudio server per call-second (less idle)`, value: pulseNet(app) / callS(app), unit: 'ms', peer: { name: 'baresip', value: pulseNet(peer) / callS(peer) } },
          { name: `${tag}: all of it per call-second`, value: total(app), unit: 'ms', peer: { name: 'baresip', value: total(peer) }, goal: "<= 1.5x baresip's" },
          { name: `${tag}: RSS (process + helpers)`, value: app.rss.own + app.rss.helpers, unit: 'MB', peer: { name: 'baresip', value: peer.rss.own + peer.rss.helpers } },
        );
        if (app.sippCode !== 0 || peer.sippCode !== 0) out.push({ name: `${tag}: sipp exit codes (0 = every call completed) app / baresip`, value: app.sippCode ?? -1, unit: '', peer: { name: 'baresip', value: peer.sippCode ?? -1 } });
      }
    }
  } finally {
    await lab.stop();
    if (process.env.BENCH_MEDIA_APP_OUTPUT) fs.writeFileSync(process.env.BENCH_MEDIA_APP_OUTPUT, [...lab.apps.values()].flatMap((a) => [`--- ${a.user}`, ...a.app.output]).join('\n'));
  }
  return out;
}

/** Registered and idle for `seconds`: CPU per second (process + helpers) and RSS, with the PulseAudio server's. */
export async function idle(seconds: number): Promise<Figure[]> {
  const lab = await startBoth(4);
  try {
    // Registration, then start-up's tail: background compilation and the heap's first shrinking GCs
    // (V8's memory reducer) run for tens of seconds after a start; the figure is the steady state.
    await sleep(30_000);
    const threads0 = threadCpuMs(lab.app.process.pid!);
    const a = { app: sampleTree(lab.app.process.pid!), peer: sampleTree(lab.peer.pid), pulse: cpuMs(lab.pulse) };
    await sleep(seconds * 1000);
    const b = { app: sampleTree(lab.app.process.pid!), peer: sampleTree(lab.peer.pid), pulse: cpuMs(lab.pulse) };
    const threads1 = threadCpuMs(lab.app.process.pid!);
    const byThread = Object.entries(threads1)
      .map(([name, t]) => ({ name, ms: t.ms - (threads0[name]?.ms ?? 0), wakes: t.wakes - (threads0[name]?.wakes ?? 0) }))
      .filter((t) => t.ms > 0 || t.wakes > 0)
      .sort((x, y) => y.ms - x.ms)
      .map((t) => `${t.name} ${t.ms.toFixed(0)} ms / ${t.wakes} wake-ups`)
      .join(', ');
    const mainWakes = (threads1.main?.wakes ?? 0) - (threads0.main?.wakes ?? 0);
    console.log(`idle: the app's threads (ms over the window): ${byThread || 'none'}`);
    const app = treeCost(a.app, b.app);
    const peer = treeCost(a.peer, b.peer);
    const appRss = treeRssMb(lab.app.process.pid!);
    if (process.env.BENCH_MEDIA_APP_OUTPUT) fs.writeFileSync(process.env.BENCH_MEDIA_APP_OUTPUT, lab.app.output.join('\n'));
    console.log(`idle: app ${app.own.toFixed(0)} ms (${app.sys.toFixed(0)} in the kernel, ${app.main.toFixed(0)} on the main thread), baresip ${peer.own.toFixed(0)} ms (${peer.sys.toFixed(0)}) over ${app.seconds.toFixed(0)} s`);
    const label = seconds >= 120 ? `${(seconds / 60).toFixed(0)} min` : `${seconds} s`;
    return [
      { name: `idle, registered, ${label}: process CPU per second`, value: app.own / app.seconds, unit: 'ms/s', peer: { name: 'baresip', value: peer.own / peer.seconds }, goal: '<= 1 ms/s' },
      { name: 'idle: wake-ups of the main thread per second', value: mainWakes / app.seconds, unit: '/s' },
      { name: 'idle: helper processes (pactl subscribe) CPU per second', value: app.helpers / app.seconds, unit: 'ms/s', peer: { name: 'baresip', value: peer.helpers / peer.seconds } },
      { name: 'idle: PulseAudio server CPU per second (both idle)', value: (b.pulse - a.pulse) / app.seconds, unit: 'ms/s' },
      { name: 'idle: RSS of the process', value: appRss.own, unit: 'MB', peer: { name: 'baresip', value: rssMb(lab.peer.pid) } },
      { name: 'idle: RSS of its helper processes', value: appRss.helpers, unit: 'MB' },
    ];
  } finally {
    await lab.stop();
  }
}
