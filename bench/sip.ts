// bench/sip: how fast the app answers, beside baresip measured in the same run.
//   sipp calls through Kamailio, alternating between the app (user 6000) and baresip (user 6001), both in auto-answer
//   mode; tcpdump captures SIP on loopback; the pcap is read here and INVITE -> 180 / 200 are timed per Call-ID
//   at Kamailio's side (Kamailio's INVITE to the endpoint vs the endpoint's response to Kamailio, so the proxy's own
//   time is excluded), and end to end at sipp's side (sipp's authenticated INVITE vs the response Kamailio relays).
//   Packet timestamps, not sipp's clock (which moves in 4 ms steps here).
//   Goal (issue): the app's p99 at most 1.5x baresip's.
// Args: --calls N (measured calls per endpoint, default 200), --warmup N (per endpoint, not measured, default 10),
//   --rate R (calls/s in total, default 4), --limit L (max concurrent calls, default 5), --duration MS (call length
//   after answer, default 300), --no-rtp (sipp sends no RTP), --pcap-only DIR (re-analyse a kept run),
//   --keep (keep the capture and logs; their folder is printed), --peer-player aubridge|pulse (baresip's player, default
//   aubridge: see bench/sip/baresip.ts), --app-audio pulse|none (the app's audio backend, default pulse).
// --presence-refused [--watches N --scale K --minutes M --code C]: instead, presence against a server that refuses
//   every SUBSCRIBE (no lab needed): the SUBSCRIBE rate over time as it backs off (bench/sip/presence-refused.ts).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApp, type AppProcess } from '../test/support/app-process.js';
import { presenceRefused } from './sip/presence-refused.js';
import {
  allocPortBlock,
  ensureLab,
  labPaths,
  pruneStaleContacts,
  registrations,
  sleep,
  startSipp,
  LAB_PASSWORD,
  SIP_HOST,
  SIP_PORT,
  type SippProcess,
} from '../test/lab/peers.js';
import { percentile, type Benchmark, type Figure } from './harness.js';
import { startBenchBaresip, type BenchBaresip } from './sip/baresip.js';
import { matchCalls, parseSip, readPcapUdp, type CallTimes } from './sip/pcap.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');

const APP_USER = '6000';
const PEER_USER = '6001';
const CALLER = '6099';

interface Options {
  calls: number;
  warmup: number;
  rate: number;
  limit: number;
  durationMs: number;
  rtp: boolean;
  keep: boolean;
  /** baresip's audio player: aubridge (default: no Pulse drain stall, no CPU burn) or pulse (the lab's alsa,pulse). */
  peerPlayer: 'aubridge' | 'pulse';
  /** The app's audio.backend (default pulse, as a dispatcher runs it). */
  appAudio: 'pulse' | 'none';
}

function parseArgs(args: string[]): Options {
  const num = (flag: string, fallback: number): number => {
    const i = args.indexOf(flag);
    if (i < 0) return fallback;
    const v = Number(args[i + 1]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${flag} needs a number`);
    return v;
  };
  const str = <T extends string>(flag: string, allowed: readonly T[], fallback: T): T => {
    const i = args.indexOf(flag);
    if (i < 0) return fallback;
    const v = args[i + 1] as T;
    if (!allowed.includes(v)) throw new Error(`${flag} is one of ${allowed.join(', ')}`);
    return v;
  };
  return {
    calls: Math.round(num('--calls', 200)),
    warmup: Math.round(num('--warmup', 10)),
    rate: num('--rate', 4),
    limit: Math.round(num('--limit', 5)),
    durationMs: Math.round(num('--duration', 300)),
    rtp: !args.includes('--no-rtp'),
    keep: args.includes('--keep'),
    peerPlayer: str('--peer-player', ['aubridge', 'pulse'] as const, 'aubridge'),
    appAudio: str('--app-audio', ['pulse', 'none'] as const, 'pulse'),
  };
}

// ---------------------------------------------------------------- processes

export interface Tcpdump {
  child: ChildProcess;
  file: string;
  /** SIGINT (tcpdump flushes and closes the file), SIGKILL after 3 s. */
  stop(): Promise<void>;
}

export function startTcpdump(file: string, ports: number[]): Promise<Tcpdump> {
  const filter = `udp and (${ports.map((p) => `port ${p}`).join(' or ')})`;
  // --immediate-mode: without it libpcap hands packets over in blocks (up to 1 s late) and the last second of the run is
  // lost when tcpdump stops; -U: write each packet as it comes; -s 0: whole datagrams.
  const child = spawn('tcpdump', ['-i', 'lo', '-n', '--immediate-mode', '-U', '-s', '0', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<void>((done) => {
    child.once('exit', () => done());
    child.once('error', (e) => {
      stderr += `\n${e.message}`;
      done();
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => {
      void stop();
      fail(new Error(`tcpdump did not start listening in 5 s: ${stderr}`));
    }, 5000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        ready({ child, file, stop });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`tcpdump exited: ${stderr.trim()}`));
    });
  });
}

let clockTicks = 0;
/** CPU time (user + system, including reaped children) of a process, in ms. */
function cpuMs(pid: number): number {
  if (!clockTicks) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces): state is field 3, utime..cstime are 14..17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return (ticks * 1000) / clockTicks;
}

/** The UDP port the user's (single) contact is registered with at Kamailio. */
async function contactPort(user: string): Promise<{ port: number; contacts: number }> {
  const regs = await registrations(user);
  const contacts = regs.flatMap((r) => (r.aor === user ? r.contacts : []));
  const first = contacts[0];
  const source = first?.received ?? first?.address ?? '';
  const m = /:(\d+)(?:[;>]|$)/.exec(source.replace(/^sips?:[^@]*@/, ''));
  if (!m) throw new Error(`no registration of ${user} at Kamailio (${JSON.stringify(regs)})`);
  return { port: Number(m[1]), contacts: contacts.length };
}

// ---------------------------------------------------------------- analysis

interface Side {
  name: string;
  attempted: number;
  succeeded: number;
  failed: string[];
  warmup: number;
  lat100: number[];
  lat180: number[];
  lat200: number[];
  e2e180: number[];
  e2e200: number[];
  /** Calls where the endpoint sent its 200 more than once (the ACK came late or the 200 was retransmitted). */
  retransmitted200: number;
  /** Calls where Kamailio had to resend the INVITE (no provisional response within 500 ms). */
  retransmittedInvite: number;
}

function summarise(name: string, user: string, calls: CallTimes[], warmup: number): Side {
  const mine = calls.filter((c) => c.target === user && c.callerInvite !== undefined).sort((a, b) => a.callerInvite! - b.callerInvite!);
  const measured = mine.slice(warmup);
  const side: Side = {
    name,
    attempted: measured.length,
    succeeded: 0,
    failed: [],
    warmup: mine.length - measured.length,
    lat100: [],
    lat180: [],
    lat200: [],
    e2e180: [],
    e2e200: [],
    retransmitted200: 0,
    retransmittedInvite: 0,
  };
  for (const c of measured) {
    if (c.caller200 !== undefined && c.endpoint200 !== undefined) side.succeeded++;
    else side.failed.push(`${c.callId}: ${c.endpointFinal ?? (c.proxyInvite === undefined ? 'not forwarded' : 'no final response')}`);
    if (c.proxyInviteCount > 1) side.retransmittedInvite++;
    if (c.endpoint200Count > 1) side.retransmitted200++;
    if (c.proxyInvite !== undefined) {
      if (c.endpoint100 !== undefined) side.lat100.push(c.endpoint100 - c.proxyInvite);
      if (c.endpoint180 !== undefined) side.lat180.push(c.endpoint180 - c.proxyInvite);
      if (c.endpoint200 !== undefined) side.lat200.push(c.endpoint200 - c.proxyInvite);
    }
    if (c.caller180 !== undefined) side.e2e180.push(c.caller180 - c.callerInvite!);
    if (c.caller200 !== undefined) side.e2e200.push(c.caller200 - c.callerInvite!);
  }
  return side;
}

function figures(app: Side, peer: Side, cpu?: { app: number; peer: number }): Figure[] {
  const out: Figure[] = [];
  const row = (name: string, pick: (s: Side) => number[], p: number, goal?: string): void => {
    const a = pick(app);
    const b = pick(peer);
    if (a.length === 0 && b.length === 0) return;
    out.push({
      name: `${name} ${p === 100 ? 'max' : `p${p}`} (n=${a.length}/${b.length})`,
      value: percentile(a, p),
      unit: 'ms',
      peer: { name: 'baresip', value: percentile(b, p) },
      ...(goal ? { goal } : {}),
    });
  };
  const goal = "<= 1.5x baresip's";
  row('INVITE->180 at proxy', (s) => s.lat180, 50);
  row('INVITE->180 at proxy', (s) => s.lat180, 99, goal);
  row('INVITE->200 at proxy', (s) => s.lat200, 50);
  row('INVITE->200 at proxy', (s) => s.lat200, 99, goal);
  row('INVITE->180 end to end (sipp)', (s) => s.e2e180, 50);
  row('INVITE->180 end to end (sipp)', (s) => s.e2e180, 99);
  row('INVITE->200 end to end (sipp)', (s) => s.e2e200, 50);
  row('INVITE->200 end to end (sipp)', (s) => s.e2e200, 99);
  row('INVITE->200 at proxy', (s) => s.lat200, 100);
  // baresip sends no 100 Trying (its 180 comes at once): the app's 100 alone shows when its SIP stack first answers.
  if (app.lat100.length) out.push({ name: `INVITE->100 at proxy p50, app only (n=${app.lat100.length})`, value: percentile(app.lat100, 50), unit: 'ms' });
  if (app.lat100.length) out.push({ name: 'INVITE->100 at proxy p99, app only', value: percentile(app.lat100, 99), unit: 'ms' });
  out.push({ name: 'calls attempted (measured)', value: app.attempted, unit: 'calls', peer: { name: 'baresip', value: peer.attempted } });
  out.push({ name: 'calls succeeded', value: app.succeeded, unit: 'calls', peer: { name: 'baresip', value: peer.succeeded } });
  out.push({ name: '200 OK retransmitted', value: app.retransmitted200, unit: 'calls', peer: { name: 'baresip', value: peer.retransmitted200 } });
  if (cpu) out.push({ name: 'CPU time per call (process, whole run)', value: cpu.app, unit: 'ms', peer: { name: 'baresip', value: cpu.peer } });
  return out;
}

function analyse(pcap: string, sippPort: number, ports: { app: number; peer: number }, warmup: number, cpu?: { app: number; peer: number }): Figure[] {
  const packets = readPcapUdp(pcap).flatMap((p) => parseSip(p) ?? []);
  const calls = [...matchCalls(packets, SIP_PORT, sippPort, new Set([ports.app, ports.peer])).values()];
  const app = summarise('app', APP_USER, calls, warmup);
  const peer = summarise('baresip', PEER_USER, calls, warmup);
  for (const s of [app, peer]) {
    const note = `${s.name}: ${s.attempted} measured calls (+${s.warmup} warm-up), ${s.succeeded} succeeded, ` +
      `${s.lat180.length} with 180, ${s.retransmittedInvite} INVITE retransmitted by the proxy, ${s.retransmitted200} with the 200 retransmitted`;
    console.log(note);
    if (s.failed.length) console.log(`  failed: ${s.failed.slice(0, 5).join('; ')}${s.failed.length > 5 ? ` (+${s.failed.length - 5})` : ''}`);
  }
  return figures(app, peer, cpu);
}

// ---------------------------------------------------------------- the run

const bench: Benchmark = {
  description: 'INVITE->180 / INVITE->200 of the app (auto-answer) vs baresip, sipp through Kamailio, timed from a pcap',
  async run(args) {
    if (args.includes('--presence-refused')) return presenceRefused(args);
    const pcapOnly = args.indexOf('--pcap-only');
    if (pcapOnly >= 0) {
      // Re-analyse a kept run: --pcap-only DIR (the folder --keep printed).
      const dir = args[pcapOnly + 1]!;
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { sippPort: number; ports: { app: number; peer: number }; warmup: number };
      return analyse(join(dir, 'sip.pcap'), meta.sippPort, meta.ports, meta.warmup);
    }
    const o = parseArgs(args);
    const hostJs = join(repo, 'dist/main/app/host.js');
    if (!existsSync(hostJs)) throw new Error('the app is not built: run npm run build');
    await ensureLab();
    const paths = labPaths();
    const dir = mkdtempSync(join(tmpdir(), 'dispatch-bench-sip-'));

    let app: AppProcess | undefined;
    let peer: BenchBaresip | undefined;
    let sipp: SippProcess | undefined;
    let tcpdump: Tcpdump | undefined;
    let cleaning: Promise<void> | undefined;
    const cleanup = (): Promise<void> =>
      (cleaning ??= (async () => {
        await Promise.allSettled([sipp?.stop(), tcpdump?.stop()]);
        await Promise.allSettled([app?.stop(), peer?.stop()]);
      })());
    // Last resorts: Ctrl-C, and a synchronous kill if this process exits with children still up.
    const onSignal = (signal: NodeJS.Signals): void => {
      console.error(`${signal}: stopping the app, baresip, sipp and tcpdump`);
      void cleanup().finally(() => {
        if (!o.keep) rmSync(dir, { recursive: true, force: true });
        process.exit(130);
      });
    };
    const onExit = (): void => {
      for (const c of [app?.process, tcpdump?.child]) if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.once('exit', onExit);

    try {
      await pruneStaleContacts(APP_USER);
      const [a, b] = await Promise.all([
        startApp({
          user: APP_USER,
          dir: join(dir, 'app'),
          config: { autoAnswer: true, ...(o.appAudio === 'none' ? { audio: { backend: 'none' } } : {}) },
          env: {
            PULSE_SERVER: paths.pulseServer,
            // For looking inside the app: e.g. BENCH_SIP_APP_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
            ...(process.env.BENCH_SIP_APP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SIP_APP_NODE_OPTIONS } : {}),
          },
        }),
        startBenchBaresip({ user: PEER_USER, audioFile: paths.audio.tone440short, maxCalls: Math.max(16, 2 * o.limit), player: o.peerPlayer }),
      ]);
      app = a;
      peer = b;
      if (app.output.some((l) => /registration|refused|failed/i.test(l))) console.log(`app: ${app.output.join(' | ')}`);
      const appReg = await contactPort(APP_USER);
      const peerReg = await contactPort(PEER_USER);
      if (appReg.contacts !== 1 || peerReg.contacts !== 1) {
        console.log(`warning: ${appReg.contacts} contact(s) for ${APP_USER}, ${peerReg.contacts} for ${PEER_USER}: Kamailio forks to all of them`);
      }
      const ports = { app: appReg.port, peer: peerReg.port };
      const sippPort = await allocPortBlock();

      // Alternate the callee call by call; sipp reads one line per call, in order.
      const total = 2 * (o.calls + o.warmup);
      const lines = Array.from({ length: total }, (_, i) => `${i % 2 === 0 ? APP_USER : PEER_USER};`);
      const inf = join(dir, 'targets.csv');
      writeFileSync(inf, `SEQUENTIAL\n${lines.join('\n')}\n`);
      // rtp_stream's file is read when the scenario loads (no keyword substitution there): write the path in.
      let scenario = readFileSync(join(here, 'sip', 'uac-alternate.xml'), 'utf8').replace('[rtpfile]', paths.audio.tone440ulaw);
      if (!o.rtp) scenario = scenario.replace(/\s*<nop>\s*<action>\s*<exec rtp_stream[^>]*\/>\s*<\/action>\s*<\/nop>/, '');
      const scenarioFile = join(dir, 'uac-alternate.xml');
      writeFileSync(scenarioFile, scenario);
      const pcap = join(dir, 'sip.pcap');
      writeFileSync(join(dir, 'meta.json'), JSON.stringify({ sippPort, ports, warmup: o.warmup }));

      tcpdump = await startTcpdump(pcap, [SIP_PORT]);
      const cpu0 = { app: cpuMs(app.process.pid!), peer: cpuMs(peer.pid) };
      const started = Date.now();
      console.log(
        `sipp: ${total} calls alternating ${APP_USER} (app, SIP port ${ports.app}) / ${PEER_USER} (baresip, ${ports.peer}), ` +
          `${o.rate} calls/s, at most ${o.limit} at once, ${o.durationMs} ms each${o.rtp ? ' with RTP' : ''}; ` +
          `app audio ${o.appAudio}, baresip player ${o.peerPlayer}`,
      );
      sipp = await startSipp(
        [
          '-sf', scenarioFile, `${SIP_HOST}:${SIP_PORT}`,
          '-inf', inf,
          '-key', 'caller', CALLER, '-au', CALLER, '-ap', LAB_PASSWORD,
          '-m', String(total), '-r', String(o.rate), '-l', String(o.limit), '-d', String(o.durationMs),
          '-p', String(sippPort), '-mp', String(sippPort + 2),
          '-trace_err', '-error_file', join(dir, 'sipp-errors.log'),
        ],
        { cwd: dir, timeoutMs: Math.ceil((total / o.rate) * 1000) + 60_000 },
      );
      const result = await sipp.done;
      const seconds = (Date.now() - started) / 1000;
      await sleep(500); // the last BYE/200 exchanges
      const cpu1 = { app: cpuMs(app.process.pid!), peer: cpuMs(peer.pid) };
      await tcpdump.stop();
      console.log(`sipp exit code ${result.code} after ${seconds.toFixed(1)} s${result.code === 0 ? '' : ` (0 = all calls ok):\n${result.stderr.slice(-2000)}`}`);

      const perTarget = total / 2;
      const cpu = { app: (cpu1.app - cpu0.app) / perTarget, peer: (cpu1.peer - cpu0.peer) / perTarget };
      const out = analyse(pcap, sippPort, ports, o.warmup, cpu);
      if (o.keep) console.log(`capture and logs kept in ${dir} (re-analyse: npm run bench -- sip --pcap-only ${dir})`);
      return out;
    } finally {
      await cleanup();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('exit', onExit);
      if (app && app.output.length && (process.env.DISPATCH_PHONE_DEBUG || app.process.exitCode)) {
        writeFileSync(join(dir, 'app.log'), app.output.join('\n'));
        console.log(`app log: ${join(dir, 'app.log')}`);
      }
      if (!o.keep && !process.env.DISPATCH_PHONE_DEBUG) rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
