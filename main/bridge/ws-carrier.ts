// The web host's carrier: serves the built renderer over HTTP and the contract over a WebSocket,
// on 127.0.0.1 only, with a per-run token (a connection without it is refused).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientMessage, ServerMessage } from '../../shared/commands.js';
import type { PhoneBridge } from './phone-bridge.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wav': 'audio/wav',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface WsCarrierOptions {
  bridge: PhoneBridge;
  /** Folder of the built renderer (index.html and assets). */
  rendererDir: string;
  port: number;
  token?: string;
  logger?: Pick<Console, 'warn' | 'error'>;
}

export interface WsCarrier {
  url: string;
  port: number;
  token: string;
  clients(): number;
  close(): Promise<void>;
}

const MAX_FRAME_BYTES = 64 * 1024;

export async function startWsCarrier(options: WsCarrierOptions): Promise<WsCarrier> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const logger = options.logger ?? console;
  const rendererDir = resolve(options.rendererDir);
  const http = createServer((req, res) => serveStatic(rendererDir, req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/phone' || !tokenMatches(url.searchParams.get('token'), token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const send = (message: ServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    send({ kind: 'state', state: options.bridge.currentState() });
    const unsubscribe = options.bridge.subscribe((state) => send({ kind: 'state', state }));
    ws.on('close', unsubscribe);
    ws.on('error', (error) => logger.warn(`web host socket error: ${error.message}`));
    ws.on('message', async (data, isBinary) => {
      const message = isBinary ? null : parseClientMessage(data.toString());
      if (!message) {
        // A frame we cannot even attribute to a request: say so on the socket, keep the connection.
        send({ kind: 'result', requestId: -1, result: { ok: false, error: { code: 'invalid-command', why: { kind: 'malformed-frame' } } } });
        return;
      }
      const result = await options.bridge.dispatch(message.name, message.args);
      send({ kind: 'result', requestId: message.requestId, result });
    });
  }

  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    http.listen(options.port, '127.0.0.1', () => resolveListen());
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    clients: () => wss.clients.size,
    close: () => closeServer(http, wss),
  };
}

function parseClientMessage(text: string): ClientMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (m.kind !== 'command' || typeof m.requestId !== 'number' || typeof m.name !== 'string') return null;
  return { kind: 'command', requestId: m.requestId, name: m.name as ClientMessage['name'], args: m.args };
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
  const relative = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^([/\\])+/, '');
  const file = join(root, relative);
  if (!(file === root || file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

function closeServer(http: Server, wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  wss.close();
  http.closeAllConnections();
  return new Promise((done) => http.close(() => done()));
}
