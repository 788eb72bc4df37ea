// sip.js SessionDescriptionHandler over our own RTP (no WebRTC): SDP offer/answer for one audio
// stream, the RTP stream in the media worker, and the MediaControls sip/ uses (mute, remote hold, stats).
//
// sip.js does not tell the handler whether getDescription() is an offer or an answer: we track it.
// setDescription() while we have an outstanding offer = the answer; otherwise it is a remote offer and
// the next getDescription() answers it. Hold: getDescription({hold: true}) (sip.js passes
// sessionDescriptionHandlerOptions through) offers a=sendonly; the flag sticks until {hold: false}.
import { randomInt } from 'node:crypto';
import type {
  BodyAndContentType,
  Session,
  SessionDescriptionHandler,
  SessionDescriptionHandlerFactory,
  SessionDescriptionHandlerModifier,
  SessionDescriptionHandlerOptions,
} from 'sip.js';
import type { MediaStats } from '../../shared/domain.js';
import { normaliseDtmf } from '../../shared/dtmf.js';
import type { MediaControls, MediaDirection, MediaOptions } from './contract.js';
import { type AcceptedOffer, acceptOffer, answerOffer, buildOffer, negotiateAnswer, type Negotiated, SdpError } from './sdp.js';
import type { MediaWorkerHost, WorkerSessionHandle } from './worker-host.js';
import { estimateQuality } from './quality.js';
import { STAT } from './worker-protocol.js';

/** What sip/ may pass as sessionDescriptionHandlerOptions (Inviter/Invitation/session.invite()). */
export interface MediaDescriptionOptions extends SessionDescriptionHandlerOptions {
  /** true: put the far end on hold (a=sendonly, stop sending and playing); false: resume. Sticky. */
  hold?: boolean;
}

/** DTMF options for sendDtmf(tones, options). */
export interface DtmfOptions {
  duration?: number;
  interToneGap?: number;
}

type SignalingState = 'stable' | 'have-local-offer' | 'have-remote-offer' | 'closed';

export class MediaClosedError extends Error {
  constructor() {
    super('session description handler closed');
    this.name = 'MediaClosedError';
  }
}

export class MediaSessionDescriptionHandler implements SessionDescriptionHandler, MediaControls {
  private state: SignalingState = 'stable';
  private handle: Promise<WorkerSessionHandle> | null = null;
  private opened: WorkerSessionHandle | null = null;
  private localHold = false;
  /** localHold as of the last completed offer/answer exchange (restored by rollback). */
  private committedHold = false;
  private muted = false;
  private readonly sessionId = String(randomInt(1, 2 ** 47));
  private sessionVersion = randomInt(1, 1_000_000);
  private lastBody: string | null = null;
  private pendingRemoteOffer: AcceptedOffer | null = null;
  /** Held locally at once by the call centre (setLocalHold), independent of what the re-INVITE achieved. */
  private forcedHold = false;
  private pendingLocalOffer: { direction: MediaDirection } | null = null;
  private negotiated: Negotiated | null = null;
  private remoteDir: MediaDirection | null = null;
  private readonly directionListeners = new Set<(d: MediaDirection) => void>();
  private readonly dtmfListeners = new Set<(digit: string) => void>();
  private readonly errorListeners = new Set<(message: string) => void>();

  constructor(
    private readonly host: MediaWorkerHost,
    readonly options: MediaOptions,
  ) {}

  // ------------------------------------------------------------ sip.js SessionDescriptionHandler

  hasDescription(contentType: string): boolean {
    return contentType.split(';')[0]!.trim().toLowerCase() === 'application/sdp';
  }

  async getDescription(options?: MediaDescriptionOptions, modifiers?: SessionDescriptionHandlerModifier[]): Promise<BodyAndContentType> {
    this.assertOpen();
    if (typeof options?.hold === 'boolean') this.localHold = options.hold;
    const h = await this.ensureOpen();
    this.assertOpen();
    let sdp: string;
    let type: 'offer' | 'answer';
    if (this.state === 'have-remote-offer' && this.pendingRemoteOffer !== null) {
      const answer = answerOffer(this.local(h.port), this.pendingRemoteOffer, this.localHold);
      sdp = this.versioned(answer.sdp, h.port);
      type = 'answer';
      this.pendingRemoteOffer = null;
      this.state = 'stable';
      this.applyNegotiated(answer.negotiated);
    } else {
      const direction: MediaDirection = this.localHold ? 'sendonly' : 'sendrecv';
      sdp = this.versioned(buildOffer(this.local(h.port), direction), h.port);
      type = 'offer';
      this.pendingLocalOffer = { direction };
      this.state = 'have-local-offer';
      this.pushConfig(); // hold takes effect at once (stop sending/playing), not only when answered
    }
    sdp = await applyModifiers(sdp, type, modifiers);
    return { body: sdp, contentType: 'application/sdp' };
  }

  async setDescription(sdp: string, _options?: MediaDescriptionOptions, modifiers?: SessionDescriptionHandlerModifier[]): Promise<void> {
    this.assertOpen();
    if (typeof _options?.hold === 'boolean') this.localHold = _options.hold;
    if (this.state === 'have-local-offer' && this.pendingLocalOffer) {
      const answerSdp = await applyModifiers(sdp, 'answer', modifiers);
      const { negotiated } = negotiateAnswer(this.pendingLocalOffer.direction, answerSdp);
      this.pendingLocalOffer = null;
      this.state = 'stable';
      await this.ensureOpen();
      this.applyNegotiated(negotiated);
      return;
    }
    const offerSdp = await applyModifiers(sdp, 'offer', modifiers);
    // checked (and parsed, once) now so sip.js can reply 488 to an offer we cannot take, before it asks for the answer
    this.pendingRemoteOffer = acceptOffer(offerSdp);
    this.state = 'have-remote-offer';
    await this.ensureOpen();
  }

  async rollbackDescription(): Promise<void> {
    if (this.state === 'have-local-offer') this.pendingLocalOffer = null;
    if (this.state === 'have-remote-offer') this.pendingRemoteOffer = null;
    if (this.state !== 'closed') this.state = 'stable';
    // the hold (or resume) that went with a rolled-back offer did not happen
    this.localHold = this.committedHold;
    this.pushConfig();
  }

  sendDtmf(tones: string, options?: unknown): boolean {
    if (this.state === 'closed' || !this.opened || !this.negotiated || this.negotiated.dtmfPayloadType === null) return false;
    const digits = normaliseDtmf(tones);
    if (digits === null) return false;
    const o = (options ?? {}) as DtmfOptions;
    this.host.sendDtmf(this.opened.sid, digits, o.duration ?? 100, o.interToneGap ?? 70);
    return true;
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const h = this.handle;
    this.handle = null;
    h?.then(
      (x) => this.host.closeSession(x.sid),
      () => undefined,
    );
  }

  // ------------------------------------------------------------ MediaControls

  setMuted(muted: boolean): void {
    this.muted = muted;
    if (this.opened) this.host.setMuted(this.opened.sid, muted);
  }

  setLocalHold(held: boolean): void {
    if (this.forcedHold === held) return;
    this.forcedHold = held;
    this.pushConfig();
  }

  remoteDirection(): MediaDirection | null {
    return this.remoteDir;
  }

  onRemoteDirectionChange(listener: (direction: MediaDirection) => void): () => void {
    this.directionListeners.add(listener);
    return () => this.directionListeners.delete(listener);
  }

  stats(): MediaStats {
    const s = this.opened?.stats;
    const codec = this.negotiated?.codec.name ?? null;
    if (!s) return { ...NO_STATS, codec };
    return mediaStatsFrom(s, codec);
  }

  // ------------------------------------------------------------ extras (not in the contract)

  /** RFC 4733 digits received from the far end. */
  onDtmf(listener: (digit: string) => void): () => void {
    this.dtmfListeners.add(listener);
    return () => this.dtmfListeners.delete(listener);
  }

  onMediaError(listener: (message: string) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Local RTP port (once bound), for diagnostics and tests. */
  get localPort(): number | null {
    return this.opened?.port ?? null;
  }

  get held(): boolean {
    return this.localHold;
  }

  get isMuted(): boolean {
    return this.muted;
  }

  /** The negotiated stream (codec, remote address, directions), null before the first exchange. */
  get negotiation(): Negotiated | null {
    return this.negotiated;
  }

  /** Everything the worker counts, including jitter-buffer and RTCP figures. */
  detailedStats(): Record<Exclude<keyof typeof STAT, 'size'>, number> | null {
    const s = this.opened?.stats;
    if (!s) return null;
    const out = {} as Record<Exclude<keyof typeof STAT, 'size'>, number>;
    for (const [k, i] of Object.entries(STAT)) if (k !== 'size') out[k as Exclude<keyof typeof STAT, 'size'>] = Atomics.load(s, i);
    return out;
  }

  // ------------------------------------------------------------ internals

  private assertOpen(): void {
    if (this.state === 'closed') throw new MediaClosedError();
  }

  private ensureOpen(): Promise<WorkerSessionHandle> {
    if (!this.handle) {
      this.handle = this.host
        .openSession(
          { localAddress: this.options.localAddress, portMin: this.options.rtpPortMin, portMax: this.options.rtpPortMax, cname: `dispatch-phone@${this.options.localAddress}` },
          {
            dtmf: (d) => this.dtmfListeners.forEach((l) => l(d)),
            error: (m) => this.errorListeners.forEach((l) => l(m)),
          },
        )
        .then((h) => {
          if (this.state === 'closed') {
            this.host.closeSession(h.sid);
            throw new MediaClosedError();
          }
          this.opened = h;
          if (this.muted) this.host.setMuted(h.sid, true);
          return h;
        });
    }
    return this.handle;
  }

  private local(port: number) {
    return { address: this.options.advertisedAddress ?? this.options.localAddress, port, sessionId: this.sessionId, sessionVersion: this.sessionVersion };
  }

  /** RFC 3264 8: the o= version goes up only when the description changes. */
  private versioned(sdp: string, _port: number): string {
    const body = sdp.replace(/^o=.*$/m, '');
    if (this.lastBody !== null && body !== this.lastBody) {
      this.sessionVersion++;
      sdp = buildAgain(sdp, this.sessionId, this.sessionVersion);
    }
    this.lastBody = body;
    return sdp;
  }

  private applyNegotiated(n: Negotiated): void {
    this.negotiated = n;
    this.committedHold = this.localHold;
    const changed = this.remoteDir !== n.remoteDirection;
    this.remoteDir = n.remoteDirection;
    this.pushConfig();
    if (changed) for (const l of this.directionListeners) l(n.remoteDirection);
  }

  private pushConfig(): void {
    const n = this.negotiated;
    if (!n || !this.opened || this.state === 'closed') return;
    const hold = this.localHold || this.forcedHold;
    this.host.configure(this.opened.sid, {
      remoteAddress: n.remoteAddress,
      remotePort: n.remotePort,
      remoteRtcpPort: n.remoteRtcpPort,
      codec: { name: n.codec.name, payloadType: n.codec.payloadType },
      dtmfPayloadType: n.dtmfPayloadType,
      send: !hold && (n.localDirection === 'sendrecv' || n.localDirection === 'sendonly'),
      play: !hold && (n.localDirection === 'sendrecv' || n.localDirection === 'recvonly'),
    });
  }
}

function buildAgain(sdp: string, sessionId: string, version: number): string {
  return sdp.replace(/^o=(\S+) (\S+) (\S+) /m, (_m, user: string) => `o=${user} ${sessionId} ${version} `);
}

async function applyModifiers(sdp: string, type: 'offer' | 'answer', modifiers?: SessionDescriptionHandlerModifier[]): Promise<string> {
  if (!modifiers || modifiers.length === 0) return sdp;
  let desc = { type, sdp } as Parameters<SessionDescriptionHandlerModifier>[0];
  for (const m of modifiers) desc = await m(desc);
  return desc.sdp ?? sdp;
}

export { SdpError };

/**
 * A sip.js SessionDescriptionHandlerFactory. `defaults` come from the engine; a MediaOptions object
 * given by sip.js (UserAgentOptions.sessionDescriptionHandlerFactoryOptions) overrides them field by field.
 */
export function createMediaSessionDescriptionHandlerFactory(deps: {
  host: MediaWorkerHost;
  defaults: MediaOptions;
  onCreate?: (sdh: MediaSessionDescriptionHandler, session: Session | null) => void;
}): SessionDescriptionHandlerFactory {
  return (session: Session, options?: object): SessionDescriptionHandler => {
    const o = { ...deps.defaults, ...pickMediaOptions(options) };
    const sdh = new MediaSessionDescriptionHandler(deps.host, o);
    deps.onCreate?.(sdh, session ?? null);
    return sdh;
  };
}

function pickMediaOptions(options: object | undefined): Partial<MediaOptions> {
  if (!options) return {};
  const o = options as Partial<Record<keyof MediaOptions, unknown>>;
  const out: Partial<MediaOptions> = {};
  if (typeof o.localAddress === 'string' && o.localAddress !== '') out.localAddress = o.localAddress;
  if (typeof o.advertisedAddress === 'string' && o.advertisedAddress !== '') out.advertisedAddress = o.advertisedAddress;
  if (typeof o.rtpPortMin === 'number') out.rtpPortMin = o.rtpPortMin;
  if (typeof o.rtpPortMax === 'number') out.rtpPortMax = o.rtpPortMax;
  return out;
}

const NO_STATS: MediaStats = {
  codec: null,
  packetsSent: 0,
  packetsReceived: 0,
  packetsLost: 0,
  jitterMs: null,
  playoutDelayMs: null,
  captureDelayMs: null,
  rttMs: null,
  lossPercent: null,
  remoteLossPercent: null,
  remoteJitterMs: null,
  mos: null,
  quality: null,
};

/** MediaStats from the worker's counters, with the E-model figure once a second of audio came in. */
export function mediaStatsFrom(s: Int32Array, codec: string | null): MediaStats {
  const read = (k: Exclude<keyof typeof STAT, 'size'>) => Atomics.load(s, STAT[k]);
  const ms = (us: number) => (us < 0 ? null : Math.round(us / 100) / 10);
  const received = read('received');
  const recentLoss = read('recentLossPermille');
  const remoteFraction = read('remoteFractionLost');
  const out: MediaStats = {
    codec,
    packetsSent: read('sent'),
    packetsReceived: received,
    packetsLost: read('lost'),
    jitterMs: ms(read('jitterUs')),
    playoutDelayMs: ms(read('playoutDelayUs')),
    captureDelayMs: ms(read('captureDelayUs')),
    rttMs: ms(read('rttUs')),
    lossPercent: recentLoss < 0 ? null : recentLoss / 10,
    remoteLossPercent: remoteFraction < 0 ? null : Math.round((remoteFraction / 256) * 1000) / 10,
    remoteJitterMs: ms(read('remoteJitterUs')),
    mos: null,
    quality: null,
  };
  if (received >= 50 && out.lossPercent !== null) {
    const q = estimateQuality({
      lossPercent: out.lossPercent,
      remoteLossPercent: out.remoteLossPercent,
      rttMs: out.rttMs,
      localDelayMs: (out.playoutDelayMs ?? 0) + (out.captureDelayMs ?? 0),
    });
    out.mos = q.mos;
    out.quality = q.quality;
  }
  return out;
}
