import { describe, expect, it } from 'vitest';
import { decodeRtcp, encodeBye, encodeReceiverReport, encodeSdes, encodeSenderReport, ReceptionStats } from '../../../main/media/rtcp.js';

describe('reception statistics (RFC 3550 A.3, A.8)', () => {
  it('counts received and lost packets from sequence numbers, across the 16-bit wrap', () => {
    const s = new ReceptionStats();
    let seq = 65500;
    let ts = 0;
    let lostWanted = 0;
    for (let i = 0; i < 1000; i++) {
      if (i % 10 === 5) lostWanted++;
      else s.update(seq & 0xffff, ts, i * 20);
      seq++;
      ts += 160;
    }
    expect(s.received).toBe(1000 - lostWanted);
    expect(s.lost).toBe(lostWanted);
    expect(s.expected).toBe(1000);
  });

  it('interarrival jitter is ~0 for a steady stream and follows the RFC formula for a jittery one', () => {
    const steady = new ReceptionStats();
    for (let i = 0; i < 100; i++) steady.update(i, i * 160, i * 20);
    expect(steady.jitterMs).toBeCloseTo(0, 5);

    const jittery = new ReceptionStats();
    // alternate 0 / 10 ms extra delay: |D| = 10 ms every packet -> J converges to 10 ms
    for (let i = 0; i < 400; i++) jittery.update(i, i * 160, i * 20 + (i % 2) * 10);
    expect(jittery.jitterMs).toBeGreaterThan(9);
    expect(jittery.jitterMs).toBeLessThan(10.01);
  });

  it('fraction lost per interval', () => {
    const s = new ReceptionStats();
    for (let i = 0; i < 100; i++) if (i % 4 !== 0 || i === 0) s.update(i, i * 160, i * 20);
    const f = s.takeFractionLost();
    expect(f / 256).toBeGreaterThan(0.2);
    expect(f / 256).toBeLessThan(0.3);
    expect(s.takeFractionLost()).toBe(0);
  });
});

describe('RTCP packets', () => {
  it('SR + SDES + BYE compound round trip', () => {
    const block = { ssrc: 42, fractionLost: 25, cumulativeLost: 17, extendedHighestSeq: 70000, jitter: 80, lsr: 123, dlsr: 456 };
    const buf = Buffer.concat([
      encodeSenderReport(7, { ntpSec: 1, ntpFrac: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5 }, [block]),
      encodeSdes(7, 'me@host'),
      encodeBye(7),
    ]);
    const p = decodeRtcp(buf);
    expect(p.map((x) => x.type)).toEqual(['sr', 'sdes', 'bye']);
    expect(p[0]).toMatchObject({ ssrc: 7, sender: { packetCount: 4, octetCount: 5 }, reports: [block] });
    expect(p[1]).toEqual({ type: 'sdes', chunks: [{ ssrc: 7, cname: 'me@host' }] });
    expect(p[2]).toEqual({ type: 'bye', ssrcs: [7] });
  });

  it('RR with negative cumulative loss (duplicates)', () => {
    const rr = encodeReceiverReport(9, [{ ssrc: 1, fractionLost: 0, cumulativeLost: -3, extendedHighestSeq: 1, jitter: 0, lsr: 0, dlsr: 0 }]);
    expect(decodeRtcp(rr)[0]).toMatchObject({ type: 'rr', ssrc: 9, reports: [{ cumulativeLost: -3 }] });
  });
});
