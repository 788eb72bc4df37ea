// Real audio through the lab's PulseAudio null sinks: feed the dispatcher's microphone, record what
// a sink played, and find the dominant tone.
import { spawn, type ChildProcess } from 'node:child_process';

export function pulseEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** Plays a WAV into the sink that feeds the lab microphone (source `mic` = micfeed.monitor). */
export function feedMicrophone(wavPath: string): ChildProcess {
  return spawn('paplay', ['-d', 'micfeed', wavPath], { stdio: 'ignore' });
}

/** Records `seconds` of what a sink played (its monitor), as 8 kHz mono s16le samples. */
export function recordSink(sink: string, seconds: number): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    const child = spawn('parec', ['-d', `${sink}.monitor`, '--format=s16le', '--rate=8000', '--channels=1', '--raw'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', reject);
    setTimeout(() => child.kill('SIGTERM'), seconds * 1000);
    child.once('exit', () => {
      const all = Buffer.concat(chunks);
      resolve(new Int16Array(all.buffer, all.byteOffset, Math.floor(all.length / 2)));
    });
  });
}

/**
 * Share (0..1) of the signal's power within +-tolerance of `frequency`: the sum of the DFT bins in that
 * band (Goertzel, one per bin), over the total (Parseval). A band, not one bin: the playout follows
 * clock drift by playing up to ~1.5 % faster or slower, which moves a tone a few Hz, far more than one
 * bin of a 2 s recording (0.5 Hz).
 */
export function toneShare(samples: Int16Array, frequency: number, rate = 8000, tolerance = 0.025): number {
  const n = samples.length;
  let energy = 0;
  for (const x of samples) energy += x * x;
  if (n === 0 || energy === 0) return 0;
  const binHz = rate / n;
  let band = 0;
  for (let k = Math.ceil((frequency * (1 - tolerance)) / binHz); k * binHz <= frequency * (1 + tolerance); k++) {
    band += binPower(samples, (2 * Math.PI * k) / n);
  }
  return Math.min(1, (2 * band) / (n * energy));
}

function binPower(samples: Int16Array, omega: number): number {
  const c = 2 * Math.cos(omega);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const x of samples) sum += x * x;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}

/**
 * Loud enough and the tone within ±2.5 %: in a new stream's first second the playout may skip or
 * stretch, and the jitter buffer follows the sender's clock, so a 440 Hz caller may be heard a few Hz
 * off; a one-frequency test would call that silence.
 */
export function hearsTone(samples: Int16Array, frequency: number, rate = 8000): boolean {
  let energy = 0;
  for (const x of samples) energy += x * x;
  return samples.length > 0 && Math.sqrt(energy / samples.length) > 1000 && toneShare(samples, frequency, rate) > 0.5;
}

/** ms of `x` (8 kHz) in 10 ms blocks loud enough to be a tone (RMS over 1000): how much of a tone was heard. */
export function loudMs(x: Int16Array): number {
  return loudPart(x).length / 8;
}

/** Only the loud 10 ms blocks of a recording (the tone's part, for hearsTone). */
export function loudPart(x: Int16Array): Int16Array {
  const parts: number[] = [];
  for (let i = 0; i + 80 <= x.length; i += 80) {
    const b = x.subarray(i, i + 80);
    if (rms(b) > 1000) parts.push(...b);
  }
  return Int16Array.from(parts);
}

