// The ports the call centre works through. calls/ imports no sip.js, no electron, no native module:
// sip/ implements Telephony and CallLeg, media/ the Ringer, directory/ and store/ the rest.
import type {
  CallDirection,
  CallEndReason,
  CallerIdentity,
  MediaStats,
  RegistrationState,
  TransferStatus,
  OwnPresence,
} from '../../shared/domain.js';
import type { Result } from '../../shared/errors.js';
import type { Cause } from '../../shared/facts.js';

/** A leg operation the far end refused (a re-INVITE answered 488 ...): the centre reports its cause. */
export class LegFailure extends Error {
  constructor(override readonly cause: Cause) {
    super(cause.kind === 'sip' ? `${cause.code} ${cause.phrase ?? ''}`.trim() : cause.kind);
    this.name = 'LegFailure';
  }
}

/** What happens on one SIP dialog, reported by the leg. */
export type LegEvent =
  /** Outgoing: the far end is ringing (180) or sent early media (183). */
  | { type: 'progress'; code: number }
  /** The call is connected (200 OK sent or received and ACKed). */
  | { type: 'established' }
  /** The dialog is over, whoever ended it. Sent exactly once. */
  | { type: 'ended'; reason: CallEndReason; cause: Cause | null }
  /** The far end put us on hold (a=sendonly/inactive) or took us off it. */
  | { type: 'remote-hold'; held: boolean }
  /** Progress of a REFER we sent on this leg, from its NOTIFYs (sipfrag status). */
  | { type: 'refer-progress'; status: TransferStatus; code: number | null; reason: string | null };

export interface RemoteParty {
  /** User part of the far end's URI or P-Asserted-Identity, e.g. '+79123456789' or '1002'. */
  number: string;
  displayName: string | null;
  uri: string;
}

/** One SIP dialog (call leg) with its own media session. */
export interface CallLeg {
  readonly legId: string;
  readonly direction: CallDirection;
  readonly remote: RemoteParty;
  /** Subscribe to this leg's events; the listener sees every event after it subscribes. */
  onEvent(listener: (event: LegEvent) => void): () => void;
  /** Incoming only: 200 OK with our SDP answer; resolves when the call is established. */
  answer(): Promise<void>;
  /** Incoming only, before answer: refuse (486 Busy Here by default, 480 on a break). */
  decline(code?: number): Promise<void>;
  /** CANCEL before answer (outgoing), BYE after. Resolves once the dialog is gone. */
  hangup(): Promise<void>;
  /** re-INVITE with a=sendonly; local media stops sending from the microphone. */
  hold(): Promise<void>;
  /** re-INVITE with a=sendrecv. */
  resume(): Promise<void>;
  /** Stop sending microphone audio (no signalling). */
  setMuted(muted: boolean): void;
  /** Held here at once, no signalling: nothing sent to or played from this call while true. */
  holdLocally(held: boolean): void;
  /** RFC 4733 telephone-events. */
  sendDtmf(digits: string): Promise<void>;
  /** Blind transfer: REFER with Refer-To: target. Progress arrives as refer-progress events. */
  refer(targetUri: string): Promise<void>;
  /** Attended transfer: REFER with Refer-To: <consultation's remote>?Replaces=<consultation's dialog>. */
  referReplacing(consultation: CallLeg): Promise<void>;
  mediaStats(): MediaStats | null;
}

export interface IncomingInfo {
  /**
   * Incoming INVITE with Replaces: the leg (ours) it replaces. The telephony ends that leg itself once the
   * new one is established (RFC 3891); the call centre only records it as transferred.
   */
  replacesLegId: string | null;
  /** This leg was created because the far end transferred us (incoming REFER) away from this leg. */
  referredFromLegId: string | null;
}

/** The SIP side as the call centre sees it. */
export interface Telephony {
  /** Send an INVITE. Resolves once the INVITE is sent (not answered): follow the leg's events. */
  dial(targetUri: string): Promise<Result<CallLeg>>;
  /** A new incoming leg (INVITE), including INVITEs with Replaces and legs created by an incoming REFER. */
  onIncoming(listener: (leg: CallLeg, info: IncomingInfo) => void): () => void;
  onRegistration(listener: (state: RegistrationState) => void): () => void;
  /** Presence of other employees (by SIP URI); null = the server does not do presence. */
  onPresence(listener: (uri: string, online: boolean) => void): () => void;
  onPresenceSupport(listener: (supported: boolean) => void): () => void;
  /** Publish the dispatcher's own status to the server (nothing else: whether calls are taken is asked below). */
  setOwnPresence(presence: OwnPresence): Promise<void>;
  /**
   * The call centre's one answer to "is a new call taken now?" (false on a break). Asked synchronously for
   * each new INVITE, so the early 180 is never sent to a call that will be refused.
   */
  takesNewCalls(decide: () => boolean): void;
  /** How many calls ring in now (told on every change): presence's SUBSCRIBEs wait for them. */
  callsRinging(count: number): void;
  /** Subscribe to these employees' presence (replaces the previous list). */
  watchPresence(uris: string[]): void;
  /** Network changed or machine woke: re-register at once. */
  reregister(): void;
  /** Un-REGISTER and close. */
  stop(): Promise<void>;
}

/** Turns what the dispatcher typed into a SIP URI, or a clear error. */
export interface DialPlan {
  resolve(target: string): Result<{ uri: string; number: string }>;
}

/** Who is calling, from the number. Must answer quickly (it runs while the call rings). */
export interface CallerIdentifier {
  identify(number: string): Promise<CallerIdentity>;
}

/** The call history log: a row when a call starts, updated as it goes, so a crash loses nothing. */
export interface CallHistoryLog {
  callStarted(call: HistoryCallFacts): void;
  callUpdated(call: HistoryCallFacts): void;
}

export interface HistoryCallFacts {
  callId: string;
  direction: CallDirection;
  number: string;
  identity: CallerIdentity;
  handledBy: string | null;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  heldCount: number;
  endReason: CallEndReason | null;
  transferredTo: string | null;
  /** The facts behind a failed call's end (SIP status, timeout ...). */
  endCause: Cause | null;
}

/** The ring device: rings while calls wait and no one is being talked to; a soft beep while talking. */
export interface Ringer {
  setMode(mode: 'silent' | 'ringing' | 'call-waiting'): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

/** The ports (and knobs) a call centre is built from. */
export interface CallCentreDeps {
  telephony: Telephony;
  dialPlan: DialPlan;
  identifier: CallerIdentifier;
  history: CallHistoryLog;
  ringer: Ringer;
  clock: Clock;
  account: { user: string };
  /** How long an ended call stays in `calls` so the UI can say why (default 4000 ms). */
  endedCallLingerMs?: number;
  /** Upper bound on one leg operation (answer, hold, REFER...) before it counts as failed (default 32 s, SIP timer B). */
  legOperationTimeoutMs?: number;
  /** How many notices are kept (default 20, the newest). */
  maxNotices?: number;
  /** Call id generator (default: unique per process run and across runs). */
  newCallId?: () => string;
}
