// The desktop's network watch (main/desktop/network-watch.ts) on real netlink events: the watcher, with
// `ip -o monitor link address route` as its events and polling set to an hour (so only the events can tell it), runs in the
// app's namespace (dp-app); an address put on an interface made there, then the interface removed, must
// both be seen. Runs only inside test/lab/netns.mjs (it makes the namespaces and removes them):
//   flock /tmp/dp-lab.lock node test/lab/netns.mjs run -- npx vitest run --config vitest.config.ts \
//     --project integration test/integration/netns/network-watch.test.ts
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const APP_NS = 'dp-app';
const LINK = 'dpwatch0';
/** Inside the lab's own namespace only (its 10.77.0.0/16 plan; 10.77.9.0/24 is unused by it). */
const ADDRESS = '10.77.9.1/24';

const PROBE = `
const { ipMonitor, NetworkWatcher, readNetworkFingerprint } = await import('./main/desktop/network-watch.ts');
const w = new NetworkWatcher({ read: readNetworkFingerprint, onChange: () => console.log('change ' + readNetworkFingerprint()), intervalMs: 3_600_000, events: ipMonitor() });
w.start();
console.log('ready ' + readNetworkFingerprint());
setTimeout(() => process.exit(0), 60_000); // bounded: the test ends it sooner
`;

function ipInApp(...args: string[]): void {
  const r = spawnSync('ip', ['-n', APP_NS, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip -n ${APP_NS} ${args.join(' ')}: ${r.stderr.trim()}`);
}

let probe: ChildProcessWithoutNullStreams | null = null;
afterEach(() => {
  probe?.kill();
  probe = null;
  spawnSync('ip', ['-n', APP_NS, 'link', 'del', LINK]);
});

/** The probe's next line starting with `word`, or an error after `ms`. */
function nextLine(lines: string[], word: string, ms: number): Promise<string> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const look = setInterval(() => {
      const i = lines.findIndex((l) => l.startsWith(word));
      if (i >= 0) {
        clearInterval(look);
        resolve(lines.splice(0, i + 1).at(-1)!);
      } else if (Date.now() - started > ms) {
        clearInterval(look);
        reject(new Error(`no "${word}" line within ${ms} ms; seen: ${lines.join(' | ')}`));
      }
    }, 20);
  });
}

describe.skipIf(!process.env.DP_NETNS)('network watch on real netlink events', () => {
  it('sees an address come and its interface go, with no polling', async () => {
    probe = spawn('ip', ['netns', 'exec', APP_NS, process.execPath, '--import', 'tsx', '--input-type=module', '-e', PROBE], { cwd: REPO });
    const lines: string[] = [];
    let buffered = '';
    probe.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      lines.push(...parts);
    });
    const ready = await nextLine(lines, 'ready', 20_000);
    expect(ready).not.toContain('10.77.9.1');
    // `ip monitor` subscribes just after it starts; give it that moment before the first change
    await new Promise((r) => setTimeout(r, 1000));

    ipInApp('link', 'add', LINK, 'type', 'veth', 'peer', 'name', `${LINK}p`);
    ipInApp('addr', 'add', ADDRESS, 'dev', LINK);
    // an interface counts (Node's networkInterfaces) once it is up and has carrier: both ends up
    ipInApp('link', 'set', `${LINK}p`, 'up');
    ipInApp('link', 'set', LINK, 'up');
    const added = await nextLine(lines, 'change', 10_000);
    // the fingerprint may first move on the link alone; the address must show by the latest change
    const withAddress = added.includes('10.77.9.1') ? added : await nextLine(lines, 'change', 10_000);
    expect(withAddress).toContain(`${LINK}=10.77.9.1/255.255.255.0`);

    ipInApp('link', 'del', LINK);
    let removed = await nextLine(lines, 'change', 10_000);
    while (removed.includes('10.77.9.1')) removed = await nextLine(lines, 'change', 10_000);
    expect(removed).not.toContain(LINK);
  }, 60_000);
});
