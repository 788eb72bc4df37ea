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
}

export interface LossyUdpRelay {
  /** Port the client sends to (its sip.server is 127.0.0.1:clientPort). */
  readonly clientPort: number;
  /** Port the relay talks to the server from (the client's address as the server sees it). */
  readonly serverSidePort: number;
  readonly toServer: DirectionStats;
  readonly toClient: DirectionStats;
  /** Change the loss rates at run time (1 = a dead link, both ways unless given). */
  setLoss(toServer: number, toClient?: number): void;
  close(): Promise<void>;
}

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function newStats(): DirectionStats {
  return { datagrams: 0, dropped: 0, forwarded: 0, retransmissions: 0, retransmittedByKind: {}, other: 0 };
}

/** Identity of a SIP message for spotting copies, and a short kind for the counters. */
export function messageKey(text: string): { key: string; kind: string } | null {
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
  return { key: `${start}|${branch}|${callId}|${cseq}`, kind };
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

  const account = (stats: DirectionStats, seen: Set<string>, data: Buffer): void => {
    stats.datagrams++;
    const id = messageKey(data.toString('utf8'));
    if (!id) {
      stats.other++;
      return;
    }
    if (seen.has(id.key)) {
      stats.retransmissions++;
      stats.retransmittedByKind[id.kind] = (stats.retransmittedByKind[id.kind] ?? 0) + 1;
    } else {
      seen.add(id.key);
      if (seen.size > 50_000) seen.clear();
    }
  };

  clientSide.on('message', (data, rinfo) => {
    client = { address: rinfo.address, port: rinfo.port };
    account(toServer, seenToServer, data);
    if (random() < lossToServer) {
      toServer.dropped++;
      return;
    }
    toServer.forwarded++;
    serverSide.send(data, serverPort, serverHost);
  });
  serverSide.on('message', (data) => {
    account(toClient, seenToClient, data);
    if (random() < lossToClient || !client) {
      toClient.dropped++;
      return;
    }
    toClient.forwarded++;
    clientSide.send(data, client.port, client.address);
  });

  return {
    clientPort,
    serverSidePort,
    toServer,
    toClient,
    setLoss(up: number, down = up) {
      lossToServer = up;
      lossToClient = down;
    },
    async close() {
      await Promise.all([
        new Promise<void>((r) => clientSide.close(() => r())),
        new Promise<void>((r) => serverSide.close(() => r())),
      ]);
    },
  };
}
