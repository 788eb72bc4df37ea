// Global shortcuts from the settings and the key map: applied at once when the settings change, each refusal
// (taken by another program, not an accelerator, the same keys twice) reported so the settings can show it.
import type { Settings } from '../../shared/domain.js';
import type { ShortcutRefusal } from '../../shared/desktop.js';
import { MEDIA_KEYS, SHORTCUT_ACTIONS, type KeyAction } from '../../shared/keymap.js';
import type { ShortcutPort } from './ports.js';

export class ShortcutController {
  private applied = '';
  private refused: ShortcutRefusal[] = [];

  constructor(
    private readonly port: ShortcutPort,
    private readonly perform: (action: KeyAction) => void,
  ) {}

  /** Registers what the settings ask for; does nothing when they have not changed. Returns the refusals. */
  apply(settings: Pick<Settings, 'shortcuts' | 'mediaKeys'>): ShortcutRefusal[] {
    const mediaKeys = settings.mediaKeys ?? true;
    const wanted = JSON.stringify([settings.shortcuts, mediaKeys]);
    if (wanted === this.applied) return this.refused;
    this.applied = wanted;
    this.port.unregisterAll();
    const refused: ShortcutRefusal[] = [];
    const taken = new Map<string, string>();
    const bind = (accelerator: string, action: KeyAction, setting: ShortcutRefusal['action']) => {
      const key = accelerator.toLowerCase().replace(/\s+/g, '');
      if (taken.has(key)) {
        refused.push({ action: setting, accelerator, why: 'duplicate' });
        return;
      }
      if (!this.port.register(accelerator, () => this.perform(action))) {
        refused.push({ action: setting, accelerator, why: 'taken' });
        return;
      }
      taken.set(key, setting);
    };
    for (const action of SHORTCUT_ACTIONS) {
      const accelerator = settings.shortcuts[action]?.trim();
      if (accelerator) bind(accelerator, action, action);
    }
    if (mediaKeys) for (const m of MEDIA_KEYS) bind(m.accelerator, m.action, 'media');
    this.refused = refused;
    return refused;
  }

  stop(): void {
    this.port.unregisterAll();
    this.applied = '';
  }
}
