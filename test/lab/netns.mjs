#!/usr/bin/env node
// A lab with real addresses: the app in one network namespace, Kamailio and the peers in another, joined
// through a third that routes between them, with or without a NAT (iptables masquerade) on the way.
//
//   node test/lab/netns.mjs up [--nat]      make the namespaces (idempotent: an old set is removed first)
//   node test/lab/netns.mjs down            remove them (and every process left inside)
//   node test/lab/netns.mjs run [--nat] -- CMD ARGS...
//        up, run CMD inside the server side with DP_LAB_* set (its own lab dir and addresses), down;
//        exits with CMD's code, or 0 with a "skipped" line where namespaces cannot be made here.
//
//   dp-app  eth0 10.77.1.2/24  (the app; default route via the router)
//   dp-nat  a0 10.77.1.1/24, s0 10.77.2.1/24  (routes; with --nat masquerades what leaves by s0)
//   dp-srv  eth0 10.77.2.2/24  (Kamailio and peers; a route back to 10.77.1.0/24 only without --nat)
// With --nat, `run` also starts the centre's media relay (rtpengine, media-relay.mjs) in dp-srv and
// Kamailio relays every call's media through it (DP_LAB_MEDIA_RELAY), as a cloud PBX does for clients
// behind NAT. Without --nat media flows end to end, so the app's own addresses in SDP are what is tested.
// Every interface is made inside a namespace (veth pairs created in one and their peer moved straight
// into the other): the machine's own interfaces, routes and firewall are never touched, and only the
// addresses above are used.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRelay } from './media-relay.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
export const NS = { app: 'dp-app', nat: 'dp-nat', srv: 'dp-srv' };
export const ADDR = { app: '10.77.1.2', natApp: '10.77.1.1', natSrv: '10.77.2.1', srv: '10.77.2.2' };
const LAB_DIR = path.join(REPO, '.lab', 'netns-srv');

function run(args, { quiet = false } = {}) {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0 && !quiet) throw new Error(`${args.join(' ')}: ${(r.stderr || r.stdout || r.error?.message || '').trim()}`);
  return r.status === 0;
}
const ip = (...args) => run(['ip', ...args]);
const inNs = (ns, ...args) => run(['ip', 'netns', 'exec', ns, ...args]);

/** Why namespaces cannot be made here, or null. */
function cannot() {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  if (spawnSync('ip', ['-V']).status !== 0) return 'no ip (iproute2)';
  const probe = 'dp-probe';
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (made.status !== 0) return `ip netns add failed: ${made.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

function pidsIn(ns) {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}

export function down() {
  for (const ns of [NS.app, NS.srv, NS.nat]) {
    for (const pid of pidsIn(ns)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    // Deleting a namespace deletes its veth ends (and so their peers).
    run(['ip', 'netns', 'del', ns], { quiet: true });
  }
}

export function up(nat) {
  down();
  for (const ns of Object.values(NS)) ip('netns', 'add', ns);
  // Made inside dp-app / dp-srv, the other end moved straight into dp-nat.
  ip('-n', NS.app, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'a0', 'netns', NS.nat);
  ip('-n', NS.srv, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 's0', 'netns', NS.nat);
  ip('-n', NS.app, 'addr', 'add', `${ADDR.app}/24`, 'dev', 'eth0');
  ip('-n', NS.nat, 'addr', 'add', `${ADDR.natApp}/24`, 'dev', 'a0');
  ip('-n', NS.nat, 'addr', 'add', `${ADDR.natSrv}/24`, 'dev', 's0');
  ip('-n', NS.srv, 'addr', 'add', `${ADDR.srv}/24`, 'dev', 'eth0');
  for (const [ns, devs] of [[NS.app, ['lo', 'eth0']], [NS.nat, ['lo', 'a0', 's0']], [NS.srv, ['lo', 'eth0']]]) {
    for (const dev of devs) ip('-n', ns, 'link', 'set', dev, 'up');
  }
  ip('-n', NS.app, 'route', 'add', 'default', 'via', ADDR.natApp);
  inNs(NS.nat, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
  if (nat) {
    // The office router: everything from the LAN leaves with the router's address (ports kept where free).
    inNs(NS.nat, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '10.77.1.0/24', '-o', 's0', '-j', 'MASQUERADE');
    // Nothing from outside reaches the LAN unless it answers what went out.
    inNs(NS.nat, 'iptables', '-A', 'FORWARD', '-i', 's0', '-o', 'a0', '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'DROP');
  } else {
    ip('-n', NS.srv, 'route', 'add', '10.77.1.0/24', 'via', ADDR.natSrv);
  }
}

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  const nat = rest.includes('--nat');
  if (cmd === 'down') return down(), 0;
  const why = cannot();
  if (why) {
    console.log(`netns: skipped, network namespaces cannot be made here (${why})`);
    return 0;
  }
  if (cmd === 'up') return up(nat), 0;
  if (cmd !== 'run') {
    console.log('usage: node test/lab/netns.mjs up [--nat] | down | run [--nat] -- CMD ARGS...');
    return 2;
  }
  const dash = rest.indexOf('--');
  const command = dash >= 0 ? rest.slice(dash + 1) : [];
  if (command.length === 0) throw new Error('run: no command after --');
  up(nat);
  fs.mkdirSync(LAB_DIR, { recursive: true });
  const relay = nat ? await startRelay(NS.srv, ADDR.srv, LAB_DIR) : undefined;
  const env = {
    ...process.env,
    DP_NETNS: nat ? 'nat' : 'routed',
    DP_NETNS_APP: NS.app,
    DP_NETNS_APP_ADDRESS: ADDR.app,
    DP_NETNS_NAT_ADDRESS: ADDR.natSrv,
    DP_LAB_DIR: LAB_DIR,
    DP_LAB_SIP_HOST: ADDR.srv,
    PULSE_SERVER: `unix:${path.join(LAB_DIR, 'pulse', 'native')}`,
    ...(relay ? { DP_LAB_MEDIA_RELAY: relay } : {}),
  };
  try {
    const code = await new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', NS.srv, ...command], { stdio: 'inherit', env, cwd: REPO });
      child.once('exit', (c) => resolve(c ?? 1));
    });
    spawnSync('ip', ['netns', 'exec', NS.srv, process.execPath, path.join(HERE, 'lab.mjs'), 'down'], { env, stdio: 'ignore' });
    return code;
  } finally {
    down();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`netns: ${error.message}`);
      down();
      process.exit(1);
    },
  );
}
