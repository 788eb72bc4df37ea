// SipPresence refreshes its subscriptions itself, each at a random point of its last part (60-90% of the
// time left), through the same pacing as the first SUBSCRIBEs: 10,000 watches subscribed in one burst must
// not all refresh in one burst (sip.js's autoRefresh fires every one of them at exactly 90%).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UserAgent, type Core, type URI } from 'sip.js';
import { refreshDelayMs, SipPresence } from '../../../main/sip/presence.js';
import { seededRandom } from '../../support/seeded-random.js';

interface Refresh {
  uri: string;
  at: number;
  headers: string[];
  delegate: Core.OutgoingSubscribeRequestDelegate;
}

const aor = UserAgent.makeURI('sip:6100@127.0.0.1')!;
const ua = { contact: { toString: () => '<sip:6100@127.0.0.1:5070>' } } as unknown as UserAgent;
const uris = (n: number) => Array.from({ length: n }, (_, i) => `sip:${20_000 + i}@127.0.0.1`);
const notify = (expires: number) =>
  ({
    accept: () => undefined,
    message: { body: '', getHeader: (h: string) => (h === 'subscription-state' ? `active;expires=${expires}` : undefined) },
  }) as unknown as Core.IncomingNotifyRequest;

/** A core whose every SUBSCRIBE is answered at once with a NOTIFY that opens a dialog of `expires` seconds. */
function answeringCore(expires: number) {
  const refreshes: Refresh[] = [];
  const sentListeners: Array<(r: Refresh) => void> = [];
  const dialogs = new Map<string, Core.Subscription>();
  const subscribedAt = new Map<string, number>();
  const core = {
    makeOutgoingRequestMessage: (_method: string, target: URI) => ({ target }),
    subscribe: (message: { target: URI }, delegate: Core.OutgoingSubscribeRequestDelegate) => {
      const uri = message.target.toString();
      subscribedAt.set(uri, Date.now());
      let expiresAt = Date.now() + expires * 1000;
      const dialog = {
        get subscriptionExpires() {
          return Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
        },
        delegate: undefined as Core.SubscriptionDelegate | undefined,
        subscribe: (d: Core.OutgoingSubscribeRequestDelegate, options: { extraHeaders: string[] }) => {
          const r = { uri, at: Date.now(), headers: options.extraHeaders, delegate: d };
          refreshes.push(r);
          for (const l of sentListeners) l(r);
          return { dispose: () => undefined };
        },
        /** The server's answer to a refresh: 200, then a NOTIFY with the new expiry. */
        renewed() {
          expiresAt = Date.now() + expires * 1000;
          dialog.delegate?.onNotify?.(notify(expires) as never);
        },
      };
      dialogs.set(uri, dialog as unknown as Core.Subscription);
      queueMicrotask(() => delegate.onNotify!({ request: notify(expires), subscription: dialog as unknown as Core.Subscription } as never));
      return { dispose: () => undefined };
    },
  } as unknown as Core.UserAgentCore;
  return { core, refreshes, dialogs, sentListeners, subscribedAt };
}

describe('refreshDelayMs', () => {
  it('falls between 60% and 90% of the time left, and never after a second before it runs out', () => {
    expect(refreshDelayMs(600, () => 0)).toBe(360_000);
    expect(refreshDelayMs(600, () => 1)).toBe(540_000);
    expect(refreshDelayMs(600, () => 0.5)).toBe(450_000);
    expect(refreshDelayMs(2, () => 1)).toBe(1000);
    expect(refreshDelayMs(1, () => 0.5)).toBe(0);
    expect(refreshDelayMs(0, () => 0.5)).toBe(0);
  });
});

describe('SipPresence refreshes', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('600 subscriptions made in one burst refresh spread over 360-540 s, paced, each before it expires', async () => {
    const { core, refreshes, dialogs, sentListeners, subscribedAt } = answeringCore(600);
    const max = 8;
    const presence = new SipPresence({ core, ua, aor, maxPendingSubscribes: max, random: seededRandom(3) });
    const all = uris(600);
    presence.watch(all);
    // Every first SUBSCRIBE answered at once; they go at the rate (100 a second by default): 6 s for 600.
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(subscribedAt.size).toBe(600);
    expect(Math.max(...subscribedAt.values()) - start).toBeGreaterThan(5000);

    // Every refresh answered at once (200, then the NOTIFY that renews it); counted per 10 s.
    let inFlight = 0;
    const onSent = (r: Refresh) => {
      inFlight = Math.max(inFlight, presence.pendingSubscribes);
      queueMicrotask(() => {
        r.delegate.onAccept!({} as Core.IncomingResponse);
        (dialogs.get(r.uri) as unknown as { renewed(): void }).renewed();
      });
    };
    sentListeners.push(onSent);
    await vi.advanceTimersByTimeAsync(590_000);
    expect(inFlight).toBeLessThanOrEqual(max);
    const perTen = new Map<number, number>();
    for (const r of refreshes) {
      const ten = Math.floor((r.at - start) / 10_000);
      perTen.set(ten, (perTen.get(ten) ?? 0) + 1);
    }
    // Each one refreshed once in the first 600 s: none before 60% of its time, all before it ran out.
    const first = new Map<string, number>();
    for (const r of refreshes) if (!first.has(r.uri)) first.set(r.uri, r.at - subscribedAt.get(r.uri)!);
    expect(first.size).toBe(600);
    expect(Math.min(...first.values())).toBeGreaterThanOrEqual(360_000);
    expect(Math.max(...first.values())).toBeLessThanOrEqual(541_000);
    // Spread: 600 over 180 s is ~33 per 10 s (sip.js's 90% would put all 600 in one); none holds twice that.
    expect(Math.max(...perTen.values())).toBeLessThan(67);
    expect(perTen.size).toBeGreaterThanOrEqual(18);
    expect(refreshes[0]!.headers).toContain('Expires: 600');
    expect(refreshes[0]!.headers).toContain('Event: presence');
    await presence.stop();
  });

  it('refreshes wait their turn: at most maxPendingSubscribes in flight, each answer lets the next go', async () => {
    const { core, refreshes } = answeringCore(600);
    const presence = new SipPresence({ core, ua, aor, maxPendingSubscribes: 2, random: () => 0 });
    presence.watch(uris(5));
    for (let i = 0; i < 100 && presence.pendingSubscribes > 0; i++) await Promise.resolve();
    // random 0: all five are due at 360 s together; only two go.
    await vi.advanceTimersByTimeAsync(360_000);
    expect(refreshes).toHaveLength(2);
    expect(presence.pendingSubscribes).toBe(2);
    refreshes[0]!.delegate.onAccept!({} as Core.IncomingResponse);
    expect(refreshes).toHaveLength(3);
    // A refused refresh (one that does not end the dialog) frees its place and is tried again later.
    refreshes[1]!.delegate.onReject!({ message: { statusCode: 500, reasonPhrase: 'x' } } as unknown as Core.IncomingResponse);
    expect(refreshes).toHaveLength(4);
    refreshes[2]!.delegate.onAccept!({} as Core.IncomingResponse);
    expect(refreshes).toHaveLength(5);
    refreshes[3]!.delegate.onAccept!({} as Core.IncomingResponse);
    refreshes[4]!.delegate.onAccept!({} as Core.IncomingResponse);
    expect(refreshes.map((r) => r.uri)).toEqual(uris(5));
    expect(presence.pendingSubscribes).toBe(0);
    // The refused one comes again within what it has left (240 s): 60-90% of that, here 144 s.
    const before = refreshes.length;
    await vi.advanceTimersByTimeAsync(144_000);
    expect(refreshes.length).toBe(before + 1);
    expect(refreshes.at(-1)!.uri).toBe(uris(5)[1]);
    await presence.stop();
  });
});
