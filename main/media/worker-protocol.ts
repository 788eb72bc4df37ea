// Messages between the main thread (MediaWorkerHost) and the media worker (media-worker.ts).
import type { AudioBackendConfig } from './audio/port.js';
import type { G711Law } from './g711.js';

export interface TalkRouting {
  outputDeviceId: string | null;
  inputDeviceId: string | null;
}

export interface StreamConfig {
  remoteAddress: string;
  remotePort: number;
  remoteRtcpPort: number;
  codec: { name: G711Law; payloadType: number };
  dtmfPayloadType: number | null;
  /** Send microphone audio (negotiated direction allows it and the call is not held by us). */
  send: boolean;
  /** Play what arrives on the talk output. */
  play: boolean;
}

export type ToWorker =
  /** portAudioGuard: the process's count of naudiodon streams (audio/pa-guard.ts), shared with the main thread. */
  | { t: 'init'; audio: AudioBackendConfig; routing: TalkRouting; jitter: { minMs: number; maxMs: number }; portAudioGuard: { memory: SharedArrayBuffer; slot: number } }
  | { t: 'routing'; routing: TalkRouting }
  /**
   * Start a session. `spare`: a socket pair bound ahead by `prebind` (the reply then is not waited
   * for: the main thread already knows the port); null: bind one now and reply opened/failed.
   */
  | { t: 'open'; req: number; sid: number; localAddress: string; portMin: number; portMax: number; stats: SharedArrayBuffer; cname: string; spare: number | null }
  /** Bind an RTP/RTCP pair ahead of need (its id is req); reply prebound or failed. */
  | { t: 'prebind'; req: number; localAddress: string; portMin: number; portMax: number }
  | { t: 'configure'; sid: number; config: StreamConfig }
  | { t: 'mute'; sid: number; muted: boolean }
  | { t: 'dtmf'; sid: number; digits: string; durationMs: number; gapMs: number }
  | { t: 'close'; sid: number }
  | { t: 'shutdown'; req: number };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'opened'; req: number; sid: number; port: number }
  | { t: 'prebound'; req: number; port: number }
  | { t: 'failed'; req: number; error: string }
  | { t: 'dtmf'; sid: number; digit: string }
  | { t: 'error'; sid: number | null; message: string }
  | { t: 'log'; sid: number | null; message: string }
  /** A talk stream ended while calls needed it (the device went away): the engine re-enumerates and re-routes. */
  | { t: 'device-lost'; role: 'talk' | 'microphone' }
  | { t: 'shutdown-done'; req: number };

/** Int32 slots of the per-session stats SharedArrayBuffer (written by the worker, read synchronously by the SDH). */
export const STAT = {
  sent: 0,
  received: 1,
  lost: 2,
  /** Interarrival jitter in microseconds; -1 until something was received. */
  jitterUs: 3,
  late: 4,
  concealed: 5,
  jitterBufferMs: 6,
  /** 1 once the send address was switched to where the peer's packets come from (symmetric RTP). */
  latched: 7,
  rtcpReceived: 8,
  /** What the far end reports about our stream (RTCP RR): cumulative lost, jitter in us (-1 = none). */
  remoteLost: 9,
  remoteJitterUs: 10,
  dtmfReceived: 11,
  /** RTP packets dropped because they came from a source that is not the call's (SourceLatch). */
  strayDropped: 12,
  /** Arrival -> device: jitter buffer + our queue toward the device + the device's own buffer, in us. */
  playoutDelayUs: 13,
  /** Microphone -> send: captured audio waiting to be sent + the device's buffer, in us. */
  captureDelayUs: 14,
  /** Round-trip time from the far end's reports (LSR/DLSR), in us; -1 = not known yet. */
  rttUs: 15,
  /** The far end's last fraction lost of our stream, in 1/256 (RTCP RR); -1 = none yet. */
  remoteFractionLost: 16,
  /** What we lost or received too late to play over the last 5 s, in 1/1000; -1 = nothing expected yet. */
  recentLossPermille: 17,
  /** Frames time-compressed or stretched by the jitter buffer to follow the peer's clock. */
  driftAdjusted: 18,
  size: 24,
} as const;
