// The audio device port: what media/ needs from a sound system. Adapters: PulseCliAudio (pactl + native-protocol streams, or pacat/parec),
// NaudiodonAudio (PortAudio), AudifyAudio (RtAudio), FileAudio (WAV files, headless) and the null variant of it.
import type { AudioDevice } from '../../../shared/domain.js';

/** PCM is always signed 16-bit, mono, at the rate the stream was opened with. */
export type PcmRate = 8000 | 16000 | 48000;

export interface StreamOptions {
  rate: PcmRate;
  /** Device-side buffering wanted, in ms (pacat/parec --latency-msec). */
  latencyMs?: number;
  /** Shown by the sound server (e.g. PulseAudio stream name). */
  name?: string;
}

export interface AudioOutputStream {
  readonly rate: number;
  readonly deviceId: string | null;
  /** Queue PCM for playback. Never blocks: if the device does not keep up, audio is dropped. */
  write(pcm: Int16Array): void;
  /**
   * ms of audio written and not yet handed to the device's own buffer, as far as this adapter can
   * tell; null when the output has no clock of its own (files). The media clock keeps it within one period.
   */
  queuedMs(): number | null;
  /** The device's own buffering, ms (what it was opened with): part of the delay, not in queuedMs. */
  readonly latencyMs: number;
  /** Stop at once (queued audio is discarded). */
  close(): void;
  /**
   * Close after playing what was written: no more writes are taken; resolves once the device has
   * played it (or the adapter's fallback, see each adapter), or at `timeoutMs` (default: what is still
   * queued + FINISH_GRACE_MS), when the stream is stopped at once as by close().
   */
  finish(timeoutMs?: number): Promise<void>;
  readonly closed: boolean;
}

/** finish()'s bound beyond the audio still queued: a sound server on a busy machine may take this long to connect. */
export const FINISH_GRACE_MS = 5000;

/**
 * finish()'s bound, for adapters whose stream ends by itself once played: `played` resolves then (or
 * rejects: a lost stream has nothing more to play); at `boundMs` the stream is stopped at once by `stop`.
 */
export function boundedFinish(boundMs: number, stop: () => void, played: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      stop();
      resolve();
    }, boundMs);
    void played
      .catch(() => undefined)
      .then(() => {
        clearTimeout(timer);
        resolve();
      });
  });
}

export interface AudioInputStream {
  readonly rate: number;
  readonly deviceId: string | null;
  /** Exactly `samples` samples if that much has been captured, else null (caller uses silence). */
  read(samples: number): Int16Array | null;
  /** Samples captured and not read yet. */
  available(): number;
  /** The device's own buffering, ms: part of the capture delay, not in available(). */
  readonly latencyMs: number;
  close(): void;
  readonly closed: boolean;
  /**
   * Optional, for a reader on a clock: after hold(), what the device delivers waits outside the process
   * (the thread is not woken for each fragment) until collect(), called just before each read, takes it in.
   */
  hold?(): void;
  collect?(): void;
}

export interface DeviceList {
  outputs: AudioDevice[];
  inputs: AudioDevice[];
  /** Why the list is unavailable, if it is. */
  error: string | null;
}

export interface AudioDevicePort {
  readonly backend: AudioBackendName;
  /** The last enumerated list (empty before the first refresh). */
  devices(): DeviceList;
  /** Re-enumerate (hot-plug). */
  refresh(): Promise<DeviceList>;
  /** deviceId null = the system default. */
  openOutput(deviceId: string | null, options: StreamOptions): AudioOutputStream;
  openInput(deviceId: string | null, options: StreamOptions): AudioInputStream;
  /**
   * Call `onChange` when devices come or go, by the sound system's own events (no polling); returns
   * the stop function. Absent: the backend has no such events (refresh() on demand only).
   */
  watch?(onChange: () => void): () => void;
  /** Close every stream this port opened. */
  close(): void;
}

/** The pulse backend's stream client: in process over the native protocol, or pacat/parec subprocesses. */
export type PulseStreams = 'native' | 'pacat';

export type AudioBackendName = 'pulse' | 'portaudio' | 'rtaudio' | 'file' | 'none';

/** Serialisable (it is sent to the media worker, which builds its own port from it). */
export type AudioBackendConfig =
  | { backend: 'pulse'; /** e.g. unix:/path/native; default: PULSE_SERVER from the environment */ server?: string; latencyMs?: number; streams?: PulseStreams }
  | { backend: 'portaudio'; latencyMs?: number }
  | { backend: 'rtaudio' }
  | {
      backend: 'file';
      /** Input device id -> WAV file, played in a loop (PCM 16-bit, mu-law or A-law; any rate, resampled). */
      inputs?: Record<string, string>;
      /** Output device ids to offer (default ['default']). */
      outputs?: string[];
      /** If set, each opened output writes <outputDir>/<deviceId or 'default'>.wav. */
      outputDir?: string;
    }
  | { backend: 'none' };

/**
 * What a paced output has not played yet, estimated from what was written against the monotonic
 * clock (the device is assumed to play at its nominal rate; an adapter that sees more, such as a
 * growing write queue, reports the larger figure). Running dry rebases it: it never goes below 0.
 */
export class PlayedEstimate {
  private base = -1;
  private written = 0;

  constructor(
    private readonly rate: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  wrote(samples: number): void {
    const t = this.now();
    if (this.base < 0 || this.pendingMs(t) <= 0) {
      // first write, or the device ran dry: playing (re)starts now
      this.base = t;
      this.written = 0;
    }
    this.written += samples;
  }

  private pendingMs(t: number): number {
    return (this.written / this.rate) * 1000 - (t - this.base);
  }

  queuedMs(): number {
    return this.base < 0 ? 0 : Math.max(0, this.pendingMs(this.now()));
  }
}

/** A bounded FIFO of samples between a device callback and the 20 ms media clock. */
export class PcmRing {
  private buf: Int16Array;
  private start = 0;
  private size = 0;
  dropped = 0;

  constructor(readonly capacity: number) {
    this.buf = new Int16Array(capacity);
  }

  push(pcm: Int16Array): void {
    let src = pcm;
    if (src.length > this.capacity) {
      this.dropped += src.length - this.capacity;
      src = src.subarray(src.length - this.capacity);
    }
    const overflow = this.size + src.length - this.capacity;
    if (overflow > 0) {
      // keep latency bounded: drop the oldest samples
      this.start = (this.start + overflow) % this.capacity;
      this.size -= overflow;
      this.dropped += overflow;
    }
    let end = (this.start + this.size) % this.capacity;
    let i = 0;
    while (i < src.length) {
      const n = Math.min(src.length - i, this.capacity - end);
      this.buf.set(src.subarray(i, i + n), end);
      i += n;
      end = (end + n) % this.capacity;
    }
    this.size += src.length;
  }

  read(samples: number): Int16Array | null {
    if (this.size < samples) return null;
    const out = new Int16Array(samples);
    let i = 0;
    while (i < samples) {
      const n = Math.min(samples - i, this.capacity - this.start);
      out.set(this.buf.subarray(this.start, this.start + n), i);
      i += n;
      this.start = (this.start + n) % this.capacity;
    }
    this.size -= samples;
    return out;
  }

  get length(): number {
    return this.size;
  }

  clear(): void {
    this.start = 0;
    this.size = 0;
  }
}

/** Bytes (s16le, possibly split at odd offsets) -> Int16Array, keeping a dangling byte between chunks. */
export class S16Assembler {
  private carry: number | null = null;

  push(chunk: Buffer): Int16Array {
    let bytes = chunk;
    if (this.carry !== null) {
      bytes = Buffer.concat([Buffer.from([this.carry]), chunk]);
      this.carry = null;
    }
    if (bytes.length % 2 === 1) {
      this.carry = bytes[bytes.length - 1]!;
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    const out = new Int16Array(bytes.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
    return out;
  }
}

export function int16ToBuffer(pcm: Int16Array): Buffer {
  const b = Buffer.allocUnsafe(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) b.writeInt16LE(pcm[i]!, i * 2);
  return b;
}
