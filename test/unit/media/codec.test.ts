import { describe, expect, it } from 'vitest';
import { decodeG711, encodeG711, G711_SILENCE } from '../../../main/media/g711.js';
import { decodeRtp, encodeRtp, RtpSender, seqDiff, tsDiff } from '../../../main/media/rtp.js';

describe('G.711', () => {
  for (const law of ['PCMU', 'PCMA'] as const) {
    it(`${law} round trip stays within the logarithmic quantisation error`, () => {
      let worstRel = 0;
      for (let s = -32768; s <= 32767; s += 7) {
        const pcm = Int16Array.of(s);
        const back = decodeG711(law, encodeG711(law, pcm))[0]!;
        const err = Math.abs(back - s);
        // segment step: <= 1/16 of the magnitude (+ a small absolute bound near zero)
        const bound = Math.abs(s) / 16 + (law === 'PCMU' ? 8 : 16);
        expect(err).toBeLessThanOrEqual(bound);
        if (Math.abs(s) > 1000) worstRel = Math.max(worstRel, err / Math.abs(s));
      }
      expect(worstRel).toBeLessThan(0.07);
    });

    it(`${law} decode(encode(decode(b))) is stable for every code`, () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const pcm = decodeG711(law, all);
      const again = decodeG711(law, encodeG711(law, pcm));
      expect(Array.from(again)).toEqual(Array.from(pcm));
    });

    it(`${law} silence byte decodes to (near) zero`, () => {
      expect(Math.abs(decodeG711(law, Uint8Array.of(G711_SILENCE[law]))[0]!)).toBeLessThanOrEqual(8);
    });
  }

  it('known values: PCMU 0 -> 0xff, PCMA 0 -> 0xd5, full scale', () => {
    expect(encodeG711('PCMU', Int16Array.of(0))[0]).toBe(0xff);
    expect(encodeG711('PCMA', Int16Array.of(0))[0]).toBe(0xd5);
    expect(encodeG711('PCMU', Int16Array.of(32767))[0]).toBe(0x80);
    expect(encodeG711('PCMU', Int16Array.of(-32768))[0]).toBe(0x00);
    expect(encodeG711('PCMA', Int16Array.of(32767))[0]).toBe(0xaa);
    expect(encodeG711('PCMA', Int16Array.of(-32768))[0]).toBe(0x2a);
  });
});

describe('RTP', () => {
  it('encodes and decodes the fixed header', () => {
    const payload = Uint8Array.from({ length: 160 }, (_, i) => i);
    const buf = encodeRtp({ payloadType: 8, marker: true, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, payload });
    expect(buf.length).toBe(172);
    expect(buf[0]).toBe(0x80);
    expect(buf[1]).toBe(0x88);
    const p = decodeRtp(buf)!;
    expect(p).toMatchObject({ payloadType: 8, marker: true, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef });
    expect(Array.from(p.payload)).toEqual(Array.from(payload));
  });

  it('handles CSRCs, header extension and padding; rejects junk and RTCP', () => {
    const base = encodeRtp({ payloadType: 0, marker: false, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrcs: [7, 8], payload: Uint8Array.of(1, 2, 3) });
    expect(decodeRtp(base)!.csrcs).toEqual([7, 8]);
    // X bit + one-word extension, P bit + 2 bytes padding
    const ext = Buffer.concat([Buffer.from([0x90 | 0x20, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]), Buffer.from([0xbe, 0xde, 0, 1, 1, 2, 3, 4]), Buffer.from([9, 9, 0, 2])]);
    const p = decodeRtp(ext)!;
    expect(Array.from(p.payload)).toEqual([9, 9]);
    expect(decodeRtp(Buffer.from([0x40, 0, 0, 0]))).toBeNull();
    expect(decodeRtp(Buffer.alloc(12, 0))).toBeNull(); // version 0
    expect(decodeRtp(Buffer.from([0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0]))).toBeNull(); // SR
  });

  it('sequence/timestamp arithmetic wraps', () => {
    expect(seqDiff(65535, 0)).toBe(1);
    expect(seqDiff(0, 65535)).toBe(-1);
    expect(tsDiff(0xffffff00, 0x100)).toBe(0x200);
    expect(tsDiff(0x100, 0xffffff00)).toBe(-0x200);
  });

  it('a sender advances seq by 1 and timestamp by the frame, marks the first packet and after a gap', () => {
    const s = new RtpSender();
    const a = decodeRtp(s.next(0, new Uint8Array(160), 160))!;
    const b = decodeRtp(s.next(0, new Uint8Array(160), 160))!;
    expect(a.marker).toBe(true);
    expect(b.marker).toBe(false);
    expect(seqDiff(a.sequenceNumber, b.sequenceNumber)).toBe(1);
    expect(tsDiff(a.timestamp, b.timestamp)).toBe(160);
    s.skip(160); // muted for one frame: clock runs, no packet
    const c = decodeRtp(s.next(0, new Uint8Array(160), 160))!;
    expect(c.marker).toBe(true);
    expect(seqDiff(b.sequenceNumber, c.sequenceNumber)).toBe(1);
    expect(tsDiff(b.timestamp, c.timestamp)).toBe(320);
    expect(a.ssrc).toBe(c.ssrc);
  });
});
