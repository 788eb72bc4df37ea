// When the desktop app hides, asks and quits. Closing the window while registered (or with a call up) hides it
// to the tray: a dispatcher who closes the window must not drop every call and vanish from the queue. Quitting
// with a call up asks first; quitting stops once (one re-entrancy guard) and waits a bounded time for the clean
// un-REGISTER before it exits anyway.
import type { PhoneState } from '../../shared/state.js';
import type { DialogPort, WindowPort } from './ports.js';
import { wordsFor } from './words.js';

export interface LifecycleDeps {
  state(): PhoneState;
  window: WindowPort;
  dialog: DialogPort;
  /** Stops the desktop shell and the core (ends calls, un-registers). */
  stop(): Promise<void>;
  exit(code: number): void;
  /** How long the clean stop may take before we exit regardless. */
  stopBoundMs?: number;
}

export function liveCalls(state: PhoneState): number {
  return state.calls.filter((c) => c.state !== 'ended' && c.state !== 'ringing').length;
}

export class AppLifecycle {
  private stopping: Promise<void> | null = null;
  private asking: Promise<boolean> | null = null;

  constructor(private readonly deps: LifecycleDeps) {}

  get isQuitting(): boolean {
    return this.stopping !== null;
  }

  /** The window's close button: true = keep running in the tray (the caller prevents the close and hides). */
  hideInsteadOfClose(): boolean {
    if (this.stopping) return false;
    const state = this.deps.state();
    return state.registration.kind === 'registered' || liveCalls(state) > 0;
  }

  /**
   * A request to quit (tray menu, before-quit, window-all-closed). Resolves false when the dispatcher chose to
   * stay; otherwise stops and exits. Calls while a quit is under way join it.
   */
  async quit(): Promise<boolean> {
    if (this.stopping) {
      await this.stopping;
      return true;
    }
    const calls = liveCalls(this.deps.state());
    if (calls > 0) {
      // One question at a time: a second quit request while the dialog is up waits for its answer.
      this.asking ??= this.ask(calls).finally(() => (this.asking = null));
      if (!(await this.asking)) return false;
      if (this.stopping) {
        await this.stopping;
        return true;
      }
    }
    this.stopping = this.stopAndExit();
    await this.stopping;
    return true;
  }

  private ask(calls: number): Promise<boolean> {
    const w = wordsFor(this.deps.state().settings.locale).quit;
    this.deps.window.show();
    return this.deps.dialog.confirmQuit(w.title, w.message(calls), w.detail, w.confirm, w.cancel);
  }

  private async stopAndExit(): Promise<void> {
    const bound = this.deps.stopBoundMs ?? 5000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), bound);
    });
    let code = 0;
    try {
      const outcome = await Promise.race([this.deps.stop().then(() => 'stopped' as const), timedOut]);
      if (outcome === 'timeout') code = 1;
    } catch {
      code = 1;
    } finally {
      clearTimeout(timer);
    }
    this.deps.exit(code);
  }
}
