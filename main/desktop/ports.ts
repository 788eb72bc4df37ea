// Desktop-only capabilities as small ports: the Electron adapters implement them, tests use fakes.
export interface TrayPort {
  /** Shows how many calls are ringing (0 = idle icon) with a tooltip. */
  showQueue(count: number, tooltip: string): void;
}

export interface NotificationPort {
  /** A system notification; onClick brings the window up (and may answer). */
  show(title: string, body: string, onClick: () => void): void;
}

export interface ShortcutPort {
  /** Registers a global shortcut (Electron accelerator). Returns false when another app holds it. */
  register(accelerator: string, handler: () => void): boolean;
  unregisterAll(): void;
}

export interface WindowPort {
  focus(): void;
}
