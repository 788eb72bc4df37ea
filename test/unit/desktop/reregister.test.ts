import { describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { ipMonitor, linuxDefaultRoute, networkFingerprint, NetworkWatcher, type ChangeEvents } from '../../../main/desktop/network-watch.js';
import { ReregisterTriggers } from '../../../main/desktop/reregister-triggers.js';

const nic = (address: string, internal = false) => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: null }) as NetworkInterfaceInfo;

describe('re-register triggers', () => {
  it('each of resume, unlock and a network change re-registers', async () => {
    for (const why of ['resume', 'unlock', 'network'] as const) {
      let reregistered = 0;
      const t = new ReregisterTriggers(() => reregistered++, 5);
      t.trigger(why);
      await new Promise((r) => setTimeout(r, 30));
      expect(reregistered, why).toBe(1);
    }
  });

  it('a burst (wake: resume, unlock, new address) is one re-registration', async () => {
    let reregistered = 0;
    const t = new ReregisterTriggers(() => reregistered++, 20);
    t.trigger('resume');
    t.trigger('unlock');
    t.trigger('network');
    await new Promise((r) => setTimeout(r, 60));
    expect([reregistered, t.seen]).toEqual([1, ['resume', 'unlock', 'network']]);
  });

  it('keeps only the last 20 triggers seen, over a shift of wakes', () => {
    const t = new ReregisterTriggers(() => undefined, 60_000);
    for (let i = 0; i < 500; i++) t.trigger(i % 2 ? 'unlock' : 'network');
    t.stop();
    expect(t.seen.length).toBe(20);
    expect(t.seen.at(-1)).toBe('unlock');
  });
});

describe('network watch', () => {
  it('fingerprints addresses and the default route, not loopback', () => {
    const a = networkFingerprint({ lo: [nic('127.0.0.1', true)], eth0: [nic('10.0.0.5')] }, 'eth0:0100000A');
    expect(networkFingerprint({ lo: [nic('127.0.0.2', true)], eth0: [nic('10.0.0.5')] }, 'eth0:0100000A')).toBe(a);
    expect(networkFingerprint({ eth0: [nic('10.0.0.6')] }, 'eth0:0100000A')).not.toBe(a);
    expect(networkFingerprint({ eth0: [nic('10.0.0.5')] }, 'wlan0:0101A8C0')).not.toBe(a);
  });

  it('reads the default route from /proc/net/route', () => {
    const table = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n' +
      'eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' +
      'eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n';
    expect(linuxDefaultRoute(table)).toBe('eth0:0100A8C0');
    expect(linuxDefaultRoute(table.split('\n').slice(0, 2).join('\n'))).toBeNull();
  });

  it('calls back once per change', () => {
    let current = 'a';
    let changes = 0;
    let tick: () => void = () => undefined;
    const w = new NetworkWatcher({ read: () => current, onChange: () => changes++, intervalMs: 1000, timers: { setInterval: (fn) => (tick = fn), clearInterval: () => undefined } });
    w.start();
    tick();
    current = 'b';
    tick();
    tick();
    current = 'c';
    tick();
    expect(changes).toBe(2);
  });

  it('with events: no polling while they live, a change seen on their word, polling once they end', () => {
    let current = 'a';
    let changes = 0;
    let intervals = 0;
    let tick: () => void = () => undefined;
    let say: () => void = () => undefined;
    let end: () => void = () => undefined;
    let stopped = 0;
    const events: ChangeEvents = (onEvent, onEnd) => {
      say = onEvent;
      end = onEnd;
      return () => stopped++;
    };
    const timers = { setInterval: (fn: () => void) => ((tick = fn), intervals++), clearInterval: () => undefined };
    const w = new NetworkWatcher({ read: () => current, onChange: () => changes++, intervalMs: 1000, timers, events });
    w.start();
    expect(intervals).toBe(0);
    say(); // a line about something that did not move the fingerprint
    expect(changes).toBe(0);
    current = 'b';
    say();
    expect(changes).toBe(1);
    current = 'c';
    end(); // `ip` died: what changed meanwhile is seen, then polling takes over
    expect(changes).toBe(2);
    expect(intervals).toBe(1);
    current = 'd';
    tick();
    expect(changes).toBe(3);
    w.stop();
    expect(stopped).toBe(0); // they had ended by themselves
  });

  it('ipMonitor: a command that cannot start ends (the watcher then polls); stop() kills a live one', async () => {
    const ended = await new Promise<boolean>((resolve) => {
      ipMonitor(['/nonexistent/ip'])(() => undefined, () => resolve(true));
    });
    expect(ended).toBe(true);
    let endedLive = false;
    const stop = ipMonitor(['sleep', '30'])(() => undefined, () => (endedLive = true));
    stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(endedLive).toBe(false); // stopped by us: not reported as an end
  });
});

