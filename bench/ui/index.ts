// bench/ui: how fast the panel feels, in Debian's Chromium against the web host and the real lab.
//   1. sipp sends an INVITE -> the call's row is painted in Chromium's call list (p50/p99, >= 100 calls; goal p99 <= 100 ms).
//      Beside it, in the same run: the app core's part (INVITE -> PhoneState at a Node WebSocket client) and
//      baresip's INVITE -> 180 at sipp (the moment an ordinary softphone knows of the call and rings).
//   2. A click on the ringing call -> the panel painted "talking", and -> sipp (the caller) receives the 200 OK.
//   3. A key press in the phone book search (10,000 employees) -> the filtered list painted (goal p99 <= 50 ms).
// Times: sipp's packets from a tcpdump capture (pcap timestamps), the page's from its own clock
// (performance.timeOrigin + now(), see probe.ts); both are the machine's clock, the offset is printed. A key
// press is timed from its input event (Playwright types Cyrillic as input, with no keydown).
// Two phases of calls: --flood-calls N (default 30) right after the app registered, while it SUBSCRIBEs the presence of
// every employee (10,000 at 100/s, ~100 s: the start-up flood), then, once the phone book's revision has not moved
// for 5 s, --calls N (default 120): the dispatcher's shift after start-up. Each phase has its own figures; the
// flood's are marked [start-up presence flood].
// Args: --calls N (measured, default 120), --flood-calls N, --warmup N (default 5), --keys N (measured key presses, default 300),
//   --peer-calls N (baresip calls, default 60), --keep (keep the capture), --page-profile FILE (a V8 CPU profile of the
//   page over the whole run, for Chrome DevTools; the app's own: DP_APP_NODE_ARGS='--cpu-prof ...', test/support/app-process.ts).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from '@playwright/test';
import { closeDatabase, openDatabase } from '../../main/store/database.js';
import { importRecords } from '../../main/store/import.js';
import { seededRandom } from '../../test/support/seeded-random.js';
import { ContractClient, startApp, type AppProcess } from '../../test/support/app-process.js';
import { allocPortBlock, ensureLab, labPaths, pruneStaleContacts, sleep, startSipp, uacInviteArgs, SIP_PORT, type SippProcess } from '../../test/lab/peers.js';
import { FIRST, SURNAMES } from '../data.js';
import { percentile, type Benchmark, type Figure } from '../harness.js';
import { startTcpdump, type Tcpdump } from '../sip.js';
import { startBenchBaresip, type BenchBaresip } from '../sip/baresip.js';
import { matchCalls, parseSip, readPcapUdp, type CallTimes } from '../sip/pcap.js';
import { installProbe, type ProbeEvents } from './probe.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const APP_USER = '6100';
const PEER_USER = '6101';
const CALLER = '6199';
const EMPLOYEES = 10_000;
/** Presence has settled when the phone book's revision has not moved for this long. */
const SETTLED_MS = 5000;

function num(args: string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  const v = i < 0 ? fallback : Number(args[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${flag} needs a number`);
  return Math.round(v);
}

/** 10,000 employees as an import would bring them: names from bench/data's lists, callsigns, two numbers each. */
function seedDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const db = openDatabase(join(dir, 'phone.db'));
  const random = seededRandom(11);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const employees = Array.from({ length: EMPLOYEES }, (_, i) => ({
    id: `e${i}`,
    surname: pick(SURNAMES),
    first_name: pick(FIRST),
    callsign: String(100 + i),
    role: i % 10 < 8 ? 'driver' : 'dispatcher',
    phones: [`+7912${String(1_000_000 + i).padStart(7, '0')}`, String(20_000 + i)],
    sip_uri: `sip:${20_000 + i}@pbx`,
  }));
  importRecords(db, { employees });
  closeDatabase(db);
}

/** What the bench types, word by word: surname beginnings (ё typed as е), callsigns, digits of numbers. */
function words(random: () => number, keys: number): string[] {
  const out: string[] = [];
  let total = 0;
  const pool = [...SURNAMES.filter((s) => !s.includes("'")).map((s) => s.toLowerCase().replace(/ё/g, 'е').slice(0, 5)), '1234', '9121000', '20345', 'петр'];
  while (total < keys) {
    const w = pool[Math.floor(random() * pool.length)]!;
    out.push(w);
    total += w.length;
  }
  return out;
}

async function openPanel(browser: Browser, app: AppProcess): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  // tsx keeps function names with a __name helper the page does not have.
  await page.addInitScript({ content: `var __name = (f) => f; (${installProbe.toString()})();` });
  await page.goto(app.url);
  await page.getByTestId('telephony-panel').waitFor();
  return page;
}

const events = (page: Page): Promise<ProbeEvents> => page.evaluate(() => window.__bench);

/** Calls during the app's start-up presence flood (every employee SUBSCRIBEd, ~100 s), or after it settled. */
type Phase = 'flood' | 'settled';

interface CallSample {
  callId: string;
  phase: Phase;
  core?: number;
}

/** Part 1 and 2: sipp calls one at a time; each ringing row is clicked as soon as it is painted. */
async function callsInPanel(page: Page, phone: ContractClient, sippPort: number, total: number, dir: string, phase: Phase): Promise<CallSample[]> {
  const samples: CallSample[] = [];
  let stuck = 0;
  let skipped = 0;
  const coreSeen = new Map<string, number>();
  phone.onState((s) => {
    for (const id of s.incomingQueue) if (!coreSeen.has(id)) coreSeen.set(id, Date.now());
  });
  const sipp: SippProcess = await startSipp(
    [
      ...uacInviteArgs({ to: APP_USER, caller: CALLER, calls: total, rate: 1, limit: 1, durationMs: 300 }),
      '-p', String(sippPort), '-mp', String(sippPort + 2), '-trace_err', '-error_file', join(dir, `sipp-app-errors-${phase}.log`),
    ],
    { cwd: dir, timeoutMs: total * 4000 + 60_000 },
  );
  try {
    let sippDone = false;
    void sipp.done.then(() => (sippDone = true));
    for (let i = 0; i < total; i++) {
      // Open the list (a click elsewhere, e.g. on End call, closes it).
      if ((await page.getByTestId('call-list').count()) === 0) await page.getByTestId('call-indicator').click();
      const row = page.getByTestId('incoming-call').first();
      const came = await row.waitFor({ timeout: 20_000 }).then(() => true, () => false);
      if (!came) {
        console.log(`no call came for 20 s after ${samples.length} calls${sippDone ? ' (sipp has finished)' : ''}: stopping`);
        break;
      }
      const callId = (await row.getAttribute('data-call-id'))!;
      await row.click();
      const talking = page.locator(`[data-testid="call-panel"][data-call-id="${callId}"][data-state="active"]`);
      if (!(await talking.waitFor({ timeout: 5_000 }).then(() => true, () => false))) {
        // The click went astray (the list was re-drawn under the pointer): try once more, else leave the call.
        const again = page.locator(`[data-testid="incoming-call"][data-call-id="${callId}"]`);
        if ((await again.count()) > 0) await again.click({ timeout: 3000 }).catch(() => undefined);
        if (!(await talking.waitFor({ timeout: 5_000 }).then(() => true, () => false))) {
          skipped++;
          await page.getByTestId(`decline-button`).first().click({ timeout: 3000 }).catch(() => undefined);
          continue;
        }
      }
      // The list closed on answering: open it again for the next call before it comes (sipp starts one a second).
      if ((await page.getByTestId('call-list').count()) === 0) await page.getByTestId('call-indicator').click();
      const panel = page.locator(`[data-testid="call-panel"][data-call-id="${callId}"]`);
      // sipp hangs up after 300 ms; if its BYE never comes (a call it gave up on), end the call here.
      const ended = await panel.waitFor({ state: 'detached', timeout: 8_000 }).then(() => true, () => false);
      if (!ended) {
        stuck++;
        // Close the call list first (it must not lie over the button), and never wait Playwright's default 30 s for
        // a button that went away meanwhile (its BYE came late): the next call would ring unanswered that long.
        if ((await page.getByTestId('call-list').count()) > 0) await page.getByTestId('call-indicator').click({ timeout: 3000 }).catch(() => undefined);
        const hung = await panel.getByTestId('hangup-button').click({ timeout: 3000 }).then(() => true, () => false);
        if (!hung) console.log(`call ${callId}: End call could not be clicked`);
        // A machine this loaded may take its time over the BYE: go on with the next call regardless.
        await panel.waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
      }
      samples.push({ callId, phase, ...(coreSeen.has(callId) ? { core: coreSeen.get(callId)! } : {}) });
    }
    if (stuck) console.log(`${stuck} call(s) sipp did not hang up: ended from the panel`);
    if (skipped) console.log(`${skipped} call(s) did not start talking after two clicks: left out`);
    const result = await sipp.done;
    if (result.code !== 0) console.log(`sipp (app calls) exit code ${result.code}: ${result.stderr.slice(-500)}`);
  } finally {
    await sipp.stop();
  }
  return samples;
}

/** Part 3: type words into the phone book search; each key press waits for its answer to be painted. */
async function phoneBookKeys(page: Page, keys: number): Promise<{ latencies: number[]; missed: number; split: string }> {
  const search = page.getByTestId('phonebook-search');
  const expected: string[] = [];
  const before = (await events(page)).inputs.length;
  for (const word of words(seededRandom(5), keys)) {
    await search.fill('');
    await page.waitForFunction(() => document.querySelector('.phonebook-phonebook ul.entries')?.getAttribute('data-query') === '');
    for (let k = 1; k <= word.length; k++) {
      const query = word.slice(0, k);
      await page.keyboard.type(word[k - 1]!);
      expected.push(query);
      await page.waitForFunction((q) => document.querySelector('.phonebook-phonebook ul.entries')?.getAttribute('data-query') === q, query);
      await sleep(20);
    }
  }
  await sleep(100);
  const e = await events(page);
  const latencies: number[] = [];
  const toSend: number[] = [];
  const roundTrip: number[] = [];
  const toPaint: number[] = [];
  let missed = 0;
  let from = before;
  for (const query of expected) {
    // The input that made the field hold this query (fill('') between words makes inputs of its own).
    let i = from;
    while (i < e.inputs.length && e.inputs[i]!.value !== query) i++;
    const typedAt = e.inputs[i]?.at;
    from = i + 1;
    const painted = typedAt === undefined ? undefined : e.lists.find((l) => l.at >= typedAt && l.query === query)?.at;
    if (typedAt === undefined || painted === undefined) missed++;
    else {
      latencies.push(painted - typedAt);
      const sent = e.frames.find((f) => f.dir === 'out' && f.what === 'searchPhoneBook' && f.at >= typedAt)?.at;
      const answered = sent === undefined ? undefined : e.frames.find((f) => f.dir === 'in' && f.at >= sent && f.what === 'resul')?.at;
      if (sent !== undefined && answered !== undefined && answered <= painted) {
        toSend.push(sent - typedAt);
        roundTrip.push(answered - sent);
        toPaint.push(painted - answered);
      }
    }
  }
  const p = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1)} / p99 ${percentile(xs, 99).toFixed(1)}`;
  const split = `key press -> search sent ${p(toSend)}; round trip ${p(roundTrip)}; answer -> painted ${p(toPaint)} (ms, n=${toSend.length})`;
  return { latencies, missed, split };
}

const phaseFigures = () => ({
  toList: [] as number[],
  toIndicator: [] as number[],
  toCore: [] as number[],
  frameToRow: [] as number[],
  clickToTalking: [] as number[],
  clickToPeer: [] as number[],
  appInvite180: [] as number[],
});

const row = (name: string, samples: number[], goal?: string, peer?: number[]): Figure[] =>
  [50, 99].map((p) => ({
    name: `${name} p${p} (n=${samples.length}${peer ? `/${peer.length}` : ''})`,
    value: percentile(samples, p),
    unit: 'ms',
    ...(peer ? { peer: { name: 'baresip', value: percentile(peer, p) } } : {}),
    ...(goal && p === 99 ? { goal } : {}),
  }));

const bench: Benchmark = {
  description: 'the panel in Chromium: INVITE -> call list painted, click -> talking, key press -> phone book painted (10,000 employees)',
  async run(args) {
    const calls = num(args, '--calls', 120);
    const floodCalls = num(args, '--flood-calls', 30);
    const warmup = num(args, '--warmup', 5);
    const keys = num(args, '--keys', 300);
    const peerCalls = num(args, '--peer-calls', 60);
    if (!existsSync(join(repo, 'dist/main/app/host.js')) || !existsSync(join(repo, 'dist/renderer/index.html'))) {
      throw new Error('the app is not built: run npm run build');
    }
    await ensureLab();
    const paths = labPaths();
    const dir = mkdtempSync(join(tmpdir(), 'dispatch-bench-ui-'));
    let app: AppProcess | undefined;
    let peer: BenchBaresip | undefined;
    let browser: Browser | undefined;
    let tcpdump: Tcpdump | undefined;
    let phone: ContractClient | undefined;
    try {
      seedDirectory(join(dir, 'app'));
      await pruneStaleContacts(APP_USER);
      app = await startApp({ user: APP_USER, dir: join(dir, 'app'), config: { locale: 'ru' }, env: { PULSE_SERVER: paths.pulseServer } });
      phone = await ContractClient.connect(app);
      await phone.waitFor((s) => s.registration.kind === 'registered', 20_000, 'registered');
      peer = await startBenchBaresip({ user: PEER_USER, audioFile: paths.audio.tone440short, maxCalls: 4, player: 'aubridge' });
      browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      const page = await openPanel(browser, app);
      const profileFile = (() => {
        const i = args.indexOf('--page-profile');
        return i < 0 ? null : resolve(args[i + 1] ?? 'page.cpuprofile');
      })();
      const cdp = profileFile ? await page.context().newCDPSession(page) : null;
      if (cdp) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
      }
      const offset = await page.evaluate(() => performance.timeOrigin + performance.now() - Date.now());
      console.log(`page clock - page Date.now(): ${offset.toFixed(3)} ms; ${EMPLOYEES} employees in the phone book`);

      const sippPort = await allocPortBlock();
      const pcap = join(dir, 'sip.pcap');
      // sipp's own port only: the proxy's port also carries the app's 10,000 presence subscriptions (some 50,000
      // packets at start), and a tcpdump that falls behind drops packets, INVITEs among them.
      tcpdump = await startTcpdump(pcap, [sippPort]);
      // The phone book's presence: every change moves directoryRevision (at most one per 250 ms). The start-up flood
      // (10,000 SUBSCRIBEs paced at 100/s) has settled when it has not moved for SETTLED_MS.
      let lastPresenceChange = Date.now();
      let revision = phone.state?.directoryRevision ?? 0;
      phone.onState((s) => {
        if (s.directoryRevision === revision) return;
        revision = s.directoryRevision;
        lastPresenceChange = Date.now();
      });
      const started = Date.now();
      const samples: CallSample[] = [];
      if (floodCalls > 0) samples.push(...(await callsInPanel(page, phone, sippPort, warmup + floodCalls, dir, 'flood')));
      const settleFrom = Date.now();
      while (Date.now() - lastPresenceChange < SETTLED_MS && Date.now() - settleFrom < 240_000) await sleep(500);
      const floodEnd = lastPresenceChange;
      if (Date.now() - lastPresenceChange < SETTLED_MS) console.log('presence had not settled after 240 s more: the "settled" calls overlap presence work');
      else console.log(`presence settled ${((floodEnd - started) / 1000).toFixed(1)} s after the first call (waited ${((Date.now() - settleFrom) / 1000).toFixed(1)} s more)`);
      samples.push(...(await callsInPanel(page, phone, sippPort, (floodCalls > 0 ? 0 : warmup) + calls, dir, 'settled')));
      console.log(`${samples.length} calls to the panel in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      // baresip in the same run, same sipp, same capture: INVITE -> 180 at sipp.
      const peerSipp = await startSipp(
        [...uacInviteArgs({ to: PEER_USER, caller: CALLER, calls: peerCalls, rate: 2, limit: 1, durationMs: 300 }), '-p', String(sippPort), '-mp', String(sippPort + 2)],
        { cwd: dir, timeoutMs: peerCalls * 4000 + 60_000 },
      );
      const peerResult = await peerSipp.done;
      if (peerResult.code !== 0) console.log(`sipp (baresip calls) exit code ${peerResult.code}`);
      await sleep(500);
      await tcpdump.stop();

      const packets = readPcapUdp(pcap).flatMap((p) => parseSip(p) ?? []);
      const byTarget = (user: string): CallTimes[] =>
        [...matchCalls(packets, SIP_PORT, sippPort).values()].filter((c) => c.target === user && c.callerInvite !== undefined).sort((a, b) => a.callerInvite! - b.callerInvite!);
      const appCalls = byTarget(APP_USER);
      const peerCallTimes = byTarget(PEER_USER);
      if (appCalls.length !== samples.length) console.log(`note: ${appCalls.length} INVITEs in the capture for ${samples.length} calls in the panel`);
      const e = await events(page);
      // Each call in the panel is the sipp call whose INVITE came last before its row was painted (one at a
      // time), and after the previous call's row: an INVITE the capture lost (tcpdump drops packets on a
      // loaded machine) would otherwise pair the row with the previous call's INVITE, seconds earlier.
      let previousRow = -Infinity;
      let unpaired = 0;
      const sipOf = (rowAt: number | undefined): CallTimes | undefined => {
        if (rowAt === undefined) return undefined;
        const sip = appCalls.filter((c) => c.callerInvite! <= rowAt).at(-1);
        const after = previousRow;
        previousRow = rowAt;
        if (sip && sip.callerInvite! > after) return sip;
        unpaired++;
        return undefined;
      };
      const outliers: string[] = [];
      let closedLists = 0;
      let lateFlood = 0;
      const listOpenAt = (at: number): boolean => e.listOpen.filter((l) => l.at <= at).at(-1)?.open ?? false;
      const phases = { flood: phaseFigures(), settled: phaseFigures() };
      samples.forEach((s, i) => {
        const rowAt = e.rows.find((r) => r.callId === s.callId)?.at;
        const sip = sipOf(rowAt);
        if (i < warmup || !sip) return;
        const invite = sip.callerInvite!;
        // A call of the flood phase that came after the flood had ended belongs to neither figure.
        if (s.phase === 'flood' && invite > floodEnd) return void lateFlood++;
        const { toList, toIndicator, toCore, frameToRow, clickToTalking, clickToPeer, appInvite180 } = phases[s.phase];
        const talkingAt = e.talking.find((r) => r.callId === s.callId)?.at;
        const clickAt = rowAt === undefined ? undefined : e.clicks.find((c) => c >= rowAt);
        const frameAt = rowAt === undefined ? undefined : e.frames.filter((f) => f.dir === 'in' && f.what === 'state' && f.at <= rowAt).at(-1)?.at;
        // The indicator's count, painted after this INVITE (it is on screen whether the list is open or not).
        const countAt = e.counts.find((c) => c.at >= invite && c.count > 0)?.at;
        if (countAt !== undefined && countAt <= (rowAt ?? Infinity)) toIndicator.push(countAt - invite);
        // A row can only be painted while the list is open: when the harness had it closed as the state came,
        // the row's time is the harness's, not the panel's (it is counted, and left out).
        const closed = frameAt !== undefined && !listOpenAt(frameAt);
        if (closed) closedLists++;
        else if (rowAt !== undefined) toList.push(rowAt - invite);
        if (rowAt !== undefined && rowAt - invite > 1000) {
          const at = (x: number | undefined) => (x === undefined ? '-' : `${(x - invite).toFixed(0)}`);
          outliers.push(
            `${s.callId}: INVITE at ${new Date(invite).toISOString().slice(11, 23)}, 180 at sipp +${at(sip.caller180)}, ` +
              `state at a Node client +${at(s.core)}, state frame in the page +${at(frameAt)}, ` +
              `indicator +${at(countAt)}, row +${at(rowAt)}; list ${closed ? 'closed' : 'open'} when the state came`,
          );
        }
        if (rowAt !== undefined && frameAt !== undefined) frameToRow.push(rowAt - frameAt);
        if (s.core !== undefined) toCore.push(s.core - invite);
        if (clickAt !== undefined && talkingAt !== undefined) clickToTalking.push(talkingAt - clickAt);
        if (clickAt !== undefined && sip.caller200 !== undefined) clickToPeer.push(sip.caller200 - clickAt);
        if (sip.caller180 !== undefined) appInvite180.push(sip.caller180 - invite);
      });
      if (unpaired) console.log(`${unpaired} call(s) left out: their INVITE is not in the capture`);
      if (lateFlood) console.log(`${lateFlood} call(s) of the flood phase left out: they came after presence had settled`);
      if (closedLists) console.log(`${closedLists} call(s) left out of INVITE -> row: the call list was closed when the call came`);
      for (const o of outliers) console.log(`slow row: ${o}`);
      if (args.includes('--keep')) writeFileSync(join(dir, 'page-events.json'), JSON.stringify({ samples, events: e, floodEnd, appCalls }));
      const peer180 = peerCallTimes.flatMap((c) => (c.caller180 !== undefined ? [c.caller180 - c.callerInvite!] : []));

      // The phone book last: typing must not overlap the calls.
      await page.getByTestId('phonebook-search').click();
      const book = await phoneBookKeys(page, keys);
      if (book.missed) console.log(`${book.missed} key presses without a matching paint`);
      console.log(book.split);
      if (cdp && profileFile) {
        const { profile } = await cdp.send('Profiler.stop');
        writeFileSync(profileFile, JSON.stringify(profile));
        console.log(`page profile written to ${profileFile}`);
      }
      const slowest = (xs: number[]) => [...xs].sort((a, b) => b - a).slice(0, 5).map((x) => x.toFixed(1)).join(', ');
      const figures: Figure[] = [];
      for (const phase of ['settled', 'flood'] as const) {
        const f = phases[phase];
        if (f.toList.length === 0) continue;
        const tag = phase === 'settled' ? '' : ' [start-up presence flood]';
        console.log(`${phase}: state frame in the page -> row painted p50 ${percentile(f.frameToRow, 50).toFixed(1)} / p99 ${percentile(f.frameToRow, 99).toFixed(1)} ms`);
        console.log(`${phase}: slowest INVITE -> row: ${slowest(f.toList)}; click -> talking: ${slowest(f.clickToTalking)} (ms)`);
        figures.push(
          ...row(`INVITE (sipp) -> row painted in the call list${tag}`, f.toList, '<= 100 ms', peer180),
          ...row(`  of which INVITE -> PhoneState at a Node client${tag}`, f.toCore),
          ...row(`INVITE (sipp) -> call indicator painted${tag}`, f.toIndicator),
          ...row(`INVITE -> 180 at sipp (app)${tag}`, f.appInvite180, undefined, peer180),
          ...row(`click on ringing call -> panel painted "talking"${tag}`, f.clickToTalking),
          ...row(`click on ringing call -> sipp receives 200 OK${tag}`, f.clickToPeer),
        );
      }
      if (book.latencies.length) console.log(`slowest key -> list: ${slowest(book.latencies)} (ms)`);
      return [
        ...figures,
        ...row(`key press -> phone book painted (${EMPLOYEES} employees)`, book.latencies, '<= 50 ms'),
      ];
    } finally {
      phone?.close();
      await browser?.close().catch(() => undefined);
      await Promise.allSettled([tcpdump?.stop(), app?.stop(), peer?.stop()]);
      if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
      else console.log(`kept in ${dir}`);
    }
  },
};

export default bench;
