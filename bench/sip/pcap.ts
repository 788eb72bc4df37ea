// A small libpcap reader for bench/sip: UDP over IPv4 on loopback (Ethernet, Linux cooked v1/v2, raw IP, BSD loopback
// link types), and the SIP first line + a few headers of each datagram. Enough to time INVITE -> 180/200 at packet level.
import { readFileSync } from 'node:fs';

export interface UdpPacket {
  /** Capture time in ms since the epoch, with the file's precision (µs or ns). */
  time: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payload: Buffer;
}

export interface SipPacket extends UdpPacket {
  /** Request method, or undefined for a response. */
  method?: string;
  /** Response status, or undefined for a request. */
  status?: number;
  callId: string;
  cseqNumber: number;
  cseqMethod: string;
  /** User part of the To URI. */
  toUser: string;
  /** Header names (lower case) present in the message. */
  headers: Set<string>;
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_LINUX_SLL2 = 276;

/** Offset of the IPv4 header inside a frame of this link type, or -1 when the frame is not IPv4. */
function ipOffset(linkType: number, frame: Buffer): number {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return frame.length >= 14 && frame.readUInt16BE(12) === 0x0800 ? 14 : -1;
    case LINKTYPE_LINUX_SLL:
      return frame.length >= 16 && frame.readUInt16BE(14) === 0x0800 ? 16 : -1;
    case LINKTYPE_LINUX_SLL2:
      return frame.length >= 20 && frame.readUInt16BE(0) === 0x0800 ? 20 : -1;
    case LINKTYPE_NULL:
      return frame.length >= 4 && (frame.readUInt32LE(0) === 2 || frame.readUInt32BE(0) === 2) ? 4 : -1;
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
      return 0;
    default:
      throw new Error(`pcap: unsupported link type ${linkType}`);
  }
}

const ip4 = (b: Buffer, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

/** UDP datagrams of a pcap file (not pcapng). Truncated trailing records (capture stopped mid-write) are ignored. */
export function readPcapUdp(file: string): UdpPacket[] {
  const buf = readFileSync(file);
  if (buf.length < 24) return [];
  const magicLE = buf.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = buf.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) throw new Error(`pcap: ${file} is not a pcap file (pcapng is not supported)`);
    le = false;
    nano = magicBE === 0xa1b23c4d;
  }
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const out: UdpPacket[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const inclLen = u32(off + 8);
    off += 16;
    if (off + inclLen > buf.length) break;
    const frame = buf.subarray(off, off + inclLen);
    off += inclLen;
    const ip = ipOffset(linkType, frame);
    if (ip < 0 || frame.length < ip + 20) continue;
    if (frame[ip]! >> 4 !== 4) continue;
    const ihl = (frame[ip]! & 0x0f) * 4;
    if (frame[ip + 9] !== 17) continue; // UDP only
    const flagsFrag = frame.readUInt16BE(ip + 6);
    if ((flagsFrag & 0x3fff) !== 0) continue; // fragments: not on loopback (MTU 64k)
    const udp = ip + ihl;
    if (frame.length < udp + 8) continue;
    const udpLen = frame.readUInt16BE(udp + 4);
    out.push({
      time: sec * 1000 + (nano ? frac / 1e6 : frac / 1e3),
      src: ip4(frame, ip + 12),
      dst: ip4(frame, ip + 16),
      srcPort: frame.readUInt16BE(udp),
      dstPort: frame.readUInt16BE(udp + 2),
      payload: frame.subarray(udp + 8, Math.min(frame.length, udp + udpLen)),
    });
  }
  return out;
}

const COMPACT: Record<string, string> = { i: 'call-id', t: 'to', f: 'from', v: 'via', m: 'contact', l: 'content-length', c: 'content-type' };

/** The SIP view of a datagram, or null for keep-alives and anything that is not a SIP message. */
export function parseSip(p: UdpPacket): SipPacket | null {
  const text = p.payload.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  const head = headEnd >= 0 ? text.slice(0, headEnd) : text;
  const lines = head.split('\r\n');
  const first = lines[0] ?? '';
  let method: string | undefined;
  let status: number | undefined;
  const resp = /^SIP\/2\.0 (\d{3}) /.exec(first);
  if (resp) status = Number(resp[1]);
  else {
    const req = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(first);
    if (!req) return null;
    method = req[1];
  }
  const headers = new Set<string>();
  let callId = '';
  let cseqNumber = 0;
  let cseqMethod = '';
  let toUser = '';
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    let name = line.slice(0, colon).trim().toLowerCase();
    name = COMPACT[name] ?? name;
    const value = line.slice(colon + 1).trim();
    headers.add(name);
    if (name === 'call-id') callId = value;
    else if (name === 'cseq') {
      const m = /^(\d+)\s+(\S+)/.exec(value);
      if (m) {
        cseqNumber = Number(m[1]);
        cseqMethod = m[2]!;
      }
    } else if (name === 'to') {
      const m = /sips?:([^@;>]+)@/.exec(value);
      if (m) toUser = m[1]!;
    }
  }
  if (!callId) return null;
  return { ...p, ...(method ? { method } : {}), ...(status !== undefined ? { status } : {}), callId, cseqNumber, cseqMethod, toUser, headers };
}

/** What happened to one call, in capture time (ms since the epoch); undefined when not seen. */
export interface CallTimes {
  callId: string;
  /** To user of the call (which endpoint it was for). */
  target: string;
  /** sipp -> proxy, the INVITE that carries credentials (the one the proxy forwards). */
  callerInvite?: number;
  /** proxy -> endpoint INVITE (first transmission). */
  proxyInvite?: number;
  /** endpoint -> proxy responses (first of each). */
  endpoint100?: number;
  endpoint180?: number;
  endpoint200?: number;
  /** proxy -> sipp responses to the forwarded INVITE (first of each). */
  caller180?: number;
  caller200?: number;
  /** Final response status from the endpoint, if any (e.g. 486). */
  endpointFinal?: number;
  /** How many times the proxy sent the INVITE to the endpoint (>1: retransmitted). */
  proxyInviteCount: number;
  /** How many 200s to the INVITE the endpoint sent (>1: retransmitted, ACK late or lost). */
  endpoint200Count: number;
}

/**
 * Match INVITEs and their responses per Call-ID. `proxyPort` is the proxy's SIP port (5060), `callerPort` sipp's.
 * The proxy's side: INVITE from proxyPort to an endpoint port (any port but callerPort when `endpointPorts` is not
 * given), and responses from that port back to proxyPort.
 */
export function matchCalls(
  packets: SipPacket[],
  proxyPort: number,
  callerPort: number,
  endpointPorts?: ReadonlySet<number>,
): Map<string, CallTimes> {
  const calls = new Map<string, CallTimes>();
  const get = (p: SipPacket): CallTimes => {
    let c = calls.get(p.callId);
    if (!c) {
      c = { callId: p.callId, target: p.toUser, proxyInviteCount: 0, endpoint200Count: 0 };
      calls.set(p.callId, c);
    }
    return c;
  };
  /** The endpoint port each call's INVITE went to. */
  const endpointPort = new Map<string, number>();
  const sorted = [...packets].sort((a, b) => a.time - b.time);
  for (const p of sorted) {
    if (p.method === 'INVITE' && p.srcPort === callerPort && p.dstPort === proxyPort) {
      const c = get(p);
      if (p.headers.has('proxy-authorization') || p.headers.has('authorization')) c.callerInvite ??= p.time;
    } else if (p.method === 'INVITE' && p.srcPort === proxyPort && p.dstPort !== callerPort && (!endpointPorts || endpointPorts.has(p.dstPort))) {
      const c = get(p);
      c.proxyInvite ??= p.time;
      c.proxyInviteCount++;
      endpointPort.set(p.callId, p.dstPort);
    } else if (p.status !== undefined && p.cseqMethod === 'INVITE') {
      const c = calls.get(p.callId);
      if (!c) continue;
      if (p.dstPort === proxyPort && p.srcPort === endpointPort.get(p.callId)) {
        if (p.status === 100) c.endpoint100 ??= p.time;
        else if (p.status === 180) c.endpoint180 ??= p.time;
        else if (p.status === 200) {
          c.endpoint200 ??= p.time;
          c.endpoint200Count++;
        }
        if (p.status >= 200) c.endpointFinal ??= p.status;
      } else if (p.srcPort === proxyPort && p.dstPort === callerPort && c.callerInvite !== undefined) {
        if (p.status === 180) c.caller180 ??= p.time;
        else if (p.status === 200) c.caller200 ??= p.time;
      }
    }
  }
  return calls;
}
