// The desktop carrier: the same contract over Electron IPC. It takes the two Electron objects it needs as small
// ports, so this file never imports electron and can be tested in plain Node. A command is answered only when
// it comes from the app's own window, from its top frame, showing the app's own page: a frame the page never
// meant to load (an injected iframe, a navigation that slipped through) gets `unauthorized`.
import { IPC_COMMAND_CHANNEL, IPC_STATE_CHANNEL, type ClientMessage } from '../../shared/commands.js';
import { fail, type Result } from '../../shared/errors.js';
import type { BridgeLike } from './shell-bridge.js';

/** The slice of an IpcMainInvokeEvent we check. */
export interface IpcEventPort {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown | null } | null;
}

/** The slice of Electron's ipcMain we use. */
export interface IpcMainPort {
  handle(channel: string, listener: (event: IpcEventPort, message: unknown) => Promise<Result<unknown>>): void;
  removeHandler(channel: string): void;
}

/** The slice of a BrowserWindow's webContents we use. */
export interface WebContentsPort {
  id: number;
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
}

/** True when the event comes from our window's top frame showing our page (`pageUrl`, with any query or hash). */
export function fromOwnWindow(event: IpcEventPort, contents: Pick<WebContentsPort, 'id'>, pageUrl: string): boolean {
  const frame = event.senderFrame;
  if (event.sender.id !== contents.id || frame === null || frame.parent !== null) return false;
  // The page itself, not a file whose name merely starts like it (index.html.evil.html beside it).
  return frame.url === pageUrl || frame.url.startsWith(`${pageUrl}#`) || frame.url.startsWith(`${pageUrl}?`);
}

export function attachIpcCarrier(bridge: BridgeLike, ipcMain: IpcMainPort, contents: WebContentsPort, pageUrl: string): () => void {
  ipcMain.handle(IPC_COMMAND_CHANNEL, async (event, message) => {
    if (!fromOwnWindow(event, contents, pageUrl)) return fail('unauthorized', { kind: 'unauthorized' });
    const m = (message ?? {}) as Partial<ClientMessage>;
    return bridge.dispatch(m.name, m.args);
  });
  const push = () => {
    if (!contents.isDestroyed()) contents.send(IPC_STATE_CHANNEL, bridge.currentState());
  };
  const unsubscribe = bridge.subscribe(push);
  push();
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_COMMAND_CHANNEL);
  };
}
