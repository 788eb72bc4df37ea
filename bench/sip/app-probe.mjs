// Looking inside the app under bench/sip, without touching the product: preload it with
//   BENCH_SIP_APP_NODE_OPTIONS='--import /work/main/bench/sip/app-probe.mjs' BENCH_SIP_PROBE_DIR=/tmp/probe npm run bench -- sip
// It writes into BENCH_SIP_PROBE_DIR when the app exits:
//   sip-timeline.tsv  each SIP datagram the app's sockets received or sent: ms of the monotonic clock (the CPU profile's clock, µs there), in|out, first line, CSeq, Call-ID;
//                     each child process spawned (spawn, command and stream name, how long spawn() blocked),
//                     and each message to/from the media worker (to-worker/from-worker, its t, sid)
//   app.cpuprofile    a V8 CPU profile of the main thread (open in Chrome DevTools, or summarise with bench/sip/profile-summary.ts)
//                     and each garbage collection (gc, kind, duration) and each SQLite statement that took over 0.3 ms (sql)
//   loop-delay.json   event-loop delay percentiles (ms) over the run
import childProcess from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

const dir = process.env.BENCH_SIP_PROBE_DIR ?? '/tmp/bench-sip-probe';
mkdirSync(dir, { recursive: true });
const rows = [];
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000;
const note = (dirn, buf) => {
  const text = typeof buf === 'string' ? buf : Buffer.isBuffer(buf) ? buf.toString('latin1', 0, Math.min(buf.length, 2000)) : '';
  if (!/^(SIP\/2\.0 \d{3}|[A-Z]+ \S+ SIP\/2\.0)/.test(text)) return;
  const first = text.slice(0, text.indexOf('\r\n'));
  const callId = /\r\n(?:Call-ID|i):\s*([^\r\n]+)/i.exec(text)?.[1] ?? '';
  const cseq = /\r\nCSeq:\s*([^\r\n]+)/i.exec(text)?.[1] ?? '';
  rows.push(`${now().toFixed(3)}\t${dirn}\t${first}\t${cseq}\t${callId}`);
};
const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (msg, ...rest) {
  note('out', msg);
  return send.call(this, msg, ...rest);
};
const emit = dgram.Socket.prototype.emit;
dgram.Socket.prototype.emit = function (event, ...args) {
  if (event === 'message') note('in', args[0]);
  return emit.call(this, event, ...args);
};

// Child processes started by the app (pacat/parec per audio stream): when, and how long spawn() blocked the thread.
const spawnOrig = childProcess.spawn;
childProcess.spawn = function (cmd, args, ...rest) {
  const t0 = now();
  const child = spawnOrig.call(this, cmd, args, ...rest);
  const t1 = now();
  const name = (Array.isArray(args) ? args.find((a) => String(a).startsWith('--stream-name=')) : undefined) ?? '';
  rows.push(`${t0.toFixed(3)}\tspawn\t${cmd} ${name}\t${(t1 - t0).toFixed(3)} ms\t`);
  return child;
};
syncBuiltinESMExports();

// Messages to and from the media worker ({t: 'open' | 'opened' | 'configure' ...}).
const post = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (m, ...rest) {
  if (m && typeof m === 'object' && 't' in m) rows.push(`${now().toFixed(3)}\tto-worker\t${m.t}\t${m.sid ?? ''}\t`);
  return post.call(this, m, ...rest);
};
const wemit = Worker.prototype.emit;
Worker.prototype.emit = function (event, ...args) {
  const m = args[0];
  if (event === 'message' && m && typeof m === 'object' && 't' in m) rows.push(`${now().toFixed(3)}\tfrom-worker\t${m.t}\t${m.sid ?? ''}\t`);
  return wemit.call(this, event, ...args);
};

// Garbage collections, on the same clock (performance.now() is ms since timeOrigin, hrtime-based).
const origin = now() - performance.now();
const GC_KINDS = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    rows.push(`${(origin + e.startTime).toFixed(3)}\tgc\t${GC_KINDS[e.detail?.kind] ?? e.detail?.kind}\t${e.duration.toFixed(3)} ms\t`);
  }
}).observe({ entryTypes: ['gc'] });

// Slow SQLite statements (better-sqlite3 runs them on this thread).
try {
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const scratch = new Database(':memory:');
  const proto = Object.getPrototypeOf(scratch.prepare('SELECT 1'));
  scratch.close();
  for (const name of ['run', 'get', 'all']) {
    const orig = proto[name];
    proto[name] = function (...args) {
      const t0 = now();
      try {
        return orig.apply(this, args);
      } finally {
        const dt = now() - t0;
        if (dt > 0.3) rows.push(`${t0.toFixed(3)}\tsql\t${name} ${this.source.replace(/\s+/g, ' ').slice(0, 60)}\t${dt.toFixed(3)} ms\t`);
      }
    };
  }
} catch (e) {
  rows.push(`${now().toFixed(3)}\tprobe\tno better-sqlite3 probe: ${e.message}\t\t`);
}

const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
// BENCH_SIP_PROBE_PROFILE=0: timings only (the sampling profiler itself slows the app by a third or more).
const profile = process.env.BENCH_SIP_PROBE_PROFILE !== '0';
const session = new Session();
if (profile) {
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 100 });
  session.post('Profiler.start');
}

process.once('exit', () => {
  writeFileSync(join(dir, 'sip-timeline.tsv'), rows.join('\n') + '\n');
  const ms = (ns) => ns / 1e6;
  writeFileSync(
    join(dir, 'loop-delay.json'),
    JSON.stringify({ p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), mean: ms(loop.mean) }, null, 2),
  );
  // In-thread inspector sessions dispatch synchronously, so the profile is written before the process ends.
  if (profile) session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(join(dir, 'app.cpuprofile'), JSON.stringify(result.profile));
  });
});
