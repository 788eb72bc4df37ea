// PhoneState: the one source of truth, published by the core, drawn by the renderer.
import type { DesktopStatus } from './desktop.js';
import type {
  AudioDevices,
  Call,
  OwnPresence,
  RegistrationState,
  Settings,
  SipTransport,
} from './domain.js';
import type { NoticeWhat, PasswordMissing } from './facts.js';

export interface AccountSummary {
  user: string;
  displayName: string | null;
  server: string;
  transport: SipTransport;
  /** desktop shell: the account has no password to register with; the settings ask for it (absent: it has one). */
  passwordMissing?: PasswordMissing;
}

export interface PresenceState {
  own: OwnPresence;
  /** null until known; false when the server does not do presence (the phone book then has no online marks). */
  serverSupportsPresence: boolean | null;
}

/** Something the dispatcher should read (a failed transfer, a refused command); shown until dismissed or expired. */
export interface Notice {
  noticeId: number;
  level: 'info' | 'warning' | 'error';
  /** What happened, with its facts; the renderer words it. */
  what: NoticeWhat;
  at: number;
  callId: string | null;
}

export interface PhoneState {
  /** Increases on every publish; lets a carrier drop stale snapshots. */
  version: number;
  account: AccountSummary;
  registration: RegistrationState;
  presence: PresenceState;
  /** Every live call plus recently ended ones (for a moment, so the UI can say why). */
  calls: Call[];
  /** Ids of ringing incoming calls in arrival order: the call indicator shows its length. */
  incomingQueue: string[];
  /** The call the dispatcher is talking on (its microphone is open), if any. */
  activeCallId: string | null;
  /** Moves when the phone book changed (presence, an import): the renderer searches again. */
  directoryRevision: number;
  devices: AudioDevices;
  settings: Settings;
  notices: Notice[];
  /** Added by the desktop shell (main/desktop); absent in the web host. */
  desktop?: DesktopStatus;
}

/** The part of PhoneState the call centre keeps and publishes; the state publisher adds the rest. */
export type CallsSnapshot = Pick<PhoneState, 'registration' | 'presence' | 'calls' | 'incomingQueue' | 'activeCallId' | 'notices'>;
