// SipPresence paces its SUBSCRIBEs: a phone book of thousands is watched a few transactions at a time.
import { describe, expect, it, vi } from 'vitest';
import { UserAgent, type Core, type URI } from 'sip.js';
import { SipPresence } from '../../../main/sip/presence.js';

interface Sent {
  target: string;
  delegate: Core.OutgoingSubscribeRequestDelegate;
  disposed: boolean;
}

function fakeCore(): { core: Core.UserAgentCore; sent: Sent[] } {
  const sent: Sent[] = [];
  const core = {
    makeOutgoingRequestMessage: (_method: string, target: URI) => ({ target }),
    subscribe: (message: { target: URI }, delegate: Core.OutgoingSubscribeRequestDelegate) => {
      const s: Sent = { target: message.target.toString(), delegate, disposed: false };
      sent.push(s);
      return { dispose: () => (s.disposed = true) };
    },
  } as unknown as Core.UserAgentCore;
  return { core, sent };
}

const aor = UserAgent.makeURI('sip:6100@127.0.0.1')!;
const ua = { contact: { toString: () => '<sip:6100@127.0.0.1:5070>' } } as unknown as UserAgent;
const reject = (code: number) => ({ message: { statusCode: code, reasonPhrase: 'x' } }) as unknown as Core.IncomingResponse;
const uris = (n: number) => Array.from({ length: n }, (_, i) => `sip:${2000 + i}@127.0.0.1`);

describe('SipPresence pacing', () => {
  it('sends at most maxPendingSubscribes at once; each answer lets the next one go, in order', () => {
    const { core, sent } = fakeCore();
    const presence = new SipPresence({ core, ua, aor, maxPendingSubscribes: 3, retryMs: 60_000 });
    presence.watch(uris(10));
    expect(sent.map((s) => s.target)).toEqual(uris(3));
    expect(presence.pendingSubscribes).toBe(3);
    sent[0]!.delegate.onAccept!({} as Core.IncomingResponse);
    expect(sent).toHaveLength(4);
    expect(sent[3]!.target).toBe(uris(10)[3]);
    // A refusal (other than "unsupported") frees the place as well; the refused one retries later.
    sent[1]!.delegate.onReject!(reject(408));
    expect(sent).toHaveLength(5);
    for (let i = 2; i < 10; i++) sent[i]!.delegate.onAccept!({} as Core.IncomingResponse);
    expect(sent.map((s) => s.target)).toEqual(uris(10));
    expect(presence.pendingSubscribes).toBe(0);
    void presence.stop();
  });

  it('a watch dropped while it waits its turn is never sent; one dropped while pending frees its place', () => {
    const { core, sent } = fakeCore();
    const presence = new SipPresence({ core, ua, aor, maxPendingSubscribes: 2, retryMs: 60_000 });
    presence.watch(uris(5));
    expect(sent).toHaveLength(2);
    // Keep 2000 (pending) and 2003 (queued); drop the others.
    presence.watch([uris(5)[0]!, uris(5)[3]!]);
    expect(sent.map((s) => s.target)).toEqual([...uris(2), uris(5)[3]]);
    expect(sent[1]!.disposed).toBe(true);
    expect(presence.pendingSubscribes).toBe(2);
    void presence.stop();
  });

  it('a server without presence stops the line: nothing queued is sent', () => {
    const { core, sent } = fakeCore();
    const presence = new SipPresence({ core, ua, aor, maxPendingSubscribes: 2 });
    const support: boolean[] = [];
    presence.onSupport((s) => support.push(s));
    presence.watch(uris(6));
    sent[0]!.delegate.onReject!(reject(489));
    expect(support).toEqual([false]);
    expect(sent).toHaveLength(2);
    expect(presence.pendingSubscribes).toBe(0);
  });
});

describe('SipPresence rate', () => {
  it('starts at most maxSubscribesPerSecond SUBSCRIBEs a second, however fast they are answered', async () => {
    vi.useFakeTimers({ now: 1_000_000_000_000 });
    try {
      const { core, sent } = fakeCore();
      const presence = new SipPresence({ core, ua, aor, maxPendingSubscribes: 8, maxSubscribesPerSecond: 40 });
      presence.watch(uris(200));
      // A burst of a quarter second's worth goes at once.
      expect(sent).toHaveLength(8);
      const answer = () => {
        for (const s of sent) if (!s.disposed) s.delegate.onAccept?.({} as Core.IncomingResponse);
      };
      answer();
      expect(sent).toHaveLength(10);
      let seen = sent.length;
      for (let t = 0; t < 2000; t += 100) {
        await vi.advanceTimersByTimeAsync(100);
        // Answered as they come: only the rate holds them back now.
        for (const s of sent.slice(seen)) s.delegate.onAccept?.({} as Core.IncomingResponse);
        seen = sent.length;
      }
      // 10 at once, then 40 a second for 2 s: 90 (give or take one at the edges), in order.
      expect(sent.length).toBeGreaterThanOrEqual(88);
      expect(sent.length).toBeLessThanOrEqual(91);
      expect(sent.map((s) => s.target)).toEqual(uris(200).slice(0, sent.length));
      void presence.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('SipPresence retries', () => {
  it('a watch refused again and again waits twice as long each time, up to 10 minutes; a NOTIFY resets it', async () => {
    vi.useFakeTimers({ now: 1_000_000_000_000 });
    try {
      const { core, sent } = fakeCore();
      const presence = new SipPresence({ core, ua, aor, retryMs: 30_000 });
      presence.watch(uris(1));
      const gaps: number[] = [];
      let last = Date.now();
      for (let attempt = 0; attempt < 7; attempt++) {
        const before = sent.length;
        sent.at(-1)!.delegate.onReject!(reject(500));
        // Step until the next attempt goes out.
        while (sent.length === before) await vi.advanceTimersByTimeAsync(1000);
        gaps.push((Date.now() - last) / 1000);
        last = Date.now();
      }
      // 30, 60, 120, 240, 480 s, each up to a quarter more (the spread), then 600-1200 s (capped: spread by the whole cap).
      const floors = [30, 60, 120, 240, 480, 600, 600];
      gaps.forEach((g, i) => {
        expect(g).toBeGreaterThanOrEqual(floors[i]!);
        expect(g).toBeLessThanOrEqual(floors[i]! * (floors[i] === 600 ? 2 : 1.25) + 1);
      });
      // It works again (a NOTIFY): the next failure waits 30 s again.
      const notify = { accept: () => undefined, message: { body: '', getHeader: () => 'active;expires=600' } };
      sent.at(-1)!.delegate.onNotify!({ request: notify } as never);
      const before = sent.length;
      sent.at(-1)!.delegate.onReject!(reject(500));
      await vi.advanceTimersByTimeAsync(38_000);
      expect(sent.length).toBe(before + 1);
      void presence.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
