// The desktop carrier: the same contract over Electron IPC. It takes the two Electron objects it needs
// as small ports, so this file never imports electron and can be tested in plain Node.
import { IPC_COMMAND_CHANNEL, IPC_STATE_CHANNEL, type ClientMessage } from '../../shared/commands.js';
import type { Result } from '../../shared/errors.js';
import type { PhoneBridge } from './phone-bridge.js';

/** The slice of Electron's ipcMain we use. */
export interface IpcMainPort {
  handle(channel: string, listener: (event: unknown, message: unknown) => Promise<Result<unknown>>): void;
  removeHandler(channel: string): void;
}

/** The slice of a BrowserWindow's webContents we use. */
export interface WebContentsPort {
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
}

export function attachIpcCarrier(bridge: PhoneBridge, ipcMain: IpcMainPort, contents: WebContentsPort): () => void {
  ipcMain.handle(IPC_COMMAND_CHANNEL, async (_event, message) => {
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
