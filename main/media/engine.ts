// MediaEngine: owns the audio device port, the routing (ring device, talk output, microphone: three
// separate settings), the ringer, and the media worker that carries every call's RTP. sip/ gets its
// SessionDescriptionHandlerFactory from here.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionDescriptionHandlerFactory } from 'sip.js';
import type { AudioDevice, AudioDevices, AudioRouting, MicTestResult } from '../../shared/domain.js';
import { fail, ok, type Result } from '../../shared/errors.js';
import type { DeviceRole, NoticeWhat } from '../../shared/facts.js';
import { createAudioPort } from './audio/index.js';
import type { AudioBackendConfig, AudioDevicePort, DeviceList } from './audio/port.js';
import { resample } from './audio/resample.js';
import { readWav } from './audio/wav.js';
import type { MediaOptions } from './contract.js';
import { listen, MIC_TEST_MS, MicTestAborted, micLevel } from './mic-test.js';
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
  /** 0..1, the call-waiting beep's own level. */
  callWaitingVolume?: number;
  /** Audio device errors (a device vanished, pacat missing...). */
  onError?: (message: string) => void;
  /** Log lines worth keeping (an RTP source latched, a stray source ignored). */
  onLog?: (message: string) => void;
  /** The device list changed by itself (hot-plug): the settings should show the new list. */
  onDevicesChanged?: () => void;
  /** A chosen device is not there and its role uses the default now: a notice for the dispatcher. */
  onDeviceNotice?: (what: DeviceFallback) => void;
  /** Follow the sound system's device events (pulse: `pactl subscribe`); default true. */
  followHotPlug?: boolean;
}

export type DeviceFallback = Extract<NoticeWhat, { kind: 'device-fallback' }>;

const ROLES: { role: DeviceRole; key: keyof AudioRouting; kind: 'output' | 'input' }[] = [
  { role: 'ring', key: 'ringDeviceId', kind: 'output' },
  { role: 'talk', key: 'talkOutputDeviceId', kind: 'output' },
  { role: 'microphone', key: 'microphoneDeviceId', kind: 'input' },
];

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
  /** Roles whose chosen device was found missing and said so (once per disappearance). */
  private readonly fallenBack = new Map<DeviceRole, string>();
  private stopWatch: (() => void) | null = null;
  /** A chosen device came back during a call: switch to it when the calls are over. */
  private pendingRouting = false;
  /** The microphone test running now (a second press joins it); a call's audio starting aborts it. */
  private micTest: { result: Promise<Result<MicTestResult>>; abort: AbortController } | null = null;

  constructor(private readonly opts: MediaEngineOptions) {
    this.onError = opts.onError ?? (() => undefined);
    this.port = createAudioPort(opts.audio);
    this.list = this.port.devices();
    this.routing = { ...NO_ROUTING, ...opts.routing };
    this.host = new MediaWorkerHost(opts.audio, this.talkRouting(), { minMs: opts.jitterBuffer?.minMs ?? 20, maxMs: opts.jitterBuffer?.maxMs ?? 200 });
    this.host.onError = (m) => this.onError(m);
    this.host.onLog = (m) => opts.onLog?.(m);
    // a talk stream died under a call: find out what is there now and route again, at once
    this.host.onDeviceLost = (role) => {
      opts.onLog?.(`${role} device stream ended during a call: re-enumerating`);
      void this.refreshDevices(true);
    };
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
      callWaitingVolume: opts.callWaitingVolume ?? 1,
      onError: (m) => this.onError(m),
    });
  }

  /** Create an engine and enumerate devices once. */
  static async create(opts: MediaEngineOptions): Promise<MediaEngine> {
    const e = new MediaEngine(opts);
    await e.refreshDevices();
    if (opts.followHotPlug !== false && e.port.watch) {
      e.stopWatch = e.port.watch(() => {
        void e.refreshDevices().then(() => opts.onDevicesChanged?.());
      });
    }
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
    // played out, then closed (a pacat that connects late still plays all of it)
    return out.finish();
  }

  /**
   * The settings' microphone test: listen to an input (null: the default) for ~3 s and say the level.
   * Refused while a call has audio (it uses the microphone, and an ALSA device may be exclusive); a
   * call whose audio starts meanwhile stops it. A chosen device that is gone is refused by name (not
   * quietly replaced by the default: the dispatcher asked about that one). Throws when the input cannot be opened.
   */
  testMicrophone(deviceId: string | null): Promise<Result<MicTestResult>> {
    if (this.sessions.size > 0) return Promise.resolve(fail('invalid-state', { kind: 'mic-test-during-call' }));
    if (deviceId !== null && this.effective(deviceId, 'input') === null) {
      return Promise.resolve(fail('media-failure', { kind: 'device-not-connected', role: 'microphone', device: this.names.get(deviceId) ?? deviceId }));
    }
    if (this.micTest) return this.micTest.result;
    const abort = new AbortController();
    const result = listen(this.port, deviceId, MIC_TEST_MS, abort.signal).then(
      (heard): Result<MicTestResult> =>
        heard.samples === 0 ? fail('media-failure', { kind: 'mic-no-signal', seconds: MIC_TEST_MS / 1000 }) : ok(micLevel(heard, MIC_TEST_MS / 1000)),
      (e: unknown): Result<MicTestResult> => {
        if (e instanceof MicTestAborted) return fail('invalid-state', { kind: 'mic-test-interrupted' });
        throw e;
      },
    );
    this.micTest = { result, abort };
    const clear = () => {
      if (this.micTest?.result === result) this.micTest = null;
    };
    result.then(clear, clear);
    return result;
  }

  /**
   * Re-enumerate (hot-plug). A chosen device that is gone falls back to the default (a notice names
   * both; a call's audio moves at once); one that came back is used again (by the next stream opened:
   * a call in progress stays where it is, not to jump between devices mid-sentence).
   * `reopen`: a talk stream died under a call: route again even if the list looks the same.
   */
  async refreshDevices(reopen = false): Promise<AudioDevices> {
    const before = this.talkRouting();
    const ringBefore = this.effective(this.routing.ringDeviceId, 'output');
    this.list = await this.port.refresh();
    for (const d of [...this.list.outputs, ...this.list.inputs]) this.names.set(d.id, d.name);
    const after = this.talkRouting();
    const lost = (b: string | null, a: string | null) => b !== a && a === null;
    const inCall = this.sessions.size > 0;
    // a returning device waits for the next call; a lost one is left at once
    const move = lost(before.outputDeviceId, after.outputDeviceId) || lost(before.inputDeviceId, after.inputDeviceId) || (!inCall && (before.outputDeviceId !== after.outputDeviceId || before.inputDeviceId !== after.inputDeviceId));
    if (move || reopen) this.host.setRouting(after);
    else if (before.outputDeviceId !== after.outputDeviceId || before.inputDeviceId !== after.inputDeviceId) this.pendingRouting = true;
    if (ringBefore !== this.effective(this.routing.ringDeviceId, 'output')) this.ringer.restart();
    this.noticeFallbacks(inCall);
    return this.devices();
  }

  private noticeFallbacks(inCall: boolean): void {
    if (this.list.error !== null) return; // nothing is known: say nothing about single devices
    for (const { role, key, kind } of ROLES) {
      const wanted = this.routing[key];
      if (wanted === null || this.effective(wanted, kind) !== null) {
        this.fallenBack.delete(role);
        continue;
      }
      if (this.fallenBack.get(role) === wanted) continue;
      this.fallenBack.set(role, wanted);
      const list = kind === 'output' ? this.list.outputs : this.list.inputs;
      const def = list.find((d) => d.isDefault);
      this.opts.onDeviceNotice?.({
        kind: 'device-fallback',
        role,
        wanted: this.names.get(wanted) ?? wanted,
        using: def?.name ?? null,
        midCall: inCall && role !== 'ring',
      });
    }
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
        this.micTest?.abort.abort(); // the call needs the microphone
        const close = sdh.close.bind(sdh);
        sdh.close = () => {
          this.sessions.delete(sdh);
          close();
          if (this.sessions.size === 0 && this.pendingRouting) {
            // a chosen device came back during the call: the next call uses it
            this.pendingRouting = false;
            this.host.setRouting(this.talkRouting());
          }
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
    this.stopWatch?.();
    this.micTest?.abort.abort();
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
