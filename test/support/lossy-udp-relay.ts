// A lossy UDP relay for one SIP client: the client (the app) uses `clientPort` as its sip.server, the
// relay forwards to the server (Kamailio) from its own `serverSidePort`, and back. Each datagram is
// dropped with probability `loss` per direction, decided by a seeded RNG so a run can be repeated.
//
// Why requests from the server reach the client through the relay too: the client sends REGISTER
// through the relay with rport, so the registrar (Kamailio's fix_nated_register) stores the relay's
// server-side address as the contact's received address, and set_contact_alias does the same for
// dialog Contacts; everything the server sends to the client therefore arrives at serverSidePort,
// and the relay hands it to the last address the client spoke from.
//
// The relay also counts what it sees: datagrams and drops per direction, and copies of a message it
// has already forwarded or dropped once (same start line, top Via branch and CSeq): retransmissions.
import dgram from 'node:dgram';
import { seededRandom } from './seeded-random.js';

export interface LossyRelayOptions {
  /** Where the server is (default 127.0.0.1:5060). */
  serverHost?: string;
  serverPort?: number;
  /** Drop probability per datagram in each direction, 0..1 (default 0.2). */
  loss?: number;
  /** Separate rates per direction (override `loss`). */
  lossToServer?: number;
  lossToClient?: number;
  /** Seed of the RNG (default 1). */
  seed?: number;
  /** Keep a trace of every datagram (see `trace`); default false. Capped at `traceLimit` (default 20000). */
  trace?: boolean;
  traceLimit?: number;
}

/** One datagram as the relay saw it. */
export interface RelayTraceEntry {
  /** ms since the relay started. */
  t: number;
  dir: 'to-server' | 'to-client';
  dropped: boolean;
  /** Start line ('' for keep-alives and other non-SIP datagrams). */
  first: string;
  callId: string;
  cseq: string;
  branch: string;
}

export interface DirectionStats {
  datagrams: number;
  dropped: number;
  forwarded: number;
  /** Copies of a message already seen once in this direction (SIP retransmissions). */
  retransmissions: number;
  /** Retransmissions by what was repeated: "INVITE", "200/INVITE", "BYE"... */
  retransmittedByKind: Record<string, number>;
  /** CRLF keep-alives and other non-SIP datagrams. */
  other: number;
  /** Datagrams the server sent to the client-side port (it routed a request to the relay's address): dropped. */
  looped: number;
}

export interface LossyUdpRelay {
  /** Port the client sends to (its sip.server is 127.0.0.1:clientPort). */
  readonly clientPort: number;
  /** Port the relay talks to the server from (the client's address as the server sees it). */
  readonly serverSidePort: number;
  readonly toServer: DirectionStats;
  readonly toClient: DirectionStats;
  /** Date.now() when the relay started (trace times count from it). */
  readonly startedAt: number;
  /** Every datagram, oldest first (empty unless started with `trace: true`). */
  readonly trace: RelayTraceEntry[];
  /** The trace of one call (by Call-ID), as readable lines. */
  traceOf(callId: string): string[];
  /** Change the loss rates at run time (1 = a dead link, both ways unless given). */
  setLoss(toServer: number, toClient?: number): void;
  /** Also drop every SIP message this picks, by direction and kind ("BYE", "200/BYE"...); null: none. */
  dropWhen(pick: ((dir: RelayTraceEntry['dir'], kind: string) => boolean) | null): void;
  close(): Promise<void>;
}


function newStats(): DirectionStats {
  return { datagrams: 0, dropped: 0, forwarded: 0, retransmissions: 0, retransmittedByKind: {}, other: 0, looped: 0 };
}

/** Identity of a SIP message for spotting copies, and a short kind for the counters. */
export function messageKey(text: string): { key: string; kind: string; start: string; branch: string; callId: string; cseq: string } | null {
  const head = text.split('\r\n\r\n', 1)[0] ?? '';
  const lines = head.split('\r\n');
  const start = lines[0] ?? '';
  if (!/^(SIP\/2\.0 \d{3}|[A-Z]+ \S+ SIP\/2\.0)/.test(start)) return null;
  const header = (name: RegExp): string => lines.find((l) => name.test(l)) ?? '';
  const via = header(/^(via|v)\s*:/i);
  const branch = /branch=([^;,\s]+)/i.exec(via)?.[1] ?? '';
  const cseq = header(/^cseq\s*:/i).replace(/^cseq\s*:\s*/i, '').trim();
  const callId = header(/^(call-id|i)\s*:/i).replace(/^(call-id|i)\s*:\s*/i, '').trim();
  const method = cseq.split(/\s+/)[1] ?? '';
  const status = /^SIP\/2\.0 (\d{3})/.exec(start)?.[1];
  const kind = status ? `${status}/${method}` : method;
  return { key: `${start}|${branch}|${callId}|${cseq}`, kind, start, branch, callId, cseq };
}

export async function startLossyUdpRelay(options: LossyRelayOptions = {}): Promise<LossyUdpRelay> {
  const serverHost = options.serverHost ?? '127.0.0.1';
  const serverPort = options.serverPort ?? 5060;
  let lossToServer = options.lossToServer ?? options.loss ?? 0.2;
  let lossToClient = options.lossToClient ?? options.loss ?? 0.2;
  const random = seededRandom(options.seed ?? 1);
  const toServer = newStats();
  const toClient = newStats();
  const seenToServer = new Set<string>();
  const seenToClient = new Set<string>();
  let client: { address: string; port: number } | null = null;
  let picked: ((dir: RelayTraceEntry['dir'], kind: string) => boolean) | null = null;
  const trace: RelayTraceEntry[] = [];
  const traceLimit = options.traceLimit ?? 20_000;
  const t0 = Date.now();
  const note = (dir: RelayTraceEntry['dir'], id: ReturnType<typeof messageKey>, dropped: boolean): void => {
    if (!options.trace || trace.length >= traceLimit) return;
    trace.push({
      t: Date.now() - t0,
      dir,
      dropped,
      first: id?.start ?? '',
      callId: id?.callId ?? '',
      cseq: id?.cseq ?? '',
      branch: id?.branch ?? '',
    });
  };

  const bind = (socket: dgram.Socket): Promise<number> =>
    new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        socket.on('error', () => undefined); // ICMP errors on a dead server: keep relaying
        resolve(socket.address().port);
      });
    });
  const clientSide = dgram.createSocket('udp4');
  const serverSide = dgram.createSocket('udp4');
  const clientPort = await bind(clientSide);
  const serverSidePort = await bind(serverSide);

  const account = (stats: DirectionStats, seen: Set<string>, data: Buffer): ReturnType<typeof messageKey> => {
    stats.datagrams++;
    const id = messageKey(data.toString('utf8'));
    if (!id) {
      stats.other++;
      return null;
    }
    if (seen.has(id.key)) {
      stats.retransmissions++;
      stats.retransmittedByKind[id.kind] = (stats.retransmittedByKind[id.kind] ?? 0) + 1;
    } else {
      seen.add(id.key);
      if (seen.size > 50_000) seen.clear();
    }
    return id;
  };

  clientSide.on('message', (data, rinfo) => {
    // The server itself may send here: the client's requests name the relay's address (e.g. the
    // keep-alive OPTIONS to sip:127.0.0.1:<clientPort>) and a proxy routes them on to it. That is not
    // the client speaking: taking it as the client's address would send the server's traffic back to
    // the server until the client spoke again. Drop it (a real proxy would see no loop either: its
    // own address is its own).
    if (rinfo.port === serverPort && rinfo.address === serverHost) {
      toServer.looped++;
      note('to-server', messageKey(data.toString('utf8')), true);
      return;
    }
    client = { address: rinfo.address, port: rinfo.port };
    const id = account(toServer, seenToServer, data);
    if (random() < lossToServer || (id && picked?.('to-server', id.kind))) {
      toServer.dropped++;
      note('to-server', id, true);
      return;
    }
    note('to-server', id, false);
    toServer.forwarded++;
    serverSide.send(data, serverPort, serverHost);
  });
  serverSide.on('message', (data) => {
    const id = account(toClient, seenToClient, data);
    if (random() < lossToClient || !client || (id && picked?.('to-client', id.kind))) {
      toClient.dropped++;
      note('to-client', id, true);
      return;
    }
    note('to-client', id, false);
    toClient.forwarded++;
    clientSide.send(data, client.port, client.address);
  });

  return {
    clientPort,
    serverSidePort,
    toServer,
    toClient,
    startedAt: t0,
    trace,
    traceOf(callId: string) {
      return trace
        .filter((e) => e.callId === callId)
        .map((e) => `${String(e.t).padStart(7)} ${e.dir === 'to-server' ? 'app -> srv' : 'srv -> app'} ${e.dropped ? 'DROP' : '    '} ${e.first} | ${e.cseq} | ${e.branch}`);
    },
    setLoss(up: number, down = up) {
      lossToServer = up;
      lossToClient = down;
    },
    dropWhen(pick) {
      picked = pick;
    },
    async close() {
      await Promise.all([
        new Promise<void>((r) => clientSide.close(() => r())),
        new Promise<void>((r) => serverSide.close(() => r())),
      ]);
    },
  };
}
