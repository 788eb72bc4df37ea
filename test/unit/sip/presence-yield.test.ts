// Presence yields to the calls (issue #11): while a call rings in, no new SUBSCRIBE goes out.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UserAgent, type Core, type URI } from 'sip.js';
import { PresenceYield, YIELD_GAP_MS, YIELD_MAX_MS } from '../../../main/sip/presence-yield.js';
import { SipPresence } from '../../../main/sip/presence.js';

function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('PresenceYield: when presence waits', () => {
  it('waits from the first ringing call until none rings, and says so when it ends', () => {
    const clock = fakeClock();
    const y = new PresenceYield(clock.now);
    let resumed = 0;
    y.onResume(() => resumed++);
    expect(y.waitMs()).toBe(0);
    y.callsRinging(1);
    expect(y.waitMs()).toBe(YIELD_MAX_MS);
    clock.advance(500);
    y.callsRinging(1); // told again on every change of the call centre: nothing new
    expect(y.waitMs()).toBe(YIELD_MAX_MS - 500);
    y.callsRinging(0);
    expect(y.waitMs()).toBe(0);
    expect(resumed).toBe(1);
  });

  it('a second call ringing in starts the wait afresh; a call left ringing stops presence for YIELD_MAX_MS at most', () => {
    const clock = fakeClock();
    const y = new PresenceYield(clock.now);
    y.callsRinging(1);
    clock.advance(2000);
    y.callsRinging(2);
    expect(y.waitMs()).toBe(YIELD_MAX_MS);
    clock.advance(YIELD_MAX_MS);
    expect(y.waitMs()).toBe(0);
    // Still ringing, no new call: presence goes on.
    y.callsRinging(2);
    expect(y.waitMs()).toBe(0);
  });

  it('after a wait that ran into its bound presence gets its gap before the next new call stops it again', () => {
    const clock = fakeClock();
    const y = new PresenceYield(clock.now);
    y.callsRinging(1);
    clock.advance(YIELD_MAX_MS);
    expect(y.waitMs()).toBe(0);
    clock.advance(YIELD_GAP_MS / 2);
    y.callsRinging(2);
    expect(y.waitMs()).toBe(0);
    clock.advance(YIELD_GAP_MS / 2);
    y.callsRinging(3);
    expect(y.waitMs()).toBe(YIELD_MAX_MS);
    // A wait that ended because the calls were taken owes no gap.
    y.callsRinging(0);
    y.callsRinging(1);
    expect(y.waitMs()).toBe(YIELD_MAX_MS);
  });
});

interface Sent {
  target: string;
  delegate: Core.OutgoingSubscribeRequestDelegate;
}

describe('SipPresence yields to ringing calls', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000_000_000 }));
  afterEach(() => void vi.useRealTimers());
  const aor = UserAgent.makeURI('sip:6100@127.0.0.1')!;
  const ua = { contact: { toString: () => '<sip:6100@127.0.0.1:5070>' } } as unknown as UserAgent;
  const uris = Array.from({ length: 2000 }, (_, i) => `sip:${20000 + i}@127.0.0.1`);

  function start() {
    const sent: Sent[] = [];
    const core = {
      makeOutgoingRequestMessage: (_method: string, target: URI) => ({ target }),
      subscribe: (message: { target: URI }, delegate: Core.OutgoingSubscribeRequestDelegate) => {
        sent.push({ target: message.target.toString(), delegate });
        return { dispose: () => undefined };
      },
    } as unknown as Core.UserAgentCore;
    const presence = new SipPresence({ core, ua, aor, maxPendingSubscribes: 8, maxSubscribesPerSecond: 100 });
    let answered = 0;
    /** The server answers every SUBSCRIBE sent so far at once. */
    const answer = () => {
      for (; answered < sent.length; answered++) sent[answered]!.delegate.onAccept?.({} as Core.IncomingResponse);
    };
    /** Time passes in 50 ms steps, every SUBSCRIBE answered as it goes. */
    const run = async (ms: number) => {
      for (let t = 0; t < ms; t += 50) {
        answer();
        await vi.advanceTimersByTimeAsync(50);
      }
      answer();
    };
    return { presence, sent, run };
  }

  it('sends no SUBSCRIBE while a call rings, and goes on in order once it is answered', async () => {
    const { presence, sent, run } = start();
    presence.watch(uris);
    await run(1000);
    const before = sent.length;
    expect(before).toBeGreaterThan(50);
    presence.callsRinging(1);
    await run(2000);
    expect(sent.length).toBe(before);
    presence.callsRinging(0);
    await run(1000);
    expect(sent.length).toBeGreaterThan(before + 50);
    expect(sent.map((s) => s.target)).toEqual(uris.slice(0, sent.length));
    void presence.stop();
  });

  it('a call left ringing holds presence back for YIELD_MAX_MS only', async () => {
    const { presence, sent, run } = start();
    presence.watch(uris);
    await run(500);
    presence.callsRinging(1);
    const before = sent.length;
    await run(YIELD_MAX_MS - 100);
    expect(sent.length).toBe(before);
    await run(1100);
    expect(sent.length).toBeGreaterThan(before);
    void presence.stop();
  });
});
