// Registration and the dispatcher's own presence: not about calls, but the call centre asks two things of
// it (are we registered, are we on a break), so it lives beside it as its own room.
import type { OwnPresence, RegistrationState } from '../../shared/domain.js';
import type { PresenceState } from '../../shared/state.js';
import type { NoticeWhat } from '../../shared/facts.js';
import type { Telephony } from './ports.js';
import { errorText } from './leg-operations.js';

export class RegistrationDesk {
  private registration: RegistrationState = { kind: 'unregistered' };
  private chosen: Exclude<OwnPresence, 'offline'> = 'online';
  private serverSupportsPresence: boolean | null = null;

  constructor(
    private readonly telephony: Telephony,
    private readonly changed: () => void,
    private readonly guard: (run: () => void) => void,
    private readonly notify: (what: NoticeWhat) => void,
  ) {
    // The one decision; the SIP side asks it before it rings (no early 180 on a break).
    telephony.takesNewCalls(() => !this.onBreak());
    telephony.onRegistration((state) =>
      guard(() => {
        // A registrar that drops does not end calls: dialogs live on without it.
        this.registration = state;
        changed();
      }),
    );
    telephony.onPresenceSupport((supported) =>
      guard(() => {
        this.serverSupportsPresence = supported;
        changed();
      }),
    );
  }

  isRegistered(): boolean {
    return this.registration.kind === 'registered';
  }

  /** The one place that decides "on a break": new calls are refused here with 480. */
  onBreak(): boolean {
    return this.chosen === 'break';
  }

  state(): RegistrationState {
    return structuredClone(this.registration);
  }

  presence(): PresenceState {
    return {
      own: this.registration.kind === 'registered' ? this.chosen : 'offline',
      serverSupportsPresence: this.serverSupportsPresence,
    };
  }

  async setPresence(presence: Exclude<OwnPresence, 'offline'>): Promise<void> {
    this.chosen = presence;
    this.changed();
    try {
      await this.telephony.setOwnPresence(presence);
    } catch (err) {
      if (this.serverSupportsPresence !== false) this.notify({ kind: 'presence-not-sent', presence, detail: errorText(err) });
    }
  }

  reregister(): void {
    this.telephony.reregister();
  }
}
