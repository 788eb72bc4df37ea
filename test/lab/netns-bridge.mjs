#!/usr/bin/env node
// Run inside a network namespace: a unix socket (file systems are shared between namespaces) that carries
// each connection to 127.0.0.1:PORT of that namespace. Tests reach the web host in test/lab/netns.mjs's
// app namespace this way (it listens on its own loopback only).
//   ip netns exec dp-app node test/lab/netns-bridge.mjs /path/to.sock PORT
import fs from 'node:fs';
import net from 'node:net';

const [socketPath, port] = process.argv.slice(2);
fs.rmSync(socketPath, { force: true });
const server = net.createServer((client) => {
  const upstream = net.connect(Number(port), '127.0.0.1');
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
});
server.listen(socketPath, () => process.stdout.write('bridging\n'));
process.on('SIGTERM', () => process.exit(0));
