// `npm run demo`: the lab plus the app, for a person to try. Starts Kamailio and PulseAudio, seeds a
// demo dispatch centre, runs the web host as dispatcher 1000 and lets lab peers (drivers, clients,
// a new client) call in from time to time, so every caller kind of the spec can be seen.
// Open the printed URL in a browser; Ctrl+C stops everything.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { closeDatabase, openDatabase } from '../../main/store/database.js';
import { seedDemoData } from '../../main/store/demo-data.js';
import { ContractClient, startApp } from '../support/app-process.js';
import { ensureLab, labPaths, startBaresip, type BaresipPeer } from './peers.js';

const DISPATCHER = '1000';
// Who calls in: two drivers (one on an order), clients with and without unfinished orders, a new client.
const CALLERS = ['2001', '2006', '79161230002', '79161230004', '79161239999'];
const CALL_EVERY_MS = Number(process.env.DEMO_CALL_EVERY_MS ?? 25_000);

async function main(): Promise<void> {
  const paths = labPaths();
  // On a fresh machine the lab's Debian packages come first (apt-get, minutes): in the open, with no time
  // limit, before ensureLab(), whose captured `lab.mjs up` would show nothing and give up after 5 minutes.
  const install = spawnSync(process.execPath, [paths.labCli, 'install'], { stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status ?? 1);
  await ensureLab();
  process.env.PULSE_SERVER = paths.pulseServer;
  if (!existsSync(join(paths.repo, 'dist/main/app/host.js')) || !existsSync(join(paths.repo, 'dist/renderer/index.html'))) {
    console.error('the app is not built: run npm run build first');
    process.exit(2);
  }
  const dir = join(paths.lab, 'demo');
  mkdirSync(dir, { recursive: true });
  const db = openDatabase(join(dir, 'phone.db'));
  seedDemoData(db);
  closeDatabase(db);

  const app = await startApp({ user: DISPATCHER, dir, config: { locale: 'ru', audio: { backend: 'pulse', ringDevice: 'spk', talkOutputDevice: 'headset', microphone: 'mic' } } });
  const contract = await ContractClient.connect(app);
  const peers: BaresipPeer[] = [];
  for (const user of CALLERS) peers.push(await startBaresip({ user, audioFile: paths.audio.tone440, presence: { publish: true } }));

  console.log(`ready ${app.url}`);
  console.log(`Dispatcher ${DISPATCHER} is registered at the lab's Kamailio. Open the URL above in a browser.`);
  console.log(`Callers (${CALLERS.join(', ')}) ring in every ${CALL_EVERY_MS / 1000} s; call 2001..2012 or 1001 from the panel. Ctrl+C stops.`);

  let next = 0;
  const timer = setInterval(async () => {
    const state = contract.state;
    if (!state || state.incomingQueue.length >= 2) return;
    const peer = peers[next++ % peers.length]!;
    const busy = (await peer.listCalls().catch(() => [])).length > 0;
    if (!busy) await peer.dial(DISPATCHER).catch((e: Error) => console.error(`demo caller ${peer.user}: ${e.message}`));
  }, CALL_EVERY_MS);
  // The first caller right away, so the panel has something to show.
  setTimeout(() => void peers[0]!.dial(DISPATCHER), 1500);

  const stop = async () => {
    clearInterval(timer);
    contract.close();
    await Promise.all(peers.map((p) => p.stop()));
    await app.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
