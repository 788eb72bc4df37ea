// The web host's carrier: serves the built renderer over HTTP and the contract over a WebSocket,
// on 127.0.0.1 only, with a per-run token (a connection without it is refused).
// No request may kill it: every path, header and frame gets an answer or a close (test/integration/app/
// web-host-garbage.test.ts throws garbage at a running host). A second tab shares control by design: the
// state is the core's, every tab draws the same PhoneState, and commands from any tab are validated and run in
// order; kicking the older tab would only make two reconnecting tabs throw each other out.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientMessage, ServerMessage } from '../../shared/commands.js';
import type { BridgeLike } from './shell-bridge.js';

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
  bridge: BridgeLike;
  /** Folder of the built renderer (index.html and assets). */
  rendererDir: string;
  port: number;
  token?: string;
  /** Served as /favicon.ico when the renderer has none (the app icon, assets/icon.png). */
  iconFile?: string;
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
/** Tabs at once: each costs a state push per publish; a loop of reconnects must not grow without bound. */
export const MAX_CLIENTS = 8;

export async function startWsCarrier(options: WsCarrierOptions): Promise<WsCarrier> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const logger = options.logger ?? console;
  const rendererDir = resolve(options.rendererDir);
  const http = createServer((req, res) => {
    try {
      serveStatic(rendererDir, options.iconFile ?? null, req, res);
    } catch (error) {
      logger.warn(`web host request ${String(req.url).slice(0, 80)} failed: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    }
  });
  // Malformed HTTP (garbage headers, bad request lines): answer 400 and drop the connection.
  http.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  let port = options.port;

  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: string) => socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    const target = parseTarget(req.url);
    if (!target || target.pathname !== '/phone' || !tokenMatches(target.searchParams.get('token'), token)) {
      refuse('401 Unauthorized');
      return;
    }
    if (!originAllowed(req.headers.origin, port)) {
      refuse('403 Forbidden');
      return;
    }
    if (wss.clients.size >= MAX_CLIENTS) {
      refuse('503 Service Unavailable');
      return;
    }
    try {
      wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
    } catch (error) {
      logger.warn(`web host upgrade failed: ${(error as Error).message}`);
      socket.destroy();
    }
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
      const message = isBinary ? null : parseClientMessage(String(data));
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
  port = typeof address === 'object' && address ? address.port : options.port;
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

/** The request target as a URL on our own origin; null when it is not an origin-form path we can read. */
function parseTarget(raw: string | undefined): URL | null {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//')) return null;
  try {
    return new URL(`http://127.0.0.1${raw}`);
  } catch {
    return null;
  }
}

/**
 * A browser always sends Origin on a WebSocket upgrade: only our own page (127.0.0.1 or localhost on our port)
 * may connect, so a page from elsewhere that learnt the token cannot drive the phone. A client without Origin is
 * not a browser (tests, scripts): it still needs the token.
 */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

function serveStatic(root: string, iconFile: string | null, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const target = parseTarget(req.url);
  let pathname: string | null = null;
  try {
    pathname = target ? decodeURIComponent(target.pathname) : null;
  } catch {
    pathname = null; // a bad percent escape: GET /%
  }
  if (pathname === null || pathname.includes('\0')) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request');
    return;
  }
  const relative = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^([/\\])+/, '');
  let file = join(root, relative);
  if (relative === 'favicon.ico' && !isFile(file) && iconFile && isFile(iconFile)) file = iconFile;
  else if (!(file === root || file.startsWith(root + sep)) || !isFile(file)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function closeServer(http: Server, wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  wss.close();
  http.closeAllConnections();
  return new Promise((done) => http.close(() => done()));
}
