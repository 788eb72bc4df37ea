// Domain types of the dispatcher's world, shared by the core (main/) and the renderer.
// It imports only the contract's own facts (./facts.ts): it is the contract, not an implementation.
import type { Cause } from './facts.js';

/** Milliseconds since the Unix epoch. */
export type Timestamp = number;

export const EMPLOYEE_ROLES = ['dispatcher', 'driver', 'other'] as const;
export type EmployeeRole = (typeof EMPLOYEE_ROLES)[number];

/** One row of the phone book: an employee with their numbers and, where the server reports it, presence. */
export interface PhoneBookEntry {
  employeeId: string;
  surname: string;
  firstName: string;
  /** Driver's or dispatcher's callsign [позывной], if they have one. */
  callsign: string | null;
  role: EmployeeRole;
  /** Phone numbers in E.164 (+79123456789) or short internal form (1002). */
  numbers: string[];
  /** SIP address used for presence and for calling the employee, e.g. sip:1002@pbx. */
  sipUri: string | null;
  /** true/false from SIP presence; null when the server does not report presence. */
  online: boolean | null;
}

/** Order statuses; which of them count as unfinished is spelled out in UNFINISHED_ORDER_STATUSES. */
export const ORDER_STATUSES = [
  'new', // taken, no driver yet
  'assigned', // a driver accepted it
  'driving-to-client',
  'waiting-for-client',
  'in-progress', // client on board
  'completed',
  'cancelled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const UNFINISHED_ORDER_STATUSES: readonly OrderStatus[] = [
  'new',
  'assigned',
  'driving-to-client',
  'waiting-for-client',
  'in-progress',
];

/** Statuses in which a driver is "carrying out" an order (the one shown when the driver calls). */
export const DRIVER_BUSY_ORDER_STATUSES: readonly OrderStatus[] = [
  'assigned',
  'driving-to-client',
  'waiting-for-client',
  'in-progress',
];

export interface Order {
  orderId: string;
  /** Human order number shown to the dispatcher. */
  number: string;
  clientId: string | null;
  clientName: string | null;
  clientPhone: string | null;
  driverId: string | null;
  driverName: string | null;
  driverCallsign: string | null;
  pickupAddress: string;
  destinationAddress: string | null;
  status: OrderStatus;
  note: string | null;
  createdAt: Timestamp;
}

export interface OrderFilter {
  statuses?: OrderStatus[];
  unfinishedOnly?: boolean;
  driverId?: string;
  clientId?: string;
  limit?: number;
}

export interface NewOrder {
  clientPhone: string;
  clientName?: string;
  pickupAddress: string;
  destinationAddress?: string;
  note?: string;
}

/** Who is calling (or being called), known from the number before the call is answered. */
export type CallerIdentity =
  | { kind: 'driver'; employeeId: string; name: string; callsign: string | null; currentOrder: Order | null }
  | { kind: 'employee'; employeeId: string; name: string; callsign: string | null; role: EmployeeRole }
  /** A known client; unfinishedOrders is empty for a client with nothing open. */
  | { kind: 'client'; clientId: string; name: string | null; unfinishedOrders: Order[] }
  | { kind: 'new-client' }
  /** No number to go by (anonymous caller) or identification failed (detail: the technical error). */
  | { kind: 'unknown'; reason: UnknownCallerReason; detail?: string };

/**
 * identifying: the lookup is still running. withheld: an anonymous caller. not-a-number: what was
 * presented is no phone number. failed: the lookup failed. unreadable: a history row we cannot read back.
 */
export type UnknownCallerReason = 'identifying' | 'withheld' | 'not-a-number' | 'failed' | 'unreadable';

export type CallDirection = 'incoming' | 'outgoing';

/**
 * ringing: incoming, in the queue, not answered yet.
 * dialing: outgoing, INVITE sent, no answer yet. early: the far end is ringing (180/183).
 * active: talking. held: we put it on hold. ended: gone (kept briefly so the UI can say why).
 */
export type CallState = 'ringing' | 'dialing' | 'early' | 'active' | 'held' | 'ended';

export type CallEndReason =
  | 'hung-up-local'
  | 'hung-up-remote'
  | 'cancelled-by-caller'
  | 'answered-elsewhere'
  | 'rejected'
  | 'busy'
  | 'no-answer'
  | 'not-found'
  | 'transferred'
  | 'failed'
  | 'connection-lost'
  /** The far end vanished without a BYE: no RTP while not on hold, or its session refresh failed. */
  | 'far-end-gone';

export type TransferStatus = 'trying' | 'ringing' | 'succeeded' | 'failed';

export type TransferProgress =
  | { kind: 'blind'; target: string; status: TransferStatus; cause: Cause | null }
  | {
      kind: 'attended';
      /** The consultation call with the transfer target. */
      consultationCallId: string;
      /** consulting: talking to the target; connecting: REFER sent; then succeeded/failed. */
      status: 'consulting' | 'connecting' | 'succeeded' | 'failed';
      /** Why it failed: the REFER's answer, or how the consultation call ended. */
      cause: Cause | null;
      /** How the consultation ended, when that is what made the transfer fail. */
      endReason?: CallEndReason;
    };

/** What an E-model (ITU-T G.107) estimate says of a call: R >= 80 good, 70..80 fair, below poor. */
export type CallQuality = 'good' | 'fair' | 'poor';

export interface MediaStats {
  codec: string | null;
  packetsSent: number;
  packetsReceived: number;
  packetsLost: number;
  jitterMs: number | null;
  /** RTP arrival -> the talk device: jitter buffer + our queue + the device's buffer, ms; null while nothing plays. */
  playoutDelayMs: number | null;
  /** Microphone -> network, ms; null while nothing is sent. */
  captureDelayMs: number | null;
  /** Round-trip time from RTCP (the far end's reports of our sender reports), ms; null until known. */
  rttMs: number | null;
  /** Percent of what we receive that was lost or came too late, over the last seconds. */
  lossPercent: number | null;
  /** Percent of what we send that the far end reports lost (its RTCP receiver reports); null until it reports. */
  remoteLossPercent: number | null;
  /** Interarrival jitter of our stream as the far end reports it, ms. */
  remoteJitterMs: number | null;
  /** Estimated MOS (1..4.5) from the E-model; null until a second of audio has been received. */
  mos: number | null;
  quality: CallQuality | null;
}

/** The worst quality figure a call had (kept in the history). */
export interface QualityRecord {
  mos: number;
  quality: CallQuality;
  lossPercent: number;
  jitterMs: number | null;
  rttMs: number | null;
}

export interface Call {
  callId: string;
  direction: CallDirection;
  /** The far end's number as dialled or as presented (normalised where possible). */
  number: string;
  displayName: string | null;
  remoteUri: string;
  identity: CallerIdentity;
  state: CallState;
  /** We put it on hold. */
  heldLocally: boolean;
  /** The far end put us on hold (its own state on screen). */
  heldRemotely: boolean;
  muted: boolean;
  /** When it began ringing (incoming) or was dialled (outgoing); the queue's order. */
  startedAt: Timestamp;
  answeredAt: Timestamp | null;
  endedAt: Timestamp | null;
  endReason: CallEndReason | null;
  /** The facts behind a failure (SIP code and phrase, a timeout ...), if any. */
  endCause: Cause | null;
  transfer: TransferProgress | null;
  /** Set on a consultation call: the call whose caller is being transferred. */
  consultationFor: string | null;
  media: MediaStats | null;
}

export const HISTORY_OUTCOMES = [
  'in-progress',
  'answered',
  'missed',
  'cancelled-by-caller',
  'answered-elsewhere',
  'transferred',
  'failed',
  'interrupted',
] as const;
export type HistoryOutcome = (typeof HISTORY_OUTCOMES)[number];

/** An interrupted call whose dialog the next start ended: the BYE was taken, refused (481: gone already) or unanswered. */
export type HistoryRecovery = 'bye-answered' | 'bye-refused' | 'bye-unanswered';

export interface HistoryEntry {
  historyId: number;
  callId: string;
  direction: CallDirection;
  number: string;
  identity: CallerIdentity;
  /** The dispatcher (SIP user) who handled it. */
  handledBy: string | null;
  startedAt: Timestamp;
  answeredAt: Timestamp | null;
  endedAt: Timestamp | null;
  durationSeconds: number | null;
  outcome: HistoryOutcome;
  /** For transferred calls: to whom. */
  transferredTo: string | null;
  /** How the call ended (null while in progress). */
  endReason: CallEndReason | null;
  /** For failed calls: the facts of why (SIP status, timeout ...), when known. */
  failureCause: Cause | null;
  heldCount: number;
  /** Interrupted calls only: what the next start did about the dialog the crash left open. */
  recovery?: HistoryRecovery;
  /** The worst quality figure media measured during the call (null: none measured, e.g. never connected). */
  worstQuality?: QualityRecord | null;
}

export interface HistoryQuery {
  /** Local calendar day, YYYY-MM-DD. */
  day?: string;
  number?: string;
  outcome?: HistoryOutcome;
  page?: number;
  pageSize?: number;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  total: number;
  page: number;
  pageSize: number;
}

export type RegistrationState =
  | { kind: 'unregistered' }
  | { kind: 'registering'; attempt: number }
  | { kind: 'registered'; expiresAt: Timestamp }
  | { kind: 'wrong-credentials'; code: number; reason: string }
  /** cause: the server's answer (sip), no answer (timeout) or a transport error (error). */
  | { kind: 'unreachable'; cause: Cause; retryAt: Timestamp | null }
  | { kind: 'server-error'; code: number; reason: string; retryAt: Timestamp | null };

/** What the dispatcher may choose: online takes calls, break sends new calls to colleagues (480). */
export const CHOSEN_PRESENCES = ['online', 'break'] as const;
export type ChosenPresence = (typeof CHOSEN_PRESENCES)[number];
/** The dispatcher's own status as shown: the choice, or offline while not registered. */
export type OwnPresence = ChosenPresence | 'offline';

export interface AudioDevice {
  id: string;
  name: string;
  kind: 'output' | 'input';
  isDefault: boolean;
}

/** Ring on the speaker, talk on the headset: three separate choices. */
export interface AudioRouting {
  ringDeviceId: string | null;
  talkOutputDeviceId: string | null;
  microphoneDeviceId: string | null;
}

export interface AudioDevices {
  outputs: AudioDevice[];
  inputs: AudioDevice[];
  routing: AudioRouting;
  /** Why the device list is unavailable, if it is. */
  error: string | null;
  /** Chosen devices that are not present now, by their last known name (the default is used meanwhile). */
  gone?: AudioDevice[];
}

/**
 * What the settings' microphone test heard (the testMicrophone command's result), over its `seconds`.
 * Levels in dBFS: 0 is full scale, a full-scale sine has an RMS of -3.
 */
export type MicTestResult =
  | { kind: 'sound'; peakDbfs: number; rmsDbfs: number; seconds: number }
  /** Nothing above the silence threshold (a muted or dead microphone, or nobody spoke); peakDbfs null: digital zero. */
  | { kind: 'silence'; peakDbfs: number | null; seconds: number };

/** How the phone reaches its SIP server. */
export const SIP_TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
export type SipTransport = (typeof SIP_TRANSPORTS)[number];

export const LOCALES = ['ru', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export interface Settings {
  locale: Locale;
  ringVolume: number; // 0..1
  /** 0..1: the soft beep in the headset when a second call rings during a call, set apart from the ring (the
   *  speaker's ring is for the room, the beep is in her ear). Absent = 1 (the beep's own soft level). */
  callWaitingVolume?: number;
  /** Global shortcuts (desktop only), as Electron accelerators; '' = none. Defaults in shared/keymap.ts. */
  shortcuts: { answer: string; hold: string; transfer: string; hangup: string };
  /** Desktop: take the play/pause and stop media keys (headsets send them). Absent = on. */
  mediaKeys?: boolean;
  /** Desktop: a tel:/sip: link calls at once when no call is up. Absent = off (the link fills the dial field and asks). */
  dialLinksAtOnce?: boolean;
  /** What a headset's Flash button does (HEADSET_FLASH_ACTIONS): hold/resume as most headsets mean it, or transfer. Absent = hold. */
  headsetFlash?: HeadsetFlashAction;
}

/** What a headset's Flash button may be set to: the key map's hold or transfer (shared/keymap.ts). */
export const HEADSET_FLASH_ACTIONS = ['hold', 'transfer'] as const;
export type HeadsetFlashAction = (typeof HEADSET_FLASH_ACTIONS)[number];
