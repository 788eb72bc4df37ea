// Main-thread side of the media worker: starts it, sends it configuration, routes its events.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AudioBackendConfig } from './audio/port.js';
import type { FromWorker, StreamConfig, TalkRouting, ToWorker } from './worker-protocol.js';
import { STAT } from './worker-protocol.js';
import { portAudioGuardFor, releasePortAudioSlot } from './audio/pa-guard.js';

export interface WorkerSessionHandle {
  sid: number;
  port: number;
  stats: Int32Array;
}

export interface RtpBinding {
  localAddress: string;
  portMin: number;
  portMax: number;
}

/** Socket pairs kept bound ahead per binding: a new call takes one without a worker round trip. */
const SPARE_PAIRS = 2;

export interface SessionEvents {
  dtmf?(digit: string): void;
  error?(message: string): void;
}

/**
 * When running from TypeScript sources (tests, tsx), the worker is the .ts file and needs tsx's loader;
 * compiled builds use the .js next to this file.
 */
function workerEntry(): { url: URL; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return { url: new URL('./worker-bootstrap.mjs', here), execArgv: [] };
  }
  return { url: new URL('./media-worker.js', here), execArgv: [] };
}

/**
 * A packaged app runs from app.asar, which a worker thread cannot load; electron-builder.yml unpacks
 * dist/main/media/** beside it (app.asar.unpacked), so the worker file is taken from there when it exists.
 */
export function asarUnpackedPath(file: string, exists: (path: string) => boolean = existsSync): string {
  const unpacked = file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  return unpacked !== file && exists(unpacked) ? unpacked : file;
}

export class MediaWorkerHost {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  private nextReq = 1;
  private nextSid = 1;
  private readonly pending = new Map<number, { resolve: (v: FromWorker) => void; reject: (e: Error) => void }>();
  private readonly sessions = new Map<number, SessionEvents>();
  private closed = false;
  /** The worker's slot in the process's count of PortAudio streams (audio/pa-guard.ts). */
  private readonly portAudio = portAudioGuardFor();
  /** Pairs bound ahead (prebind) and not taken yet, and how many are being bound, per binding key. */
  private readonly spares = new Map<string, { id: number; port: number }[]>();
  private readonly binding = new Map<string, number>();
  /** Errors not tied to a session (audio devices). */
  onError: (message: string) => void = () => undefined;
  /** A talk device stream ended under a call. */
  onDeviceLost: (role: 'talk' | 'microphone') => void = () => undefined;
  /** Log lines from the worker (latching, device changes); sid null = not tied to a session. */
  onLog: (message: string, sid: number | null) => void = () => undefined;

  constructor(audio: AudioBackendConfig, routing: TalkRouting, jitter = { minMs: 20, maxMs: 200 }) {
    const entry = workerEntry();
    this.worker = new Worker(asarUnpackedPath(fileURLToPath(entry.url)), {
      execArgv: entry.execArgv,
      workerData: { entry: fileURLToPath(new URL('./media-worker.ts', import.meta.url)) },
      name: 'dispatch-phone-media',
    });
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      const onMsg = (m: FromWorker) => {
        if (m.t === 'ready') {
          this.worker.off('error', onErr);
          resolve();
        }
      };
      const onErr = (e: Error) => reject(e);
      this.worker.on('message', onMsg);
      this.worker.once('error', onErr);
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => {
      this.onError(`media worker crashed: ${e.message}`);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
    this.post({ t: 'init', audio, routing, jitter, portAudioGuard: this.portAudio });
  }

  private post(m: ToWorker): void {
    if (!this.closed) this.worker.postMessage(m);
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'opened':
      case 'prebound':
      case 'failed':
      case 'shutdown-done': {
        const p = this.pending.get(m.req);
        this.pending.delete(m.req);
        p?.resolve(m);
        return;
      }
      case 'dtmf':
        this.sessions.get(m.sid)?.dtmf?.(m.digit);
        return;
      case 'error':
        if (m.sid === null) this.onError(m.message);
        else this.sessions.get(m.sid)?.error?.(m.message);
        return;
      case 'log':
        this.onLog(m.message, m.sid);
        return;
      case 'device-lost':
        this.onDeviceLost(m.role);
        return;
      case 'ready':
        return;
    }
  }

  private request(build: (req: number) => ToWorker): Promise<FromWorker> {
    if (this.closed) return Promise.reject(new Error('media engine closed'));
    const req = this.nextReq++;
    return new Promise((resolve, reject) => {
      this.pending.set(req, { resolve, reject });
      this.post(build(req));
    });
  }

  /**
   * Keep SPARE_PAIRS RTP/RTCP pairs bound ahead for this binding (the engine calls it when sip/ gets
   * its factory; every session taken refills it). A failure (range exhausted) is not retried here:
   * openSession then binds on demand and reports the error.
   */
  prepare(b: RtpBinding): void {
    if (this.closed) return;
    const key = bindingKey(b);
    let list = this.spares.get(key);
    if (!list) this.spares.set(key, (list = []));
    const spares = list;
    for (let n = spares.length + (this.binding.get(key) ?? 0); n < SPARE_PAIRS; n++) {
      this.binding.set(key, (this.binding.get(key) ?? 0) + 1);
      this.ready
        .then(() => this.request((req) => ({ t: 'prebind', req, localAddress: b.localAddress, portMin: b.portMin, portMax: b.portMax })))
        .then(
          (r) => {
            if (r.t === 'prebound' && !this.closed) spares.push({ id: r.req, port: r.port });
          },
          () => undefined,
        )
        .finally(() => this.binding.set(key, (this.binding.get(key) ?? 1) - 1));
    }
  }

  async openSession(opts: RtpBinding & { cname: string }, events: SessionEvents): Promise<WorkerSessionHandle> {
    const spare = this.spares.get(bindingKey(opts))?.shift();
    this.prepare(opts);
    await this.ready;
    const sid = this.nextSid++;
    const sab = new SharedArrayBuffer(STAT.size * 4);
    this.sessions.set(sid, events);
    if (spare) {
      // the port is known: no need to wait for the worker (messages are handled in order)
      this.post({ t: 'open', req: 0, sid, ...opts, stats: sab, spare: spare.id });
      return { sid, port: spare.port, stats: new Int32Array(sab) };
    }
    const r = await this.request((req) => ({ t: 'open', req, sid, ...opts, stats: sab, spare: null }));
    if (r.t !== 'opened') {
      this.sessions.delete(sid);
      throw new Error(r.t === 'failed' ? r.error : 'media worker: unexpected reply');
    }
    return { sid, port: r.port, stats: new Int32Array(sab) };
  }

  configure(sid: number, config: StreamConfig): void {
    this.post({ t: 'configure', sid, config });
  }

  setMuted(sid: number, muted: boolean): void {
    this.post({ t: 'mute', sid, muted });
  }

  sendDtmf(sid: number, digits: string, durationMs: number, gapMs: number): void {
    this.post({ t: 'dtmf', sid, digits, durationMs, gapMs });
  }

  closeSession(sid: number): void {
    this.sessions.delete(sid);
    this.post({ t: 'close', sid });
  }

  setRouting(routing: TalkRouting): void {
    this.post({ t: 'routing', routing });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await Promise.race([this.ready.then(() => this.request((req) => ({ t: 'shutdown', req }))), new Promise((r) => setTimeout(r, 1000))]);
    } catch {
      /* worker already gone */
    }
    this.closed = true;
    this.spares.clear();
    await this.worker.terminate();
    releasePortAudioSlot(this.portAudio.slot);
  }
}

function bindingKey(b: RtpBinding): string {
  return `${b.localAddress}|${b.portMin}|${b.portMax}`;
}
