// RFC 4733 telephone-events (DTMF over RTP): payload codec, a per-stream sender that replaces audio
// packets while a digit plays (start packet with the marker bit, duration growing every packet,
// the end packet sent three times), and a receiver that reports each event once.
import { DTMF_DIGITS } from '../../shared/dtmf.js';
import type { RtpSender } from './rtp.js';

export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  /** In timestamp units (samples at 8 kHz). */
  duration: number;
}

export function digitToEvent(digit: string): number | null {
  const i = DTMF_DIGITS.indexOf(digit.toUpperCase());
  return i < 0 ? null : i;
}

export function eventToDigit(event: number): string | null {
  return DTMF_DIGITS[event] ?? null;
}

export function encodeTelephoneEvent(e: TelephoneEvent): Uint8Array {
  const b = new Uint8Array(4);
  b[0] = e.event & 0xff;
  b[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  b[2] = (e.duration >> 8) & 0xff;
  b[3] = e.duration & 0xff;
  return b;
}

export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent | null {
  if (payload.length < 4) return null;
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

interface Pending {
  event: number;
  durationSamples: number;
  gapSamples: number;
}

/**
 * Sends queued digits, one 20 ms packet per tick. While a digit (or the gap after it) is in progress
 * `tick` returns the packets to send and the caller must not send audio for this tick.
 */
export class DtmfSender {
  private queue: Pending[] = [];
  private current: { p: Pending; startTs: number; elapsed: number; endSent: number; gapLeft: number } | null = null;
  private onIdle: (() => void) | null = null;

  constructor(private readonly volume = 10) {}

  enqueue(digits: string, durationMs = 100, gapMs = 70): number {
    let n = 0;
    for (const d of digits) {
      const event = digitToEvent(d);
      if (event === null) continue;
      // at least 40 ms of tone, at most 8 s (duration field is 16 bits)
      const dur = Math.min(Math.max(durationMs, 40), 8000);
      this.queue.push({ event, durationSamples: dur * 8, gapSamples: Math.max(gapMs, 0) * 8 });
      n++;
    }
    return n;
  }

  get busy(): boolean {
    return this.current !== null || this.queue.length > 0;
  }

  /** Called once the queue has drained. */
  whenIdle(cb: () => void): void {
    this.onIdle = cb;
  }

  /**
   * One 20 ms tick (`samples` = 160 at 8 kHz). Returns the packets to send (possibly empty, in the gap
   * after a digit) or null when no DTMF is in progress and audio should flow.
   */
  tick(sender: RtpSender, payloadType: number, samples: number): Buffer[] | null {
    if (!this.current) {
      const p = this.queue.shift();
      if (!p) return null;
      this.current = { p, startTs: sender.timestamp, elapsed: 0, endSent: 0, gapLeft: p.gapSamples };
      sender.skip(samples);
      this.current.elapsed = samples;
      const payload = encodeTelephoneEvent({ event: p.event, end: false, volume: this.volume, duration: samples });
      return [sender.nextAt(payloadType, payload, this.current.startTs, true)];
    }
    const c = this.current;
    sender.skip(samples);
    if (c.elapsed < c.p.durationSamples) {
      c.elapsed = Math.min(c.elapsed + samples, c.p.durationSamples);
      const end = c.elapsed >= c.p.durationSamples;
      const payload = encodeTelephoneEvent({ event: c.p.event, end, volume: this.volume, duration: c.elapsed });
      if (end) {
        // RFC 4733 2.5.1.4: the end packet is sent three times (same seq is allowed; we use new seqs as most stacks do)
        c.endSent = 3;
        return [0, 1, 2].map(() => sender.nextAt(payloadType, payload, c.startTs, false));
      }
      return [sender.nextAt(payloadType, payload, c.startTs, false)];
    }
    // gap after the digit: nothing (no audio either, so digits stay distinct)
    c.gapLeft -= samples;
    if (c.gapLeft <= 0) {
      this.current = null;
      if (this.queue.length === 0 && this.onIdle) {
        const cb = this.onIdle;
        this.onIdle = null;
        cb();
      }
    }
    return [];
  }

  clear(): void {
    this.queue = [];
    this.current = null;
  }
}

/** Reports each received event once (by its RTP timestamp), at its first packet. */
export class DtmfReceiver {
  private lastTs: number | null = null;

  receive(timestamp: number, payload: Uint8Array): { digit: string; event: number } | null {
    const e = decodeTelephoneEvent(payload);
    if (!e) return null;
    if (this.lastTs === timestamp) return null;
    this.lastTs = timestamp;
    const digit = eventToDigit(e.event);
    return digit === null ? null : { digit, event: e.event };
  }
}
