// Which carrier the renderer talks over: Electron's preload exposes window.phone; a browser uses the web host's WebSocket.
import type { PhoneApi } from '../../shared/commands.js';
import { WebSocketPhoneApi } from './ws-api.js';

declare global {
  interface Window {
    /** Exposed by the Electron preload (contextBridge); absent in a browser. */
    phone?: PhoneApi;
  }
}

/** ws://<host>/phone?token=<the page's ?token=>. */
export function webSocketUrl(location: Pick<Location, 'host' | 'search' | 'protocol'>): string {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/phone?token=${encodeURIComponent(token)}`;
}

export function pickPhoneApi(win: Window = window): PhoneApi {
  if (win.phone) return win.phone;
  return new WebSocketPhoneApi(webSocketUrl(win.location));
}
