// Runs the real web host (dist/main/app/host.js) as a child process with a config of the test's own,
// as a user would: `npm run serve -- --config FILE`. Used by e2e tests, integration tests and benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { CommandArgs, CommandName, CommandResult, ServerMessage } from '../../shared/commands.js';
import type { Result } from '../../shared/errors.js';
import type { PhoneState } from '../../shared/state.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface AppOptions {
  user: string;
  /** Extra config fields merged over the defaults below. */
  config?: Record<string, unknown>;
  /** Prepare the database before the app starts (e.g. seed demo data). */
  dir?: string;
  env?: Record<string, string>;
  /** Run the app inside this network namespace (test/lab/netns.mjs); reached through a unix-socket bridge. */
  netns?: string;
  /** Node flags before the script, e.g. ['--cpu-prof'] (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
}

export interface AppProcess {
  url: string;
  token: string;
  port: number;
  dir: string;
  configPath: string;
  databasePath: string;
  process: ChildProcess;
  /** In a network namespace: the unix socket that carries connections to the web host. */
  socketPath?: string;
  /** Lines after `ready` (registration failure reason), and stderr. */
  output: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function appConfig(user: string, dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sip: { server: '127.0.0.1:5060', transport: 'udp', user, password: 'secret', displayName: `Dispatcher ${user}` },
    database: { path: join(dir, 'phone.db') },
    audio: { backend: 'pulse', ringDevice: 'spk', talkOutputDevice: 'headset', microphone: 'mic' },
    // Away from the lab peers' ports (baresip 20000-39999, linphone 40000+).
    media: { rtpPortMin: 50000, rtpPortMax: 59999 },
    locale: 'en',
    ...extra,
  };
}

export async function startApp(options: AppOptions): Promise<AppProcess> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `dispatch-app-${options.user}-`));
  mkdirSync(dir, { recursive: true });
  const config = appConfig(options.user, dir, options.config);
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  // nodeArgs from the caller, or DP_APP_NODE_ARGS from the environment (a probe or a profiler for a bench).
  const nodeArgs = options.nodeArgs ?? (process.env.DP_APP_NODE_ARGS ? process.env.DP_APP_NODE_ARGS.split(' ') : []);
  const hostArgs = [...nodeArgs, join(repo, 'dist/main/app/host.js'), '--config', configPath];
  const [command, args] = options.netns ? ['ip', ['netns', 'exec', options.netns, process.execPath, ...hostArgs]] : [process.execPath, hostArgs];
  const child = spawn(command, args, {
    cwd: repo,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not print ready in 30 s:\n${output.join('\n')}`)), 30_000);
    lines.on('line', (line) => {
      if (line.startsWith('ready ')) {
        clearTimeout(timer);
        resolveReady(line.slice('ready '.length));
      } else output.push(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code} before ready:\n${output.join('\n')}`));
    });
  });
  const parsed = new URL(url);
  const socketPath = options.netns ? await bridge(options.netns, join(dir, 'web.sock'), Number(parsed.port), child) : undefined;
  return {
    ...(socketPath ? { socketPath } : {}),
    url,
    token: parsed.searchParams.get('token')!,
    port: Number(parsed.port),
    dir,
    configPath,
    databasePath: join(dir, 'phone.db'),
    process: child,
    output,
    stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((done) => {
        child.once('exit', (code) => done(code));
        child.kill(signal);
      });
    },
  };
}

/** A unix socket in `dir` carrying connections to 127.0.0.1:port inside `netns` (test/lab/netns-bridge.mjs), for as long as `app` runs. */
async function bridge(netns: string, socketPath: string, port: number, app: ChildProcess): Promise<string> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, join(repo, 'test/lab/netns-bridge.mjs'), socketPath, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  app.once('exit', () => child.kill('SIGTERM'));
  await new Promise<void>((resolveUp, reject) => {
    child.stdout!.once('data', () => resolveUp());
    child.once('exit', (code) => reject(new Error(`netns bridge exited with ${code}`)));
  });
  return socketPath;
}

/** The web host's WebSocket URL (through the bridge when the app runs in a network namespace). */
export function phoneSocketUrl(app: Pick<AppProcess, 'port' | 'token'> & { socketPath?: string }): string {
  return app.socketPath ? `ws+unix://${app.socketPath}:/phone?token=${app.token}` : `ws://127.0.0.1:${app.port}/phone?token=${app.token}`;
}

/** A client of the contract over the web host's WebSocket, as the renderer is: for tests to watch PhoneState. */
export class ContractClient {
  state: PhoneState | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (r: Result<unknown>) => void>();
  private readonly listeners = new Set<(s: PhoneState) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      if (message.kind === 'state') {
        this.state = message.state;
        for (const l of this.listeners) l(message.state);
      } else this.pending.get(message.requestId)?.(message.result);
    });
  }

  static connect(app: Pick<AppProcess, 'port' | 'token'> & { socketPath?: string }): Promise<ContractClient> {
    const ws = new WebSocket(phoneSocketUrl(app));
    return new Promise((resolveOpen, reject) => {
      ws.once('open', () => resolveOpen(new ContractClient(ws)));
      ws.once('error', reject);
    });
  }

  invoke<K extends CommandName>(name: K, args: CommandArgs<K>): Promise<Result<CommandResult<K>>> {
    const requestId = this.nextId++;
    return new Promise((done) => {
      this.pending.set(requestId, done as (r: Result<unknown>) => void);
      this.ws.send(JSON.stringify({ kind: 'command', requestId, name, args }));
    });
  }

  /** Calls the listener with every state that arrives from now on. */
  onState(listener: (s: PhoneState) => void): void {
    this.listeners.add(listener);
  }

  /** Resolves with the first state (current or coming) that satisfies the predicate. */
  waitFor(predicate: (s: PhoneState) => boolean, timeoutMs = 15_000, what = 'state'): Promise<PhoneState> {
    if (this.state && predicate(this.state)) return Promise.resolve(this.state);
    return new Promise((done, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}; last state: ${JSON.stringify(this.state?.calls ?? null)}`));
      }, timeoutMs);
      const check = (s: PhoneState) => {
        if (!predicate(s)) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        done(s);
      };
      this.listeners.add(check);
    });
  }

  close(): void {
    this.ws.close();
  }
}
