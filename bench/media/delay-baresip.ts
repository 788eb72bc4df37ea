// baresip 1.0 as the delay benchmark's reference: the same click stream is sent to it as to the app, and
// its player writes to the same private PulseAudio's `headset` sink (ALSA's pulse plugin, PULSE_SINK).
// No registrar is needed: the account does not register (regint=0) and the call is a bare INVITE over
// UDP from this process straight to baresip's SIP port, answered by its auto-answer. baresip runs with
// its own defaults for the jitter buffer and the player's buffer (what a user of it gets).
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baresipCoreConfig } from '../../test/lab/lib/baresip.js';
import { allocPortBlock, spawnTracked, type Tracked } from '../../test/lab/lib/procs.js';
import { encodeWav } from '../../main/media/audio/wav.js';
import type { PrivatePulse } from '../../test/support/private-pulse.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BaresipCall {
  /** baresip's RTP port from its SDP answer. */
  rtpPort: number;
  hangup(): Promise<void>;
}

export interface DelayBaresip {
  call(rtpPort: number): Promise<BaresipCall>;
  stop(): Promise<void>;
}

/** `mic`: baresip's microphone is the private server's `mic` source (ALSA's pulse plugin, PULSE_SOURCE), not a file of silence. */
export async function startDelayBaresip(pulse: PrivatePulse, opts: { mic?: boolean } = {}): Promise<DelayBaresip> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-delay-baresip-'));
  const port = await allocPortBlock();
  const silence = path.join(dir, 'silence.wav');
  fs.writeFileSync(silence, encodeWav(new Int16Array(8000 * 120), 8000)); // its microphone: 2 min of silence (it hangs up when the file ends)
  const config = baresipCoreConfig({ port, audioFile: silence, device: 'alsa,pulse', maxCalls: 4, audioModules: ['alsa.so'], extra: [] });
  fs.writeFileSync(path.join(dir, 'config'), opts.mic ? config.replace(/^audio_source .*$/m, 'audio_source alsa,pulse') : config);
  fs.writeFileSync(path.join(dir, 'accounts'), `<sip:delay@127.0.0.1:${port}>;regint=0;answermode=auto\n`);
  const proc: Tracked = spawnTracked('baresip', ['-f', dir], {
    cwd: dir,
    env: { ...process.env, ...pulse.env, HOME: dir, PULSE_SINK: 'headset', PULSE_SOURCE: 'mic' },
    logFile: path.join(dir, 'baresip.log'),
  });
  await sleep(800); // it opens its SIP socket at start-up
  return {
    call: (rtpPort) => invite(port, rtpPort, () => fs.readFileSync(path.join(dir, 'baresip.log'), 'utf8').slice(-800)),
    stop: async () => {
      await proc.stop(3000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function sdpOffer(rtpPort: number): string {
  return ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${rtpPort} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=ptime:20', 'a=sendrecv', ''].join(
    '\r\n',
  );
}

/** INVITE -> 200 -> ACK straight to baresip; BYE on hangup. Loopback: no retransmission needed. */
async function invite(sipPort: number, rtpPort: number, log: () => string): Promise<BaresipCall> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const me = sock.address().port;
  const callId = `delay-${Date.now()}@127.0.0.1`;
  const from = `<sip:bench@127.0.0.1:${me}>;tag=b${me}`;
  const target = `sip:delay@127.0.0.1:${sipPort}`;
  const send = (msg: string) => sock.send(msg, sipPort, '127.0.0.1');
  const request = (method: string, uri: string, cseq: number, to: string, body = '') =>
    [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK${method}${cseq}${Date.now()};rport`,
      'Max-Forwards: 70',
      `From: ${from}`,
      `To: ${to}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:bench@127.0.0.1:${me}>`,
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
  const answered = new Promise<{ to: string; contact: string; rtpPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baresip did not answer the INVITE; its log ends:\n${log()}`)), 8000);
    sock.on('message', (m) => {
      const text = m.toString();
      const status = Number(/^SIP\/2\.0 (\d+)/.exec(text)?.[1] ?? 0);
      if (!/CSeq: 1 INVITE/i.test(text) || status < 200) return;
      clearTimeout(timer);
      if (status >= 300) return reject(new Error(`baresip answered ${status}`));
      const to = /^To: (.*)$/im.exec(text)?.[1]?.trim() ?? '';
      const contact = /^(?:Contact|m): .*<([^>]+)>/im.exec(text)?.[1] ?? target;
      resolve({ to, contact, rtpPort: Number(/m=audio (\d+)/.exec(text)?.[1] ?? 0) });
    });
  });
  send(request('INVITE', target, 1, `<${target}>`, sdpOffer(rtpPort)));
  const ok = await answered;
  send(request('ACK', ok.contact, 1, ok.to));
  return {
    rtpPort: ok.rtpPort,
    hangup: async () => {
      send(request('BYE', ok.contact, 2, ok.to));
      await sleep(300);
      sock.close();
    },
  };
}
