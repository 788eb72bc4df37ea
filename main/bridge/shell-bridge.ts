// What the carriers talk to: the running core's bridge behind a stable face. The composition root swaps the
// core under it (a saved SIP account restarts the core; the first run starts with a setup bridge and no core),
// and the desktop shell lays its own status over the state. Versions are the shell's own, so a restarted
// core whose versions start again at 1 is not taken for a stale one by the renderer.
import type { DesktopStatus } from '../../shared/desktop.js';
import type { Result } from '../../shared/errors.js';
import type { PasswordMissing } from '../../shared/facts.js';
import type { PhoneState } from '../../shared/state.js';

/** The face of a bridge the carriers and the desktop use (PhoneBridge has it). */
export interface BridgeLike {
  currentState(): PhoneState;
  subscribe(listener: (state: PhoneState) => void): () => void;
  dispatch(name: unknown, args: unknown): Promise<Result<unknown>>;
}

export class ShellBridge implements BridgeLike {
  private innerOff: () => void;
  private desktop: DesktopStatus | undefined;
  private passwordMissing: PasswordMissing | null = null;
  private version = 0;
  private state: PhoneState;
  private readonly listeners = new Set<(state: PhoneState) => void>();

  constructor(private inner: BridgeLike) {
    this.state = this.compose();
    this.innerOff = inner.subscribe(() => this.publish());
  }

  /** Puts another core's bridge underneath; every listener sees its state at once. */
  swap(inner: BridgeLike): void {
    this.innerOff();
    this.inner = inner;
    this.innerOff = inner.subscribe(() => this.publish());
    this.publish();
  }

  setDesktop(status: DesktopStatus): void {
    if (this.desktop && JSON.stringify(this.desktop) === JSON.stringify(status)) return;
    this.desktop = status;
    this.publish();
  }

  /** The desktop app has no password for the account (AccountSummary.passwordMissing), or has one again (null). */
  setPasswordMissing(why: PasswordMissing | null): void {
    if (why === this.passwordMissing) return;
    this.passwordMissing = why;
    this.publish();
  }

  currentState(): PhoneState {
    return this.state;
  }

  subscribe(listener: (state: PhoneState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async dispatch(name: unknown, args: unknown): Promise<Result<unknown>> {
    const result = await this.inner.dispatch(name, args);
    // getState answers with the shell's state (the desktop status, the shell's version), like every push does.
    return name === 'getState' && result.ok ? { ok: true, value: this.currentState() } : result;
  }

  private compose(): PhoneState {
    let state = { ...this.inner.currentState(), version: ++this.version };
    if (this.passwordMissing && state.account.user !== '') state = { ...state, account: { ...state.account, passwordMissing: this.passwordMissing } };
    return this.desktop ? { ...state, desktop: this.desktop } : state;
  }

  private publish(): void {
    this.state = this.compose();
    for (const listener of this.listeners) listener(this.state);
  }
}
