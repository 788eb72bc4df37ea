// What sip/ needs from media/: a sip.js SessionDescriptionHandler factory whose handlers carry RTP
// (G.711 + RFC 4733) and expose these controls. sip/ reaches them through
// `session.sessionDescriptionHandler as MediaControls`.
import type { MediaStats } from '../../shared/domain.js';

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface MediaControls {
  /** Stop/start sending microphone audio (silence is not sent either; RTP keeps its clock). */
  setMuted(muted: boolean): void;
  /**
   * Held here, whatever the signalling says: nothing is sent to or played from this call while true. The
   * call centre holds a call this way at once and lets the hold re-INVITE finish (or fail) in the background.
   */
  setLocalHold(held: boolean): void;
  /** The direction the far end last offered/answered (sendonly/inactive from the far end = we are held). */
  remoteDirection(): MediaDirection | null;
  /** Returns an unsubscribe. */
  onRemoteDirectionChange(listener: (direction: MediaDirection) => void): () => void;
  stats(): MediaStats;
}

/** Where the media for a new call goes; sip/ passes this to the factory through sessionDescriptionHandlerFactoryOptions. */
export interface MediaOptions {
  /** Local IP to bind RTP on and to put in SDP (c=). */
  localAddress: string;
  /** The address for SDP when it is not localAddress (the one a NAT shows the SIP server, sip/network-address.ts). */
  advertisedAddress?: string;
  /** RTP port range (even ports). */
  rtpPortMin: number;
  rtpPortMax: number;
}
