// Ring and call-waiting patterns as sample generators (8 kHz mono s16).
export interface Pattern {
  /** Length of one cycle in samples. */
  readonly period: number;
  /** Fill `out` with the pattern from absolute sample position `pos`. */
  fill(out: Int16Array, pos: number): void;
}

interface Burst {
  startMs: number;
  lengthMs: number;
}

/** Sine bursts of `freq` Hz at `level` (0..1 of full scale) with 5 ms ramps, repeating every periodMs. */
export function tonePattern(freq: number, level: number, bursts: Burst[], periodMs: number, rate = 8000): Pattern {
  const period = Math.round((periodMs * rate) / 1000);
  const ramp = Math.round(0.005 * rate);
  const spans = bursts.map((b) => ({ start: Math.round((b.startMs * rate) / 1000), len: Math.round((b.lengthMs * rate) / 1000) }));
  const amp = Math.max(0, Math.min(1, level)) * 32767;
  return {
    period,
    fill(out, pos) {
      for (let i = 0; i < out.length; i++) {
        const t = (pos + i) % period;
        let v = 0;
        for (const s of spans) {
          const k = t - s.start;
          if (k >= 0 && k < s.len) {
            const env = Math.min(1, k / ramp, (s.len - 1 - k) / ramp);
            v = amp * env * Math.sin((2 * Math.PI * freq * (pos + i)) / rate);
            break;
          }
        }
        out[i] = Math.round(v);
      }
    },
  };
}

/** 425 Hz, 1 s on, 4 s off (the European ringing tone). */
export function ringPattern(level = 0.5): Pattern {
  return tonePattern(425, level, [{ startMs: 0, lengthMs: 1000 }], 5000);
}

/** Soft call-waiting beeps: 425 Hz, two 200 ms beeps 200 ms apart, every 4 s, quiet. */
export function callWaitingPattern(level = 0.12): Pattern {
  return tonePattern(
    425,
    level,
    [
      { startMs: 0, lengthMs: 200 },
      { startMs: 400, lengthMs: 200 },
    ],
    4000,
  );
}

/** A recorded ringtone played in a loop, followed by `gapMs` of silence. */
export function samplePattern(samples: Int16Array, gapMs: number, level = 1, rate = 8000): Pattern {
  const gap = Math.round((gapMs * rate) / 1000);
  const period = samples.length + gap;
  return {
    period,
    fill(out, pos) {
      for (let i = 0; i < out.length; i++) {
        const t = (pos + i) % period;
        out[i] = t < samples.length ? Math.round(samples[t]! * level) : 0;
      }
    },
  };
}
