import { describe, expect, it } from 'vitest';
import { decodeRtp, RtpSender } from '../../../main/media/rtp.js';
import { decodeTelephoneEvent, digitToEvent, DtmfReceiver, DtmfSender, encodeTelephoneEvent } from '../../../main/media/telephone-event.js';

describe('RFC 4733 telephone-event', () => {
  it('payload codec', () => {
    const b = encodeTelephoneEvent({ event: 11, end: true, volume: 10, duration: 800 });
    expect(Array.from(b)).toEqual([11, 0x8a, 0x03, 0x20]);
    expect(decodeTelephoneEvent(b)).toEqual({ event: 11, end: true, volume: 10, duration: 800 });
    expect(digitToEvent('*')).toBe(10);
    expect(digitToEvent('#')).toBe(11);
    expect(digitToEvent('d')).toBe(15);
    expect(digitToEvent('x')).toBeNull();
  });

  it('a digit: marker on the first packet, one timestamp, growing duration, end bit sent 3 times', () => {
    const rtp = new RtpSender();
    const dtmf = new DtmfSender();
    expect(dtmf.enqueue('5', 100, 40)).toBe(1);
    const packets = [];
    for (let t = 0; t < 20; t++) {
      const out = dtmf.tick(rtp, 101, 160);
      if (out === null) break;
      packets.push(...out.map((b) => decodeRtp(b)!));
    }
    const events = packets.map((p) => ({ p, e: decodeTelephoneEvent(p.payload)! }));
    expect(events.length).toBe(4 + 3); // 20,40,60,80 ms + 3 x end at 100 ms
    expect(events[0]!.p.marker).toBe(true);
    expect(events.slice(1).every((x) => !x.p.marker)).toBe(true);
    expect(new Set(events.map((x) => x.p.timestamp)).size).toBe(1);
    expect(events.every((x) => x.p.payloadType === 101 && x.e.event === 5)).toBe(true);
    expect(events.slice(0, 4).map((x) => x.e.duration)).toEqual([160, 320, 480, 640]);
    const ends = events.filter((x) => x.e.end);
    expect(ends.length).toBe(3);
    expect(ends.every((x) => x.e.duration === 800)).toBe(true);
    // sequence numbers keep increasing
    for (let i = 1; i < packets.length; i++) expect((packets[i]!.sequenceNumber - packets[i - 1]!.sequenceNumber) & 0xffff).toBe(1);
    // afterwards audio resumes with a timestamp past the event
    const audio = decodeRtp(rtp.next(0, new Uint8Array(160), 160))!;
    expect((audio.timestamp - packets[0]!.timestamp) >>> 0).toBeGreaterThanOrEqual(800);
  });

  it('several digits are separate events; the receiver reports each once', () => {
    const rtp = new RtpSender();
    const dtmf = new DtmfSender();
    dtmf.enqueue('12#');
    const rx = new DtmfReceiver();
    const got: string[] = [];
    for (let t = 0; t < 100; t++) {
      const out = dtmf.tick(rtp, 101, 160);
      if (out === null) break;
      for (const b of out) {
        const p = decodeRtp(b)!;
        const d = rx.receive(p.timestamp, p.payload);
        if (d) got.push(d.digit);
      }
    }
    expect(got).toEqual(['1', '2', '#']);
    expect(dtmf.busy).toBe(false);
  });
});
