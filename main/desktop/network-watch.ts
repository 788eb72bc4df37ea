// A network change (an interface's addresses, or the default route) re-registers at once: after a Wi-Fi
// switch or a VPN coming up, the server's binding points at an address that no longer reaches us.
import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** Addresses of every non-internal interface and the default route, as one comparable string. */
export function networkFingerprint(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>, defaultRoute: string | null): string {
  const parts: string[] = [];
  for (const name of Object.keys(interfaces).sort()) {
    for (const a of interfaces[name] ?? []) if (!a.internal) parts.push(`${name}=${a.address}/${a.netmask}`);
  }
  parts.sort();
  return `${parts.join(',')}|route=${defaultRoute ?? ''}`;
}

/** Linux: the interface and gateway of the default route from /proc/net/route; null elsewhere or when none. */
export function linuxDefaultRoute(routeTable: string): string | null {
  for (const line of routeTable.split('\n').slice(1)) {
    const [iface, destination, gateway, , , , , mask] = line.trim().split(/\s+/);
    if (destination === '00000000' && mask === '00000000') return `${iface}:${gateway}`;
  }
  return null;
}

export function readNetworkFingerprint(): string {
  let route: string | null = null;
  try {
    route = linuxDefaultRoute(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    route = null; // not Linux: interface addresses alone
  }
  return networkFingerprint(networkInterfaces(), route);
}

export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Polls the fingerprint (Node has no network-change event) and calls onChange when it moves. */
export class NetworkWatcher {
  private last: string | null = null;
  private handle: unknown = null;

  constructor(
    private readonly read: () => string,
    private readonly onChange: () => void,
    private readonly intervalMs = 3000,
    private readonly timers: Timers = { setInterval: (fn, ms) => setInterval(fn, ms).unref(), clearInterval: (h) => clearInterval(h as NodeJS.Timeout) },
  ) {}

  start(): void {
    this.last = this.read();
    this.handle = this.timers.setInterval(() => this.check(), this.intervalMs);
  }

  check(): void {
    const now = this.read();
    if (now === this.last) return;
    this.last = now;
    this.onChange();
  }

  stop(): void {
    if (this.handle !== null) this.timers.clearInterval(this.handle);
    this.handle = null;
  }
}
