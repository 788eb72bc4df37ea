// What the desktop adds around the core: the tray (icon, tooltip, menu), a notification per ringing call,
// global shortcuts and media keys, tel:/sip: links, and requests to the window. Logic over ports; every key
// and menu item is decided by the shared key map (shared/keymap.ts), the same as in the window.
import type { DesktopStatus, ShortcutRefusal, WindowRequest } from '../../shared/desktop.js';
import { commandForKey, type KeyAction } from '../../shared/keymap.js';
import type { PhoneState } from '../../shared/state.js';
import type { BridgeLike } from '../bridge/shell-bridge.js';
import { CallNotifier } from './call-notifier.js';
import { decideLink } from './links.js';
import type { NotificationPort, ShortcutPort, TrayPort, WindowPort } from './ports.js';
import { ShortcutController } from './shortcut-controller.js';
import { trayView, type TrayCommand } from './tray-view.js';

export interface DesktopPorts {
  tray: TrayPort;
  notifications: NotificationPort;
  shortcuts: ShortcutPort;
  window: WindowPort;
}

export interface DesktopBridge extends BridgeLike {
  setDesktop(status: DesktopStatus): void;
}

export class DesktopIntegration {
  private unsubscribe: (() => void) | null = null;
  private readonly notifier: CallNotifier;
  private readonly shortcuts: ShortcutController;
  private refused: ShortcutRefusal[] = [];
  private request: WindowRequest | null = null;
  private seq = 0;
  private lastTray = '';

  constructor(
    private readonly bridge: DesktopBridge,
    private readonly ports: DesktopPorts,
    private readonly quit: () => void,
    private readonly logger: Pick<Console, 'warn'> = console,
  ) {
    this.notifier = new CallNotifier(ports.notifications, {
      showCallList: () => this.showWindow('call-list'),
      answer: (callId) => void this.bridge.dispatch('answer', { callId }),
    });
    this.shortcuts = new ShortcutController(ports.shortcuts, (action) => void this.perform(action));
  }

  start(): void {
    this.ports.tray.onCommand((command) => void this.onTrayCommand(command));
    this.ports.tray.onClick(() => this.showWindow(null));
    this.unsubscribe = this.bridge.subscribe((state) => this.onState(state));
    this.onState(this.bridge.currentState());
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.shortcuts.stop();
    this.notifier.closeAll();
  }

  /** One action from a global shortcut, a media key or the tray, decided from the current state. */
  async perform(action: KeyAction): Promise<void> {
    const command = commandForKey(action, this.bridge.currentState());
    switch (command?.name) {
      case 'answer':
      case 'hold':
      case 'resume':
      case 'hangup':
        await this.bridge.dispatch(command.name, command.args);
        return;
      case 'show-transfer':
        this.ports.window.show();
        this.setRequest({ seq: ++this.seq, open: 'transfer', callId: command.callId });
        return;
      case 'focus-phone-book':
      case 'close-popups':
      case undefined:
        return;
    }
  }

  /** A tel:/sip: link target (already decoded by parseLink). */
  async openLink(target: string): Promise<void> {
    const decision = decideLink(target, this.bridge.currentState());
    if (decision.kind === 'dial') {
      const result = await this.bridge.dispatch('dial', { target: decision.target });
      if (result.ok) return;
      this.logger.warn(`link ${target} could not be dialled at once; asking in the window`);
    }
    this.ports.window.show();
    this.setRequest({ seq: ++this.seq, open: 'dial', target: decision.target });
  }

  showWindow(open: 'call-list' | null): void {
    this.ports.window.show();
    if (open) this.setRequest({ seq: ++this.seq, open });
  }

  private async onTrayCommand(command: TrayCommand): Promise<void> {
    switch (command) {
      case 'answer':
        return this.perform('answer');
      case 'hangup':
        return this.perform('hangup');
      case 'break-on':
        await this.bridge.dispatch('setPresence', { presence: 'break' });
        return;
      case 'break-off':
        await this.bridge.dispatch('setPresence', { presence: 'online' });
        return;
      case 'show':
        return this.showWindow(null);
      case 'quit':
        return this.quit();
    }
  }

  private onState(state: PhoneState): void {
    const view = trayView(state);
    const key = JSON.stringify(view);
    if (key !== this.lastTray) {
      this.lastTray = key;
      this.ports.tray.show(view);
    }
    this.notifier.update(state);
    const refused = this.shortcuts.apply(state.settings);
    if (JSON.stringify(refused) !== JSON.stringify(this.refused)) {
      this.refused = refused;
      for (const r of refused) this.logger.warn(`global shortcut ${r.accelerator} (${r.action}) refused: ${r.why}`);
      this.publish();
    } else if (!state.desktop) this.publish();
  }

  private setRequest(request: WindowRequest): void {
    this.request = request;
    this.publish();
  }

  private publish(): void {
    this.bridge.setDesktop({ shortcutsRefused: this.refused, request: this.request });
  }
}
