#!/usr/bin/env node
// Dispatch Phone SIP lab: Kamailio (registrar/proxy/presence) + PulseAudio null sinks + audio fixtures.
// Plain Node ESM on purpose: it must run before anything is built.
//
//   node test/lab/lab.mjs up [kamailio|pulse]     idempotent; installs Debian packages when root
//   node test/lab/lab.mjs down [kamailio|pulse]   stops services (and leftover test peers) by PID
//   node test/lab/lab.mjs kill kamailio           SIGKILL, for fault-injection tests
//   node test/lab/lab.mjs bounce                  SIGKILL Kamailio and start it again at once (prints the downtime)
//   node test/lab/lab.mjs status                  one line per service; exit code 1 if one is down
//   node test/lab/lab.mjs env                     `export PULSE_SERVER=...` lines for eval
//
// Everything listens on 127.0.0.1 only; all state lives in <repo>/.lab/ (gitignored).

import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
// test/lab/netns.mjs runs a second lab on the server side of its namespaces: its own dir and address.
export const LAB = process.env.DP_LAB_DIR ?? path.join(REPO, '.lab');
const PULSE_DIR = path.join(LAB, 'pulse');
const PULSE_SOCKET = path.join(PULSE_DIR, 'native');
export const PULSE_SERVER = `unix:${PULSE_SOCKET}`;
const KAMAILIO_CTL = path.join(LAB, 'kamailio_ctl');
const TLS_DIR = path.join(LAB, 'tls');
const DBTEXT_DIR = path.join(LAB, 'dbtext');
const AUDIO_DIR = path.join(LAB, 'audio');
export const SIP_HOST = process.env.DP_LAB_SIP_HOST ?? '127.0.0.1';
export const SIP_PORT = 5060;
export const SIP_TLS_PORT = 5061;

const PACKAGES = [
  'kamailio',
  'kamailio-presence-modules',
  'kamailio-tls-modules',
  'kamailio-websocket-modules',
  'kamailio-xml-modules',
  'baresip-core',
  'sip-tester',
  'linphone-cli',
  'pulseaudio',
  'pulseaudio-utils',
  'alsa-utils',
  'libasound2-plugins',
  'sox',
  'espeak-ng',
  'openssl',
  // Not the lab's own, but every test run needs them: the e2e browser and tcpdump for benchmarks.
  'chromium',
  'tcpdump',
  // test/lab/netns.mjs: network namespaces joined by veth pairs, with a masquerading NAT between them.
  'iproute2',
  'iptables',
  // test/lab/media-relay.mjs: the centre's media relay in the netns lab's NAT mode (Kamailio's rtpengine module).
  'rtpengine-daemon',
  // npm ci: audify (the rtaudio backend) compiles RtAudio with cmake-js against ALSA (no prebuilt binary offline).
  'cmake',
  'libasound2-dev',
  // npm ci: node-gyp builds naudiodon (and better-sqlite3 without its GitHub prebuild). The README's `npm ci`
  // runs before the lab and needs them already; .ci/run installs the lab first, so a bare machine gets them.
  'g++',
  'make',
  'python3',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => process.stdout.write(`${msg}\n`);

// ---------------------------------------------------------------- packages

function missingPackages() {
  return PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function ensurePackages() {
  if (!fs.existsSync('/usr/bin/dpkg-query')) return; // not Debian: trust the PATH
  const missing = missingPackages();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages (run as root to install): ${missing.join(' ')}`);
  }
  log(`lab: installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${r.status})`);
  };
  run(['update']);
  run(['install', '-y', '--no-install-recommends', ...missing]);
}

// ---------------------------------------------------------------- process helpers

function readPid(file) {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie (a killed child of a dead parent may linger as <defunct>). */
function pidAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

function procName(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The pid from the file, but only if that process still is `name` (PIDs get reused). */
function ownPid(file, name) {
  const pid = readPid(file);
  return pid && pidAlive(pid) && procName(pid).startsWith(name) ? pid : undefined;
}

function procStat(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state ppid pgrp ...
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], ppid: Number(rest[1]), pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

/** Live members of process group pgid (daemons we spawn detached lead their own group). */
function groupMembers(pgid) {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(Number(name));
    if (st && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') out.push(Number(name));
  }
  return out;
}

/**
 * Stop a daemon and everything in its process group: Kamailio forks workers that survive a
 * SIGKILLed main process and keep answering on 5060.
 */
async function stopPid(pid, { signal = 'SIGTERM', timeoutMs = 5000, group = false } = {}) {
  const asGroup = group || procStat(pid)?.pgrp === pid;
  const alive = () => (asGroup ? groupMembers(pid).length > 0 : pidAlive(pid));
  const send = (sig) => {
    try {
      process.kill(asGroup ? -pid : pid, sig);
    } catch {
      /* already gone */
    }
  };
  if (!alive()) return;
  send(signal);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!alive()) return;
    await sleep(50);
  }
  send('SIGKILL');
  while (alive()) await sleep(50);
}

/** Kamailio processes of THIS lab (our cfg, our .lab) left behind by a crash or a killed main. */
function orphanedLabKamailioGroups() {
  const groups = new Set();
  const cfg = path.join(HERE, 'kamailio', 'kamailio.cfg');
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (procName(Number(name)) !== 'kamailio') continue;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes(cfg) && cmdline.includes(`unix:${KAMAILIO_CTL}`)) {
      const st = procStat(Number(name));
      if (st) groups.add(st.pgrp);
    }
  }
  return [...groups];
}

/** Start a long-running daemon detached from this CLI, logging into .lab/<name>.log. */
function spawnDaemon(name, cmd, args, env = process.env) {
  const logFile = path.join(LAB, `${name}.log`);
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n=== ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`);
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd: LAB });
  fs.closeSync(fd);
  child.unref();
  fs.writeFileSync(path.join(LAB, `${name}.pid`), `${child.pid}\n`);
  return child.pid;
}

function tailLog(name, lines = 30) {
  try {
    return fs.readFileSync(path.join(LAB, `${name}.log`), 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------- kamailio

/** Send one OPTIONS to the proxy itself over UDP; resolves with the status code or undefined. */
export function sipOptionsProbe(host = SIP_HOST, port = SIP_PORT, timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const done = (code) => {
      clearTimeout(timer);
      sock.close();
      resolve(code);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('message', (buf) => {
      const m = /^SIP\/2\.0 (\d{3})/.exec(buf.toString('utf8'));
      if (m && m[1] !== '100') done(Number(m[1]));
    });
    sock.bind(0, '127.0.0.1', () => {
      const lport = sock.address().port;
      const id = randomBytes(8).toString('hex');
      const msg =
        `OPTIONS sip:${host}:${port} SIP/2.0\r\n` +
        `Via: SIP/2.0/UDP 127.0.0.1:${lport};branch=z9hG4bK${id};rport\r\n` +
        `Max-Forwards: 70\r\n` +
        `From: <sip:lab-probe@127.0.0.1>;tag=${id}\r\n` +
        `To: <sip:${host}:${port}>\r\n` +
        `Call-ID: probe-${id}@127.0.0.1\r\n` +
        `CSeq: 1 OPTIONS\r\n` +
        `Content-Length: 0\r\n\r\n`;
      sock.send(msg, port, host);
    });
  });
}

function ensureTls() {
  const files = ['ca.pem', 'server.pem', 'server.key'].map((f) => path.join(TLS_DIR, f));
  if (files.every((f) => fs.existsSync(f))) return true;
  fs.mkdirSync(TLS_DIR, { recursive: true });
  const ossl = (args) => spawnSync('openssl', args, { cwd: TLS_DIR, encoding: 'utf8' });
  fs.writeFileSync(
    path.join(TLS_DIR, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  const steps = [
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=Dispatch Phone Lab CA',
      '-keyout', 'ca.key', '-out', 'ca.pem'],
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr'],
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650',
      '-extfile', 'server.ext', '-out', 'server.pem'],
  ];
  for (const args of steps) {
    const r = ossl(args);
    if (r.status !== 0) {
      log(`lab: openssl failed, TLS disabled: ${r.stderr}`);
      return false;
    }
  }
  return true;
}

// pua (registrations -> presence) will not start without a database: an empty db_text one, made fresh
// at every start so no presence survives a restart (the lab's registrations do not either).
function ensurePuaTables() {
  fs.rmSync(DBTEXT_DIR, { recursive: true, force: true });
  fs.mkdirSync(DBTEXT_DIR, { recursive: true });
  fs.writeFileSync(path.join(DBTEXT_DIR, 'version'), 'id(int,auto) table_name(string) table_version(int) \n0:pua:7\n');
  fs.writeFileSync(
    path.join(DBTEXT_DIR, 'pua'),
    'id(int,auto) pres_uri(string) pres_id(string) event(int) expires(int) desired_expires(int) flag(int) etag(string) ' +
      'tuple_id(string,null) watcher_uri(string) call_id(string) to_tag(string) from_tag(string) cseq(int) ' +
      'record_route(string,null) contact(string) remote_contact(string) version(int) extra_headers(string) \n',
  );
}

function kamailioArgs(withTls) {
  const q = (s) => `"${s}"`;
  const args = [
    '-DD', '-E', // foreground, log to stderr: one PID stops it all
    '-f', path.join(HERE, 'kamailio', 'kamailio.cfg'),
    '-Y', LAB,
    // 256 MB shared: bench/ui's 10,000 presence subscriptions exhausted 64 MB (500 to everything, calls too)
    '-m', '256', '-M', '8',
    '-A', `LAB_CTL=${q(`unix:${KAMAILIO_CTL}`)}`,
    '-A', `LAB_FIFO=${q(path.join(LAB, 'kamailio_rpc.fifo'))}`,
    '-A', `LAB_DBTEXT=${q(`text://${DBTEXT_DIR}`)}`,
  ];
  if (process.getuid?.() === 0) args.push('-u', 'root', '-g', 'root');
  // In netns.mjs's server namespace: listen on its address too (the cfg's 127.0.0.1 is that namespace's own).
  if (SIP_HOST !== '127.0.0.1') args.push('-l', `udp:${SIP_HOST}:${SIP_PORT}`, '-l', `tcp:${SIP_HOST}:${SIP_PORT}`, '-l', `udp:127.0.0.1:${SIP_PORT}`);
  // netns.mjs --nat runs rtpengine beside us: relay every call's media through it.
  if (process.env.DP_LAB_MEDIA_RELAY) args.push('-A', 'WITH_RTPENGINE', '-A', `RTPENGINE_SOCK=${q(process.env.DP_LAB_MEDIA_RELAY)}`);
  if (withTls) {
    args.push(
      '-A', 'WITH_TLS',
      '-A', `LAB_TLS_CERT=${q(path.join(TLS_DIR, 'server.pem'))}`,
      '-A', `LAB_TLS_KEY=${q(path.join(TLS_DIR, 'server.key'))}`,
      '-A', `LAB_TLS_CA=${q(path.join(TLS_DIR, 'ca.pem'))}`,
    );
  }
  return args;
}

const KAMAILIO_PID = () => path.join(LAB, 'kamailio.pid');

async function kamailioStatus() {
  const pid = ownPid(KAMAILIO_PID(), 'kamailio');
  const code = await sipOptionsProbe();
  return { pid, ready: code === 200, foreign: !pid && code !== undefined };
}

async function startKamailio() {
  const st = await kamailioStatus();
  if (st.pid && st.ready) return `kamailio: running pid ${st.pid} udp/tcp ${SIP_HOST}:${SIP_PORT}`;
  if (st.pid) await stopPid(st.pid); // alive but deaf: restart it
  for (const pgid of orphanedLabKamailioGroups()) await stopPid(pgid, { signal: 'SIGKILL', group: true });
  if ((await sipOptionsProbe()) !== undefined) {
    throw new Error(`something else answers SIP on ${SIP_HOST}:${SIP_PORT}; stop it first`);
  }
  for (const f of ['kamailio_ctl', 'kamailio_rpc.fifo']) fs.rmSync(path.join(LAB, f), { force: true });
  const withTls = spawnSync('which', ['openssl']).status === 0 && ensureTls();
  ensurePuaTables();
  const pid = spawnDaemon('kamailio', 'kamailio', kamailioArgs(withTls));
  const until = Date.now() + 15000;
  while (Date.now() < until) {
    if (!pidAlive(pid)) break;
    if ((await sipOptionsProbe()) === 200) {
      const tls = withTls ? `, tls ${SIP_HOST}:${SIP_TLS_PORT} (CA ${path.join(TLS_DIR, 'ca.pem')})` : '';
      return `kamailio: started pid ${pid} udp/tcp ${SIP_HOST}:${SIP_PORT}${tls}`;
    }
    await sleep(100);
  }
  await stopPid(pid);
  throw new Error(`kamailio did not become ready; log tail:\n${tailLog('kamailio')}`);
}

// ---------------------------------------------------------------- pulseaudio

const PULSE_PID = () => path.join(LAB, 'pulse.pid');

function pulseEnv() {
  return {
    ...process.env,
    PULSE_SERVER,
    // Own runtime dir and HOME: never meet a desktop user's PulseAudio or cookie.
    XDG_RUNTIME_DIR: path.join(PULSE_DIR, 'run'),
    HOME: PULSE_DIR,
  };
}

function pactlInfo() {
  const r = spawnSync('pactl', ['info'], { env: pulseEnv(), encoding: 'utf8', timeout: 3000 });
  return r.status === 0;
}

function pulseStatus() {
  const pid = ownPid(PULSE_PID(), 'pulseaudio');
  return { pid, ready: pid !== undefined && pactlInfo() };
}

async function startPulse() {
  const st = pulseStatus();
  if (st.pid && st.ready) return `pulse: running pid ${st.pid} ${PULSE_SERVER}`;
  if (st.pid) await stopPid(st.pid);
  fs.mkdirSync(path.join(PULSE_DIR, 'run'), { recursive: true, mode: 0o700 });
  fs.chmodSync(path.join(PULSE_DIR, 'run'), 0o700);
  fs.rmSync(PULSE_SOCKET, { force: true });
  const args = [
    '--daemonize=no', // we keep its PID ourselves
    '--exit-idle-time=-1',
    '--disallow-exit=yes',
    '--use-pid-file=no',
    '--realtime=no',
    '--high-priority=no',
    '--log-target=stderr',
    '-n',
    '-F', path.join(HERE, 'pulse', 'lab.pa'),
    `--load=module-native-protocol-unix auth-anonymous=1 socket=${PULSE_SOCKET}`,
  ];
  if (process.getuid?.() === 0) args.push('--system=no');
  const pid = spawnDaemon('pulse', 'pulseaudio', args, pulseEnv());
  const until = Date.now() + 15000;
  while (Date.now() < until) {
    if (!pidAlive(pid)) break;
    if (fs.existsSync(PULSE_SOCKET) && pactlInfo()) return `pulse: started pid ${pid} ${PULSE_SERVER}`;
    await sleep(100);
  }
  await stopPid(pid);
  throw new Error(`pulseaudio did not become ready; log tail:\n${tailLog('pulse')}`);
}

// ---------------------------------------------------------------- audio fixtures

export const AUDIO = {
  tone440: path.join(AUDIO_DIR, 'tone440.wav'),
  tone1000: path.join(AUDIO_DIR, 'tone1000.wav'),
  tone440short: path.join(AUDIO_DIR, 'tone440-60s.wav'),
  tone440ulaw: path.join(AUDIO_DIR, 'tone440-ulaw.wav'),
  speech: path.join(AUDIO_DIR, 'speech.wav'),
};

function ensureFixtures() {
  fs.mkdirSync(AUDIO_DIR, { recursive: true });
  // baresip hangs up when its source file ends: the long tones last 10 minutes.
  const pcm = ['-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer'];
  const jobs = [
    [AUDIO.tone440, ['sox', '-n', ...pcm, AUDIO.tone440, 'synth', '600', 'sine', '440', 'vol', '0.5']],
    [AUDIO.tone1000, ['sox', '-n', ...pcm, AUDIO.tone1000, 'synth', '600', 'sine', '1000', 'vol', '0.5']],
    // Short file for load tests: baresip loads the whole source into memory per call.
    [AUDIO.tone440short, ['sox', '-n', ...pcm, AUDIO.tone440short, 'synth', '60', 'sine', '440', 'vol', '0.5']],
    // sipp's rtp_stream plays 8 kHz mono u-law WAV.
    [AUDIO.tone440ulaw,
      ['sox', '-n', '-r', '8000', '-c', '1', '-e', 'u-law', AUDIO.tone440ulaw, 'synth', '60', 'sine', '440', 'vol', '0.5']],
    [AUDIO.speech, ['espeak-ng', '-w', AUDIO.speech, 'Taxi to the central station, please. One two three four.']],
  ];
  const made = [];
  for (const [file, [cmd, ...args]] of jobs) {
    if (fs.existsSync(file) && fs.statSync(file).size > 0) continue;
    const tmp = `${file}.tmp.wav`;
    const fixedArgs = args.map((a) => (a === file ? tmp : a));
    const r = spawnSync(cmd, fixedArgs, { encoding: 'utf8' });
    if (r.status !== 0) {
      fs.rmSync(tmp, { force: true });
      if (file === AUDIO.speech) continue; // optional
      throw new Error(`${cmd} ${fixedArgs.join(' ')} failed: ${r.stderr}`);
    }
    fs.renameSync(tmp, file); // atomic: a concurrent `up` never sees half a file
    made.push(path.basename(file));
  }
  return `audio: ${AUDIO_DIR}${made.length ? ` (made ${made.join(', ')})` : ''}`;
}

// ---------------------------------------------------------------- leftover peers

/** Test peers (baresip, linphone, sipp) write <.lab>/peers/<name>/pid; kill leftovers on `down`. */
async function stopPeers() {
  const dir = path.join(LAB, 'peers');
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name, 'pid');
    const pid = readPid(file);
    if (pid && pidAlive(pid) && /baresip|linphone|sipp/.test(procName(pid))) {
      await stopPid(pid, { timeoutMs: 2000 });
      n++;
    }
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  return n;
}

/** Peer dirs keep logs and recordings for debugging; drop those of dead peers older than 6 hours. */
function pruneOldPeerDirs() {
  const dir = path.join(LAB, 'peers');
  if (!fs.existsSync(dir)) return;
  const cutoff = Date.now() - 6 * 3600 * 1000;
  for (const name of fs.readdirSync(dir)) {
    const d = path.join(dir, name);
    const pid = readPid(path.join(d, 'pid'));
    if (pid && pidAlive(pid)) continue;
    if ((fs.statSync(d, { throwIfNoEntry: false })?.mtimeMs ?? 0) < cutoff) fs.rmSync(d, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- lock

/** Serialise concurrent `up`s (vitest and Playwright may both call it). */
async function withLock(fn) {
  const lock = path.join(LAB, 'up.lock');
  const until = Date.now() + 180000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > until) throw new Error(`lab lock ${lock} held too long`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- commands

async function up(which) {
  fs.mkdirSync(LAB, { recursive: true });
  await withLock(async () => {
    ensurePackages();
    if (!which || which === 'pulse') log(await startPulse());
    if (!which || which === 'kamailio') log(await startKamailio());
    if (!which) log(ensureFixtures());
    if (!which) pruneOldPeerDirs();
  });
  log(`PULSE_SERVER=${PULSE_SERVER}`);
}

async function down(which, signal = 'SIGTERM') {
  if (!which || which === 'kamailio') {
    const pid = ownPid(KAMAILIO_PID(), 'kamailio');
    if (pid) await stopPid(pid, { signal });
    for (const pgid of orphanedLabKamailioGroups()) await stopPid(pgid, { signal: 'SIGKILL', group: true });
    fs.rmSync(KAMAILIO_PID(), { force: true });
    log(`kamailio: ${pid ? `stopped pid ${pid}` : 'not running'}`);
  }
  if (!which || which === 'pulse') {
    const pid = ownPid(PULSE_PID(), 'pulseaudio');
    if (pid) await stopPid(pid, { signal });
    fs.rmSync(PULSE_PID(), { force: true });
    log(`pulse: ${pid ? `stopped pid ${pid}` : 'not running'}`);
  }
  if (!which) log(`peers: stopped ${await stopPeers()}`);
}

async function status() {
  const k = await kamailioStatus();
  const p = pulseStatus();
  const kLine = k.pid
    ? `kamailio: ${k.ready ? 'ready' : 'NOT ANSWERING'} pid ${k.pid} udp/tcp ${SIP_HOST}:${SIP_PORT}`
    : k.foreign
      ? `kamailio: foreign SIP server on ${SIP_HOST}:${SIP_PORT}`
      : 'kamailio: stopped';
  log(kLine);
  log(p.pid ? `pulse: ${p.ready ? 'ready' : 'NOT ANSWERING'} pid ${p.pid} ${PULSE_SERVER}` : 'pulse: stopped');
  log(`PULSE_SERVER=${PULSE_SERVER}`);
  return k.ready && p.ready;
}

async function main() {
  const [cmd, which] = process.argv.slice(2);
  if (which && !['kamailio', 'pulse'].includes(which)) throw new Error(`unknown service ${which}`);
  switch (cmd) {
    case 'install':
      ensurePackages();
      return 0;
    case 'up':
      await up(which);
      return 0;
    case 'down':
      await down(which);
      return 0;
    case 'kill':
      await down(which ?? 'kamailio', 'SIGKILL');
      return 0;
    case 'restart':
      await down(which);
      await up(which);
      return 0;
    case 'bounce': {
      // SIGKILL and start again at once, as a quick registrar restart: every registration is lost. Prints how
      // long SIP went unanswered (from the kill until OPTIONS gets 200 again).
      const at = Date.now();
      await down('kamailio', 'SIGKILL');
      await withLock(async () => log(await startKamailio()));
      log(`kamailio: down ${Date.now() - at} ms`);
      return 0;
    }
    case 'status':
      return (await status()) ? 0 : 1;
    case 'env':
      log(`export PULSE_SERVER=${PULSE_SERVER}`);
      return 0;
    default:
      log('usage: node test/lab/lab.mjs install|up|down|restart|kill|bounce|status|env [kamailio|pulse]');
      return 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
