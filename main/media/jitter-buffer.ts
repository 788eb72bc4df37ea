// Adaptive jitter buffer for 8 kHz audio frames (decoded PCM), keyed by RTP timestamp.
// - reorders: frames are kept sorted by timestamp and played in timestamp order;
// - drops late frames (whose time has already been played) and duplicates;
// - conceals loss by repeating the last good frame, fading it out (silence after 4 frames);
// - adapts its delay: target = min + 3 x interarrival jitter, clamped to [minMs, maxMs]
//   (Asterisk's defaults: 20 ms .. 200 ms); on underrun it re-primes (adds delay), when it holds
//   more than target + 40 ms it drops a frame (removes delay), above maxMs it jumps;
// - follows a peer whose clock runs fast or slow without the delay creeping: a smoothed buffer level
//   (EWMA over ~0.6 s) above its set point (where it settled in the first second) by more than 8 ms
//   makes each 20 ms frame consume 1-2 samples more (0.6-1.2 % faster, inaudible), below it by 8 ms
//   1 sample fewer, until it is back within 2 ms;
// - at that settle point an excess over the target (packets queued while the talk stream opened) is
//   skipped at once rather than played out fast for seconds;
// - it plays each packet as soon after its arrival as the measured jitter allows: the margin of a
//   frame is the time from its arrival to the pop that plays it. At zero jitter the buffered level can
//   only be whole frames (20 or 40 ms with the frame leaving), so the level alone cannot tell a packet
//   that waited 2 ms from one that waited 19 (where the tick falls between arrivals); the margin can.
//   What the smallest margin over the first second holds beyond MARGIN_MS + 3 x jitter + the drift
//   control's band, in whole frames, plus the part of a frame before the next packet boundary (which
//   costs no margin while the clocks agree), is cut at once at the settle point;
// - an underrun (re-primed, which adds delay) makes it settle anew: the added delay is cut once it
//   plays again, rather than played out 1 % fast for seconds;
// - what the smallest margin still holds beyond the need after that cut (0-20 ms: the tick's phase
//   against the arrivals, which no cut inside a packet can take) is offered to the caller's clock
//   (takePhaseSlackMs): the media worker ticks that much earlier and says so (clockAdvanced), and the
//   drift control's set point sinks with the packet(s) no longer there at each pop.
import { tsDiff } from './rtp.js';

export interface JitterBufferOptions {
  minMs?: number;
  maxMs?: number;
  /** Samples per second of the RTP clock (8000 for G.711). */
  clockRate?: number;
}

export interface JitterBufferStats {
  delayMs: number;
  targetMs: number;
  jitterMs: number;
  late: number;
  duplicates: number;
  concealed: number;
  dropped: number;
  underruns: number;
  /** Frames played time-compressed or stretched to follow the peer's clock. */
  adjusted: number;
  /** Trims (and their ms): audio skipped because every packet had waited longer than the jitter needs. */
  trimmed: number;
  trimmedMs: number;
  /** The smoothed buffer level the drift control steers (ms). */
  levelMs: number;
  /** Smoothed like the level: a packet's arrival -> the pop playing its first sample (+ its place in that frame); null: none played. At zero jitter the level is whole frames: it cannot say this. */
  waitMs: number | null;
}

interface Frame {
  ts: number;
  pcm: Int16Array;
  /** Local arrival time (ms). */
  at: number;
}

const FADE = [1, 0.8, 0.5, 0.25];
/** Frames (20 ms) before the drift control takes its set point. */
const SETTLE_FRAMES = 50;
/** The least margin (arrival -> pop) a frame keeps at zero jitter: a tick a few ms early, a packet a few ms late. */
const MARGIN_MS = 6;
/** Settling again after an underrun, the margin kept is this much larger (no cycle of trim, underrun, trim). */
const RESETTLE_EXTRA_MS = 10;
/** How far the level may sink under its set point before the drift control stretches (steer()). */
const DRIFT_BAND_MS = 8;

export class JitterBuffer {
  readonly minMs: number;
  readonly maxMs: number;
  private readonly rate: number;
  private frames: Frame[] = [];
  private started = false;
  private primeSince: number | null = null;
  /** Next RTP timestamp to play. */
  private playTs = 0;
  /** Everything before this timestamp has been played (or given up): later arrivals are late. */
  private playedUntil: number | null = null;
  private lastGood: Int16Array | null = null;
  private lossRun = 0;
  // interarrival jitter (RFC 3550 A.8), in timestamp units
  private jitter = 0;
  private lastTransit: number | null = null;
  private readonly s: JitterBufferStats;
  /** Smoothed buffered ms at pop time (null until playing); the drift control's input. */
  private level: number | null = null;
  /** Samples the current frame consumes beyond (or short of) what it plays: -1..2. */
  private skew = 0;
  /** Frames played since (re)start; the level and target after the first second are the set point. */
  private played = 0;
  private anchor: { level: number; target: number } | null = null;
  /** Smallest margin (pop time - arrival) of the frames played since the last look; underruns + late frames at that look. */
  private minMargin = Infinity;
  private underrunsAtLook = 0;
  /** What the smallest margin held beyond the need after the whole-frame cut (0..20 ms): the tick's phase. */
  private phaseSlack = 0;
  /** ms of the newest frames that arrived within phaseSlack of that pop: not there yet when the pops come that much sooner. */
  private phaseDrop = 0;
  private wait: number | null = null; // stats().waitMs

  constructor(opts: JitterBufferOptions = {}) {
    this.minMs = opts.minMs ?? 20;
    this.maxMs = opts.maxMs ?? 200;
    this.rate = opts.clockRate ?? 8000;
    this.s = { delayMs: 0, targetMs: this.minMs, jitterMs: 0, late: 0, duplicates: 0, concealed: 0, dropped: 0, underruns: 0, adjusted: 0, trimmed: 0, trimmedMs: 0, levelMs: 0, waitMs: null };
  }

  get targetMs(): number {
    const jitterMs = (this.jitter / this.rate) * 1000;
    return Math.min(this.maxMs, Math.max(this.minMs, this.minMs + 3 * jitterMs));
  }

  stats(): JitterBufferStats {
    return { ...this.s, targetMs: this.targetMs, jitterMs: (this.jitter / this.rate) * 1000, delayMs: this.bufferedMs(), levelMs: this.level ?? this.bufferedMs(), waitMs: this.wait };
  }

  /** Forget everything (new SSRC, new remote description). */
  reset(): void {
    this.frames = [];
    this.started = false;
    this.primeSince = null;
    this.playedUntil = null;
    this.lastGood = null;
    this.lossRun = 0;
    this.lastTransit = null;
    this.level = null;
    this.skew = 0;
    this.played = 0;
    this.anchor = null;
    this.minMargin = Infinity;
    this.underrunsAtLook = this.s.underruns + this.s.late;
    this.phaseSlack = 0;
    this.phaseDrop = 0;
    this.wait = null;
  }

  /** `arrivalMs`: local monotonic time of arrival, in milliseconds. Returns false if the frame was dropped. */
  push(ts: number, pcm: Int16Array, arrivalMs: number): boolean {
    ts >>>= 0;
    const transit = (arrivalMs * this.rate) / 1000 - ts;
    if (this.lastTransit !== null) {
      let d = transit - this.lastTransit;
      // a timestamp wrap makes transit jump by 2^32: ignore that sample
      if (Math.abs(d) < this.rate * 10) {
        d = Math.abs(d);
        this.jitter += (d - this.jitter) / 16;
      }
    }
    this.lastTransit = transit;

    if (this.playedUntil !== null) {
      const ahead = tsDiff(this.playedUntil, ts);
      if (ahead + pcm.length <= 0) {
        if (ahead > -this.rate * 2) {
          this.s.late++;
          return false;
        }
        // more than 2 s in the past: the stream restarted (new timestamp base)
        this.reset();
      } else if (ahead > this.rate * 2) {
        this.reset(); // a jump forward of more than 2 s: start over
      }
    }
    // insert sorted by timestamp (few frames: linear insertion from the end)
    let i = this.frames.length;
    while (i > 0 && tsDiff(this.frames[i - 1]!.ts, ts) < 0) i--;
    if (i > 0 && this.frames[i - 1]!.ts === ts) {
      this.s.duplicates++;
      return false;
    }
    this.frames.splice(i, 0, { ts, pcm, at: arrivalMs });
    if (!this.started && this.primeSince === null) this.primeSince = arrivalMs;
    return true;
  }

  /** Buffered audio from the play position to the end of the newest frame, in ms. */
  bufferedMs(): number {
    const last = this.frames[this.frames.length - 1];
    if (!last) return 0;
    const from = this.started ? this.playTs : this.frames[0]!.ts;
    return (Math.max(0, tsDiff(from, last.ts) + last.pcm.length) / this.rate) * 1000;
  }

  /**
   * The next `samples` of audio to play at local time `nowMs`, or null when there is nothing to play
   * (not started, or the stream stopped): the caller plays silence.
   */
  pop(samples: number, nowMs: number): Int16Array | null {
    if (!this.started) {
      const first = this.frames[0];
      if (!first || this.primeSince === null) return null;
      if (nowMs - this.primeSince < this.targetMs) return null;
      this.started = true;
      this.playTs = first.ts;
    }
    // too much buffered: drop audio to come back to the target delay
    const buffered = this.bufferedMs();
    if (buffered > this.maxMs) {
      const last = this.frames[this.frames.length - 1]!;
      const skipTo = (last.ts + last.pcm.length - Math.round((this.targetMs * this.rate) / 1000)) >>> 0;
      this.s.dropped += Math.max(0, Math.round(tsDiff(this.playTs, skipTo) / samples));
      this.playTs = skipTo;
    } else if (buffered > this.targetMs + 40 + (samples / this.rate) * 1000) {
      this.playTs = (this.playTs + samples) >>> 0;
      this.s.dropped++;
    }
    this.steer(buffered, samples);
    if (this.played === SETTLE_FRAMES) this.dropStartExcess(samples);
    if (this.played === SETTLE_FRAMES) this.trimMargin(samples, nowMs);
    this.discardBefore(this.playTs);
    if (this.frames.length === 0) {
      // underrun: the stream stopped or packets are late; re-prime on the next arrival (adds delay)
      this.started = false;
      this.primeSince = null;
      this.playedUntil = this.playTs;
      this.s.underruns++;
      // it settles anew once playing again (start-up excess, margin with RESETTLE_EXTRA_MS more, set
      // point): the delay the re-prime adds is cut at once, not played out fast for seconds
      this.played = 0;
      this.anchor = null;
      this.skew = 0;
      this.minMargin = Infinity;
      this.underrunsAtLook = this.s.underruns + this.s.late;
      return this.conceal(samples);
    }
    const take = samples + this.skew;
    const raw = new Int16Array(take);
    let filled = 0;
    let missing = 0;
    for (const f of this.frames) {
      const off = tsDiff(this.playTs, f.ts);
      if (off >= take) break;
      const start = Math.max(0, off);
      const from = start - off;
      const n = Math.min(take - start, f.pcm.length - from);
      if (n <= 0) continue;
      if (off >= 0 && this.played > 10) this.minMargin = Math.min(this.minMargin, nowMs - f.at); // this frame starts playing now
      const w = nowMs - f.at + (off / this.rate) * 1000; // its wait: arrival -> its first sample's place in what is popped
      if (off >= 0) this.wait = this.wait === null ? w : this.wait + (w - this.wait) / 32;
      if (start > filled) missing += start - filled;
      raw.set(f.pcm.subarray(from, from + n), start);
      filled = Math.max(filled, start + n);
    }
    missing += take - filled;
    this.playTs = (this.playTs + take) >>> 0;
    this.playedUntil = this.playTs;
    this.discardBefore(this.playTs);
    if (missing >= take) return this.conceal(samples);
    if (missing > 0) this.s.concealed++;
    const out = take === samples ? raw : stretch(raw, samples);
    if (take !== samples) this.s.adjusted++;
    this.lastGood = out;
    this.lossRun = 0;
    return out;
  }

  /**
   * Once per settle point: how much sooner (ms, under one frame) every pop could come and still find
   * each packet `need` ms old (the margin the whole-frame cut could not take). The media clock ticks
   * that much earlier from then on; 0 when nothing is to be had (or it was taken already).
   */
  takePhaseSlackMs(): number {
    const e = this.phaseSlack;
    this.phaseSlack = 0;
    return e;
  }

  /**
   * The caller's clock took the slack (`ms`, what takePhaseSlackMs gave): each pop now finds the newest
   * packet(s) not yet there, so the level the drift control steers sinks by them without any drift:
   * its set point moves with it (else it would stretch that delay back in over seconds).
   */
  clockAdvanced(ms: number): void {
    if (!(ms > 0) || this.phaseDrop <= 0) return;
    if (this.level !== null) this.level = Math.max(0, this.level - this.phaseDrop);
    if (this.anchor) this.anchor = { ...this.anchor, level: Math.max(0, this.anchor.level - this.phaseDrop) };
    this.phaseDrop = 0;
  }

  /**
   * Drift control: how many samples the next frame consumes beyond `samples`. The set point is the
   * level the buffer settled at in its first second (at most one frame above the target; moved by as
   * much as the target moves since), so only a creeping level is corrected; hysteresis 2..8 ms.
   */
  private steer(bufferedMs: number, samples: number): void {
    this.level = this.level === null ? bufferedMs : this.level + (bufferedMs - this.level) / 32;
    if (++this.played < SETTLE_FRAMES) return;
    const target = this.targetMs;
    // the set point: where the level settled, but never more than one frame above the target (a
    // start-up burst, or a device that took long to open, must not leave its delay in for good)
    if (!this.anchor) this.anchor = { level: Math.min(this.level, target + (samples / this.rate) * 1000), target };
    const excess = this.level - (this.anchor.level + target - this.anchor.target);
    if (excess > 16) this.skew = 2;
    else if (excess > 8) this.skew = Math.max(this.skew, 1);
    else if (excess < -DRIFT_BAND_MS) this.skew = -1;
    else if (Math.abs(excess) < 2) this.skew = 0;
    else if (this.skew === 2) this.skew = 1;
  }

  /**
   * At the settle point, what the buffer holds beyond its target plus one frame (packets that queued
   * while the call's talk stream opened, a start-up burst) is skipped at once: playing it out 1 %
   * fast would take seconds (and be heard as a higher pitch), and nothing before the settle point is
   * worth that. The drift control then starts from the target.
   */
  private dropStartExcess(samples: number): void {
    const frameMs = (samples / this.rate) * 1000;
    const excessMs = this.bufferedMs() - (this.targetMs + frameMs);
    if (excessMs <= 4) return; // within the drift control's dead band
    const frames = Math.ceil(excessMs / frameMs);
    this.playTs = (this.playTs + frames * samples) >>> 0;
    this.s.dropped += frames;
    this.minMargin -= frames * frameMs; // every frame from here on waits that much less
    this.level = this.bufferedMs();
    this.anchor = { level: this.level, target: this.targetMs };
    this.skew = 0;
  }

  /**
   * Every frame played since the last look arrived at least `minMargin` ms before the pop it completed:
   * if nothing ran dry or came late meanwhile, cut what waited for nothing (see the head of the file).
   */
  private trimMargin(samples: number, nowMs: number): void {
    const frameMs = (samples / this.rate) * 1000;
    // the jitter's spread, a few ms, and the drift control's dead band (the level may sink 8 ms before it acts)
    const need = MARGIN_MS + 3 * ((this.jitter / this.rate) * 1000) + DRIFT_BAND_MS + (this.s.underruns > 0 ? RESETTLE_EXTRA_MS : 0);
    const clean = this.s.underruns + this.s.late === this.underrunsAtLook;
    const margin = this.minMargin;
    this.minMargin = Infinity;
    this.underrunsAtLook = this.s.underruns + this.s.late;
    if (!clean || !this.started || !Number.isFinite(margin)) return;
    // Whole frames only, from a frame boundary: a pop that starts inside a packet needs the next packet
    // too, so its first samples wait a frame longer than that packet's margin. Moving to the next
    // boundary costs no margin (the same packet completes the pop) and takes what waited for nothing.
    const f = this.frames.find((x) => tsDiff(this.playTs, x.ts) <= 0 && tsDiff(this.playTs, x.ts) + x.pcm.length > 0);
    const into = f && f.pcm.length === samples ? -tsDiff(this.playTs, f.ts) : 0;
    const align = into > 0 ? samples - into : 0;
    const frames = Math.max(0, Math.floor((margin - need) / frameMs));
    const whole = align + frames * samples;
    const cut = Math.min(whole, Math.floor(((this.bufferedMs() - frameMs) * this.rate) / 1000)); // keep the frame leaving now
    // what is left beyond the need is less than a frame: the tick's phase against the arrivals, which
    // only a tick that comes that much earlier can take (takePhaseSlackMs)
    if (cut === whole) {
      const e = Math.max(0, margin - need - frames * frameMs);
      this.phaseSlack = e;
      this.phaseDrop = this.frames.reduce((ms, x) => (nowMs - x.at < e ? ms + (x.pcm.length / this.rate) * 1000 : ms), 0);
    }
    if ((cut / this.rate) * 1000 < 2) return;
    this.playTs = (this.playTs + cut) >>> 0;
    this.s.trimmed++;
    this.s.trimmedMs += (cut / this.rate) * 1000;
    // the drift control's set point follows: it keeps this level from here on
    this.level = Math.max(0, (this.level ?? this.bufferedMs()) - (cut / this.rate) * 1000);
    this.anchor = { level: this.level, target: this.targetMs };
  }

  private conceal(samples: number): Int16Array | null {
    if (!this.lastGood) return null;
    const k = this.lossRun++;
    const from = FADE[k] ?? 0;
    const to = FADE[k + 1] ?? 0;
    if (from === 0) return null;
    this.s.concealed++;
    const out = new Int16Array(samples);
    const src = this.lastGood;
    for (let i = 0; i < samples; i++) {
      const g = from + ((to - from) * i) / samples;
      out[i] = Math.round((src[i % src.length] ?? 0) * g);
    }
    return out;
  }

  private discardBefore(ts: number): void {
    while (this.frames.length > 0) {
      const f = this.frames[0]!;
      if (tsDiff(ts, f.ts) + f.pcm.length <= 0) this.frames.shift();
      else break;
    }
  }
}

/** Linear interpolation of `src` onto `n` samples (a 1-2 sample change per frame: no audible pitch). */
export function stretch(src: Int16Array, n: number): Int16Array {
  const out = new Int16Array(n);
  const step = (src.length - 1) / Math.max(1, n - 1);
  for (let i = 0; i < n; i++) {
    const x = i * step;
    const k = Math.floor(x);
    const a = src[k] ?? 0;
    const b = src[Math.min(src.length - 1, k + 1)] ?? a;
    out[i] = Math.round(a + (b - a) * (x - k));
  }
  return out;
}
