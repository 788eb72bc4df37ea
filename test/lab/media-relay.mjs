// The centre's media relay for test/lab/netns.mjs --nat: rtpengine (Debian's rtpengine-daemon, userspace
// forwarding only) in the server namespace, driven by Kamailio's rtpengine module over its ng control
// socket. It is what a cloud PBX or SBC runs for clients behind NAT: both sides send RTP to the relay,
// and it answers each side where that side's RTP really comes from (endpoint learning), so neither
// needs symmetric RTP nor a correct address in its SDP.
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';

export const RELAY_CONTROL = { host: '127.0.0.1', port: 2223 };
// Clear of the app's (30000-30999) and the peers' (30000-49999) RTP ports.
const PORTS = { min: 50000, max: 50999 };

/** One ng "ping" to the relay's control socket: true on "pong". */
function ping(timeoutMs = 300) {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const done = (ok) => {
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('error', () => done(false));
    sock.on('message', (m) => done(m.toString('utf8').includes('pong')));
    sock.send('dp-lab d7:command4:pinge', RELAY_CONTROL.port, RELAY_CONTROL.host);
  });
}

/**
 * Starts rtpengine inside `ns` on `address`, logging to `<dir>/rtpengine.log`; resolves with the
 * control socket Kamailio's rtpengine_sock wants. The namespace's removal ends it.
 */
export async function startRelay(ns, address, dir) {
  if (spawnSync('which', ['rtpengine']).status !== 0) throw new Error('rtpengine not installed (node test/lab/lab.mjs install)');
  const log = fs.openSync(path.join(dir, 'rtpengine.log'), 'w');
  const args = [
    'netns', 'exec', ns, 'rtpengine',
    '--config-file=none', '--foreground', '--log-stderr', '--log-level=6',
    '--table=-1', // no kernel module: userspace forwarding
    `--interface=${address}`,
    `--listen-ng=${RELAY_CONTROL.host}:${RELAY_CONTROL.port}`,
    `--port-min=${PORTS.min}`, `--port-max=${PORTS.max}`,
    // Within the first 3 s prefer the SDP's address:port, then the SDP's address on another port (a
    // NAT that did not keep the port), then any source; what a relay for NATed clients is set to.
    '--endpoint-learning=heuristic',
  ];
  const child = spawn('ip', args, { stdio: ['ignore', log, log], detached: true, cwd: dir });
  fs.closeSync(log);
  child.unref();
  // ping from inside the namespace: its 127.0.0.1 is not ours
  for (let i = 0; i < 50; i++) {
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e',
      `import { relayAnswers } from ${JSON.stringify(new URL(import.meta.url).href)}; process.exit((await relayAnswers()) ? 0 : 1);`]);
    if (r.status === 0) return `udp:${RELAY_CONTROL.host}:${RELAY_CONTROL.port}`;
    if (child.exitCode !== null) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`rtpengine did not start; see ${path.join(dir, 'rtpengine.log')}`);
}

export const relayAnswers = () => ping();
