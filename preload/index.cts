// Preload: exposes the typed contract as window.phone and nothing else. Sandboxed preloads are CommonJS
// and may require only electron, so the channel names are repeated here, checked against shared/ by type.
import { contextBridge, ipcRenderer } from 'electron';
import type { PhoneApi } from '../shared/commands.js';
import type { PhoneState } from '../shared/state.js';

const COMMAND_CHANNEL: typeof import('../shared/commands.js').IPC_COMMAND_CHANNEL = 'phone:command';
const STATE_CHANNEL: typeof import('../shared/commands.js').IPC_STATE_CHANNEL = 'phone:state';

const phone: PhoneApi = {
  invoke: (name, args) => ipcRenderer.invoke(COMMAND_CHANNEL, { kind: 'command', requestId: 0, name, args }),
  onState(listener) {
    const handler = (_event: unknown, state: PhoneState) => listener(state);
    ipcRenderer.on(STATE_CHANNEL, handler);
    void phone.invoke('getState', {}).then((result) => {
      if (result.ok) listener(result.value);
    });
    return () => {
      ipcRenderer.removeListener(STATE_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('phone', phone);
