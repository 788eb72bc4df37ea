// The Ringer port (main/calls/ports.ts) over an audio device port: rings on the ring device, a soft
// call-waiting beep on the talk output (where the dispatcher's ears are while talking; configurable),
// silent at once (the output stream is killed, not drained).
// Runs on the main thread: it writes 600 ms ahead of the wall clock, so a busy UI thread (< 500 ms
// stalls) does not interrupt it, and it is not latency-critical like the call audio.
import type { Ringer } from '../calls/ports.js';
import type { AudioDevicePort, AudioOutputStream } from './audio/port.js';
import { monotonicMs } from './clock.js';
import { callWaitingPattern, ringPattern, samplePattern, type Pattern } from './tones.js';

export type RingerMode = 'silent' | 'ringing' | 'call-waiting';

export interface AudioRingerOptions {
  port: AudioDevicePort;
  /** Device for ringing (routing.ringDeviceId; null = default output). */
  ringDevice: () => string | null;
  /** Device for the call-waiting beep (default: the talk output). */
  callWaitingDevice: () => string | null;
  /** A WAV ringtone (already decoded to 8 kHz) instead of the generated 425 Hz pattern. */
  ringtone?: Int16Array | null;
  /** 0..1 */
  volume?: number;
  /** 0..1, the call-waiting beep's own level (it is soft already at 1). */
  callWaitingVolume?: number;
  onError?: (message: string) => void;
}

const RATE = 8000;
const clamp01 = (v: number): number => Math.max(0, Math.min(1, v));
const AHEAD_MS = 600;
const CHUNK_MS = 100;

export class AudioRinger implements Ringer {
  private current: RingerMode = 'silent';
  private out: AudioOutputStream | null = null;
  private timer: NodeJS.Timeout | null = null;
  private written = 0;
  private startedAt = 0;
  private pattern: Pattern | null = null;
  private currentVolume: number;
  private beepVolume: number;
  private pendingStart: NodeJS.Immediate | null = null;

  constructor(private readonly opts: AudioRingerOptions) {
    this.currentVolume = clamp01(opts.volume ?? 1);
    this.beepVolume = clamp01(opts.callWaitingVolume ?? 1);
  }

  /** 0..1, the ring's (and the settings' test tone's). */
  get volume(): number {
    return this.currentVolume;
  }

  get callWaitingVolume(): number {
    return this.beepVolume;
  }

  get mode(): RingerMode {
    return this.current;
  }

  setMode(mode: RingerMode): void {
    if (mode === this.current) return;
    this.stop();
    this.current = mode;
    if (mode !== 'silent') this.scheduleStart();
  }

  /** Heard at once: a ring in progress restarts at the new level. */
  setVolume(volume: number): void {
    const v = clamp01(volume);
    if (v === this.currentVolume) return;
    this.currentVolume = v;
    if (this.current === 'ringing') this.restart();
  }

  /** Heard at once, like the ring's. */
  setCallWaitingVolume(volume: number): void {
    const v = clamp01(volume);
    if (v === this.beepVolume) return;
    this.beepVolume = v;
    if (this.current === 'call-waiting') this.restart();
  }

  /** Routing changed: continue on the new device. */
  restart(): void {
    const mode = this.current;
    this.stop();
    this.current = mode;
    if (mode !== 'silent') this.scheduleStart();
  }

  close(): void {
    this.stop();
    this.current = 'silent';
  }

  /**
   * Opening the ring device spawns a process (pacat) and blocks for milliseconds: do it after the
   * current turn, so the SIP answer that caused the change goes out first, and a call answered in the
   * same turn (auto-answer, a second dispatcher's fork) never starts the ring at all.
   */
  private scheduleStart(): void {
    if (this.pendingStart) return;
    this.pendingStart = setImmediate(() => {
      this.pendingStart = null;
      if (this.current !== 'silent' && !this.out) this.start();
    });
  }

  private start(): void {
    const ringing = this.current === 'ringing';
    const device = ringing ? this.opts.ringDevice() : this.opts.callWaitingDevice();
    this.pattern = ringing
      ? this.opts.ringtone
        ? samplePattern(this.opts.ringtone, 2000, this.currentVolume)
        : ringPattern(0.5 * this.currentVolume)
      : callWaitingPattern(0.12 * this.beepVolume);
    try {
      this.out = this.opts.port.openOutput(device, { rate: RATE, name: ringing ? 'ringing' : 'call-waiting', latencyMs: 60 });
    } catch (e) {
      this.opts.onError?.(`ringer: ${(e as Error).message}`);
      return;
    }
    this.written = 0;
    this.startedAt = monotonicMs();
    this.pump();
    this.timer = setInterval(() => this.pump(), CHUNK_MS);
    this.timer.unref?.();
  }

  private pump(): void {
    const out = this.out;
    const pattern = this.pattern;
    if (!out || !pattern) return;
    if (out.closed) {
      this.opts.onError?.('ringer: output stream ended');
      this.stop();
      return;
    }
    const target = Math.round(((monotonicMs() - this.startedAt + AHEAD_MS) * RATE) / 1000);
    while (this.written < target) {
      const n = Math.min(Math.round((CHUNK_MS * RATE) / 1000), target - this.written);
      const buf = new Int16Array(n);
      pattern.fill(buf, this.written);
      out.write(buf);
      this.written += n;
    }
  }

  private stop(): void {
    if (this.pendingStart) clearImmediate(this.pendingStart);
    this.pendingStart = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.out?.close();
    this.out = null;
    this.pattern = null;
  }
}
