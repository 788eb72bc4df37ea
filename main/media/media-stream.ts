// One call's RTP/RTCP stream, living in the media worker: UDP sockets (RTP on an even port, RTCP on
// the next), G.711 packetisation, RFC 4733 DTMF, jitter buffer, reception statistics, symmetric RTP.
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { decodeG711, encodeG711 } from './g711.js';
import { JitterBuffer } from './jitter-buffer.js';
import { decodeRtcp, encodeBye, encodeReceiverReport, encodeSdes, encodeSenderReport, ntpNow, ReceptionStats, type ReportBlock } from './rtcp.js';
import { decodeRtp, RtpSender, type RtpPacket } from './rtp.js';
import { SourceLatch, type LatchEvent } from './source-latch.js';
import { DtmfReceiver, DtmfSender } from './telephone-event.js';
import { STAT, type StreamConfig } from './worker-protocol.js';

export const FRAME_SAMPLES = 160; // 20 ms at 8 kHz
const RTCP_INTERVAL_MS = 5000;
/** The first report goes out after half an interval (RFC 3550 6.2: the initial interval is halved). */
const RTCP_FIRST_MS = 2500;
/** Recent loss: counted over this many one-second samples. */
const LOSS_WINDOW = 5;

export interface MediaStreamEvents {
  dtmf(digit: string): void;
  error(message: string): void;
  /** Something worth a log line (not an error): a source latched, a stray source ignored. */
  log(message: string): void;
}

/** Consecutive packets a new source must send before RTP follows it (200 ms of audio). */
const LATCH_RUN = 10;

interface Arrival {
  p: RtpPacket;
  arrival: number;
}

function bindUdp(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      socket.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    socket.bind({ port, address, exclusive: true });
  });
}

export interface RtpPair {
  rtp: dgram.Socket;
  rtcp: dgram.Socket;
  port: number;
}

/**
 * dgram resolves the destination of every send through its lookup, by default dns.lookup, which answers
 * an address literal on the next tick: per packet (50 a second per call) an isIP test, a nextTick and a
 * turn of the tick and microtask queues before the datagram leaves. RTP and RTCP go to the addresses the
 * SDP and the latch give, literals: answered at once, the last one remembered. A name (legal in SDP,
 * rare) still goes to dns.lookup.
 */
function rtpLookup(): dgram.SocketOptions['lookup'] {
  let last = '';
  let lastFamily = 0;
  return ((hostname: string, options: dns.LookupOneOptions | number, callback: (e: Error | null, address: string, family: number) => void) => {
    if (hostname !== last) {
      const family = net.isIP(hostname);
      if (family === 0) return dns.lookup(hostname, options as dns.LookupOneOptions, (e, a, f) => callback(e, a, f));
      last = hostname;
      lastFamily = family;
    }
    callback(null, last, lastFamily);
  }) as dgram.SocketOptions['lookup'];
}

/** Bind RTP to a free even port in [min, max] and RTCP to the port after it. */
export async function bindRtpPair(address: string, min: number, max: number): Promise<RtpPair> {
  const type = address.includes(':') ? 'udp6' : 'udp4';
  const first = min % 2 === 0 ? min : min + 1;
  const count = Math.floor((max - 1 - first) / 2) + 1;
  if (count <= 0) throw new Error(`RTP port range ${min}-${max} has no even port with room for RTCP`);
  const offset = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) {
    const port = first + ((offset + i) % count) * 2;
    const rtp = dgram.createSocket({ type, reuseAddr: false, lookup: rtpLookup() });
    try {
      await bindUdp(rtp, port, address);
    } catch {
      rtp.close();
      continue;
    }
    const rtcp = dgram.createSocket({ type, reuseAddr: false, lookup: rtpLookup() });
    try {
      await bindUdp(rtcp, port + 1, address);
    } catch {
      rtcp.close();
      rtp.close();
      continue;
    }
    return { rtp, rtcp, port };
  }
  throw new Error(`no free RTP port pair in ${min}-${max} on ${address}`);
}

export class MediaStream {
  private config: StreamConfig | null = null;
  private readonly sender = new RtpSender();
  private readonly dtmfOut = new DtmfSender();
  private readonly dtmfIn = new DtmfReceiver();
  readonly jb: JitterBuffer; // the worker's clock follows its phase (takePhaseSlackMs)
  private readonly rx = new ReceptionStats(8000);
  private remoteSsrc: number | null = null;
  private readonly latch: SourceLatch<Arrival>;
  private rtcpTo: { address: string; port: number } | null = null;
  private rtcpLatched = false;
  private muted = false;
  private closed = false;
  private lastRtcpMs = 0;
  /** One sample a second of (expected, lost + late) for the recent loss figure. */
  private readonly lossSamples: { at: number; expected: number; bad: number }[] = [];
  private readonly encoded = new Uint8Array(FRAME_SAMPLES);
  private readonly silence = new Int16Array(FRAME_SAMPLES);

  constructor(
    readonly sid: number,
    private readonly rtp: dgram.Socket,
    private readonly rtcp: dgram.Socket,
    readonly port: number,
    private readonly stats: Int32Array,
    private readonly cname: string,
    private readonly events: MediaStreamEvents,
    jitter: { minMs: number; maxMs: number },
    private readonly now: () => number,
  ) {
    this.jb = new JitterBuffer({ minMs: jitter.minMs, maxMs: jitter.maxMs, clockRate: 8000 });
    this.latch = new SourceLatch<Arrival>(LATCH_RUN, (e) => this.onLatch(e));
    for (const k of ['jitterUs', 'remoteJitterUs', 'playoutDelayUs', 'captureDelayUs', 'rttUs', 'remoteFractionLost', 'recentLossPermille'] as const) Atomics.store(stats, STAT[k], -1);
    rtp.on('message', (msg, rinfo) => this.onRtp(msg, rinfo));
    rtcp.on('message', (msg, rinfo) => this.onRtcp(msg, rinfo));
    const onErr = (e: Error) => this.events.error(e.message);
    rtp.on('error', onErr);
    rtcp.on('error', onErr);
  }

  configure(config: StreamConfig): void {
    const prev = this.config;
    this.config = config;
    const remoteChanged = !prev || prev.remoteAddress !== config.remoteAddress || prev.remotePort !== config.remotePort;
    if (remoteChanged) {
      // a new remote description: its address is trusted; another source must earn the stream (SourceLatch)
      const usable = config.remotePort > 0 && config.remoteAddress !== '0.0.0.0';
      this.latch.reset(usable ? { address: config.remoteAddress, port: config.remotePort } : null);
      this.rtcpTo = usable ? { address: config.remoteAddress, port: config.remoteRtcpPort } : null;
      this.rtcpLatched = false;
      Atomics.store(this.stats, STAT.latched, 0);
    }
    if (!config.play) this.jb.reset();
  }

  /** True when this stream's received audio belongs on the talk output. */
  get playing(): boolean {
    return !this.closed && this.config !== null && this.config.play;
  }

  /** True when this stream wants microphone audio. */
  get wantsMic(): boolean {
    return !this.closed && this.config !== null && this.config.send && !this.muted;
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
  }

  sendDtmf(digits: string, durationMs: number, gapMs: number): number {
    return this.dtmfOut.enqueue(digits, durationMs, gapMs);
  }

  private onLatch(e: LatchEvent): void {
    if (e.kind === 'stray') {
      this.events.log(`RTP from ${e.source.address}:${e.source.port} (SSRC ${e.ssrc >>> 0}) ignored: not this call's source`);
      return;
    }
    const from = e.from ? `${e.from.address}:${e.from.port}` : 'no usable address';
    this.events.log(`RTP source moved from ${from} to ${e.to.address}:${e.to.port} after ${e.packets} consecutive packets of SSRC ${e.ssrc >>> 0}`);
    // RTCP follows to the new address (its port is learnt from the first RTCP packet from there)
    this.rtcpTo = { address: e.to.address, port: e.to.port + 1 };
    this.rtcpLatched = false;
    Atomics.store(this.stats, STAT.latched, 1);
  }

  private onRtp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const cfg = this.config;
    if (this.closed || !cfg) return;
    const p = decodeRtp(msg);
    if (!p) return;
    const isAudio = p.payloadType === cfg.codec.payloadType;
    const isDtmf = cfg.dtmfPayloadType !== null && p.payloadType === cfg.dtmfPayloadType;
    if (!isAudio && !isDtmf) return; // not ours (comfort noise, stray packets)
    const accepted = this.latch.offer(rinfo, p.ssrc, p.sequenceNumber, { p, arrival: this.now() });
    Atomics.store(this.stats, STAT.strayDropped, this.latch.dropped);
    if (accepted) for (const a of accepted) this.accept(a.p, a.arrival, cfg);
  }

  private accept(p: RtpPacket, arrival: number, cfg: StreamConfig): void {
    const isDtmf = cfg.dtmfPayloadType !== null && p.payloadType === cfg.dtmfPayloadType;
    if (this.remoteSsrc !== p.ssrc) {
      this.remoteSsrc = p.ssrc;
      this.rx.reset();
      this.jb.reset();
    }
    this.rx.update(p.sequenceNumber, p.timestamp, arrival);
    Atomics.store(this.stats, STAT.received, this.rx.received);
    Atomics.store(this.stats, STAT.lost, Math.max(0, this.rx.lost));
    Atomics.store(this.stats, STAT.jitterUs, Math.round(this.rx.jitterMs * 1000));
    if (isDtmf) {
      const d = this.dtmfIn.receive(p.timestamp, p.payload);
      if (d) {
        Atomics.add(this.stats, STAT.dtmfReceived, 1);
        this.events.dtmf(d.digit);
      }
      return;
    }
    if (!cfg.play) return;
    const pcm = decodeG711(cfg.codec.name, p.payload);
    if (!this.jb.push(p.timestamp, pcm, arrival)) {
      const s = this.jb.stats();
      Atomics.store(this.stats, STAT.late, s.late);
    }
  }

  private onRtcp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    // RTCP only from the host our RTP comes from (any port: NATs map RTCP separately)
    if (rinfo.address !== this.latch.source?.address) return;
    const packets = decodeRtcp(msg);
    if (packets.length === 0) return;
    if (!this.rtcpLatched) {
      this.rtcpTo = { address: rinfo.address, port: rinfo.port };
      this.rtcpLatched = true;
    }
    Atomics.add(this.stats, STAT.rtcpReceived, 1);
    for (const p of packets) {
      if (p.type === 'sr') {
        this.rx.lastSr = { ntpMiddle: ((p.sender.ntpSec & 0xffff) << 16) | (p.sender.ntpFrac >>> 16), atMs: this.now() };
      }
      if (p.type === 'sr' || p.type === 'rr') {
        const mine = p.reports.find((r) => r.ssrc === this.sender.ssrc);
        if (mine) {
          Atomics.store(this.stats, STAT.remoteLost, mine.cumulativeLost);
          Atomics.store(this.stats, STAT.remoteJitterUs, Math.round((mine.jitter / 8000) * 1e6));
          Atomics.store(this.stats, STAT.remoteFractionLost, mine.fractionLost);
          if (mine.lsr !== 0) {
            // RFC 3550 6.4.1: RTT = arrival - LSR - DLSR, in 1/65536 s (NTP's middle 32 bits)
            const ntp = ntpNow();
            const middle = (((ntp.sec & 0xffff) << 16) | (ntp.frac >>> 16)) >>> 0;
            const rtt = ((middle - mine.lsr - mine.dlsr) >>> 0) / 65536;
            if (rtt < 10) Atomics.store(this.stats, STAT.rttUs, Math.round(rtt * 1e6));
          }
        }
      }
    }
  }

  /**
   * One 20 ms tick of the sending side. `mic`: 160 samples of microphone audio (or null: none
   * captured); `captureMs`: how long it waited since the device captured it (-1: unknown).
   */
  tickSend(mic: Int16Array | null, nowMs: number, captureMs = -1): void {
    const cfg = this.config;
    if (this.closed || !cfg) return;
    Atomics.store(this.stats, STAT.captureDelayUs, cfg.send && !this.muted && captureMs >= 0 ? Math.round(captureMs * 1000) : -1);
    const to = this.latch.source;
    if (!to) {
      this.sender.skip(FRAME_SAMPLES);
      return;
    }
    if (cfg.dtmfPayloadType !== null && this.dtmfOut.busy && cfg.send) {
      const pkts = this.dtmfOut.tick(this.sender, cfg.dtmfPayloadType, FRAME_SAMPLES);
      if (pkts) {
        for (const b of pkts) this.rtp.send(b, to.port, to.address);
        Atomics.store(this.stats, STAT.sent, this.sender.packetsSent);
        this.maybeRtcp(nowMs);
        return;
      }
    }
    if (!cfg.send || this.muted) {
      // muted or held: nothing is sent, but the RTP clock keeps running
      this.sender.skip(FRAME_SAMPLES);
    } else {
      encodeG711(cfg.codec.name, mic ?? this.silence, this.encoded);
      this.rtp.send(this.sender.next(cfg.codec.payloadType, this.encoded, FRAME_SAMPLES), to.port, to.address);
      Atomics.store(this.stats, STAT.sent, this.sender.packetsSent);
    }
    this.maybeRtcp(nowMs);
  }

  /**
   * One 20 ms tick of the receiving side: the audio to play, or null. `deviceMs`: the talk output's
   * delay beyond the jitter buffer (our queue toward the device + its buffer).
   */
  tickReceive(nowMs: number, deviceMs = 0): Int16Array | null {
    if (!this.playing) {
      Atomics.store(this.stats, STAT.playoutDelayUs, -1);
      return null;
    }
    const out = this.jb.pop(FRAME_SAMPLES, nowMs);
    const s = this.jb.stats();
    Atomics.store(this.stats, STAT.concealed, s.concealed);
    Atomics.store(this.stats, STAT.late, s.late);
    Atomics.store(this.stats, STAT.jitterBufferMs, Math.round(s.delayMs));
    Atomics.store(this.stats, STAT.driftAdjusted, s.adjusted);
    // arrival -> heard: what the packets waited here (smoothed, arrival -> the pop that plays them),
    // then the device side (our queue before this write + the device's buffer, to the ear)
    Atomics.store(this.stats, STAT.playoutDelayUs, out && s.waitMs !== null ? Math.round((s.waitMs + deviceMs) * 1000) : -1);
    return out;
  }

  private reportBlocks(nowMs: number): ReportBlock[] {
    if (this.remoteSsrc === null || !this.rx.hasData) return [];
    const lsr = this.rx.lastSr;
    return [
      {
        ssrc: this.remoteSsrc,
        fractionLost: this.rx.takeFractionLost(),
        cumulativeLost: this.rx.lost,
        extendedHighestSeq: this.rx.extendedMax,
        jitter: this.rx.jitterTimestampUnits,
        lsr: lsr ? lsr.ntpMiddle >>> 0 : 0,
        dlsr: lsr ? Math.round(((nowMs - lsr.atMs) / 1000) * 65536) : 0,
      },
    ];
  }

  private sampleLoss(nowMs: number): void {
    const last = this.lossSamples[this.lossSamples.length - 1];
    if (last && nowMs - last.at < 1000) return;
    const expected = this.rx.hasData ? this.rx.received + Math.max(0, this.rx.lost) : 0;
    const sample = { at: nowMs, expected, bad: Math.max(0, this.rx.lost) + this.jb.stats().late };
    if (last && sample.expected < last.expected) this.lossSamples.length = 0; // counters reset (new SSRC)
    this.lossSamples.push(sample);
    if (this.lossSamples.length > LOSS_WINDOW + 1) this.lossSamples.shift();
    const first = this.lossSamples[0]!;
    const n = sample.expected - first.expected;
    Atomics.store(this.stats, STAT.recentLossPermille, n >= 25 ? Math.round((Math.min(n, sample.bad - first.bad) / n) * 1000) : -1);
  }

  private maybeRtcp(nowMs: number): void {
    this.sampleLoss(nowMs);
    if (this.lastRtcpMs === 0) {
      this.lastRtcpMs = nowMs - RTCP_INTERVAL_MS + RTCP_FIRST_MS; // the first report half an interval after the start
      return;
    }
    if (nowMs - this.lastRtcpMs < RTCP_INTERVAL_MS) return;
    this.lastRtcpMs = nowMs;
    this.sendRtcp(nowMs, false);
  }

  private sendRtcp(nowMs: number, bye: boolean): void {
    const to = this.rtcpTo;
    if (!to || to.port <= 0) return;
    const blocks = this.reportBlocks(nowMs);
    const parts: Buffer[] = [];
    if (this.sender.packetsSent > 0) {
      const ntp = ntpNow();
      parts.push(
        encodeSenderReport(
          this.sender.ssrc,
          { ntpSec: ntp.sec, ntpFrac: ntp.frac, rtpTimestamp: this.sender.timestamp, packetCount: this.sender.packetsSent, octetCount: this.sender.octetsSent },
          blocks,
        ),
      );
    } else {
      parts.push(encodeReceiverReport(this.sender.ssrc, blocks));
    }
    parts.push(encodeSdes(this.sender.ssrc, this.cname));
    if (bye) parts.push(encodeBye(this.sender.ssrc));
    try {
      this.rtcp.send(Buffer.concat(parts), to.port, to.address);
    } catch {
      /* socket closing */
    }
  }

  close(): void {
    if (this.closed) return;
    this.sendRtcp(this.now(), true);
    this.closed = true;
    this.dtmfOut.clear();
    // let the BYE leave before the sockets close
    setTimeout(() => {
      this.rtp.close();
      this.rtcp.close();
    }, 20);
  }
}
