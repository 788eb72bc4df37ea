// A network change (an interface's addresses, or the default route) re-registers at once: after a Wi-Fi
// switch or a VPN coming up, the server's binding points at an address that no longer reaches us.
import { spawn } from 'node:child_process';
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

/** Something that says "the network may have changed" by itself; `onEnd` when it can no longer say so. Returns its stop. */
export type ChangeEvents = (onEvent: () => void, onEnd: () => void) => () => void;

/**
 * Linux: `ip -o monitor link address route`, one process blocked on the kernel's netlink events that prints a
 * line per link (carrier), address or route change: nothing wakes while nothing changes, and a change is seen at once
 * (polling every 3 s woke the idle app 20 times a minute, more than all its SIP traffic).
 */
export function ipMonitor(command: readonly string[] = ['ip', '-o', 'monitor', 'link', 'address', 'route']): ChangeEvents {
  return (onEvent, onEnd) => {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      onEnd();
    };
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', () => onEvent());
    child.on('error', end); // no `ip` here
    child.on('exit', end);
    child.unref();
    (child.stdout as unknown as { unref(): void }).unref(); // a net.Socket: the pipe must not keep the app alive either
    return () => {
      ended = true;
      child.kill();
    };
  };
}

/**
 * Calls onChange when the fingerprint moves: on the events' word where there are events (Linux), else (or
 * once they end) by polling, as Node has no network-change event of its own.
 */
export class NetworkWatcher {
  private last: string | null = null;
  private handle: unknown = null;
  private stopEvents: (() => void) | null = null;
  private stopped = true;

  private readonly read: () => string;
  private readonly onChange: () => void;
  private readonly intervalMs: number;
  private readonly timers: Timers;
  private readonly events: ChangeEvents | null;

  constructor(opts: {
    read: () => string;
    onChange: () => void;
    /** how often to poll where there are no events */
    intervalMs?: number;
    timers?: Timers;
    events?: ChangeEvents | null;
  }) {
    this.read = opts.read;
    this.onChange = opts.onChange;
    this.intervalMs = opts.intervalMs ?? 3000;
    this.timers = opts.timers ?? { setInterval: (fn, ms) => setInterval(fn, ms).unref(), clearInterval: (h) => clearInterval(h as NodeJS.Timeout) };
    this.events = opts.events ?? null;
  }

  start(): void {
    this.stopped = false;
    this.last = this.read();
    if (this.events) {
      try {
        this.stopEvents = this.events(
          () => this.check(),
          () => {
            this.stopEvents = null;
            this.check(); // what changed while they were ending
            this.poll();
          },
        );
        return;
      } catch {
        this.stopEvents = null;
      }
    }
    this.poll();
  }

  private poll(): void {
    if (this.stopped || this.handle !== null) return;
    this.handle = this.timers.setInterval(() => this.check(), this.intervalMs);
  }

  check(): void {
    if (this.stopped) return;
    const now = this.read();
    if (now === this.last) return;
    this.last = now;
    this.onChange();
  }

  stop(): void {
    this.stopped = true;
    this.stopEvents?.();
    this.stopEvents = null;
    if (this.handle !== null) this.timers.clearInterval(this.handle);
    this.handle = null;
  }
}
