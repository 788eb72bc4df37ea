// RtAudio through audify (N-API, maintained; naudiodon's PortAudio binding is not). One RtAudio
// instance per stream (RtAudio holds one stream each). On Linux this build reaches PulseAudio through
// ALSA's `pulse`/`default` devices, like PortAudio. RtAudio re-probes its devices on every
// getDevices(), so refresh() sees hot-plugged devices even while streams are open.
// Device ids are `rt:<name>` (RtAudio's numeric ids change when devices come and go).
// Output is exact about its queue: audify calls back once per frame it has handed to the device, so
// written - handed is what waits on our side, and getStreamLatency() is the device's buffer.
// A new output stream through ALSA's pulse plugin first underruns: every write fails at once (-EPIPE)
// until the plugin's stream has connected, and RtAudio drops the frame audify handed it (audify pops
// it from its queue before RtAudio writes it). So nothing is handed to audify until the stream
// plays in real time: its stream time (one frame per callback) races ahead of the clock while it fails.
// Once settled, an underrun (the callback thread not scheduled in time) loses frames the same way, and
// under load a 40 ms buffer (MINIMIZE_LATENCY: 2 periods of 20 ms) underruns. The call's output keeps
// that buffer (the playout's latency); a stream that asks for buffering (latencyMs: the ringer, the
// test tone, which are only ever finished or closed) is opened with 4 periods of 40 ms instead.
// close() stops at once (closeStream() alone drops what the device holds); only finish() drains it.
import { createRequire } from 'node:module';
import type { AudioDevice } from '../../../shared/domain.js';
import type { AudioDevicePort, AudioInputStream, AudioOutputStream, DeviceList, StreamOptions } from './port.js';
import { FINISH_GRACE_MS, int16ToBuffer, PcmRing, S16Assembler } from './port.js';
import { Resampler } from './resample.js';
import { watchSoundCards } from './alsa-watch.js';

interface RtDeviceInfo {
  id: number;
  name: string;
  outputChannels: number;
  inputChannels: number;
  isDefaultOutput: number | boolean;
  isDefaultInput: number | boolean;
}

interface RtAudioInstance {
  openStream(
    out: { deviceId?: number; nChannels: number } | null,
    input: { deviceId?: number; nChannels: number } | null,
    format: number,
    rate: number,
    frameSize: number,
    name: string,
    onInput: ((b: Buffer) => void) | null,
    onFrameOut: (() => void) | null,
    flags?: number,
    onError?: ((type: number, msg: string) => void) | null,
  ): number;
  start(): void;
  /** stopStream(): on ALSA (not synchronized) snd_pcm_drain: plays out the device's buffer, then stops. */
  stop(): void;
  /** Seconds of audio the callback has been through (one frame per callback, failed writes too). */
  readonly streamTime: number;
  /**
   * On a running stream (ALSA): ends the callback thread (its write in progress, at most a period, completes)
   * and snd_pcm_drop()s what the device still holds: no drain. Then closes the device.
   */
  closeStream(): void;
  write(pcm: Buffer): void;
  getStreamLatency(): number;
  getDevices(): RtDeviceInfo[];
}

type RtModule = { RtAudio: new () => RtAudioInstance };

let cached: RtModule | null = null;
function load(): RtModule {
  if (!cached) cached = createRequire(import.meta.url)('audify') as RtModule;
  return cached;
}

/** Why audify cannot be loaded here (an optional dependency: npm ci skips it when it cannot build), or null. */
export function audifyLoadError(): string | null {
  try {
    load();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0]! : String(e);
  }
}

/**
 * A stream's end: once, off the port's open list, then its RtAudio stream closed. At once (close()):
 * closeStream() drops what the device holds; a buffered stream's 160 ms would otherwise still sound (a
 * ringer stopped on answer). `drain` (finish(), all written was taken): stopStream() first, which plays
 * it out (snd_pcm_drain). A stream already gone (its device lost) is fine.
 */
function closeOnce(s: { closed: boolean }, open: Set<unknown>, rt: RtAudioInstance, drain = false): void {
  if (s.closed) return;
  s.closed = true;
  open.delete(s);
  try {
    if (drain) rt.stop();
  } catch {
    /* already stopped or gone: closed below all the same */
  }
  try {
    rt.closeStream();
  } catch {
    /* already gone */
  }
}

const SINT16 = 0x2;
const MINIMIZE_LATENCY = 0x2;
/** RtAudioErrorType (RtAudio 6): 0 none, 1 WARNING (an underrun, say) is not a failure; above it the stream is gone. */
const DEBUG_WARNING = 1;
const FALLBACK_RATE = 48000;
/**
 * Frames of a stream that asks for buffering (StreamOptions.latencyMs): RtAudio's ALSA default of 4
 * periods (no MINIMIZE_LATENCY) of 40 ms, a 160 ms device buffer. RtAudio takes no buffer in ms.
 */
const BUFFERED_FRAME_MS = 40;
/**
 * An output stream has settled (plays in real time) once its stream time advanced over SETTLE_WINDOW_MS
 * of the clock by no more than that + SETTLE_SLACK_MS or 2 frames (the device's buffer filling, or a late poll) and
 * by at least half of it (it is really running: a stream whose first write blocks does not tick). While
 * it fails, it runs ahead by 10-30 times. Past SETTLE_CAP_MS, what is held is handed anyway.
 */
const SETTLE_WINDOW_MS = 100;
const SETTLE_SLACK_MS = 40;
const SETTLE_CAP_MS = 5000;

/**
 * audify keeps ONE error callback for the whole process (a global in rt_audio.cpp, replaced by each
 * openStream and released without being cleared when a stream is opened without one: RtAudio's next
 * warning then calls a released function and aborts the process). So every stream is opened with
 * this same callback, and a fatal error, whichever stream it came from, counts against all that are
 * open: they are closed and reopened (the media worker reports them lost), which a real failure needs anyway.
 */
let fatalErrors = 0;
const onRtError = (type: number) => {
  if (type > DEBUG_WARNING) fatalErrors++;
};

/** Open a stream at `rate`, or at 48 kHz if the device refuses it; returns the rate in use. */
function openAt(rt: RtAudioInstance, rate: number, open: (rate: number, frame: number) => void, frameMs = 20): number {
  try {
    open(rate, (rate * frameMs) / 1000);
    return rate;
  } catch {
    open(FALLBACK_RATE, (FALLBACK_RATE * frameMs) / 1000);
    return FALLBACK_RATE;
  }
}

export class AudifyAudio implements AudioDevicePort {
  readonly backend = 'rtaudio' as const;
  private list: DeviceList = { outputs: [], inputs: [], error: 'not enumerated yet' };
  private raw: RtDeviceInfo[] = [];
  private readonly open = new Set<AudioOutputStream | AudioInputStream>();

  constructor(private readonly opts: { /** where sound card nodes appear (tests) */ cardDir?: string } = {}) {}

  devices(): DeviceList {
    return this.list;
  }

  async refresh(): Promise<DeviceList> {
    try {
      this.raw = new (load().RtAudio)().getDevices();
      const outputs: AudioDevice[] = this.raw
        .filter((d) => d.outputChannels > 0)
        .map((d) => ({ id: `rt:${d.name}`, name: d.name, kind: 'output', isDefault: Boolean(d.isDefaultOutput) }));
      const inputs: AudioDevice[] = this.raw
        .filter((d) => d.inputChannels > 0)
        .map((d) => ({ id: `rt:${d.name}`, name: d.name, kind: 'input', isDefault: Boolean(d.isDefaultInput) }));
      this.list = { outputs, inputs, error: null };
    } catch (e) {
      this.list = { outputs: [], inputs: [], error: `RtAudio: ${(e as Error).message}` };
    }
    return this.list;
  }

  /** RtAudio's id of a device (undefined = its default). */
  private deviceNumber(deviceId: string | null, kind: 'in' | 'out'): number | undefined {
    if (deviceId === null) return undefined;
    const name = deviceId.startsWith('rt:') ? deviceId.slice(3) : deviceId;
    if (this.raw.length === 0) this.raw = new (load().RtAudio)().getDevices();
    const d = this.raw.find((x) => x.name === name && (kind === 'in' ? x.inputChannels > 0 : x.outputChannels > 0));
    if (!d) throw new Error(`audio device not found: ${deviceId}`);
    return d.id;
  }

  openOutput(deviceId: string | null, options: StreamOptions): AudioOutputStream {
    const rt = new (load().RtAudio)();
    const dev = this.deviceNumber(deviceId, 'out');
    let handed = 0; // frames the device has taken
    const errorsAtOpen = fatalErrors;
    // the call's stream (no latencyMs asked) stays low-latency; one that asks for buffering (the ringer's,
    // the test tone's) gets a device buffer a loaded machine does not underrun (the head of this file)
    const buffered = options.latencyMs !== undefined;
    const frameMs = buffered ? BUFFERED_FRAME_MS : 20;
    const flags = buffered ? 0 : MINIMIZE_LATENCY;
    const rate = openAt(rt, options.rate, (r, frame) =>
      rt.openStream({ deviceId: dev, nChannels: 1 }, null, SINT16, r, frame, options.name ?? 'playback', null, () => handed++, flags, onRtError),
    frameMs);
    rt.start();
    const frame = (rate * frameMs) / 1000;
    const up = new Resampler(options.rate, rate);
    // the pacer writes frames 1-2 samples short or long: audify takes whole frames only; and nothing
    // is handed to audify before the stream has settled (the head of this file): held here, at most 1 s
    const pending = new PcmRing(rate);
    let written = 0; // whole frames written
    const flush = () => {
      for (let f = pending.read(frame); f; f = pending.read(frame)) {
        rt.write(int16ToBuffer(f));
        written++;
      }
    };
    let settled = false;
    const samples: { wall: number; stream: number }[] = [];
    const opened = performance.now();
    const settle = setInterval(() => {
      const wall = performance.now();
      let stream = 0;
      try {
        stream = rt.streamTime * 1000;
      } catch {
        /* gone: the cap hands on, close() stops */
      }
      samples.push({ wall, stream });
      while (samples.length > 1 && wall - samples[1]!.wall >= SETTLE_WINDOW_MS) samples.shift();
      const first = samples[0]!;
      const dWall = wall - first.wall;
      const dStream = stream - first.stream;
      const realTime = dWall >= SETTLE_WINDOW_MS && dStream >= dWall / 2 && dStream <= dWall + Math.max(SETTLE_SLACK_MS, 2 * frameMs);
      if (!realTime && wall - opened < SETTLE_CAP_MS) return;
      clearInterval(settle);
      settled = true;
      flush();
    }, 20);
    const open = this.open;
    const deviceMs = () => (rt.getStreamLatency() / rate) * 1000;
    const s: AudioOutputStream = {
      rate: options.rate,
      deviceId,
      closed: false,
      get latencyMs() {
        return deviceMs();
      },
      write(pcm: Int16Array) {
        if (this.closed) return;
        if (fatalErrors !== errorsAtOpen) return this.close();
        if ((written - handed) * frameMs > 1000) return; // the device is not consuming: never queue more than 1 s
        pending.push(up.process(pcm));
        if (settled) flush();
      },
      queuedMs: () => Math.max(0, written - handed) * frameMs + (pending.length / rate) * 1000,
      close() {
        clearInterval(settle);
        closeOnce(this, open, rt);
      },
      // What audify still queues is waited for (its frame callbacks count it), then RtAudio's stopStream()
      // drains the device's buffer (snd_pcm_drain: through ALSA's pulse plugin, until the server played it);
      // past the bound, or on a fatal error, it is closed at once as by close(); a close() meanwhile ends it.
      // The last partial frame is padded with silence, and one frame of silence follows it: audify counts a
      // frame as handed just BEFORE RtAudio writes it, and stopStream() marks the stream stopped before it
      // waits for the callback, so the last frame counted could still be skipped; once the silence after
      // it is counted, the callback thread has written it.
      finish(timeoutMs?: number) {
        if (this.closed) return Promise.resolve();
        const partial = pending.length % frame;
        pending.push(new Int16Array((partial > 0 ? frame - partial : 0) + frame));
        if (settled) flush();
        s.write = () => undefined;
        const latency = () => (Number.isFinite(deviceMs()) ? Math.max(0, deviceMs()) : 0); // RtAudio may not know it
        const deadline = performance.now() + (timeoutMs ?? (this.queuedMs() ?? 0) + latency() + FINISH_GRACE_MS);
        return new Promise<void>((resolve) => {
          const poll = setInterval(() => {
            const played = fatalErrors === errorsAtOpen && settled && handed >= written;
            if (!s.closed && !played && fatalErrors === errorsAtOpen && performance.now() < deadline) return;
            clearInterval(poll);
            clearInterval(settle);
            closeOnce(s, open, rt, played);
            resolve();
          }, 20);
        });
      },
    };
    open.add(s);
    return s;
  }

  openInput(deviceId: string | null, options: StreamOptions): AudioInputStream {
    const rt = new (load().RtAudio)();
    const dev = this.deviceNumber(deviceId, 'in');
    const ring = new PcmRing(Math.round(options.rate * 0.2)); // keep at most 200 ms: capture latency stays bounded
    const asm = new S16Assembler();
    let down: Resampler | null = null;
    const errorsAtOpen = fatalErrors;
    const rate = openAt(rt, options.rate, (r, frame) =>
      rt.openStream(null, { deviceId: dev, nChannels: 1 }, SINT16, r, frame, options.name ?? 'capture', (b) => down && ring.push(down.process(asm.push(b))), null, MINIMIZE_LATENCY, onRtError),
    );
    down = new Resampler(rate, options.rate);
    rt.start();
    const open = this.open;
    const s: AudioInputStream = {
      rate: options.rate,
      deviceId,
      closed: false,
      get latencyMs() {
        return (rt.getStreamLatency() / rate) * 1000;
      },
      read(n: number) {
        if (fatalErrors !== errorsAtOpen) {
          this.close();
          return null;
        }
        return ring.read(n);
      },
      available: () => ring.length,
      close() {
        closeOnce(this, open, rt);
      },
    };
    open.add(s);
    return s;
  }

  /** Sound cards that come and go (RtAudio re-probes on every refresh, streams open or not). */
  watch(onChange: () => void): () => void {
    return watchSoundCards(onChange, this.opts.cardDir);
  }

  close(): void {
    for (const s of [...this.open]) s.close();
    this.open.clear();
  }
}
