// MediaEngine: owns the audio device port, the routing (ring device, talk output, microphone: three
// separate settings), the ringer, and the media worker that carries every call's RTP. sip/ gets its
// SessionDescriptionHandlerFactory from here.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionDescriptionHandlerFactory } from 'sip.js';
import type { AudioDevice, AudioDevices, AudioRouting } from '../../shared/domain.js';
import { createAudioPort } from './audio/index.js';
import type { AudioBackendConfig, AudioDevicePort, DeviceList } from './audio/port.js';
import { resample } from './audio/resample.js';
import { readWav } from './audio/wav.js';
import type { MediaOptions } from './contract.js';
import { AudioRinger } from './ringer.js';
import { createMediaSessionDescriptionHandlerFactory, type MediaSessionDescriptionHandler } from './session-description-handler.js';
import { MediaWorkerHost } from './worker-host.js';

export interface MediaEngineOptions {
  /** config `audio.backend` and its settings. */
  audio: AudioBackendConfig;
  routing?: Partial<AudioRouting>;
  /** Jitter buffer bounds (default 20..200 ms, Asterisk's). */
  jitterBuffer?: { minMs?: number; maxMs?: number };
  /** WAV ringtone; default assets/ringtone.wav if it exists, else a generated 425 Hz 1 s on / 4 s off tone. */
  ringtoneFile?: string | null;
  /** Where the call-waiting beep plays: the talk output (default: the dispatcher wears the headset) or the ring device. */
  callWaitingOn?: 'talk' | 'ring';
  /** 0..1 */
  ringVolume?: number;
  /** Audio device errors (a device vanished, pacat missing...). */
  onError?: (message: string) => void;
  /** Log lines worth keeping (an RTP source latched, a stray source ignored). */
  onLog?: (message: string) => void;
}

const NO_ROUTING: AudioRouting = { ringDeviceId: null, talkOutputDeviceId: null, microphoneDeviceId: null };

function findRingtone(explicit: string | null | undefined): string | null {
  if (explicit !== undefined) return explicit;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../assets/ringtone.wav'), path.resolve(here, '../../../assets/ringtone.wav'), path.resolve('assets/ringtone.wav')];
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

export class MediaEngine {
  readonly port: AudioDevicePort;
  readonly ringer: AudioRinger;
  private readonly host: MediaWorkerHost;
  private routing: AudioRouting;
  private list: DeviceList;
  private readonly sessions = new Set<MediaSessionDescriptionHandler>();
  private closed = false;
  private readonly onError: (message: string) => void;
  /** Every device name seen since start, by id: a chosen device that is gone is named, not shown as an id. */
  private readonly names = new Map<string, string>();

  constructor(private readonly opts: MediaEngineOptions) {
    this.onError = opts.onError ?? (() => undefined);
    this.port = createAudioPort(opts.audio);
    this.list = this.port.devices();
    this.routing = { ...NO_ROUTING, ...opts.routing };
    this.host = new MediaWorkerHost(opts.audio, this.talkRouting(), { minMs: opts.jitterBuffer?.minMs ?? 20, maxMs: opts.jitterBuffer?.maxMs ?? 200 });
    this.host.onError = (m) => this.onError(m);
    this.host.onLog = (m) => opts.onLog?.(m);
    let ringtone: Int16Array | null = null;
    const file = findRingtone(opts.ringtoneFile);
    if (file) {
      try {
        const wav = readWav(file);
        ringtone = resample(wav.samples, wav.rate, 8000);
      } catch (e) {
        this.onError(`ringtone ${file}: ${(e as Error).message}`);
      }
    }
    this.ringer = new AudioRinger({
      port: this.port,
      ringDevice: () => this.effective(this.routing.ringDeviceId, 'output'),
      callWaitingDevice: () =>
        opts.callWaitingOn === 'ring' ? this.effective(this.routing.ringDeviceId, 'output') : this.effective(this.routing.talkOutputDeviceId, 'output'),
      ringtone,
      volume: opts.ringVolume ?? 1,
      onError: (m) => this.onError(m),
    });
  }

  /** Create an engine and enumerate devices once. */
  static async create(opts: MediaEngineOptions): Promise<MediaEngine> {
    const e = new MediaEngine(opts);
    await e.refreshDevices();
    return e;
  }

  devices(): AudioDevices {
    const gone: AudioDevice[] = [];
    const check = (id: string | null, kind: 'output' | 'input') => {
      if (id === null || this.effective(id, kind) !== null || gone.some((d) => d.id === id)) return;
      gone.push({ id, name: this.names.get(id) ?? id, kind, isDefault: false });
    };
    check(this.routing.ringDeviceId, 'output');
    check(this.routing.talkOutputDeviceId, 'output');
    check(this.routing.microphoneDeviceId, 'input');
    return { outputs: this.list.outputs, inputs: this.list.inputs, routing: { ...this.routing }, error: this.list.error, gone };
  }

  /** A short two-beep tone (0.6 s) on an output device at the ring volume: the settings' test button. */
  playTestTone(deviceId: string | null): Promise<void> {
    const out = this.port.openOutput(deviceId, { rate: 8000, name: 'test-tone', latencyMs: 60 });
    const volume = this.ringer.volume;
    const tone = new Int16Array(8000 * 0.6);
    for (let i = 0; i < tone.length; i++) {
      const on = i < 2000 || (i >= 2800 && i < 4800);
      tone[i] = on ? Math.round(0.4 * volume * 32767 * Math.sin((2 * Math.PI * 660 * i) / 8000)) : 0;
    }
    out.write(tone);
    return new Promise((resolve) =>
      setTimeout(() => {
        out.close();
        resolve();
      }, 900).unref(),
    );
  }

  /** Re-enumerate (hot-plug); a preferred device that came back is used again. */
  async refreshDevices(): Promise<AudioDevices> {
    const before = this.talkRouting();
    const ringBefore = this.effective(this.routing.ringDeviceId, 'output');
    this.list = await this.port.refresh();
    for (const d of [...this.list.outputs, ...this.list.inputs]) this.names.set(d.id, d.name);
    const after = this.talkRouting();
    if (before.outputDeviceId !== after.outputDeviceId || before.inputDeviceId !== after.inputDeviceId) this.host.setRouting(after);
    if (ringBefore !== this.effective(this.routing.ringDeviceId, 'output')) this.ringer.restart();
    return this.devices();
  }

  setRouting(routing: AudioRouting): void {
    const ringChanged = routing.ringDeviceId !== this.routing.ringDeviceId;
    const talkChanged = routing.talkOutputDeviceId !== this.routing.talkOutputDeviceId;
    this.routing = { ...routing };
    this.host.setRouting(this.talkRouting());
    if (ringChanged || (talkChanged && this.ringer.mode === 'call-waiting')) this.ringer.restart();
  }

  /** The factory for UserAgentOptions.sessionDescriptionHandlerFactory. */
  sessionDescriptionHandlerFactory(options: MediaOptions): SessionDescriptionHandlerFactory {
    // bind the first calls' RTP sockets now, not on the answer path
    this.host.prepare({ localAddress: options.localAddress, portMin: options.rtpPortMin, portMax: options.rtpPortMax });
    return createMediaSessionDescriptionHandlerFactory({
      host: this.host,
      defaults: options,
      onCreate: (sdh) => {
        this.sessions.add(sdh);
        const close = sdh.close.bind(sdh);
        sdh.close = () => {
          this.sessions.delete(sdh);
          close();
        };
      },
    });
  }

  /** Handlers created by this engine and not closed yet. */
  activeSessions(): MediaSessionDescriptionHandler[] {
    return [...this.sessions];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ringer.close();
    for (const s of this.sessions) s.close();
    this.sessions.clear();
    await this.host.close();
    this.port.close();
  }

  /** A preferred device if it is present now, else null (the system default). */
  private effective(id: string | null, kind: 'output' | 'input'): string | null {
    if (id === null) return null;
    const list = kind === 'output' ? this.list.outputs : this.list.inputs;
    if (list.length === 0 && this.list.error === 'not enumerated yet') return id; // not enumerated: trust it
    return list.some((d) => d.id === id) ? id : null;
  }

  private talkRouting() {
    return {
      outputDeviceId: this.effective(this.routing.talkOutputDeviceId, 'output'),
      inputDeviceId: this.effective(this.routing.microphoneDeviceId, 'input'),
    };
  }
}
