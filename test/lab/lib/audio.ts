// Audio assertions with sox: is there a tone, how loud, roughly which frequency.
import { execFile } from 'node:child_process';

export interface AudioStats {
  rms: number;
  /** sox's zero-crossing estimate: good enough to tell 440 Hz from 1000 Hz. */
  roughFrequency: number;
  lengthSeconds: number;
  maxAmplitude: number;
}

/** Parse the stderr of `sox <file> -n stat`. */
export function parseSoxStat(text: string): AudioStats {
  const num = (label: string): number => {
    const m = new RegExp(`^${label}:\\s*(-?[0-9.]+)`, 'm').exec(text);
    if (!m?.[1]) throw new Error(`sox stat: no "${label}" in:\n${text}`);
    return Number(m[1]);
  };
  return {
    rms: num('RMS\\s+amplitude'),
    roughFrequency: num('Rough\\s+frequency'),
    lengthSeconds: num('Length \\(seconds\\)'),
    maxAmplitude: num('Maximum amplitude'),
  };
}

/** Statistics of a WAV file (optionally of a part: sox trim start [duration], in seconds). */
export function audioStats(wavPath: string, trim?: { start: number; duration?: number }): Promise<AudioStats> {
  const args = [wavPath, '-n'];
  if (trim) args.push('trim', String(trim.start), ...(trim.duration !== undefined ? [String(trim.duration)] : []));
  args.push('stat');
  return new Promise((resolve, reject) => {
    execFile('sox', args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (err) return reject(new Error(`sox ${args.join(' ')} failed: ${stderr}`));
      try {
        resolve(parseSoxStat(stderr));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}
