// SDP offer/answer (RFC 3264) for one audio stream: PCMU(0), PCMA(8), telephone-event(101), ptime 20.
// Parsed with sdp-transform; ours are written directly.
import sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import type { MediaDirection } from './contract.js';
import type { G711Law } from './g711.js';

export type { MediaDirection };

export interface Codec {
  name: G711Law;
  payloadType: number;
}

export const SUPPORTED_CODECS: readonly Codec[] = [
  { name: 'PCMU', payloadType: 0 },
  { name: 'PCMA', payloadType: 8 },
];
export const DEFAULT_DTMF_PAYLOAD_TYPE = 101;

export interface LocalEndpoint {
  address: string;
  port: number;
  /** o= session id (stays for the whole session) and version (bumped when the description changes). */
  sessionId: string;
  sessionVersion: number;
}

/** What one side's description says about the audio stream. */
export interface AudioDescription {
  address: string;
  port: number;
  rtcpPort: number;
  direction: MediaDirection;
  /** Audio codecs we can use, in the order the description lists them. */
  codecs: Codec[];
  dtmfPayloadType: number | null;
  ptime: number | null;
  /** Index of the m-line used; -1 when no usable audio stream (then port is 0). */
  mediaIndex: number;
  origin: { sessionId: string; sessionVersion: number };
}

export interface Negotiated {
  codec: Codec;
  dtmfPayloadType: number | null;
  remoteAddress: string;
  remotePort: number;
  remoteRtcpPort: number;
  /** What the far end said (sendonly/inactive from it = we are held). */
  remoteDirection: MediaDirection;
  /** Our direction in the exchange: whether we may send and whether we should receive. */
  localDirection: MediaDirection;
}

export class SdpError extends Error {
  constructor(
    message: string,
    /** The SIP status a UAS should use (488 Not Acceptable Here for no common codec). */
    readonly statusCode = 488,
  ) {
    super(message);
    this.name = 'SdpError';
  }
}

const DIRECTIONS: readonly MediaDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

function ipVer(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

function codecOf(m: MediaDescription, pt: number): Codec | null {
  const map = m.rtp.find((r) => r.payload === pt);
  if (map) {
    const name = map.codec.toUpperCase();
    if ((name === 'PCMU' || name === 'PCMA') && (map.rate ?? 8000) === 8000 && (map.encoding ?? 1) === 1) return { name, payloadType: pt };
    return null;
  }
  if (pt === 0) return { name: 'PCMU', payloadType: 0 };
  if (pt === 8) return { name: 'PCMA', payloadType: 8 };
  return null;
}

function parseSdp(sdp: string): SessionDescription {
  try {
    return sdpTransform.parse(sdp);
  } catch (e) {
    throw new SdpError(`unparsable SDP: ${(e as Error).message}`, 400);
  }
}

export function parseAudio(sdp: string): AudioDescription {
  return audioOf(parseSdp(sdp));
}

function audioOf(s: SessionDescription): AudioDescription {
  if (!s.media || s.media.length === 0) throw new SdpError('SDP has no m= line', 488);
  const origin = { sessionId: String(s.origin?.sessionId ?? ''), sessionVersion: Number(s.origin?.sessionVersion ?? 0) };
  const idx = s.media.findIndex(
    (m) => m.type === 'audio' && m.port !== 0 && /^RTP\/AVP$/i.test(m.protocol) && payloadList(m).some((pt) => codecOf(m, pt) !== null),
  );
  if (idx < 0) {
    const audio = s.media.find((m) => m.type === 'audio');
    if (audio && /SAVP|TLS|DTLS/i.test(audio.protocol)) throw new SdpError(`unsupported transport ${audio.protocol}`, 488);
    throw new SdpError('no usable audio stream (PCMU/PCMA over RTP/AVP)', 488);
  }
  const m = s.media[idx]!;
  const pts = payloadList(m);
  const codecs = pts.map((pt) => codecOf(m, pt)).filter((c): c is Codec => c !== null);
  const dtmf = m.rtp.find((r) => r.codec.toLowerCase() === 'telephone-event' && (r.rate ?? 8000) === 8000 && pts.includes(r.payload));
  const address = m.connection?.ip ?? s.connection?.ip ?? '';
  if (!address) throw new SdpError('SDP has no c= line', 400);
  let direction: MediaDirection = (m.direction ?? s.direction ?? 'sendrecv') as MediaDirection;
  if (!DIRECTIONS.includes(direction)) direction = 'sendrecv';
  // RFC 2543 style hold: c=0.0.0.0 means "do not send to me"
  if (address === '0.0.0.0' && direction === 'sendrecv') direction = 'inactive';
  if (address === '0.0.0.0' && direction === 'recvonly') direction = 'inactive';
  return {
    address,
    port: m.port,
    rtcpPort: m.rtcp?.port ?? m.port + 1,
    direction,
    codecs,
    dtmfPayloadType: dtmf ? dtmf.payload : null,
    ptime: m.ptime ?? null,
    mediaIndex: idx,
    origin,
  };
}

function payloadList(m: MediaDescription): number[] {
  return String(m.payloads ?? '')
    .split(/\s+/)
    .filter((x) => x !== '')
    .map(Number)
    .filter((n) => Number.isInteger(n));
}

// Our own descriptions are written directly (the same text sdp-transform's writer gives for them,
// at a fraction of its cost: it is on the answer path of every call).
function audioMedia(port: number, codecs: readonly Codec[], dtmfPt: number | null, direction: MediaDirection): string {
  let payloads = '';
  let attrs = '';
  for (const c of codecs) {
    payloads += ` ${c.payloadType}`;
    attrs += `a=rtpmap:${c.payloadType} ${c.name}/8000\r\n`;
  }
  if (dtmfPt !== null) {
    payloads += ` ${dtmfPt}`;
    attrs += `a=rtpmap:${dtmfPt} telephone-event/8000\r\na=fmtp:${dtmfPt} 0-16\r\n`;
  }
  return `m=audio ${port} RTP/AVP${payloads}\r\n${attrs}a=ptime:20\r\na=${direction}\r\n`;
}

function session(local: LocalEndpoint, media: string): string {
  const c = `IN IP${ipVer(local.address)} ${local.address}`;
  return `v=0\r\no=- ${local.sessionId} ${local.sessionVersion} ${c}\r\ns=-\r\nc=${c}\r\nt=0 0\r\n${media}`;
}

/** An offer: all our codecs, telephone-event 101; `sendonly` to put the far end on hold. */
export function buildOffer(local: LocalEndpoint, direction: MediaDirection, codecs: readonly Codec[] = SUPPORTED_CODECS): string {
  return session(local, audioMedia(local.port, codecs, DEFAULT_DTMF_PAYLOAD_TYPE, direction));
}

/** Our direction in an answer, given what the far end offered and whether we hold the call. */
export function answerDirection(remote: MediaDirection, localHold: boolean): MediaDirection {
  switch (remote) {
    case 'sendrecv':
      return localHold ? 'sendonly' : 'sendrecv';
    case 'sendonly':
      return localHold ? 'inactive' : 'recvonly';
    case 'recvonly':
      return 'sendonly';
    case 'inactive':
      return 'inactive';
  }
}

/** The direction we end up with after the far end answered `remote` to our `offered`. */
export function resultingLocalDirection(offered: MediaDirection, remote: MediaDirection): MediaDirection {
  const send = (offered === 'sendrecv' || offered === 'sendonly') && (remote === 'sendrecv' || remote === 'recvonly');
  const recv = (offered === 'sendrecv' || offered === 'recvonly') && (remote === 'sendrecv' || remote === 'sendonly');
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}

/** A remote offer, checked and parsed once: what answering it needs (see answerOffer). */
export interface AcceptedOffer {
  remote: AudioDescription;
  codec: Codec;
  /** The offer's m-lines (type, protocol, formats), to reject all but ours. */
  lines: { type: string; protocol: string; payloads: string }[];
}

/**
 * Check a remote offer (SdpError with the status to reply when we cannot take it): the first codec in
 * the offer's order that we support is the one the answer will use.
 */
export function acceptOffer(offerSdp: string, supported: readonly Codec[] = SUPPORTED_CODECS): AcceptedOffer {
  const parsed = parseSdp(offerSdp);
  const remote = audioOf(parsed);
  const codec = remote.codecs.find((c) => supported.some((s) => s.name === c.name));
  if (!codec) throw new SdpError('no common codec', 488);
  const lines = parsed.media.map((m) => ({ type: m.type, protocol: m.protocol, payloads: m.payloads === undefined ? '0' : String(m.payloads) }));
  return { remote, codec, lines };
}

/** Our answer to an accepted offer: echo its telephone-event payload type, reject (port 0) every other m-line. */
export function answerOffer(local: LocalEndpoint, offer: AcceptedOffer, localHold: boolean): { sdp: string; negotiated: Negotiated; remote: AudioDescription } {
  const { remote, codec } = offer;
  const direction = answerDirection(remote.direction, localHold);
  let media = '';
  offer.lines.forEach((m, i) => {
    // rejected stream: same type/protocol/formats, port 0 (RFC 3264 6)
    media += i === remote.mediaIndex ? audioMedia(local.port, [codec], remote.dtmfPayloadType, direction) : `m=${m.type} 0 ${m.protocol} ${m.payloads}\r\n`;
  });
  return {
    sdp: session(local, media),
    remote,
    negotiated: negotiatedWith(remote, codec, direction),
  };
}

/** What was agreed, from the far end's description, the chosen codec and our resulting direction. */
function negotiatedWith(remote: AudioDescription, codec: Codec, localDirection: MediaDirection): Negotiated {
  return {
    codec,
    dtmfPayloadType: remote.dtmfPayloadType,
    remoteAddress: remote.address,
    remotePort: remote.port,
    remoteRtcpPort: remote.rtcpPort,
    remoteDirection: remote.direction,
    localDirection,
  };
}

/**
 * Answer a remote offer: pick the first codec in the offer's order that we support, echo its
 * telephone-event payload type, and reject (port 0) every other m-line.
 */
export function buildAnswer(
  local: LocalEndpoint,
  offerSdp: string,
  localHold: boolean,
  supported: readonly Codec[] = SUPPORTED_CODECS,
): { sdp: string; negotiated: Negotiated; remote: AudioDescription } {
  return answerOffer(local, acceptOffer(offerSdp, supported), localHold);
}

/** Apply the far end's answer to our offer. */
export function negotiateAnswer(offeredDirection: MediaDirection, answerSdp: string, supported: readonly Codec[] = SUPPORTED_CODECS): { negotiated: Negotiated; remote: AudioDescription } {
  const remote = parseAudio(answerSdp);
  const codec = remote.codecs.find((c) => supported.some((s) => s.name === c.name));
  if (!codec) throw new SdpError('answer has no codec we offered', 488);
  return {
    remote,
    negotiated: negotiatedWith(remote, codec, resultingLocalDirection(offeredDirection, remote.direction)),
  };
}
