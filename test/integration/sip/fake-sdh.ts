// A minimal RTP-less SessionDescriptionHandler for sip/ integration tests: it offers/answers a valid
// PCMU + telephone-event SDP (no packets are sent), honours hold (a=sendonly; answers a remote
// sendonly with recvonly) and exposes MediaControls. The real one lives in main/media/.
import type { SessionDescriptionHandler, SessionDescriptionHandlerFactory, SessionDescriptionHandlerOptions } from 'sip.js';
import type { MediaStats } from '../../../shared/domain.js';
import type { MediaControls, MediaDirection } from '../../../main/media/contract.js';

let nextPort = 41000;

function directionOf(sdp: string): MediaDirection {
  const m = /a=(sendrecv|sendonly|recvonly|inactive)/.exec(sdp);
  return (m?.[1] as MediaDirection | undefined) ?? 'sendrecv';
}

const reverse: Record<MediaDirection, MediaDirection> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

export class FakeSdh implements SessionDescriptionHandler, MediaControls {
  readonly port = (nextPort += 2);
  private remote: MediaDirection | null = null;
  private readonly listeners = new Set<(d: MediaDirection) => void>();
  private pendingRemoteOffer = false;
  private version = 1;
  muted = false;
  heldHere = false;
  dtmfSent: string[] = [];
  closed = false;
  lastLocalSdp = '';
  lastRemoteSdp = '';

  constructor(private readonly address = '127.0.0.1') {}

  close(): void {
    this.closed = true;
  }

  setLocalHold(held: boolean): void {
    this.heldHere = held;
  }

  async getDescription(opts?: SessionDescriptionHandlerOptions): Promise<{ body: string; contentType: string }> {
    const options = opts as { hold?: boolean } | undefined;
    let direction: MediaDirection;
    if (this.pendingRemoteOffer) {
      // Answer: mirror the remote offer's direction; also hold if asked to.
      direction = reverse[this.remote ?? 'sendrecv'];
      if (options?.hold) direction = direction === 'sendrecv' || direction === 'sendonly' ? 'sendonly' : 'inactive';
      this.pendingRemoteOffer = false;
    } else {
      direction = options?.hold ? 'sendonly' : 'sendrecv';
    }
    const body = [
      'v=0',
      `o=- 4242 ${this.version++} IN IP4 ${this.address}`,
      's=-',
      `c=IN IP4 ${this.address}`,
      't=0 0',
      `m=audio ${this.port} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'a=ptime:20',
      `a=${direction}`,
      '',
    ].join('\r\n');
    this.lastLocalSdp = body;
    return { body, contentType: 'application/sdp' };
  }

  hasDescription(contentType: string): boolean {
    return contentType === 'application/sdp';
  }

  async setDescription(sdp: string): Promise<void> {
    this.lastRemoteSdp = sdp;
    const dir = directionOf(sdp);
    // If we have not just produced an offer, this is an offer we must answer.
    this.pendingRemoteOffer = !this.awaitingAnswer;
    this.awaitingAnswer = false;
    if (dir !== this.remote) {
      this.remote = dir;
      for (const l of this.listeners) l(dir);
    }
  }

  private awaitingAnswer = false;

  /** sip.js calls getDescription for offers too; the telephony layer cannot tell, so track it. */
  markOffer(): void {
    this.awaitingAnswer = true;
  }

  async rollbackDescription(): Promise<void> {}

  sendDtmf(tones: string): boolean {
    this.dtmfSent.push(tones);
    return true;
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
  }

  remoteDirection(): MediaDirection | null {
    return this.remote;
  }

  onRemoteDirectionChange(listener: (direction: MediaDirection) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): MediaStats {
    return { codec: 'PCMU', packetsSent: 0, packetsReceived: 0, packetsLost: 0, jitterMs: null, playoutDelayMs: null, captureDelayMs: null, rttMs: null, lossPercent: null, remoteLossPercent: null, remoteJitterMs: null, mos: null, quality: null };
  }
}

/** Factory for SipTelephony; `created` lists every handler made (newest last). */
export function fakeSdhFactory(): SessionDescriptionHandlerFactory & { created: FakeSdh[] } {
  const created: FakeSdh[] = [];
  const factory = ((): SessionDescriptionHandler => {
    const sdh = new FakeSdh();
    // Wrap getDescription: an offer is one made while no remote offer is pending.
    const get = sdh.getDescription.bind(sdh);
    sdh.getDescription = async (options?: SessionDescriptionHandlerOptions) => {
      const offering = !(sdh as unknown as { pendingRemoteOffer: boolean }).pendingRemoteOffer;
      const d = await get(options);
      if (offering) sdh.markOffer();
      return d;
    };
    created.push(sdh);
    return sdh;
  }) as unknown as SessionDescriptionHandlerFactory & { created: FakeSdh[] };
  factory.created = created;
  return factory;
}
