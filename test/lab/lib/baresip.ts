// baresip 1.0.0 as a scripted SIP peer, driven over its ctrl_tcp module (JSON in netstrings).
import fs from 'node:fs';
import path from 'node:path';
import { LAB_PASSWORD, SIP_HOST, SIP_PORT, ensureLab, labPaths } from './paths.js';
import { allocPortBlock, sleep, spawnTracked, waitUntil, type Tracked } from './procs.js';
import { pruneStaleContacts } from './kamailio.js';
import { CtrlTcp, parseListCalls, stripAnsi, type BaresipEvent, type BaresipEventType, type CallInfo, type CommandResult } from './baresip-ctrl.js';

export interface WaitOptions {
  timeoutMs?: number;
  predicate?: (e: BaresipEvent) => boolean;
  /** Only events that arrive after this call (default false: also unconsumed earlier ones). */
  fresh?: boolean;
}

export interface Recording {
  /** Timestamp part of the file name, YYYY-MM-DD-hh-mm-ss (one pair per call, per second). */
  stamp: string;
  /** What this peer received (decoded). */
  dec: string;
  /** What this peer sent (before encoding). */
  enc: string;
}

export interface BaresipOptions {
  user: string;
  /** Default: "secret" (any user authenticates with it in the lab). */
  password?: string;
  /** answermode=auto (default false: calls ring until accept()). */
  autoAnswer?: boolean;
  /** WAV played into calls; default .lab/audio/tone440.wav. baresip hangs up when it ends. */
  audioFile?: string;
  displayName?: string;
  /** Transport towards Kamailio; default udp. */
  transport?: 'udp' | 'tcp';
  /** 'pulse' plays received audio into the Pulse null sink spk (default); 'null' discards it (burns CPU). */
  player?: 'pulse' | 'null';
  /**
   * Play ringback while an outgoing call rings (default true). Stopping it drains the player through
   * PulseAudio, which holds CALL_ESTABLISHED back by ~2 s: signalling tests turn it off.
   */
  ringback?: boolean;
  /** ms to wait for REGISTER 200; default 10000. */
  registerTimeoutMs?: number;
  /** Skip registering (no account registrar); the peer can still dial via the outbound proxy. */
  noRegister?: boolean;
  /**
   * Presence through Kamailio's presence server: publish this peer's state (PUBLISH every 10 s, so a
   * publication left behind expires soon; toggled with presenceOnline/presenceOffline commands) and
   * SUBSCRIBE to these users.
   */
  presence?: { publish?: boolean; watch?: string[] };
}

export interface BaresipPeer {
  user: string;
  /** Address of record, sip:USER@127.0.0.1 */
  uri: string;
  /** SIP listen port (udp+tcp); ctrl_tcp is port+5 */
  port: number;
  dir: string;
  pid: number;
  /** All events received so far, oldest first. */
  events: BaresipEvent[];
  /** Raw ctrl_tcp command; params as baresip's menu takes them. */
  command(name: string, params?: string): Promise<CommandResult>;
  /** Dial a user ("9002") or a URI. */
  dial(target: string): Promise<void>;
  accept(callId?: string): Promise<void>;
  hangup(callId?: string): Promise<void>;
  hold(callId?: string): Promise<void>;
  resume(callId?: string): Promise<void>;
  /** Blind transfer (REFER) of the current call or callId to a user or URI. */
  transfer(target: string, callId?: string): Promise<void>;
  sendDtmf(digits: string, callId?: string): Promise<void>;
  listCalls(): Promise<CallInfo[]>;
  /** Registration state as baresip reports it ("OK" when registered). */
  regInfo(): Promise<string>;
  /** Presence of watched contacts as baresip shows it: { "sip:9091@127.0.0.1": "Online" | "Offline" | "Unknown" ... } */
  contactPresence(): Promise<Record<string, string>>;
  /**
   * Resolve with the first matching event that no earlier waitFor returned (so sequential waits
   * for the same type see successive events), or reject after timeoutMs (default 10000).
   */
  waitFor(type: BaresipEventType, opts?: WaitOptions): Promise<BaresipEvent>;
  /** Recordings of this peer's calls (sndfile module), oldest first. */
  recordings(): Recording[];
  /** Wait until the newest recording is closed (WAV header written) and return it. */
  waitForRecording(opts?: { timeoutMs?: number; after?: number }): Promise<Recording>;
  stop(): Promise<void>;
}

/** Normalise "9002" / "9002@host" / "sip:..." to a SIP URI in the lab domain. */
export function labUri(target: string): string {
  if (/^sips?:/.test(target)) return target;
  if (target.includes('@')) return `sip:${target}`;
  return `sip:${target}@${SIP_HOST}`;
}

/**
 * What every baresip here is configured with (the lab's peers and bench/sip's): SIP over UDP on loopback,
 * G.711, the WAV file as the audio source, `device` as player and alert, menu for commands and auto-answer.
 * `extra` lines come last.
 */
export function baresipCoreConfig(o: {
  port: number;
  audioFile: string;
  device: string;
  maxCalls: number;
  audioModules: string[];
  extra: string[];
}): string {
  return [
    'poll_method epoll',
    `sip_listen ${SIP_HOST}:${o.port}`,
    // Without this baresip puts eth0's address into SDP and RTP leaves loopback.
    `net_interface ${SIP_HOST}`,
    'sip_trans_def udp',
    `call_max_calls ${o.maxCalls}`,
    `audio_source aufile,${o.audioFile}`,
    `audio_player ${o.device}`,
    `audio_alert ${o.device}`,
    'audio_level no',
    'rtp_ports 30000-39999',
    'rtp_timeout 0',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module aufile.so',
    ...o.audioModules.map((m) => `module ${m}`),
    // menu provides the commands (dial, accept, hangup, hold, transfer, listcalls...) and auto-answer.
    'module menu.so',
    'module_app account.so',
    ...o.extra,
    '',
  ].join('\n');
}

function baresipConfig(o: {
  port: number;
  audioFile: string;
  player: 'pulse' | 'null';
  dir: string;
  presence: boolean;
  ringback: boolean;
}): string {
  return baresipCoreConfig({
    port: o.port,
    audioFile: o.audioFile,
    device: o.player === 'pulse' ? 'alsa,pulse' : 'alsa,null',
    maxCalls: 16,
    audioModules: ['alsa.so', 'sndfile.so'],
    extra: [
      ...(o.ringback ? [] : ['ringback_disabled yes']),
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${o.port + 5}`,
      `snd_path ${o.dir}`,
      ...(o.presence ? ['module_app contact.so', 'module_app presence.so'] : []),
    ],
  });
}

function accountLine(o: BaresipOptions): string {
  const pass = o.password ?? LAB_PASSWORD;
  const name = o.displayName ? `"${o.displayName.replace(/"/g, '')}" ` : '';
  const params = [`auth_pass=${pass}`, `answermode=${o.autoAnswer ? 'auto' : 'manual'}`];
  if (o.transport === 'tcp') params.push(`outbound="sip:${SIP_HOST}:${SIP_PORT};transport=tcp"`);
  if (o.noRegister) params.push('regint=0');
  if (o.presence?.publish) params.push('pubint=10');
  const uriParams = o.transport === 'tcp' ? ';transport=tcp' : '';
  return `${name}<sip:${o.user}@${SIP_HOST}${uriParams}>;${params.join(';')}\n`;
}

const RECORDING = /^dump-(.+)-(enc|dec)\.wav$/;

function listRecordings(dir: string): Recording[] {
  const stamps = new Set<string>();
  for (const f of fs.readdirSync(dir)) {
    const m = RECORDING.exec(f);
    if (m?.[1]) stamps.add(m[1]);
  }
  return [...stamps].sort().map((stamp) => ({
    stamp,
    dec: path.join(dir, `dump-${stamp}-dec.wav`),
    enc: path.join(dir, `dump-${stamp}-enc.wav`),
  }));
}

/** A WAV whose RIFF size field was filled in on close (sndfile writes 0/garbage until then). */
function wavClosed(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (st.size <= 44) return false;
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(8);
    fs.readSync(fd, head, 0, 8, 0);
    fs.closeSync(fd);
    return head.toString('ascii', 0, 4) === 'RIFF' && head.readUInt32LE(4) === st.size - 8;
  } catch {
    return false;
  }
}

export async function startBaresip(opts: BaresipOptions): Promise<BaresipPeer> {
  await ensureLab();
  await pruneStaleContacts(opts.user);
  const paths = labPaths();
  const port = await allocPortBlock();
  const dir = path.join(paths.peersDir, `${opts.user}-${port}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const audioFile = opts.audioFile ?? paths.audio.tone440;
  const presence = opts.presence !== undefined;
  fs.writeFileSync(path.join(dir, 'config'), baresipConfig({ port, audioFile, player: opts.player ?? 'pulse', dir, presence, ringback: opts.ringback ?? true }));
  fs.writeFileSync(path.join(dir, 'accounts'), accountLine(opts));
  // ;presence=p2p makes baresip SUBSCRIBE to the contact (the request goes to Kamailio's presence server).
  const watch = opts.presence?.watch ?? [];
  fs.writeFileSync(path.join(dir, 'contacts'), watch.map((u) => `<${labUri(u)}>;presence=p2p\n`).join(''));

  const proc: Tracked = spawnTracked('baresip', ['-f', dir], {
    cwd: dir,
    env: { ...process.env, PULSE_SERVER: paths.pulseServer, HOME: dir },
    logFile: path.join(dir, 'baresip.log'),
    pidFile: path.join(dir, 'pid'),
  });

  const events: BaresipEvent[] = [];
  const consumed = new WeakSet<BaresipEvent>();
  const waiters = new Set<(e: BaresipEvent) => void>();
  const onEvent = (e: BaresipEvent): void => {
    events.push(e);
    for (const w of [...waiters]) w(e);
  };

  let ctrl: CtrlTcp;
  try {
    ctrl = await Promise.race([
      CtrlTcp.connect(port + 5, onEvent, 10_000),
      proc.exited.then((code) => {
        throw new Error(`baresip exited early (${code}); see ${path.join(dir, 'baresip.log')}`);
      }),
    ]);
  } catch (e) {
    await proc.stop();
    throw e;
  }

  const regInfo = async (): Promise<string> => {
    const r = await ctrl.send('reginfo');
    const text = stripAnsi(r.data);
    // The user may be a number with a '+' (a regex quantifier): match it literally.
    const user = opts.user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`sip:${user}@\\S+\\s+(\\S+)`).exec(text);
    return m?.[1] ?? 'unknown';
  };

  if (!opts.noRegister) {
    try {
      await waitUntil(async () => (await regInfo()) === 'OK', {
        timeoutMs: opts.registerTimeoutMs ?? 10_000,
        what: `baresip ${opts.user} to register`,
      });
    } catch (e) {
      ctrl.close();
      await proc.stop();
      throw e;
    }
  }

  // Commands that act on "the current call": pick the call by Call-ID first.
  const onCall = async (command: string, params: string | undefined, callId: string | undefined): Promise<void> => {
    const steps: Array<[string, string | undefined]> = callId ? [['callfind', callId], [command, params]] : [[command, params]];
    const results = await ctrl.sequence(steps);
    const failed = results.find((r) => !r.ok);
    if (failed) throw new Error(`baresip ${command} failed: ${failed.data}`);
  };

  const peer: BaresipPeer = {
    user: opts.user,
    uri: `sip:${opts.user}@${SIP_HOST}`,
    port,
    dir,
    pid: proc.pid,
    events,
    command: (name, params) => ctrl.send(name, params),
    dial: (target) => onCall('dial', labUri(target), undefined),
    accept: (callId) => onCall('accept', undefined, callId),
    hangup: (callId) => onCall('hangup', undefined, callId),
    hold: (callId) => onCall('hold', undefined, callId),
    resume: (callId) => onCall('resume', undefined, callId),
    transfer: (target, callId) => onCall('transfer', labUri(target), callId),
    sendDtmf: async (digits, callId) => {
      for (const d of digits) {
        await onCall('sndcode', d, callId);
        await sleep(150);
      }
    },
    listCalls: async () => parseListCalls((await ctrl.send('listcalls')).data),
    regInfo,
    contactPresence: async () => {
      const r = await ctrl.send('contacts');
      const out: Record<string, string> = {};
      for (const raw of r.data.split('\n')) {
        const m = /^>?\s*(\S+)\s+<([^>]+)>/.exec(stripAnsi(raw));
        if (m?.[1] && m[2]) out[m[2]] = m[1];
      }
      return out;
    },
    waitFor: (type, { timeoutMs = 10_000, predicate, fresh = false } = {}) => {
      const matches = (e: BaresipEvent): boolean => e.type === type && !consumed.has(e) && (!predicate || predicate(e));
      if (!fresh) {
        const old = events.find(matches);
        if (old) {
          consumed.add(old);
          return Promise.resolve(old);
        }
      }
      return new Promise<BaresipEvent>((resolve, reject) => {
        const waiter = (e: BaresipEvent): void => {
          if (!matches(e)) return;
          consumed.add(e);
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(e);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = events.map((e) => e.type).filter((t) => t !== 'CALL_RTCP').join(', ');
          reject(new Error(`baresip ${opts.user}:${port}: no ${type} within ${timeoutMs} ms (seen: ${seen})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    recordings: () => listRecordings(dir),
    waitForRecording: ({ timeoutMs = 10_000, after = 0 } = {}) =>
      waitUntil(
        () => {
          const recs = listRecordings(dir).filter((r) => (fs.statSync(r.dec, { throwIfNoEntry: false })?.mtimeMs ?? 0) >= after);
          const last = recs[recs.length - 1];
          return last && wavClosed(last.dec) && wavClosed(last.enc) ? last : undefined;
        },
        { timeoutMs, what: `a closed recording in ${dir}` },
      ),
    stop: async () => {
      ctrl.close();
      // SIGTERM lets baresip un-REGISTER, so no stale contact stays in Kamailio's location table.
      await proc.stop(3000);
    },
  };
  return peer;
}
