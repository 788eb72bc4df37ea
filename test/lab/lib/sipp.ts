// sipp runs: one-shot (await the result) or in the background (keep the PID, stop it later).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LAB_PASSWORD, SIP_HOST, SIP_PORT, labPaths } from './paths.js';
import { allocPortBlock, trackChild } from './procs.js';

export interface SippResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SippOptions {
  cwd?: string;
  /** Kill sipp after this long (default 60000 for runSipp). */
  timeoutMs?: number;
}

export interface SippProcess {
  pid: number;
  /** Local SIP port sipp listens on (added as -p if the args had none). */
  port: number;
  /** Resolves when sipp exits. sipp exit codes: 0 all calls ok, 1 some failed, 97/99 aborted/errors. */
  done: Promise<SippResult>;
  stop(): Promise<SippResult>;
}

const MAX_OUTPUT = 1 << 20;

/** Adds the defaults every lab run needs: loopback, a free -p/-mp, no stdin. */
async function withDefaults(args: string[]): Promise<{ args: string[]; port: number }> {
  const out = [...args];
  const has = (flag: string): boolean => out.includes(flag);
  let port: number;
  if (has('-p')) {
    port = Number(out[out.indexOf('-p') + 1]);
  } else {
    port = await allocPortBlock();
    out.push('-p', String(port));
  }
  if (!has('-mp')) out.push('-mp', String(port + 2));
  if (!has('-i')) out.push('-i', SIP_HOST);
  if (!has('-nostdin')) out.push('-nostdin');
  return { args: out, port };
}

function collect(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.on('data', (d: Buffer) => {
    text += d.toString('utf8');
    if (text.length > MAX_OUTPUT) text = text.slice(-MAX_OUTPUT);
  });
  return () => text;
}

/** Start sipp in the background. */
export async function startSipp(args: string[], opts: SippOptions = {}): Promise<SippProcess> {
  const { args: full, port } = await withDefaults(args);
  const dir = path.join(labPaths().peersDir, `sipp-${port}`);
  fs.mkdirSync(dir, { recursive: true });
  const child = spawn('sipp', full, { cwd: opts.cwd ?? dir, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error('could not spawn sipp');
  const pid = child.pid;
  trackChild(child);
  fs.writeFileSync(path.join(dir, 'pid'), `${pid}\n`);
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  const done = new Promise<SippResult>((resolve) => {
    child.once('exit', (code) => {
      fs.rmSync(path.join(dir, 'pid'), { force: true });
      resolve({ code, stdout: stdout(), stderr: stderr() });
    });
    child.once('error', (e) => resolve({ code: null, stdout: stdout(), stderr: `${stderr()}\n${e.message}` }));
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  let timer: NodeJS.Timeout | undefined;
  if (opts.timeoutMs) timer = setTimeout(kill, opts.timeoutMs);
  void done.then(() => clearTimeout(timer));
  return {
    pid,
    port,
    done,
    stop: async () => {
      // SIGUSR1 would make sipp end gracefully; tests want it gone now.
      kill();
      return done;
    },
  };
}

/** Run sipp to completion. */
export async function runSipp(args: string[], opts: SippOptions = {}): Promise<SippResult> {
  const p = await startSipp(args, { ...opts, timeoutMs: opts.timeoutMs ?? 60_000 });
  return p.done;
}

export interface UacCallOptions {
  /** Callee user (sipp -s). */
  to: string;
  /** From user; also the digest user. Default "sipp". */
  caller?: string;
  /** Call length after answer, ms (default 2000). */
  durationMs?: number;
  /** Number of calls (default 1). */
  calls?: number;
  /** Calls per second (default 10). */
  rate?: number;
  /** Max simultaneous calls (default: unlimited). */
  limit?: number;
  transport?: 'udp' | 'tcp';
}

/** Arguments for test/lab/sipp/uac-invite.xml through Kamailio. */
export function uacInviteArgs(o: UacCallOptions): string[] {
  const caller = o.caller ?? 'sipp';
  const args = [
    '-sf', labPaths().sipp.uacInvite,
    `${SIP_HOST}:${SIP_PORT}`,
    '-s', o.to,
    '-key', 'caller', caller,
    '-au', caller,
    '-ap', LAB_PASSWORD,
    '-m', String(o.calls ?? 1),
    '-r', String(o.rate ?? 10),
    '-d', String(o.durationMs ?? 2000),
  ];
  if (o.limit) args.push('-l', String(o.limit));
  if (o.transport === 'tcp') args.push('-t', 't1');
  return args;
}

/** Arguments for test/lab/sipp/uas-answer.xml (answer after ringMs, default 0). */
export function uasAnswerArgs(o: { calls?: number; ringMs?: number } = {}): string[] {
  return ['-sf', labPaths().sipp.uasAnswer, '-m', String(o.calls ?? 1), '-d', String(o.ringMs ?? 0)];
}
