// One system notification per ringing call, unknown callers included. Each is kept (with its handlers) until
// its call is answered or gone, then closed: a notification the OS still shows for a call that ended would
// send the dispatcher after a caller who is no longer there.
import type { PhoneState } from '../../shared/state.js';
import { notificationContent } from './caller-words.js';
import type { NotificationHandle, NotificationPort } from './ports.js';
import { wordsFor } from './words.js';

export interface NotifierActions {
  /** The notification was clicked: bring the window up with the call list open. */
  showCallList(): void;
  answer(callId: string): void;
}

export class CallNotifier {
  /** Live notifications by call id; holding the handle keeps the Electron object (and its click handler) alive. */
  private readonly shown = new Map<string, NotificationHandle | null>();

  constructor(
    private readonly port: NotificationPort,
    private readonly actions: NotifierActions,
  ) {}

  update(state: PhoneState): void {
    const w = wordsFor(state.settings.locale);
    const ringing = new Set(state.incomingQueue);
    for (const [callId, handle] of this.shown) {
      if (ringing.has(callId)) continue;
      handle?.close();
      this.shown.delete(callId);
    }
    for (const callId of state.incomingQueue) {
      if (this.shown.has(callId)) continue;
      const call = state.calls.find((c) => c.callId === callId);
      if (!call) continue;
      const handle = this.port.show(notificationContent(w, call), {
        click: () => this.actions.showCallList(),
        answer: () => this.actions.answer(callId),
      });
      this.shown.set(callId, handle);
    }
  }

  /** Calls with a notification up. */
  live(): string[] {
    return [...this.shown.keys()];
  }

  closeAll(): void {
    for (const handle of this.shown.values()) handle?.close();
    this.shown.clear();
  }
}
