// Process bookkeeping for lab peers: every child is tracked and killed on stop or process exit,
// and writes <dir>/pid so that `lab.mjs down` can clean up after a crashed test run.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export { sleep, waitUntil } from '../../support/wait.js';

const live = new Set<ChildProcess>();

// Last resort: never leave peers behind when a test process exits (synchronous, so SIGKILL).
process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/** Kill `child` with SIGKILL if this process exits first. */
export function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export interface Tracked {
  child: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawn a tracked process with stdout+stderr appended to logFile and its pid in pidFile. */
export function spawnTracked(
  cmd: string,
  args: string[],
  { logFile, pidFile, ...opts }: SpawnOptions & { logFile: string; pidFile?: string },
): Tracked {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], ...opts });
  fs.closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not spawn ${cmd}`);
  const pid = child.pid;
  live.add(child);
  if (pidFile) fs.writeFileSync(pidFile, `${pid}\n`);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
    child.once('error', () => {
      live.delete(child);
      resolve(null);
    });
  });
  const stop = async (graceMs = 3000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    if (pidFile) fs.rmSync(pidFile, { force: true });
  };
  return { child, pid, exited, stop };
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

// Peers get SIP ports in 20000-29990 (baresip RTP is kept in 30000-39999, linphone RTP in 40000-49999).
// Start at a pid-dependent slot so parallel test processes rarely probe the same ports.
let nextSlot = (process.pid * 7) % 1000;

/**
 * A base port P where P..P+9 (UDP and TCP) look free: baresip uses P (SIP udp/tcp), P+1 (SIP tls) and
 * we put ctrl_tcp on P+5. Slots advance so one process never hands out the same base twice.
 */
export async function allocPortBlock(): Promise<number> {
  for (let i = 0; i < 1000; i++) {
    const base = 20000 + (nextSlot % 1000) * 10;
    nextSlot++;
    const checks = await Promise.all([0, 1, 2, 5].flatMap((o) => [udpFree(base + o), tcpFree(base + o)]));
    if (checks.every(Boolean)) return base;
  }
  throw new Error('no free port block in 20000-29999');
}
