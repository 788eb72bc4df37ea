// A private PulseAudio with the lab's sinks (test/lab/pulse/lab.pa) in a temp dir, for media tests
// that load and unload sinks or assert silence: the shared lab server is in use by other tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LAB_PA = path.resolve(import.meta.dirname, '..', 'lab', 'pulse', 'lab.pa');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PrivatePulse {
  server: string;
  env: NodeJS.ProcessEnv;
  /** pactl with this server; returns stdout (throws on failure). */
  pactl(...args: string[]): string;
  /** Keep a low-latency recorder open on a source (an idle null sink renders in 2 s blocks otherwise). */
  keep(source: string): void;
  /** Record `ms` of a source as 8 kHz mono samples. */
  record(source: string, ms: number): Promise<Int16Array>;
  /** Stop the server (SIGSTOP) until the returned thaw is called: its clients connect late, as on a busy machine. */
  freeze(): () => void;
  stop(): Promise<void>;
}

export async function startPrivatePulse(): Promise<PrivatePulse> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-'));
  const socket = path.join(dir, 'native');
  const run = path.join(dir, 'run');
  fs.mkdirSync(run, { mode: 0o700 });
  const env = { ...process.env, XDG_RUNTIME_DIR: run, HOME: dir, PULSE_SERVER: `unix:${socket}` };
  const args = ['--daemonize=no', '--exit-idle-time=-1', '--disallow-exit=yes', '--use-pid-file=no', '--realtime=no', '--high-priority=no', '-n', '-F', LAB_PA];
  args.push(`--load=module-native-protocol-unix auth-anonymous=1 socket=${socket}`);
  if (process.getuid?.() === 0) args.push('--system=no');
  const daemon: ChildProcess = spawn('pulseaudio', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  daemon.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-2000)));
  const keepers: ChildProcess[] = [];
  const parec = (source: string) => spawn('parec', ['--raw', '--format=s16le', '--rate=8000', '--channels=1', '--latency-msec=20', `--device=${source}`], { env });
  const pulse: PrivatePulse = {
    server: env.PULSE_SERVER,
    env,
    pactl: (...a) => {
      const r = spawnSync('pactl', a, { env, encoding: 'utf8', timeout: 5000 });
      if (r.status !== 0) throw new Error(`pactl ${a.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
    keep: (source) => {
      const k = parec(source);
      k.stdout.resume();
      keepers.push(k);
    },
    record: (source, ms) =>
      new Promise((resolve) => {
        const p = parec(source);
        const chunks: Buffer[] = [];
        p.stdout.on('data', (c: Buffer) => chunks.push(c));
        setTimeout(() => p.kill('SIGTERM'), ms);
        p.on('close', () => {
          const b = Buffer.concat(chunks);
          const out = new Int16Array(Math.floor(b.length / 2));
          for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(i * 2);
          resolve(out);
        });
      }),
    freeze: () => {
      daemon.kill('SIGSTOP');
      return () => daemon.kill('SIGCONT');
    },
    stop: async () => {
      for (const k of keepers) k.kill('SIGTERM');
      if (daemon.exitCode === null) {
        const gone = new Promise((r) => daemon.once('exit', r));
        daemon.kill('SIGTERM');
        await Promise.race([gone, sleep(3000)]);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    if (daemon.exitCode !== null) break;
    if (fs.existsSync(socket) && spawnSync('pactl', ['info'], { env, timeout: 2000 }).status === 0) return pulse;
  }
  await pulse.stop();
  throw new Error(`private pulseaudio did not start: ${log}`);
}

/**
 * Point ALSA's pulse plugin (what RtAudio and PortAudio reach on Linux) at this server's `headset`
 * sink and `mic` source, and keep both rendering in real time. Returns what puts the environment back
 * exactly: the integration files share one process, and a PULSE_SINK left as "undefined" made every
 * later baresip play nowhere.
 */
export function aimAlsaPlugin(pulse: PrivatePulse): () => void {
  const saved = { PULSE_SERVER: process.env.PULSE_SERVER, PULSE_SINK: process.env.PULSE_SINK, PULSE_SOURCE: process.env.PULSE_SOURCE };
  process.env.PULSE_SERVER = pulse.server;
  process.env.PULSE_SINK = 'headset';
  process.env.PULSE_SOURCE = 'mic';
  pulse.keep('headset.monitor');
  pulse.keep('micfeed.monitor');
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
