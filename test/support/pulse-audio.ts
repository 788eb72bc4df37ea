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

/** Goertzel power of one frequency, relative to the signal's total power (0..1). */
export function toneShare(samples: Int16Array, frequency: number, rate = 8000): number {
  const k = (2 * Math.cos((2 * Math.PI * frequency) / rate));
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const x of samples) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return energy === 0 ? 0 : (2 * power) / (samples.length * energy);
}

export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const x of samples) sum += x * x;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}
