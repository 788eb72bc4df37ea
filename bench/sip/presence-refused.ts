// bench/sip --presence-refused: a SIP server that refuses every SUBSCRIBE (503), and how the app's presence backs off.
//   A tiny UDP responder stands in for the server (REGISTER, OPTIONS and PUBLISH: 200; SUBSCRIBE: --code, default 503),
//   so the shared lab's Kamailio is not touched and no lab lock is needed. The app's SipTelephony registers with it and
//   the real SipPresence (main/sip/presence.ts: the 100/s token bucket, 30 s doubling to 10 min) watches the phone book.
//   The responder counts the SUBSCRIBEs it receives; printed: their rate over time, each watch's gaps between attempts.
// Time is scaled so the run takes minutes, not an hour: with --scale K (default 10) it watches --watches/K employees
//   (default 10,000/10) with the waits divided by K (3 s doubling to 60 s); that is the design's run with every time
//   and every count multiplied by K, so the rates (SUBSCRIBEs a second) are the design's own and the printed times are
//   the design's (real time x K). --scale 1 runs it as shipped (10,000 watches; ~40 min for --minutes 40).
// Args: --watches N (10000), --scale K (10), --minutes M (design minutes to run, default 40), --code C (503).
import dgram from 'node:dgram';
import { UserAgent } from 'sip.js';
import { SipPresence } from '../../main/sip/presence.js';
import { SipTelephony } from '../../main/sip/telephony.js';
import { percentile, type Figure } from '../harness.js';

const BASE_MS = 30_000;
const MAX_MS = 600_000;
const RATE = 100;

function num(args: string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  const v = i < 0 ? fallback : Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${flag} needs a positive number`);
  return v;
}

interface Arrival {
  at: number;
  watch: string;
}

/** The refusing server: answers everything at once; every SUBSCRIBE gets `code`. */
async function refusingServer(code: number): Promise<{ port: number; subscribes: Arrival[]; close: () => Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const subscribes: Arrival[] = [];
  socket.on('message', (m, from) => {
    const text = m.toString('utf8');
    const method = text.slice(0, text.indexOf(' '));
    if (method.startsWith('SIP/')) return;
    const lines = text.split('\r\n');
    const keep = lines.filter((h) => /^(via|from|call-id|cseq)\s*:/i.test(h));
    const to = lines.find((h) => /^to\s*:/i.test(h)) ?? 'To: <sip:x@127.0.0.1>';
    const reply = (status: string, extra: string[] = []) =>
      socket.send([`SIP/2.0 ${status}`, ...keep, /;tag=/.test(to) ? to : `${to};tag=srv${Math.random().toString(36).slice(2, 8)}`, ...extra, 'Content-Length: 0', '', ''].join('\r\n'), from.port, from.address);
    if (method === 'SUBSCRIBE') {
      subscribes.push({ at: performance.now(), watch: /sip:([^@>;]+)/.exec(to)?.[1] ?? '?' });
      reply(`${code} ${code === 503 ? 'Service Unavailable' : 'Server Internal Error'}`);
    } else if (method === 'REGISTER') {
      reply('200 OK', [lines.find((h) => /^contact\s*:/i.test(h)) ?? '', 'Expires: 3600'].filter(Boolean));
    } else if (method === 'PUBLISH') {
      reply('200 OK', ['SIP-ETag: e1', 'Expires: 3600']);
    } else if (method !== 'ACK') {
      reply('200 OK');
    }
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: socket.address().port, subscribes, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

export async function presenceRefused(args: string[]): Promise<Figure[]> {
  const scale = num(args, '--scale', 10);
  const designWatches = Math.round(num(args, '--watches', 10_000));
  const watches = Math.max(1, Math.round(designWatches / scale));
  const minutes = num(args, '--minutes', 40);
  const code = Math.round(num(args, '--code', 503));
  const server = await refusingServer(code);
  const tel = new SipTelephony({
    account: { server: `127.0.0.1:${server.port}`, transport: 'udp', user: '6300', password: 'x' },
    sessionDescriptionHandlerFactory: () => {
      throw new Error('no calls in this bench');
    },
  });
  const presence = new SipPresence({
    core: tel.ua.userAgentCore,
    ua: tel.ua,
    aor: UserAgent.makeURI('sip:6300@127.0.0.1')!,
    retryMs: BASE_MS / scale,
    maxRetryMs: MAX_MS / scale,
    maxSubscribesPerSecond: RATE,
  });
  console.log(`${designWatches} watches (${watches} at time scale 1/${scale}), every SUBSCRIBE answered ${code}; ${minutes} design minutes`);
  const bucketDesignS = 60;
  const cpu: number[] = [];
  try {
    await tel.start();
    const t0 = performance.now();
    presence.watch(Array.from({ length: watches }, (_, i) => `sip:${20_000 + i}@127.0.0.1`));
    const realBucketMs = (bucketDesignS * 1000) / scale;
    let lastCpu = process.cpuUsage();
    for (let b = 0; b < (minutes * 60) / bucketDesignS; b++) {
      await new Promise((r) => setTimeout(r, t0 + (b + 1) * realBucketMs - performance.now()));
      const now = process.cpuUsage();
      cpu.push(((now.user - lastCpu.user + now.system - lastCpu.system) / 1000 / realBucketMs) * 100);
      lastCpu = now;
    }
    await presence.stop();
    // Rates: per design minute, SUBSCRIBEs the server received a second (the design's rate, see the head).
    const rates = cpu.map((_, b) => {
      const from = t0 + b * realBucketMs;
      const n = server.subscribes.filter((s) => s.at >= from && s.at < from + realBucketMs).length;
      return n / (realBucketMs / 1000);
    });
    console.log('design minute | SUBSCRIBE/s received | app CPU % (one core)');
    rates.forEach((r, b) => console.log(`${String(b + 1).padStart(13)} | ${r.toFixed(1).padStart(20)} | ${cpu[b]!.toFixed(1)}`));
    // Each watch's attempts: the gap before attempt k+1, in design seconds.
    const byWatch = new Map<string, number[]>();
    for (const s of server.subscribes) {
      const list = byWatch.get(s.watch) ?? [];
      list.push(s.at);
      byWatch.set(s.watch, list);
    }
    const gaps: number[][] = [];
    for (const times of byWatch.values()) {
      for (let k = 1; k < times.length; k++) (gaps[k - 1] ??= []).push(((times[k]! - times[k - 1]!) * scale) / 1000);
    }
    console.log('gap before attempt | watches | design floor s | p50 s | p99 s | max s');
    gaps.forEach((g, k) => {
      const floor = Math.min(BASE_MS * 2 ** k, MAX_MS) / 1000;
      console.log(`${String(k + 2).padStart(18)} | ${String(g.length).padStart(7)} | ${String(floor).padStart(14)} | ${percentile(g, 50).toFixed(0).padStart(5)} | ${percentile(g, 99).toFixed(0).padStart(5)} | ${Math.max(...g).toFixed(0)}`);
    });
    // The refusals come back in waves (every watch once per 600-1200 s at the end, spread over the whole cap), so the rate is given per
    // 10 design minutes: the mean and the busiest minute.
    const steady = designWatches / ((MAX_MS / 1000) * 1.5);
    const mean = (list: number[]) => list.reduce((x, y) => x + y, 0) / Math.max(1, list.length);
    const figures: Figure[] = [];
    for (let m = 0; m < rates.length; m += 10) {
      const window = rates.slice(m, m + 10);
      const label = `design minutes ${m + 1}-${m + window.length}`;
      figures.push({ name: `SUBSCRIBE/s, ${label}, mean`, value: mean(window), unit: '/s', goal: m + 10 >= rates.length ? `-> ${steady.toFixed(1)}/s (each watch once per 600-1200 s)` : '' });
      figures.push({ name: `SUBSCRIBE/s, ${label}, busiest minute`, value: Math.max(...window), unit: '/s', goal: `<= ${RATE} (the bucket)` });
    }
    figures.push(
      { name: 'app CPU, first 5 design minutes', value: mean(cpu.slice(0, 5)), unit: '%' },
      { name: 'app CPU, last 10 design minutes', value: mean(cpu.slice(-10)), unit: '%' },
    );
    gaps.slice(0, 7).forEach((g, k) => figures.push({ name: `gap before attempt ${k + 2} p50`, value: percentile(g, 50), unit: 's', goal: `>= ${Math.min(BASE_MS * 2 ** k, MAX_MS) / 1000} s` }));
    return figures;
  } finally {
    await presence.stop().catch(() => undefined);
    await tel.stop().catch(() => undefined);
    await server.close();
  }
}
