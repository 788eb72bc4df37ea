// What the desktop adds around the core: tray count and notifications for ringing calls, global
// shortcuts (and headset buttons) for answer / hold / transfer / hang up. Pure logic over ports.
import type { Call, CallerIdentity, Settings } from '../../shared/domain.js';
import type { PhoneState } from '../../shared/state.js';
import type { PhoneBridge } from '../bridge/phone-bridge.js';
import type { NotificationPort, ShortcutPort, TrayPort, WindowPort } from './ports.js';

export type HeadsetAction = 'answer' | 'hold' | 'transfer' | 'hangup';

export class DesktopIntegration {
  private announced = new Set<string>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly bridge: PhoneBridge,
    private readonly ports: { tray: TrayPort; notifications: NotificationPort; shortcuts: ShortcutPort; window: WindowPort },
    private readonly logger: Pick<Console, 'warn'> = console,
  ) {}

  start(): void {
    this.unsubscribe = this.bridge.subscribe((state) => this.onState(state));
    this.onState(this.bridge.currentState());
    this.registerShortcuts(this.bridge.currentState().settings.shortcuts);
  }

  stop(): void {
    this.unsubscribe?.();
    this.ports.shortcuts.unregisterAll();
  }

  registerShortcuts(shortcuts: Settings['shortcuts']): void {
    this.ports.shortcuts.unregisterAll();
    for (const action of ['answer', 'hold', 'transfer', 'hangup'] as const) {
      const accelerator = shortcuts[action];
      if (!accelerator) continue;
      if (!this.ports.shortcuts.register(accelerator, () => void this.perform(action))) {
        this.logger.warn(`global shortcut ${accelerator} for ${action} is taken by another application`);
      }
    }
  }

  /** One action from a shortcut or a headset button, decided from the current state. */
  async perform(action: HeadsetAction): Promise<void> {
    const state = this.bridge.currentState();
    const active = state.calls.find((c) => c.callId === state.activeCallId) ?? null;
    const oldestRinging = state.incomingQueue[0] ?? null;
    switch (action) {
      case 'answer':
        if (oldestRinging) await this.bridge.dispatch('answer', { callId: oldestRinging });
        return;
      case 'hold': {
        const target = active ?? state.calls.find((c) => c.state === 'held') ?? null;
        if (target) await this.bridge.dispatch(target.state === 'held' ? 'resume' : 'hold', { callId: target.callId });
        return;
      }
      case 'hangup':
        if (active) await this.bridge.dispatch('hangup', { callId: active.callId });
        return;
      case 'transfer':
        // Choosing whom to transfer to needs the window: bring it up with the transfer panel.
        this.ports.window.focus();
        return;
    }
  }

  private onState(state: PhoneState): void {
    const ringing = state.incomingQueue
      .map((id) => state.calls.find((c) => c.callId === id))
      .filter((c): c is Call => c !== undefined);
    this.ports.tray.showQueue(ringing.length, ringing.length ? `${ringing.length} incoming` : 'Dispatch Phone');
    for (const call of ringing) {
      if (this.announced.has(call.callId) || call.identity.kind === 'unknown') continue;
      this.announced.add(call.callId);
      this.ports.notifications.show(describeCaller(call.identity, call.number), call.number, () => {
        this.ports.window.focus();
      });
    }
    for (const id of this.announced) if (!state.incomingQueue.includes(id)) this.announced.delete(id);
  }
}

export function describeCaller(identity: CallerIdentity, number: string): string {
  switch (identity.kind) {
    case 'driver':
      return `Driver ${identity.name}${identity.callsign ? ` (${identity.callsign})` : ''}`;
    case 'employee':
      return identity.name;
    case 'client':
      return identity.unfinishedOrders.length
        ? `Client ${identity.name ?? number}: ${identity.unfinishedOrders.length} unfinished`
        : `Client ${identity.name ?? number}`;
    case 'new-client':
      return `New client ${number}`;
    case 'unknown':
      return number;
  }
}
