// Resampling a frame by a sample or two: the jitter buffer's drift control and the output pacer's slew.
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
