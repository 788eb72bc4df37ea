// Assembles PhoneState from the call centre's snapshot and the rest (account, devices, settings) and
// publishes each new version. The one source of truth the carriers hand to the renderer.
import type { AudioDevices, Settings } from '../../shared/domain.js';
import type { AccountSummary, CallsSnapshot, PhoneState } from '../../shared/state.js';
import type { StateSource } from './phone-bridge.js';

export interface StateInputs {
  account: AccountSummary;
  calls(): CallsSnapshot;
  /** Returns an unsubscribe. */
  onCallsChange(listener: () => void): () => void;
  devices(): AudioDevices;
  settings(): Settings;
  directoryRevision(): number;
}

export class PhoneStatePublisher implements StateSource {
  private version = 0;
  private state: PhoneState;
  private readonly listeners = new Set<(state: PhoneState) => void>();
  private scheduled = false;

  constructor(private readonly inputs: StateInputs) {
    this.state = this.compose();
    inputs.onCallsChange(() => this.changed());
  }

  current(): PhoneState {
    return this.state;
  }

  subscribe(listener: (state: PhoneState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Something changed: publish once per turn of the event loop (a burst of leg events is one frame).
   * setImmediate, not a microtask: the SIP work in hand (an answer's 200 OK goes out at the end of a
   * chain of promises) finishes before the state is composed and sent to the UI.
   */
  changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.state = this.compose();
      for (const listener of this.listeners) listener(this.state);
    });
  }

  private compose(): PhoneState {
    return {
      version: ++this.version,
      account: this.inputs.account,
      ...this.inputs.calls(),
      devices: this.inputs.devices(),
      directoryRevision: this.inputs.directoryRevision(),
      settings: this.inputs.settings(),
    };
  }
}
