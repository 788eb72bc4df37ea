// Test helpers: tone synthesis and a Goertzel detector.
export function sine(freq: number, seconds: number, rate = 8000, amplitude = 0.5): Int16Array {
  const n = Math.round(seconds * rate);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

/** Power of `freq` in `x` (Goertzel), normalised by length. */
export function goertzel(x: Int16Array | Float64Array, freq: number, rate = 8000): number {
  const k = (2 * Math.PI * freq) / rate;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (x.length * x.length);
}

/** The frequency among `candidates` with the most energy, and its share of the total. */
export function dominant(x: Int16Array, candidates: number[], rate = 8000): { freq: number; share: number } {
  const p = candidates.map((f) => goertzel(x, f, rate));
  const total = p.reduce((a, b) => a + b, 0) || 1;
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return { freq: candidates[best]!, share: p[best]! / total };
}

export function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** 100 Hz steps from 200 to 3400 Hz: where to look for a tone's peak. */
export const SCAN = Array.from({ length: 33 }, (_, i) => 200 + i * 100).concat([425, 440]);
