// linphone-daemon as a SIP peer: needed where baresip 1.0.0 falls short (attended transfer:
// it honours INVITE with Replaces). Text protocol over the unix socket /tmp/<pipe>.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { LAB_PASSWORD, SIP_HOST, SIP_PORT, ensureLab, labPaths } from './paths.js';
import { allocPortBlock, spawnTracked, waitUntil, type Tracked } from './procs.js';
import { labUri } from './baresip.js';
import { pruneStaleContacts, registrations } from './kamailio.js';

export interface LinphoneOptions {
  user: string;
  password?: string;
  autoAnswer?: boolean;
  registerTimeoutMs?: number;
}

export interface LinphoneResponse {
  ok: boolean;
  /** "Reason:" of an error response */
  reason?: string;
  /** Key: Value lines of the body (last one wins for repeated keys) */
  fields: Record<string, string>;
  raw: string;
}

export interface LinphoneCallStatus {
  id?: number;
  /** e.g. LinphoneCallIncomingReceived, LinphoneCallOutgoingRinging, LinphoneCallStreamsRunning, LinphoneCallPaused */
  state: string;
  from?: string;
  direction?: string;
  duration?: number;
  fields: Record<string, string>;
}

export interface LinphonePeer {
  user: string;
  uri: string;
  port: number;
  /** Socket name relative to /tmp (linphone-daemon --pipe) */
  pipe: string;
  dir: string;
  pid: number;
  /** Send one command line; responses are serialised (the daemon takes one client at a time). */
  command(text: string): Promise<LinphoneResponse>;
  /** State of the first account, e.g. LinphoneRegistrationOk */
  registerStatus(): Promise<string>;
  /** Status of callId, or of the current call; undefined when there is no call. */
  callStatus(callId?: number): Promise<LinphoneCallStatus | undefined>;
  /** Dial a user or URI; resolves with the daemon's call id. */
  call(target: string): Promise<number>;
  answer(callId?: number): Promise<void>;
  terminate(callId?: number): Promise<void>;
  pause(callId?: number): Promise<void>;
  resume(callId?: number): Promise<void>;
  /** Blind transfer (REFER) of callId to a user or URI. */
  transfer(callId: number, target: string): Promise<void>;
  /** Attended transfer: REFER callId with Replaces of toCallId. */
  transferAttended(callId: number, toCallId: number): Promise<void>;
  /** Poll call-status until its state contains `state` (e.g. "StreamsRunning"). */
  waitForCallState(state: string, opts?: { timeoutMs?: number; callId?: number }): Promise<LinphoneCallStatus>;
  stop(): Promise<void>;
}

export function parseLinphoneResponse(raw: string): LinphoneResponse {
  const fields: Record<string, string> = {};
  let ok = false;
  let reason: string | undefined;
  for (const line of raw.split('\n')) {
    const m = /^([A-Za-z][A-Za-z -]*):\s?(.*)$/.exec(line);
    if (!m?.[1]) continue;
    const key = m[1];
    const value = m[2] ?? '';
    if (key === 'Status') ok = value.trim() === 'Ok';
    else if (key === 'Reason') reason = value.trim();
    else fields[key] = value.trim();
  }
  return { ok, reason, fields, raw };
}

function linphonerc(o: { user: string; password: string; port: number; rtpPort: number }): string {
  return `[sip]
sip_port=${o.port}
sip_tcp_port=0
sip_tls_port=0
default_proxy=0
register_only_when_network_is_up=0
guess_hostname=1
inc_timeout=120

[net]
ipv6=0

[rtp]
audio_rtp_port=${o.rtpPort}
video_rtp_port=${o.rtpPort + 2}

[video]
capture=0
display=0
automatically_initiate=0
automatically_accept=0

[proxy_0]
reg_proxy=<sip:${SIP_HOST}:${SIP_PORT};transport=udp>
reg_identity=sip:${o.user}@${SIP_HOST}
reg_expires=600
reg_sendregister=1
publish=0

[auth_info_0]
username=${o.user}
userid=${o.user}
passwd=${o.password}
realm=${SIP_HOST}
domain=${SIP_HOST}
`;
}

class DaemonClient {
  private sock: net.Socket | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private socketPath: string) {}

  private async connect(): Promise<net.Socket> {
    if (this.sock && !this.sock.destroyed) return this.sock;
    const s = await new Promise<net.Socket>((resolve, reject) => {
      const c = net.connect(this.socketPath);
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
    s.on('error', () => undefined);
    this.sock = s;
    return s;
  }

  /**
   * The protocol has no end marker (bodies contain blank lines): a response is complete when a
   * "Status:" block has arrived and nothing more comes for quietMs.
   */
  send(text: string, timeoutMs = 5000, quietMs = 80): Promise<LinphoneResponse> {
    const run = async (): Promise<LinphoneResponse> => {
      const s = await this.connect();
      return new Promise<LinphoneResponse>((resolve, reject) => {
        let buf = '';
        let quiet: NodeJS.Timeout | undefined;
        const finish = (): void => {
          clearTimeout(overall);
          clearTimeout(quiet);
          s.off('data', onData);
          s.off('close', onClose);
        };
        const onData = (d: Buffer): void => {
          buf += d.toString('utf8');
          if (!buf.includes('Status:')) return;
          clearTimeout(quiet);
          quiet = setTimeout(() => {
            finish();
            resolve(parseLinphoneResponse(buf.slice(buf.indexOf('Status:'))));
          }, quietMs);
        };
        const onClose = (): void => {
          finish();
          reject(new Error(`linphone-daemon closed the socket during "${text}"`));
        };
        const overall = setTimeout(() => {
          finish();
          reject(new Error(`linphone-daemon: no response to "${text}" within ${timeoutMs} ms`));
        }, timeoutMs);
        s.on('data', onData);
        s.once('close', onClose);
        s.write(`${text}\n`);
      });
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  close(): void {
    this.sock?.destroy();
  }
}

export async function startLinphone(opts: LinphoneOptions): Promise<LinphonePeer> {
  await ensureLab();
  await pruneStaleContacts(opts.user);
  const paths = labPaths();
  const port = await allocPortBlock();
  const dir = path.join(paths.peersDir, `linphone-${opts.user}-${port}`);
  fs.rmSync(dir, { recursive: true, force: true });
  // Own HOME per instance: a shared ~/.local/share/linphone/linphone.db makes the second daemon
  // never open its SIP port; the directory must exist or the db cannot be created.
  fs.mkdirSync(path.join(dir, '.local', 'share', 'linphone'), { recursive: true });
  const rc = path.join(dir, 'linphonerc');
  // RTP in 40000-49999 so it never takes a SIP port of another peer (20000-29999).
  const rtpPort = 40000 + (port - 20000);
  fs.writeFileSync(rc, linphonerc({ user: opts.user, password: opts.password ?? LAB_PASSWORD, port, rtpPort }));
  const pipe = `dispatch-lab-linphone-${port}`;
  const socketPath = path.join('/tmp', pipe);
  fs.rmSync(socketPath, { force: true });

  const args = ['--config', rc, '--pipe', pipe, '--log', path.join(dir, 'linphone.log')];
  if (opts.autoAnswer) args.push('--auto-answer');
  const proc: Tracked = spawnTracked('linphone-daemon', args, {
    cwd: dir,
    env: { ...process.env, HOME: dir, PULSE_SERVER: paths.pulseServer },
    logFile: path.join(dir, 'stdout.log'),
    pidFile: path.join(dir, 'pid'),
  });

  const client = new DaemonClient(socketPath);
  const registerStatus = async (): Promise<string> => {
    const r = await client.send('register-status ALL');
    return r.fields.State ?? (r.reason ? `error: ${r.reason}` : 'unknown');
  };

  try {
    await waitUntil(() => proc.child.exitCode === null && fs.existsSync(socketPath), {
      timeoutMs: 10_000,
      what: `linphone-daemon socket ${socketPath}`,
    });
    await waitUntil(async () => (await registerStatus()) === 'LinphoneRegistrationOk', {
      timeoutMs: opts.registerTimeoutMs ?? 10_000,
      intervalMs: 200,
      what: `linphone ${opts.user} to register`,
    });
  } catch (e) {
    client.close();
    await proc.stop();
    throw e;
  }

  const simple = async (cmd: string, callId?: number): Promise<void> => {
    const r = await client.send(callId === undefined ? cmd : `${cmd} ${callId}`);
    if (!r.ok) throw new Error(`linphone ${cmd} failed: ${r.reason ?? r.raw}`);
  };

  const callStatus = async (callId?: number): Promise<LinphoneCallStatus | undefined> => {
    const r = await client.send(callId === undefined ? 'call-status' : `call-status ${callId}`);
    if (!r.ok) return undefined;
    const f = r.fields;
    return {
      id: f.Id !== undefined ? Number(f.Id) : callId,
      state: f.State ?? 'unknown',
      from: f.From,
      direction: f.Direction,
      duration: f.Duration !== undefined ? Number(f.Duration) : undefined,
      fields: f,
    };
  };

  return {
    user: opts.user,
    uri: `sip:${opts.user}@${SIP_HOST}`,
    port,
    pipe,
    dir,
    pid: proc.pid,
    command: (text) => client.send(text),
    registerStatus,
    callStatus,
    call: async (target) => {
      const r = await client.send(`call ${labUri(target)}`);
      if (!r.ok || r.fields.Id === undefined) throw new Error(`linphone call failed: ${r.reason ?? r.raw}`);
      return Number(r.fields.Id);
    },
    answer: (callId) => simple('answer', callId),
    terminate: (callId) => simple('terminate', callId),
    pause: (callId) => simple('call-pause', callId),
    resume: (callId) => simple('call-resume', callId),
    transfer: async (callId, target) => {
      const r = await client.send(`call-transfer ${callId} ${labUri(target)}`);
      if (!r.ok) throw new Error(`linphone call-transfer failed: ${r.reason ?? r.raw}`);
    },
    transferAttended: async (callId, toCallId) => {
      const r = await client.send(`call-transfer ${callId} ${toCallId}`);
      if (!r.ok) throw new Error(`linphone call-transfer failed: ${r.reason ?? r.raw}`);
    },
    waitForCallState: (state, { timeoutMs = 10_000, callId } = {}) =>
      waitUntil(
        async () => {
          const st = await callStatus(callId);
          return st && st.state.includes(state) ? st : undefined;
        },
        { timeoutMs, intervalMs: 150, what: `linphone ${opts.user} call state ${state}` },
      ),
    stop: async () => {
      // Un-REGISTER first: a killed daemon leaves its contact in Kamailio until it expires.
      // "unregister" answers before its REGISTER (Expires: 0) is out: wait until Kamailio saw it.
      const unregistered = await client.send('unregister ALL', 2000).then(
        (r) => r.ok,
        () => false,
      );
      if (unregistered) {
        await waitUntil(
          async () => {
            const regs = await registrations(opts.user).catch(() => []);
            return !regs.some((r) => r.contacts.some((c) => c.address.includes(`:${port}`)));
          },
          { timeoutMs: 2000, intervalMs: 50, what: 'un-REGISTER' },
        ).catch(() => undefined);
      }
      client.close();
      await proc.stop(3000);
      fs.rmSync(socketPath, { force: true });
    },
  };
}
