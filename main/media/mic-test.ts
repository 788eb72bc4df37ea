// The settings' microphone test: listen to one input for MIC_TEST_MS and say what level it heard
// (peak and RMS in dBFS, or silence). Whether it may run (no call's audio, the device present) is the
// engine's to decide; this room only opens, listens and measures.
import type { MicTestResult } from '../../shared/domain.js';
import type { AudioDevicePort, AudioInputStream } from './audio/port.js';

export const MIC_TEST_MS = 3000;
/** Below this peak the test says "silence": a real microphone's room noise peaks around -60..-50 dBFS, a word near it well above -40. */
export const MIC_SILENCE_PEAK_DBFS = -50;
const RATE = 8000;
const TICK_MS = 20;

/** What one listen gathered; `samples` 0: the input gave nothing at all. */
export interface Heard {
  samples: number;
  peak: number;
  sumSquares: number;
}

export class MicTestAborted extends Error {
  constructor() {
    super('microphone test aborted');
  }
}

const dbfs = (x: number) => Math.round(20 * Math.log10(x / 32768) * 10) / 10;

/** The level heard, as the contract says it. */
export function micLevel(heard: Heard, seconds: number): MicTestResult {
  const peakDbfs = heard.peak > 0 ? dbfs(heard.peak) : null;
  if (peakDbfs === null || peakDbfs < MIC_SILENCE_PEAK_DBFS) return { kind: 'silence', peakDbfs, seconds };
  return { kind: 'sound', peakDbfs, rmsDbfs: dbfs(Math.sqrt(heard.sumSquares / heard.samples)), seconds };
}

function take(into: Heard, pcm: Int16Array): void {
  for (const x of pcm) {
    const a = Math.abs(x);
    if (a > into.peak) into.peak = a;
    into.sumSquares += x * x;
  }
  into.samples += pcm.length;
}

/**
 * Open `deviceId` (null: the default) and listen for `ms`; `signal` stops it early (MicTestAborted).
 * Throws what the port throws when the input cannot be opened.
 */
export async function listen(port: AudioDevicePort, deviceId: string | null, ms: number, signal: AbortSignal): Promise<Heard> {
  const input: AudioInputStream = port.openInput(deviceId, { rate: RATE, name: 'microphone-test' });
  const heard: Heard = { samples: 0, peak: 0, sumSquares: 0 };
  try {
    await new Promise<void>((resolve, reject) => {
      const started = performance.now();
      const stop = () => {
        clearInterval(tick);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        stop();
        reject(new MicTestAborted());
      };
      const tick = setInterval(() => {
        // a device stream says what it holds; a file input holds nothing and is read at the clock's pace
        const n = input.available();
        const pcm = input.read(n > 0 ? n : (RATE * TICK_MS) / 1000);
        if (pcm) take(heard, pcm);
        if (input.closed || performance.now() - started >= ms) {
          stop();
          resolve();
        }
      }, TICK_MS);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort);
    });
  } finally {
    input.close();
  }
  return heard;
}
