// A valid PhoneState to start tests from.
import { DEFAULT_GLOBAL_SHORTCUTS } from '../../shared/keymap.js';
import type { PhoneState } from '../../shared/state.js';

export function emptyPhoneState(overrides: Partial<PhoneState> = {}): PhoneState {
  return {
    version: 1,
    account: { user: '1000', displayName: 'Test', server: '127.0.0.1:5060', transport: 'udp' },
    registration: { kind: 'registered', expiresAt: Date.now() + 600_000 },
    presence: { own: 'online', serverSupportsPresence: true },
    calls: [],
    incomingQueue: [],
    activeCallId: null,
    directoryRevision: 0,
    devices: { outputs: [], inputs: [], routing: { ringDeviceId: null, talkOutputDeviceId: null, microphoneDeviceId: null }, error: null },
    settings: { locale: 'en', ringVolume: 1, shortcuts: DEFAULT_GLOBAL_SHORTCUTS },
    notices: [],
    ...overrides,
  };
}
