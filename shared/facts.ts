// What happened, as typed facts: the core says what, the renderer (and the tray) say it in Russian or
// English (renderer/i18n, main/desktop/words.ts). No sentence crosses the contract; `detail` fields
// carry only technical text from a library or the OS (an errno, a TLS alert), shown in brackets.
import type { CallEndReason, CallState, OwnPresence } from './domain.js';

/** Who a notice is about, as the call centre knows them (the renderer formats "Name (callsign)"). */
export interface Party {
  name: string | null;
  callsign: string | null;
  number: string;
}

/** A call operation that went to the network (or the media) and can fail or time out. */
export type LegOperation =
  | 'answer'
  | 'decline'
  | 'hang-up'
  | 'hold'
  | 'resume'
  | 'dtmf'
  | 'refer'
  | 'invite'
  | 'mute'
  | 'register'
  | 'keep-alive';

/** Why a call, a transfer or an operation failed: the facts behind an end reason or an error. */
export type Cause =
  /** A SIP final response (486 Busy Here, 404 ...), from the far end or the proxy. */
  | { kind: 'sip'; code: number; phrase: string | null }
  /** The far end never answered the operation within the bound. */
  | { kind: 'timeout'; operation: LegOperation; seconds: number }
  /** The dispatcher declined a ringing call. */
  | { kind: 'declined-by-dispatcher' }
  /** Declined with 480 because the dispatcher is on a break. */
  | { kind: 'on-break' }
  /** The caller hung up before the consultation call could be placed. */
  | { kind: 'caller-left-before-consultation' }
  /** Another call could not be put on hold first, so this one did not go on (never two open microphones). */
  | { kind: 'could-not-hold-other'; party: Party; cause: Cause }
  /** No RTP from the far end for this long while neither side held the call. */
  | { kind: 'no-media'; seconds: number }
  /** An RFC 4028 session refresh failed (code) or never came (code null) within the interval. */
  | { kind: 'session-refresh-failed'; code: number | null; seconds: number }
  /** The connection to the server (or the far end) was lost. */
  | { kind: 'connection-lost' }
  /** A library or OS error, with its technical text. */
  | { kind: 'error'; detail: string };

/** Why a command was refused or failed (PhoneError.why). */
export type ErrorWhy =
  | { kind: 'bad-argument'; command: string; field: string | null; issue: string }
  | { kind: 'malformed-frame' }
  | { kind: 'unknown-command'; command: string }
  | { kind: 'no-such-call'; callId: string }
  | { kind: 'call-ended'; endReason: CallEndReason | null }
  /** The call is in a state where this action is impossible (hold a ringing call ...). */
  | { kind: 'call-not-ready'; action: CallAction; state: CallState }
  | { kind: 'already-in-progress'; action: CallAction }
  | { kind: 'being-declined' }
  | { kind: 'being-hung-up' }
  | { kind: 'is-consultation' }
  | { kind: 'no-consultation' }
  | { kind: 'consultation-abandoned' }
  | { kind: 'consultation-ended' }
  | { kind: 'caller-gone' }
  | { kind: 'target-not-answered' }
  | { kind: 'connecting-in-progress' }
  | { kind: 'already-transferred' }
  | { kind: 'no-connection' }
  | { kind: 'shutting-down' }
  | { kind: 'not-registered' }
  | { kind: 'invalid-number'; input: string; problem: NumberProblem }
  | { kind: 'invalid-dtmf' }
  | { kind: 'operation-failed'; operation: LegOperation; party: Party | null; cause: Cause }
  | { kind: 'not-found'; what: 'order' | 'employee' | 'client' | 'notice' | 'history'; id: string }
  | { kind: 'invalid-field'; field: string; rule: FieldRule; max?: number }
  | { kind: 'storage'; detail: string }
  | { kind: 'stored-not-readable' }
  | { kind: 'audio'; detail: string }
  | { kind: 'unauthorized' }
  /** The renderer lost its connection to the phone core (or never had one). */
  | { kind: 'core-unreachable' }
  /** The phone core did not answer a command in time. */
  | { kind: 'core-timeout'; command: string }
  /** media: the microphone test is refused while a call has audio (the call is using the microphone). */
  | { kind: 'mic-test-during-call' }
  /** media: a call's audio started during the microphone test: the test stopped. */
  | { kind: 'mic-test-interrupted' }
  /** media: the chosen device (named by its last known name) is not connected now. */
  | { kind: 'device-not-connected'; role: DeviceRole; device: string }
  /** media: the input gave no audio at all in `seconds` (another program holds it, or it is failing). */
  | { kind: 'mic-no-signal'; seconds: number }
  /** desktop shell: the SIP account cannot change while a call is up (the core restarts with it). */
  | { kind: 'account-change-during-call' }
  /** desktop shell: this entry takes its account from the config file only. */
  | { kind: 'account-not-editable' }
  | { kind: 'internal'; detail: string };

/** What is wrong with a dial string. */
export type NumberProblem = 'empty' | 'too-long' | 'not-a-phone-number' | 'sip-without-user' | 'sip-bad-host' | 'sip-bad-user';

export type CallAction = 'answer' | 'decline' | 'hold' | 'resume' | 'mute' | 'unmute' | 'dtmf' | 'transfer' | 'connect' | 'back';

/** A rule a field broke (validation of domain data). */
export type FieldRule = 'required' | 'too-long' | 'not-a-phone-number' | 'unknown-value' | 'bad-format' | 'not-text';

/** Something the dispatcher should read, with its facts (Notice.what). */
export type NoticeWhat =
  | { kind: 'call-failed'; party: Party; reason: CallEndReason; cause: Cause | null }
  | { kind: 'call-cut-off'; party: Party; reason: CallEndReason; cause: Cause | null }
  | { kind: 'answered-and-held'; party: Party }
  | { kind: 'transfer-failed'; party: Party; target: string; cause: Cause | null }
  | { kind: 'resume-failed'; party: Party; cause: Cause }
  /** The call is held here, but the far end refused (or never answered) the hold re-INVITE. */
  | { kind: 'hold-not-accepted'; party: Party; cause: Cause }
  /** The call is back here, but the far end refused (or never answered) the resume re-INVITE. */
  | { kind: 'resume-not-accepted'; party: Party; cause: Cause }
  | { kind: 'connect-failed'; party: Party; target: Party | null; cause: Cause | null; callerHeld: boolean }
  | { kind: 'consultation-ended'; target: Party; caller: Party; reason: CallEndReason; cause: Cause | null; callerHeld: boolean }
  | { kind: 'caller-left-consultation'; caller: Party; target: Party }
  | { kind: 'presence-not-sent'; presence: Exclude<OwnPresence, 'offline'>; detail: string }
  | { kind: 'history-write-failed'; detail: string }
  | { kind: 'internal-error'; detail: string }
  /**
   * media: a chosen audio device is not there (unplugged, or missing at start): its role now uses the
   * system default. `wanted` and `using` are device names (`using` null: the default has no name we
   * know); `midCall`: a call's audio moved just now.
   */
  | { kind: 'device-fallback'; role: DeviceRole; wanted: string; using: string | null; midCall: boolean };

/** desktop shell: why the desktop app has no SIP password to register with (AccountSummary.passwordMissing). */
export type PasswordMissing =
  /** The config names the account but holds no password (and none sealed). */
  | 'not-saved'
  /** The OS has no keyring to seal it with (Linux without libsecret/kwallet): it is asked at every start. */
  | 'no-keyring'
  /** The sealed password does not open here (another machine or user profile, a reset keyring). */
  | 'sealed-elsewhere';

/**
 * desktop shell: why the settings open on the SIP account fields by themselves (renderer/settings/account-attention.ts
 * derives it from PhoneState): no account yet, no password to register with, or the server refused the account.
 */
export type AccountAttention =
  | { kind: 'no-account' }
  | { kind: 'password-missing'; why: PasswordMissing }
  /** The registrar answered 401/403 (or 407) to the account's credentials. */
  | { kind: 'credentials-refused'; code: number };

/** The three audio choices of the settings. */
export type DeviceRole = 'ring' | 'talk' | 'microphone';

export type NoticeKind = NoticeWhat['kind'];
export type ErrorWhyKind = ErrorWhy['kind'];
export type CauseKind = Cause['kind'];
export type AccountAttentionKind = AccountAttention['kind'];

// Every code, as a list a test can walk (both dictionaries must word each one). The `satisfies` and the
// checks below make a code added to a union without being listed here a type error.
export const NOTICE_KINDS = [
  'call-failed',
  'call-cut-off',
  'answered-and-held',
  'transfer-failed',
  'resume-failed',
  'hold-not-accepted',
  'resume-not-accepted',
  'connect-failed',
  'consultation-ended',
  'caller-left-consultation',
  'presence-not-sent',
  'history-write-failed',
  'internal-error',
  'device-fallback',
] as const satisfies readonly NoticeKind[];

export const ERROR_WHY_KINDS = [
  'bad-argument',
  'malformed-frame',
  'unknown-command',
  'no-such-call',
  'call-ended',
  'call-not-ready',
  'already-in-progress',
  'being-declined',
  'being-hung-up',
  'is-consultation',
  'no-consultation',
  'consultation-abandoned',
  'consultation-ended',
  'caller-gone',
  'target-not-answered',
  'connecting-in-progress',
  'already-transferred',
  'no-connection',
  'shutting-down',
  'not-registered',
  'invalid-number',
  'invalid-dtmf',
  'operation-failed',
  'not-found',
  'invalid-field',
  'storage',
  'stored-not-readable',
  'audio',
  'mic-test-during-call',
  'mic-test-interrupted',
  'device-not-connected',
  'mic-no-signal',
  'unauthorized',
  'core-unreachable',
  'core-timeout',
  'account-change-during-call',
  'account-not-editable',
  'internal',
] as const satisfies readonly ErrorWhyKind[];

export const CAUSE_KINDS = [
  'sip',
  'timeout',
  'declined-by-dispatcher',
  'on-break',
  'caller-left-before-consultation',
  'could-not-hold-other',
  'no-media',
  'session-refresh-failed',
  'connection-lost',
  'error',
] as const satisfies readonly CauseKind[];

export const ACCOUNT_ATTENTION_KINDS = ['no-account', 'password-missing', 'credentials-refused'] as const satisfies readonly AccountAttentionKind[];
export const PASSWORD_MISSING_KINDS = ['not-saved', 'no-keyring', 'sealed-elsewhere'] as const satisfies readonly PasswordMissing[];

type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : { missing: Exclude<All, Listed> };
export const FACT_LISTS_COMPLETE: [
  Missing<NoticeKind, (typeof NOTICE_KINDS)[number]>,
  Missing<ErrorWhyKind, (typeof ERROR_WHY_KINDS)[number]>,
  Missing<CauseKind, (typeof CAUSE_KINDS)[number]>,
  Missing<AccountAttentionKind, (typeof ACCOUNT_ATTENTION_KINDS)[number]>,
  Missing<PasswordMissing, (typeof PASSWORD_MISSING_KINDS)[number]>,
] = [true, true, true, true, true];
