// Per-process cost from /proc: CPU (utime + stime) and RSS of a process, of its helper processes (pacat,
// parec, pactl: its children, alive or already reaped), and of the PulseAudio server. A Node process's worker
// threads are tasks of the same process: their CPU is in its utime/stime.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let clockTicks = 0;
function ticksPerSecond(): number {
  if (!clockTicks) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

interface Stat {
  comm: string;
  ppid: number;
  /** utime + stime, ms */
  own: number;
  /** stime alone (in the kernel: syscalls, packets, pipes), ms */
  sys: number;
  /** cutime + cstime (children already reaped), ms */
  reaped: number;
}

function stat(pid: number): Stat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone
  }
  const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  // Fields after the command name (which may contain spaces): ppid is field 4, utime..cstime 14..17.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ms = (i: number) => (Number(f[i]) * 1000) / ticksPerSecond();
  return { comm, ppid: Number(f[1]), own: ms(11) + ms(12), sys: ms(12), reaped: ms(13) + ms(14) };
}

export function cpuMs(pid: number): number {
  return stat(pid)?.own ?? Number.NaN;
}

export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function allPids(): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

/** Live descendants of `pid` (children, their children...). */
export function descendants(pid: number): Map<number, Stat> {
  const byParent = new Map<number, Array<[number, Stat]>>();
  for (const p of allPids()) {
    const s = stat(p);
    if (!s) continue;
    const list = byParent.get(s.ppid) ?? [];
    list.push([p, s]);
    byParent.set(s.ppid, list);
  }
  const out = new Map<number, Stat>();
  const walk = (parent: number) => {
    for (const [p, s] of byParent.get(parent) ?? []) {
      out.set(p, s);
      walk(p);
    }
  };
  walk(pid);
  return out;
}

export interface TreeSample {
  at: number;
  own: number;
  sys: number;
  /** the main thread's share of `own` */
  main: number;
  reaped: number;
  live: Map<number, Stat>;
}

/** CPU of the process's main thread alone (its task whose id is the pid), ms: the rest is its other threads. */
export function mainThreadCpuMs(pid: number): number {
  try {
    const text = fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / ticksPerSecond();
  } catch {
    return Number.NaN;
  }
}

/** Per thread of the process, summed by thread name (the main thread is "main"; "V8 DefaultWorke", "libuv-worker", workers...): CPU (ms) and wake-ups (voluntary context switches: each time it slept and was woken). */
export function threadCpuMs(pid: number): Record<string, { ms: number; wakes: number }> {
  const out: Record<string, { ms: number; wakes: number }> = {};
  for (const t of taskCpu(pid).values()) {
    const entry = (out[t.name] ??= { ms: 0, wakes: 0 });
    entry.ms += t.ms;
    entry.wakes += t.wakes;
  }
  return out;
}

/** Per task (thread) of the process by id: name, CPU (ms), of it in the kernel, wake-ups (voluntary context switches). */
export function taskCpu(pid: number): Map<number, { name: string; ms: number; sys: number; wakes: number }> {
  const out = new Map<number, { name: string; ms: number; sys: number; wakes: number }>();
  let tasks: string[] = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const status = fs.readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const ms = (i: number) => (Number(f[i]) * 1000) / ticksPerSecond();
      const name = Number(t) === pid ? 'main' : text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      out.set(Number(t), { name, ms: ms(11) + ms(12), sys: ms(12), wakes: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0) });
    } catch {
      // gone
    }
  }
  return out;
}

/** The busiest tasks between two taskCpu samples, per second: "name#tid ms/s (sys) wakes/s". */
export function taskSummary(a: ReturnType<typeof taskCpu>, b: ReturnType<typeof taskCpu>, seconds: number, top = 4): string {
  return [...b]
    .map(([tid, t]) => {
      const o = a.get(tid) ?? { ms: 0, sys: 0, wakes: 0 };
      return { tid, name: t.name, ms: (t.ms - o.ms) / seconds, sys: (t.sys - o.sys) / seconds, wakes: (t.wakes - o.wakes) / seconds };
    })
    .sort((x, y) => y.ms - x.ms)
    .slice(0, top)
    .map((t) => `${t.name}#${t.tid} ${t.ms.toFixed(1)} ms/s (${t.sys.toFixed(1)} kernel) ${t.wakes.toFixed(0)} wake-ups/s`)
    .join(', ');
}

/** The process and its helpers at one moment. */
export function sampleTree(pid: number): TreeSample {
  const s = stat(pid);
  return { at: performance.now(), own: s?.own ?? Number.NaN, sys: s?.sys ?? Number.NaN, main: mainThreadCpuMs(pid), reaped: s?.reaped ?? Number.NaN, live: descendants(pid) };
}

export interface TreeCost {
  seconds: number;
  /** CPU of the process itself (all its threads), ms */
  own: number;
  /** of which in the kernel, ms */
  sys: number;
  /** of which on the main thread (the app: SIP, state, store); the rest on the others (the media worker, V8's and libuv's helpers) */
  main: number;
  /** CPU of its helper processes over the interval (those that ran and exited included), ms */
  helpers: number;
  /** helper CPU by command name (pacat, parec, pactl...), ms */
  helpersByName: Record<string, number>;
}

/**
 * Helpers' CPU between two samples: what the reaped ones used (the parent's cutime grew by it) plus what
 * the live ones at the end have used, less what the ones live at the start had used by then. A helper of
 * a helper is in its parent's cutime once reaped, and in `live` while alive: each counted once.
 */
export function treeCost(a: TreeSample, b: TreeSample): TreeCost {
  const byName: Record<string, number> = {};
  const add = (name: string, ms: number) => (byName[name] = (byName[name] ?? 0) + ms);
  // Only direct children's cutime reaches the parent; grandchildren reach their parent's (a live child's).
  let exited = b.reaped - a.reaped;
  for (const [p, s] of a.live) if (!b.live.has(p)) exited -= s.own + s.reaped; // counted up to `a` already
  if (exited !== 0) add('exited helpers', exited);
  let helpers = exited;
  for (const [p, s] of b.live) {
    const before = a.live.get(p);
    const used = s.own + s.reaped - (before ? before.own + before.reaped : 0);
    helpers += used;
    add(s.comm, used);
  }
  return { seconds: (b.at - a.at) / 1000, own: b.own - a.own, sys: b.sys - a.sys, main: b.main - a.main, helpers, helpersByName: byName };
}

export function treeRssMb(pid: number): { own: number; helpers: number } {
  let helpers = 0;
  for (const p of descendants(pid).keys()) helpers += rssMb(p) || 0;
  return { own: rssMb(pid), helpers };
}

/** The PulseAudio server that listens on `unix:PATH` (the lab's: its command line names the socket). */
export function pulseServerPid(pulseServer: string): number {
  const socket = pulseServer.replace(/^unix:/, '');
  for (const p of allPids()) {
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.startsWith('pulseaudio') || cmd.includes('/pulseaudio\0')) {
        if (cmd.includes(socket)) return p;
      }
    } catch {
      // gone
    }
  }
  throw new Error(`no pulseaudio process serving ${pulseServer}`);
}
