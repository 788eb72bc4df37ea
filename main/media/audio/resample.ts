// Streaming mono resampler for s16 PCM. Integer down-ratios (48k -> 8k) average each group (a crude
// low-pass that stops the worst aliasing); everything else interpolates linearly. Keeps state between chunks.
export class Resampler {
  private pos = 0; // fractional read position relative to the current chunk
  private last = 0; // last input sample of the previous chunk
  private acc: number[] = [];
  private readonly step: number;
  private readonly decimate: number;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    this.step = fromRate / toRate;
    this.decimate = fromRate > toRate && fromRate % toRate === 0 ? fromRate / toRate : 0;
  }

  process(input: Int16Array): Int16Array {
    if (this.fromRate === this.toRate) return input;
    if (this.decimate > 0) {
      const out: number[] = [];
      for (let i = 0; i < input.length; i++) {
        this.acc.push(input[i]!);
        if (this.acc.length === this.decimate) {
          let s = 0;
          for (const v of this.acc) s += v;
          out.push(Math.round(s / this.decimate));
          this.acc = [];
        }
      }
      return Int16Array.from(out);
    }
    // linear interpolation; sample at position p lies between x[floor(p)-1+1]... with x[-1] = last
    const out: number[] = [];
    let p = this.pos;
    while (p < input.length) {
      const i = Math.floor(p);
      const frac = p - i;
      const a = i === 0 ? this.last : input[i - 1]!;
      const b = input[i]!;
      out.push(Math.round(a + (b - a) * frac));
      p += this.step;
    }
    this.pos = p - input.length;
    if (input.length > 0) this.last = input[input.length - 1]!;
    return Int16Array.from(out);
  }
}

/** One-shot resample of a whole buffer. */
export function resample(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  return new Resampler(fromRate, toRate).process(input);
}
