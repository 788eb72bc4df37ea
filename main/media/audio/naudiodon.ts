// PortAudio through naudiodon. PortAudio freezes its device list when it initialises; naudiodon's
// getDevices() initialises and terminates PortAudio around each call, so a refresh() while no stream is
// open sees hot-plugged devices. While a stream is open, refresh() keeps the previous list (`stale`).
// On Linux it reaches PulseAudio only through the ALSA `pulse`/`default` devices.
// Device ids are `pa:<name>` (PortAudio indices change when devices come and go).
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { AudioDevice } from '../../../shared/domain.js';
import type { AudioDevicePort, AudioInputStream, AudioOutputStream, DeviceList, StreamOptions } from './port.js';
import { FINISH_GRACE_MS, int16ToBuffer, PcmRing, PlayedEstimate, S16Assembler } from './port.js';
import { Resampler } from './resample.js';
import { watchSoundCards } from './alsa-watch.js';
import { PaceGate, PRIME_MS } from './pa-settle.js';
import { portAudioStreamCreated, portAudioStreamQuit, portAudioStreamsAlive, waitForNoPortAudioStream, waitUntil } from './pa-guard.js';

interface PaDeviceInfo {
  id: number;
  name: string;
  maxInputChannels: number;
  maxOutputChannels: number;
  defaultSampleRate: number;
  hostAPIName: string;
}

interface PaModule {
  getDevices(): PaDeviceInfo[];
  getHostAPIs(): { defaultHostAPI: number; HostAPIs: { name: string; defaultInput: number; defaultOutput: number }[] };
  SampleFormat16Bit: number;
  AudioIO: new (opts: object) => (Readable | Writable) & { start(): void; quit(cb?: () => void): void; abort?(cb?: () => void): void };
}

/**
 * naudiodon's index.js loads segfault-handler (a SIGSEGV handler writing crash.log to the working
 * directory) before anything else. That one is a NAN addon registered the old way (NODE_MODULE), not
 * context-aware: once one thread of a process has loaded it, every other thread's require fails with
 * "Module did not self-register", and naudiodon with it. naudiodon's own addon is N-API and loads in
 * every thread. So segfault-handler is answered from the module cache with a handler that does nothing
 * (a crash is Electron's crash reporter's, not a crash.log in the cwd), in each thread that loads naudiodon.
 */
function withoutSegfaultHandler(req: NodeJS.Require): void {
  const naudiodonMain = req.resolve('naudiodon');
  let handler: string;
  try {
    handler = createRequire(naudiodonMain).resolve('segfault-handler');
  } catch {
    return; // not installed (a naudiodon without it): nothing to stand in for
  }
  if (req.cache[handler]) return;
  const stub = new Module(handler);
  stub.filename = handler;
  stub.loaded = true;
  stub.exports = { registerHandler: () => undefined, causeSegfault: () => undefined };
  req.cache[handler] = stub;
}

let cached: PaModule | null = null;
function load(): PaModule {
  if (!cached) {
    const req = createRequire(import.meta.url);
    withoutSegfaultHandler(req);
    cached = createRequire(import.meta.url)('naudiodon') as PaModule;
  }
  return cached;
}

/**
 * naudiodon (N-API) keeps its AudioIO class in ONE static reference for the whole process, set by
 * the addon's init in whichever thread loaded it last: once the media worker has loaded it, a stream
 * created in the main thread (the ringer, the test tone) got an object of the worker's ("start is not
 * a function"), and the other way round. So a stream is created from a fresh load in its own thread
 * (the module cache entries of naudiodon and its addon dropped, the addon's init run again: a few
 * microseconds). Two threads opening a stream in the same microseconds can still cross: that open
 * then throws, and its caller reports it (the media worker as an audio device error, the ringer likewise).
 */
function freshLoad(): PaModule {
  const req = createRequire(import.meta.url);
  withoutSegfaultHandler(req);
  const main = req.resolve('naudiodon');
  const dir = path.dirname(main);
  for (const k of Object.keys(req.cache)) if (k === main || (k.startsWith(dir + path.sep) && k.endsWith('.node'))) delete req.cache[k];
  cached = createRequire(import.meta.url)('naudiodon') as PaModule;
  return cached;
}

/** Why naudiodon cannot be loaded in this thread, or null. */
export function naudiodonLoadError(): string | null {
  try {
    load();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0]! : String(e);
  }
}

const FALLBACK_RATE = 48000;

export class NaudiodonAudio implements AudioDevicePort {
  readonly backend = 'portaudio' as const;
  private list: DeviceList = { outputs: [], inputs: [], error: 'not enumerated yet' };
  private raw: PaDeviceInfo[] = [];
  private readonly open = new Set<AudioOutputStream | AudioInputStream>();
  /** true when the last refresh could not re-initialise PortAudio because streams were open. */
  stale = false;

  constructor(private readonly opts: { latencyMs?: number; /** where sound card nodes appear (tests) */ cardDir?: string } = {}) {}

  /** A card change seen while this port's streams kept PortAudio's list frozen: told when the last one closes. */
  private changedWhileOpen: (() => void) | null = null;

  /**
   * Sound cards that come and go. PortAudio sees them only when re-initialised, which this port does
   * when no stream of its own is open: a change seen meanwhile is passed on when the last one closes.
   */
  watch(onChange: () => void): () => void {
    const stop = watchSoundCards(() => {
      if (this.open.size === 0 && portAudioStreamsAlive() === 0) onChange();
      else {
        this.changedWhileOpen = onChange;
        this.waitForOtherThreads();
      }
    }, this.opts.cardDir);
    return () => {
      this.changedWhileOpen = null;
      stop();
    };
  }

  private othersTimer: NodeJS.Timeout | null = null;

  /** The other thread's streams (the media worker's) end with no word to this one: look twice a second. */
  private waitForOtherThreads(): void {
    if (this.othersTimer || this.open.size > 0) return;
    this.othersTimer = setInterval(() => {
      if (this.open.size > 0 || portAudioStreamsAlive() > 0) return;
      clearInterval(this.othersTimer!);
      this.othersTimer = null;
      const tell = this.changedWhileOpen;
      this.changedWhileOpen = null;
      tell?.();
    }, 500);
    this.othersTimer.unref();
  }

  private streamClosed(s: AudioOutputStream | AudioInputStream): void {
    this.open.delete(s);
    const tell = this.changedWhileOpen;
    if (this.open.size === 0 && tell) {
      this.changedWhileOpen = null;
      tell();
    }
  }

  devices(): DeviceList {
    return this.list;
  }

  async refresh(): Promise<DeviceList> {
    // A stream just closed (here or in the worker) quits on the thread pool: wait for that, bounded;
    // the first list waits longest, as nothing can be opened without it.
    const waitMs = this.raw.length === 0 ? 2000 : this.open.size === 0 ? 1000 : 0;
    await waitUntil(() => portAudioStreamsAlive() === 0, { atMostMs: waitMs, everyMs: 20 });
    if (portAudioStreamsAlive() > 0 && this.raw.length > 0) {
      this.stale = true; // PortAudio is initialised by a stream: its list is frozen
      return this.list;
    }
    try {
      const pa = load();
      this.raw = pa.getDevices();
      let defOut = -1;
      let defIn = -1;
      try {
        const apis = pa.getHostAPIs();
        const api = apis.HostAPIs[apis.defaultHostAPI];
        if (api) {
          defOut = api.defaultOutput;
          defIn = api.defaultInput;
        }
      } catch {
        /* no defaults known */
      }
      const outputs: AudioDevice[] = this.raw
        .filter((d) => d.maxOutputChannels > 0)
        .map((d) => ({ id: `pa:${d.name}`, name: d.name, kind: 'output', isDefault: d.id === defOut }));
      const inputs: AudioDevice[] = this.raw
        .filter((d) => d.maxInputChannels > 0)
        .map((d) => ({ id: `pa:${d.name}`, name: d.name, kind: 'input', isDefault: d.id === defIn }));
      this.list = { outputs, inputs, error: null };
      this.stale = false;
    } catch (e) {
      this.list = { outputs: [], inputs: [], error: `PortAudio: ${(e as Error).message}` };
    }
    return this.list;
  }

  private index(deviceId: string | null, kind: 'in' | 'out'): number {
    if (deviceId === null) return -1;
    const name = deviceId.startsWith('pa:') ? deviceId.slice(3) : deviceId;
    // the media worker's port opens streams without having listed devices (the engine lists them)
    if (this.raw.length === 0) {
      waitForNoPortAudioStream(500);
      this.raw = load().getDevices();
    }
    const d = this.raw.find((x) => x.name === name && (kind === 'in' ? x.maxInputChannels > 0 : x.maxOutputChannels > 0));
    if (!d) throw new Error(`audio device not found: ${deviceId}`);
    return d.id;
  }

  private createIo(key: 'outOptions' | 'inOptions', deviceId: number, rate: number) {
    const pa = freshLoad();
    const latency = (this.opts.latencyMs ?? 40) / 1000;
    const opt = { channelCount: 1, sampleFormat: pa.SampleFormat16Bit, sampleRate: rate, deviceId, closeOnError: false, ...(key === 'outOptions' ? { maxQueue: 4 } : {}), suggestedLatency: latency };
    const io = new pa.AudioIO({ [key]: opt });
    portAudioStreamCreated();
    return io;
  }

  /**
   * One quit per stream, counted when naudiodon says it is done (Pa_Terminate has run on the thread
   * pool): only then may this port list devices again or pass on a card change. naudiodon quits a
   * writable by itself once end() has flushed ('finished'); that counts the same.
   */
  private quitter(s: AudioOutputStream | AudioInputStream, io: { quit(): Promise<void>; once(ev: 'finished', f: () => void): unknown }) {
    let asked = false;
    let done = false;
    const quitDone = () => {
      if (done) return;
      done = true;
      portAudioStreamQuit();
      this.streamClosed(s);
    };
    io.once('finished', () => {
      asked = true;
      quitDone();
    });
    return () => {
      if (asked) return;
      asked = true;
      try {
        io.quit().then(quitDone, quitDone);
      } catch {
        quitDone(); // already gone
      }
    };
  }

  openOutput(deviceId: string | null, options: StreamOptions): AudioOutputStream {
    const idx = this.index(deviceId, 'out');
    let rate: number = options.rate;
    let io;
    try {
      io = this.createIo('outOptions', idx, rate);
    } catch {
      rate = FALLBACK_RATE; // the device refused the rate: open at 48 kHz and resample
      io = this.createIo('outOptions', idx, rate);
    }
    const up = new Resampler(options.rate, rate);
    const writable = io as Writable & { start(): void; quit(cb?: () => void): void };
    writable.on('error', () => undefined);
    writable.start();
    const open = this.open;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the stream's close() tells its port
    const port = this;
    const played = new PlayedEstimate(rate);
    // held until the stream plays in real time (pa-settle.ts), at most 1 s
    const pending = new PcmRing(rate);
    const hand = (pcm: Int16Array) => {
      writable.write(int16ToBuffer(pcm));
      played.wrote(pcm.length);
    };
    const silence = int16ToBuffer(new Int16Array((rate * PRIME_MS) / 1000));
    const s: AudioOutputStream = {
      rate: options.rate,
      deviceId,
      closed: false,
      latencyMs: this.opts.latencyMs ?? 40,
      write(pcm: Int16Array) {
        if (this.closed || writable.writableLength > rate * 2) return;
        const out = up.process(pcm);
        if (gate.settled) hand(out);
        else pending.push(out);
      },
      // naudiodon's own queue (maxQueue chunks) is not visible; its backlog in Node is
      queuedMs: () => Math.max(played.queuedMs(), (writable.writableLength / 2 / rate) * 1000) + (pending.length / rate) * 1000,
      close() {
        if (this.closed) return;
        (this as { closed: boolean }).closed = true;
        gate.stop();
        quit();
      },
      // end(): once naudiodon has taken every chunk it quits with 'WAIT' (Pa_StopStream: PortAudio
      // plays its buffers out) and emits 'finished'. At the bound: closed as by close(). A stream not
      // settled yet is ended once it has (its bound counted from then, a bound given from now).
      // Through ALSA's pulse plugin the stop still cut the last 40-50 ms (CI: 450-460 of 500 ms heard), so
      // silence of the device's latency and as much again goes last: what the stop cuts is that.
      async finish(timeoutMs?: number) {
        if (this.closed) return;
        const asked = performance.now();
        this.write(new Int16Array(Math.round((options.rate * 2 * this.latencyMs) / 1000)));
        this.write = () => undefined;
        await gate.whenSettled();
        if (this.closed) return;
        const bound = timeoutMs !== undefined ? Math.max(0, asked + timeoutMs - performance.now()) : (this.queuedMs() ?? 0) + this.latencyMs + FINISH_GRACE_MS;
        return new Promise<void>((resolve) => {
          const done = (quitAlready: boolean) => {
            clearTimeout(timer);
            if (quitAlready) (s as { closed: boolean }).closed = true; // naudiodon has quit: no second quit()
            s.close();
            resolve();
          };
          const timer = setTimeout(() => done(false), bound);
          writable.once('finished', () => done(true));
          writable.end();
        });
      },
    };
    const gate = new PaceGate(
      (done) => (s.closed ? done(false) : writable.write(silence, (err) => done(!err && !s.closed))),
      () => {
        const held = pending.read(pending.length);
        if (held && !s.closed) hand(held);
      },
    );
    const quit = port.quitter(s, writable as unknown as Parameters<NaudiodonAudio['quitter']>[1]);
    open.add(s);
    return s;
  }

  openInput(deviceId: string | null, options: StreamOptions): AudioInputStream {
    const idx = this.index(deviceId, 'in');
    let rate: number = options.rate;
    let io;
    try {
      io = this.createIo('inOptions', idx, rate);
    } catch {
      rate = FALLBACK_RATE;
      io = this.createIo('inOptions', idx, rate);
    }
    const down = new Resampler(rate, options.rate);
    const ring = new PcmRing(Math.round(options.rate * 0.2));
    const asm = new S16Assembler();
    const readable = io as Readable & { start(): void; quit(cb?: () => void): void };
    readable.on('data', (chunk: Buffer) => ring.push(down.process(asm.push(chunk))));
    readable.on('error', () => undefined);
    readable.start();
    const open = this.open;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the stream's close() tells its port
    const port = this;
    const s: AudioInputStream = {
      rate: options.rate,
      deviceId,
      closed: false,
      latencyMs: this.opts.latencyMs ?? 40,
      read: (n: number) => ring.read(n),
      available: () => ring.length,
      close() {
        if (this.closed) return;
        (this as { closed: boolean }).closed = true;
        quit();
      },
    };
    const quit = port.quitter(s, readable as unknown as Parameters<NaudiodonAudio['quitter']>[1]);
    open.add(s);
    return s;
  }

  close(): void {
    for (const s of [...this.open]) s.close();
    this.open.clear();
  }
}
