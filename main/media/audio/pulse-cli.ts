// PulseAudio: `pactl` lists devices and watches them come and go; the streams (raw s16le mono) are the
// in-process native-protocol client (pulse-native/, the default: no helper processes, no pipes, the
// buffers we choose) or, with `streams: 'pacat'`, `pacat --playback` and `parec`, one subprocess each.
// Either way a stream is on one sink or source by name (ring on one sink, talk on another) and
// closing it stops the sound at once. PULSE_SERVER (option or environment) selects the server.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import type { AudioDevice } from '../../../shared/domain.js';
import { parsePactlList, type PactlDevice } from './pactl-list.js';
import type { AudioDevicePort, AudioInputStream, AudioOutputStream, DeviceList, PulseStreams, StreamOptions } from './port.js';
import type { NativeStreamOptions } from './pulse-native/connection.js';
import { NativeOutput } from './pulse-native/playback.js';
import { NativeInput } from './pulse-native/record.js';
import { boundedFinish, FINISH_GRACE_MS, int16ToBuffer, PcmRing, PlayedEstimate, S16Assembler } from './port.js';

const run = promisify(execFile);

export interface PulseCliOptions {
  /** unix:/path/to/native or tcp:host; default: PULSE_SERVER from the environment. */
  server?: string;
  /** The device-side buffering of a stream, ms: the sink's / source's latency asked for, or pacat/parec --latency-msec (default 20). */
  latencyMs?: number;
  /** The talk streams' client (default 'native'). */
  streams?: PulseStreams;
  /** List monitor sources (<sink>.monitor) as inputs too (default false: they are not microphones). */
  includeMonitors?: boolean;
  /** The clock the capture delay is dated by (tests); default performance.now. */
  now?: () => number;
}

/**
 * What pacat has played, from its own reports: with -v it prints `Time: X sec; Latency: Y usec.`
 * about every 50 ms (X = pa_stream_get_time: the position being heard, sink latency included), plus
 * `Stream started.` once its prebuffer is full. Written minus heard is then everything between us
 * and the ear (our pipe, pacat's buffer, the server's, the sink's), which no estimate sees.
 */
export class PacatClock {
  started = false;
  /** The stream's latency as the server reports it (its buffer + the sink's), ms; null before a report. */
  latencyMs: number | null = null;
  private heardMs: number | null = null;
  private at = 0;
  private tail = '';

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Feed pacat's stderr. */
  push(chunk: string): void {
    const parts = (this.tail + chunk).split(/[\r\n]/);
    this.tail = parts.pop() ?? '';
    for (const line of parts) {
      const m = /Time: ([\d.]+) sec; Latency: (\d+) usec/.exec(line);
      if (m) {
        this.heardMs = Number(m[1]) * 1000;
        this.latencyMs = Number(m[2]) / 1000;
        this.at = this.now();
      } else if (line.includes('Stream started.')) this.started = true;
    }
  }

  /** ms written (`writtenMs` in total) and not heard yet; null before the first report. */
  pendingMs(writtenMs: number): number | null {
    if (this.heardMs === null) return null;
    const heard = Math.min(writtenMs, this.heardMs + (this.now() - this.at)); // between reports: 1x
    return Math.max(0, writtenMs - heard);
  }
}

class PacatOutput implements AudioOutputStream {
  closed = false;
  private readonly child: ChildProcess;
  /** Never queue more than this in our pipe (ms of audio): beyond it the device is not consuming. */
  private readonly maxQueueBytes: number;
  private readonly played: PlayedEstimate;
  private readonly clock = new PacatClock();
  private writtenSamples = 0;
  private finishing: Promise<void> | null = null;

  constructor(
    readonly deviceId: string | null,
    readonly rate: number,
    env: NodeJS.ProcessEnv,
    private readonly requestedMs: number,
    name: string,
    onExit: () => void,
  ) {
    const latencyMs = requestedMs;
    const args = ['-v', '--playback', '--raw', '--format=s16le', `--rate=${rate}`, '--channels=1', `--latency-msec=${latencyMs}`, `--client-name=dispatch-phone`, `--stream-name=${name}`];
    if (deviceId) args.push(`--device=${deviceId}`);
    this.child = spawn('pacat', args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
    this.child.stderr?.setEncoding('latin1');
    this.child.stderr?.on('data', (c: string) => this.clock.push(c));
    this.maxQueueBytes = rate * 2; // 1 s
    this.played = new PlayedEstimate(rate);
    this.child.stdin?.on('error', () => {
      /* EPIPE when pacat exits: the exit handler reports it */
    });
    this.child.on('error', () => this.close());
    this.child.on('exit', () => {
      this.closed = true;
      onExit();
    });
  }

  write(pcm: Int16Array): void {
    const stdin = this.child.stdin;
    if (this.closed || this.finishing || !stdin || stdin.destroyed) return;
    if (stdin.writableLength > this.maxQueueBytes) return; // drop: never block the media clock
    stdin.write(int16ToBuffer(pcm));
    this.writtenSamples += pcm.length;
    this.played.wrote(pcm.length);
  }

  /** The server's buffer + the sink's latency as pacat reports it (a Bluetooth sink: 100-200 ms), else what was asked. */
  get latencyMs(): number {
    return this.clock.latencyMs ?? this.requestedMs;
  }

  /**
   * What waits beyond the device's own buffer (our pipe, pacat's buffer): from pacat's report
   * (written - heard - the server's latency) once it reports, before that the estimate or the pipe's
   * backlog if larger.
   */
  queuedMs(): number {
    const pending = this.clock.pendingMs((this.writtenSamples / this.rate) * 1000);
    if (pending !== null) return Math.max(0, pending - this.latencyMs);
    const backlog = ((this.child.stdin?.writableLength ?? 0) / 2 / this.rate) * 1000;
    return Math.max(this.played.queuedMs(), backlog);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin?.destroy();
    this.child.kill('SIGKILL'); // SIGKILL: stop now, do not drain what the server still holds
  }

  /**
   * End pacat's stdin: on EOF it drains its stream (the server plays all it was given, even when pacat
   * connected after the last write: it reads stdin into the stream only once connected) and exits by
   * itself. Killed at the bound.
   */
  finish(timeoutMs?: number): Promise<void> {
    if (this.finishing) return this.finishing;
    if (this.closed) return Promise.resolve();
    const bound = timeoutMs ?? this.queuedMs() + this.latencyMs + FINISH_GRACE_MS;
    this.finishing = boundedFinish(bound, () => this.close(), new Promise((exited) => this.child.once('exit', exited)));
    this.child.stdin?.end();
    return this.finishing;
  }
}

/**
 * parec: with -v it prints `Time: X sec; Latency: Y usec.` about every 50 ms, Y = pa_stream_get_latency
 * of a record stream: the source's latency plus what the server holds for us, i.e. how old the audio
 * reaching our pipe is. That (not the --latency-msec asked for, which is only its fragment size: the
 * private server measured 5-6 ms against the 20 asked) is the device's share of the capture delay.
 */
class ParecInput implements AudioInputStream {
  closed = false;
  private readonly child: ChildProcess;
  private readonly ring: PcmRing;
  private readonly asm = new S16Assembler();
  private readonly clock = new PacatClock();
  /** When the last audio reached us (performance.now()). */
  private dataAt: number | null = null;

  constructor(
    readonly deviceId: string | null,
    readonly rate: number,
    env: NodeJS.ProcessEnv,
    private readonly requestedMs: number,
    name: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    const args = ['-v', '--raw', '--format=s16le', `--rate=${rate}`, '--channels=1', `--latency-msec=${requestedMs}`, `--client-name=dispatch-phone`, `--stream-name=${name}`];
    if (deviceId) args.push(`--device=${deviceId}`);
    this.ring = new PcmRing(Math.round(rate * 0.2)); // keep at most 200 ms: capture latency stays bounded
    this.child = spawn('parec', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.ring.push(this.asm.push(chunk));
      this.dataAt = this.now();
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => this.clock.push(chunk));
    this.child.on('error', () => this.close());
    this.child.on('exit', () => {
      this.closed = true;
    });
  }

  /**
   * How old the newest sample we hold is: the server's figure for our stream (source + what it holds
   * for us; before its first report, what was asked) when it reached us, plus the time since. parec
   * delivers whole fragments (20 ms), so a read lands 0-20 ms after the last one arrived: measured
   * (bench `media mic`), leaving that out made captureDelayMs 7 ms short at p50.
   */
  get latencyMs(): number {
    return (this.clock.latencyMs ?? this.requestedMs) + (this.dataAt === null ? 0 : this.now() - this.dataAt);
  }

  read(samples: number): Int16Array | null {
    return this.ring.read(samples);
  }

  available(): number {
    return this.ring.length;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.kill('SIGKILL');
  }
}

export class PulseCliAudio implements AudioDevicePort {
  readonly backend = 'pulse' as const;
  private list: DeviceList = { outputs: [], inputs: [], error: 'not enumerated yet' };
  private readonly env: NodeJS.ProcessEnv;
  private readonly latencyMs: number;
  /** pactl in the C locale: what we read of it ("Name:", "Default Sink:", "'new' on sink") is untranslated; values stay UTF-8. */
  private readonly pactlEnv: NodeJS.ProcessEnv;
  private readonly open = new Set<AudioOutputStream | AudioInputStream>();

  constructor(private readonly opts: PulseCliOptions = {}) {
    this.env = { ...process.env };
    if (opts.server) this.env.PULSE_SERVER = opts.server;
    this.pactlEnv = { ...this.env, LC_ALL: 'C' };
    delete this.pactlEnv.LANGUAGE;
    this.latencyMs = opts.latencyMs ?? 20;
  }

  devices(): DeviceList {
    return this.list;
  }

  private async pactl(args: string[]): Promise<string> {
    const { stdout } = await run('pactl', args, { env: this.pactlEnv, timeout: 5000, maxBuffer: 8 * 1024 * 1024 });
    return stdout;
  }

  /** The text list, not `--format=json`: pactl 16's JSON prints a non-ASCII description as "(null)" (pactl-list.ts). */
  private async listKind(kind: 'sinks' | 'sources'): Promise<PactlDevice[]> {
    return parsePactlList(await this.pactl(['list', kind]));
  }

  async refresh(): Promise<DeviceList> {
    try {
      const [sinks, sources, info] = await Promise.all([this.listKind('sinks'), this.listKind('sources'), this.pactl(['info'])]);
      const defSink = /^Default Sink: (.*)$/m.exec(info)?.[1]?.trim() ?? null;
      const defSource = /^Default Source: (.*)$/m.exec(info)?.[1]?.trim() ?? null;
      const isMonitor = (d: PactlDevice) =>
        d.name.endsWith('.monitor') || (d.monitorOfSink !== undefined && d.monitorOfSink !== 'n/a') || d.properties['device.class'] === 'monitor';
      const outputs: AudioDevice[] = sinks.map((d) => ({ id: d.name, name: d.description ?? d.name, kind: 'output', isDefault: d.name === defSink }));
      const inputs: AudioDevice[] = sources
        .filter((d) => this.opts.includeMonitors || !isMonitor(d))
        .map((d) => ({ id: d.name, name: d.description ?? d.name, kind: 'input', isDefault: d.name === defSource }));
      this.list = { outputs, inputs, error: null };
    } catch (e) {
      this.list = { outputs: [], inputs: [], error: `PulseAudio: ${(e as Error).message.split('\n')[0]}` };
    }
    return this.list;
  }

  private native(deviceId: string | null, options: StreamOptions, name: string): NativeStreamOptions {
    return { server: this.env.PULSE_SERVER, env: this.env, deviceId, rate: options.rate, name: options.name ?? name, latencyMs: options.latencyMs ?? this.latencyMs };
  }

  openOutput(deviceId: string | null, options: StreamOptions): AudioOutputStream {
    if (this.opts.streams !== 'pacat') {
      const s: AudioOutputStream = new NativeOutput(this.native(deviceId, options, 'playback'), () => this.open.delete(s));
      this.open.add(s);
      return s;
    }
    const s: AudioOutputStream = new PacatOutput(deviceId, options.rate, this.env, options.latencyMs ?? this.latencyMs, options.name ?? 'playback', () =>
      this.open.delete(s),
    );
    this.open.add(s);
    return s;
  }

  openInput(deviceId: string | null, options: StreamOptions): AudioInputStream {
    const s =
      this.opts.streams !== 'pacat'
        ? new NativeInput(this.native(deviceId, options, 'capture'), this.opts.now)
        : new ParecInput(deviceId, options.rate, this.env, options.latencyMs ?? this.latencyMs, options.name ?? 'capture', this.opts.now);
    this.open.add(s);
    return s;
  }

  /**
   * `pactl subscribe`: one idle process that prints a line per server event; sinks and sources that
   * come and go (and a new default) are reported, debounced by 150 ms (one plug makes several events).
   * It is restarted if it dies (the server restarted), at most once per 5 s.
   */
  watch(onChange: () => void): () => void {
    let stopped = false;
    let child: ChildProcess | null = null;
    let debounce: NodeJS.Timeout | null = null;
    let lastStart = 0;
    const fire = () => {
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => {
        debounce = null;
        if (!stopped) onChange();
      }, 150);
    };
    const start = () => {
      lastStart = Date.now();
      child = spawn('pactl', ['subscribe'], { env: this.pactlEnv, stdio: ['ignore', 'pipe', 'ignore'] });
      // it waits in the kernel for the server's events: it must not keep the app alive
      child.unref();
      (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
      let tail = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        const lines = (tail + chunk.toString('utf8')).split('\n');
        tail = lines.pop() ?? '';
        if (lines.some((l) => /'(new|remove)' on (sink|source) #|'change' on server/.test(l))) fire();
      });
      child.on('error', () => undefined);
      child.on('exit', () => {
        child = null;
        if (stopped) return;
        const t = setTimeout(start, Math.max(0, 5000 - (Date.now() - lastStart)));
        t.unref();
      });
    };
    start();
    return () => {
      stopped = true;
      if (debounce) clearTimeout(debounce);
      child?.kill();
    };
  }

  close(): void {
    for (const s of this.open) s.close();
    this.open.clear();
  }
}
