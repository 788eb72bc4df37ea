// Where the app's main thread spends the time between an INVITE and its 200, from what bench/sip/app-probe.mjs wrote:
//   npx tsx bench/sip/profile-summary.ts /tmp/probe [top=40] [window=invite-200|180-200|invite-180|invite-100]
// Prints self and inclusive time per function over the samples that fall inside a window of each incoming call
// (by default [INVITE received, 200 sent]; or [180 sent, 200 sent]; or [INVITE received, 180 or 100 sent]), summed over the calls.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const dir = process.argv[2] ?? '/tmp/bench-sip-probe';
const top = Number(process.argv[3] ?? 40);
const windowKind = process.argv[4] ?? 'invite-200';
if (!['invite-200', '180-200', 'invite-180', 'invite-100'].includes(windowKind)) throw new Error(`unknown window ${windowKind}`);
const from180 = windowKind === '180-200';
const endStatus = windowKind === 'invite-100' ? 'SIP/2.0 100' : windowKind === 'invite-180' ? 'SIP/2.0 180' : 'SIP/2.0 200';
const profile = JSON.parse(readFileSync(join(dir, 'app.cpuprofile'), 'utf8')) as Profile;
const rows = readFileSync(join(dir, 'sip-timeline.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));

// Windows in µs of the monotonic clock.
const windows: Array<[number, number]> = [];
const invite = new Map<string, number>();
for (const [t, dirn, first, cseq, callId] of rows) {
  const us = Number(t) * 1000;
  if (!from180 && dirn === 'in' && first!.startsWith('INVITE') && !invite.has(callId!)) invite.set(callId!, us);
  if (from180 && dirn === 'out' && first!.startsWith('SIP/2.0 180') && cseq!.includes('INVITE') && !invite.has(callId!)) invite.set(callId!, us);
  if (dirn === 'out' && first!.startsWith(endStatus) && cseq!.includes('INVITE') && invite.has(callId!)) {
    windows.push([invite.get(callId!)!, us]);
    invite.delete(callId!);
  }
}
windows.sort((a, b) => a[0] - b[0]);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n: Node): string => {
  const url = n.callFrame.url.replace(/^file:\/\/\/work\/main\//, '').replace(/.*node_modules\//, 'nm/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
};

const self = new Map<string, number>();
const incl = new Map<string, number>();
let inWindow = 0;
let idle = 0;
let t = profile.startTime;
let w = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i]!;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  while (w < windows.length && windows[w]![1] < t) w++;
  if (w >= windows.length || t < windows[w]![0]) continue;
  const node = byId.get(profile.samples[i]!)!;
  inWindow += dt;
  if (node.callFrame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const l = label(byId.get(id)!);
    if (seen.has(l)) continue;
    seen.add(l);
    incl.set(l, (incl.get(l) ?? 0) + dt);
  }
}
const ms = (us: number): string => (us / 1000).toFixed(1).padStart(8);
console.log(`${windows.length} calls; ${ms(inWindow)} ms inside ${windowKind} windows, of which idle ${ms(idle)} ms (per call: ${(inWindow / windows.length / 1000).toFixed(2)} ms, busy ${((inWindow - idle) / windows.length / 1000).toFixed(2)} ms)`);
console.log('\nself time (ms, summed over calls):');
for (const [l, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)}  ${l}`);
console.log('\ninclusive time:');
for (const [l, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)}  ${l}`);
