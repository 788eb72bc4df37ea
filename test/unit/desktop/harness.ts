// Recording fakes of the desktop ports and a bridge whose state the test publishes.
import type { Call } from '../../../shared/domain.js';
import type { DesktopStatus } from '../../../shared/desktop.js';
import { ok } from '../../../shared/errors.js';
import type { PhoneState } from '../../../shared/state.js';
import { DesktopIntegration, type DesktopBridge } from '../../../main/desktop/desktop-integration.js';
import type { NotificationContent } from '../../../main/desktop/ports.js';
import type { TrayCommand, TrayView } from '../../../main/desktop/tray-view.js';
import { emptyPhoneState } from '../../support/phone-state.js';

export function call(callId: string, over: Partial<Call> = {}): Call {
  return {
    callId, direction: 'incoming', number: '2001', displayName: null, remoteUri: 'sip:2001@lab',
    identity: { kind: 'driver', employeeId: 'e1', name: 'Иванов Пётр', callsign: '17', currentOrder: null },
    state: 'ringing', heldLocally: false, heldRemotely: false, muted: false, startedAt: 1, answeredAt: null,
    endedAt: null, endReason: null, endCause: null, transfer: null, consultationFor: null, media: null, ...over,
  };
}

export function ringing(...calls: Call[]): PhoneState {
  return emptyPhoneState({ calls, incomingQueue: calls.filter((c) => c.state === 'ringing').map((c) => c.callId) });
}

export function harness(initial: PhoneState, options: { taken?: string[]; dialFails?: boolean } = {}) {
  let state = initial;
  let desktop: DesktopStatus | undefined;
  const listeners = new Set<(s: PhoneState) => void>();
  const sent: Array<[string, unknown]> = [];
  const bridge: DesktopBridge = {
    currentState: () => (desktop ? { ...state, desktop } : state),
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    dispatch: async (name, args) => {
      sent.push([String(name), args]);
      return name === 'dial' && options.dialFails ? { ok: false as const, error: { code: 'not-registered' as const, why: { kind: 'not-registered' as const } } } : ok(null);
    },
    setDesktop: (s) => {
      desktop = s;
      for (const l of listeners) l(bridge.currentState());
    },
  };
  const trays: TrayView[] = [];
  let trayCommand: (c: TrayCommand) => void = () => undefined;
  let trayClick: () => void = () => undefined;
  const notes: Array<{ content: NotificationContent; closed: boolean; click(): void; answer(): void }> = [];
  const shortcuts = new Map<string, () => void>();
  const windowCalls: string[] = [];
  let quits = 0;
  const integration = new DesktopIntegration(
    bridge,
    {
      tray: { show: (v) => trays.push(v), onCommand: (h) => (trayCommand = h), onClick: (h) => (trayClick = h), destroy: () => undefined },
      notifications: {
        show: (content, on) => {
          const note = { content, closed: false, ...on };
          notes.push(note);
          return { close: () => (note.closed = true) };
        },
      },
      shortcuts: {
        register: (acc, h) => (options.taken?.includes(acc) ? false : (shortcuts.set(acc, h), true)),
        unregister: (acc) => shortcuts.delete(acc),
        unregisterAll: () => shortcuts.clear(),
      },
      window: { show: () => windowCalls.push('show'), hide: () => windowCalls.push('hide'), isVisible: () => true },
    },
    () => quits++,
    { warn: () => {} },
  );
  const publish = (s: PhoneState) => {
    state = s;
    for (const l of listeners) l(bridge.currentState());
  };
  return {
    desktop: integration, bridge, publish, sent, trays, notes, shortcuts, windowCalls,
    quits: () => quits, tray: (c: TrayCommand) => trayCommand(c), clickTray: () => trayClick(),
    status: () => desktop,
  };
}
