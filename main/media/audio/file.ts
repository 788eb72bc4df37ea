// Headless audio: inputs are WAV files played in a loop, outputs are written as WAV files (or discarded).
// `none` is the same with no files at all: silent inputs, outputs that go nowhere.
import path from 'node:path';
import type { AudioDevice } from '../../../shared/domain.js';
import type { AudioBackendName, AudioDevicePort, AudioInputStream, AudioOutputStream, DeviceList, StreamOptions } from './port.js';
import { resample } from './resample.js';
import { readWav, WavFileWriter } from './wav.js';

export interface FileAudioOptions {
  inputs?: Record<string, string>;
  outputs?: string[];
  outputDir?: string;
}

class FileOutput implements AudioOutputStream {
  closed = false;
  readonly latencyMs = 0;
  private writer: WavFileWriter | null;

  constructor(
    readonly deviceId: string | null,
    readonly rate: number,
    file: string | null,
  ) {
    this.writer = file ? new WavFileWriter(file, rate) : null;
  }

  write(pcm: Int16Array): void {
    if (!this.closed) this.writer?.write(pcm);
  }

  /** A file has no clock: it takes what it gets, when it gets it. */
  queuedMs(): null {
    return null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writer?.close();
    this.writer = null;
  }

  /** A file holds everything it was given: closing it is finishing it. */
  finish(): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

class LoopInput implements AudioInputStream {
  closed = false;
  readonly latencyMs = 0;
  private pos = 0;

  constructor(
    readonly deviceId: string | null,
    readonly rate: number,
    private readonly samples: Int16Array | null,
  ) {}

  read(n: number): Int16Array | null {
    const out = new Int16Array(n);
    const src = this.samples;
    if (this.closed || !src || src.length === 0) return out;
    for (let i = 0; i < n; i++) {
      out[i] = src[this.pos]!;
      this.pos = (this.pos + 1) % src.length;
    }
    return out;
  }

  /** A file never runs dry and never piles up: the caller's clock paces it (read() always succeeds). */
  available(): number {
    return 0;
  }

  close(): void {
    this.closed = true;
  }
}

export class FileAudio implements AudioDevicePort {
  readonly backend: AudioBackendName;
  private list: DeviceList;
  private readonly open = new Set<{ close(): void }>();
  private readonly cache = new Map<string, Int16Array>();

  constructor(private readonly opts: FileAudioOptions = {}, backend: 'file' | 'none' = 'file') {
    this.backend = backend;
    this.list = this.enumerate();
  }

  private enumerate(): DeviceList {
    const outs = this.opts.outputs ?? ['default'];
    const ins = Object.keys(this.opts.inputs ?? {});
    const outputs: AudioDevice[] = outs.map((id, i) => ({ id, name: id, kind: 'output', isDefault: i === 0 }));
    const inputs: AudioDevice[] = ins.map((id, i) => ({ id, name: `${id} (${path.basename(this.opts.inputs![id]!)})`, kind: 'input', isDefault: i === 0 }));
    return { outputs, inputs, error: null };
  }

  devices(): DeviceList {
    return this.list;
  }

  async refresh(): Promise<DeviceList> {
    this.list = this.enumerate();
    return this.list;
  }

  openOutput(deviceId: string | null, options: StreamOptions): AudioOutputStream {
    const id = deviceId ?? this.list.outputs.find((d) => d.isDefault)?.id ?? 'default';
    const file = this.opts.outputDir ? path.join(this.opts.outputDir, `${id.replace(/[^\w.-]/g, '_')}.wav`) : null;
    const s = new FileOutput(deviceId, options.rate, file);
    this.track(s);
    return s;
  }

  openInput(deviceId: string | null, options: StreamOptions): AudioInputStream {
    const inputs = this.opts.inputs ?? {};
    const id = deviceId ?? Object.keys(inputs)[0] ?? null;
    const file = id !== null ? inputs[id] : undefined;
    let samples: Int16Array | null = null;
    if (file) {
      const key = `${file}@${options.rate}`;
      samples = this.cache.get(key) ?? null;
      if (!samples) {
        const wav = readWav(file);
        samples = resample(wav.samples, wav.rate, options.rate);
        this.cache.set(key, samples);
      }
    }
    const s = new LoopInput(deviceId, options.rate, samples);
    this.track(s);
    return s;
  }

  private track(s: { close(): void }): void {
    this.open.add(s);
  }

  close(): void {
    for (const s of this.open) s.close();
    this.open.clear();
  }
}
