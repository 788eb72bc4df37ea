// English words for the core's facts (shared/facts.ts): notices, command errors, causes. facts-ru.ts has the
// same shape (FactWords), so TypeScript refuses a dictionary that misses a code.
import type { CallEndReason, CallState, UnknownCallerReason } from '../../shared/domain.js';
import type {
  AccountAttention,
  CallAction,
  Cause,
  ErrorWhy,
  FieldRule,
  LegOperation,
  NoticeWhat,
  NumberProblem,
  Party,
} from '../../shared/facts.js';

type ByKind<U extends { kind: string }> = { [K in U['kind']]: (fact: Extract<U, { kind: K }>) => string };

export interface FactWords {
  party(p: Party): string;
  cause(c: Cause): string;
  causes: ByKind<Cause>;
  notices: ByKind<NoticeWhat>;
  errors: ByKind<ErrorWhy>;
  operations: Record<LegOperation, string>;
  actions: Record<CallAction, string>;
  states: Record<CallState, string>;
  numberProblems: Record<NumberProblem, string>;
  fieldRules: Record<FieldRule, string>;
  unknownCaller: Record<UnknownCallerReason, string>;
  /** desktop shell: why the settings opened on the SIP account. */
  accountAttention: ByKind<AccountAttention>;
}

/** "Name (callsign)", else the name, else the number. */
export function partyName(p: Party): string {
  if (!p.name) return p.number;
  return p.callsign ? `${p.name} (${p.callsign})` : p.name;
}

export function makeFactWords(base: Omit<FactWords, 'party' | 'cause'>): FactWords {
  return { ...base, party: partyName, cause: (c) => (base.causes[c.kind] as (f: Cause) => string)(c) };
}

export const endReasons: Record<CallEndReason, string> = {
  'hung-up-local': 'you hung up',
  'hung-up-remote': 'the other side hung up',
  'cancelled-by-caller': 'the caller hung up',
  'answered-elsewhere': 'answered by a colleague',
  rejected: 'rejected',
  busy: 'busy',
  'no-answer': 'no answer',
  'not-found': 'number not found',
  transferred: 'transferred',
  failed: 'failed',
  'connection-lost': 'connection lost',
  'far-end-gone': 'the other side is gone: no sound, no answer',
};

const operations: Record<LegOperation, string> = {
  answer: 'answer',
  decline: 'decline',
  'hang-up': 'hang up',
  hold: 'hold',
  resume: 'resume',
  dtmf: 'tones',
  refer: 'transfer',
  invite: 'call',
  mute: 'mute',
  register: 'registration',
  'keep-alive': 'keep-alive',
};

const states: Record<CallState, string> = {
  ringing: 'still ringing',
  dialing: 'not connected yet',
  early: 'not connected yet',
  active: 'active',
  held: 'on hold',
  ended: 'ended',
};

const en0 = {
  causes: {
    sip: (c) => `${c.code}${c.phrase ? ` ${c.phrase}` : ''}`,
    timeout: (c) => `no answer to ${operations[c.operation]} in ${c.seconds} s`,
    'declined-by-dispatcher': () => 'declined by the dispatcher',
    'on-break': () => 'declined with 480: the dispatcher is on a break',
    'caller-left-before-consultation': () => 'the caller hung up before the consultation call',
    'could-not-hold-other': (c) => `could not put ${partyName(c.party)} on hold`,
    'no-media': (c) => `no sound from the other side for ${c.seconds} s`,
    'session-refresh-failed': (c) => (c.code === null ? `no session refresh in ${c.seconds} s` : `the session refresh was answered ${c.code}`),
    'connection-lost': () => 'the connection was lost',
    error: (c) => c.detail,
  } satisfies FactWords['causes'],
  operations,
  states,
  actions: {
    answer: 'answered',
    decline: 'declined',
    hold: 'put on hold',
    resume: 'resumed',
    mute: 'muted',
    unmute: 'unmuted',
    dtmf: 'sent tones',
    transfer: 'transferred',
    connect: 'connected',
    back: 'taken back',
  } satisfies Record<CallAction, string>,
  numberProblems: {
    empty: 'Nothing to call: enter a number or a SIP address.',
    'too-long': 'is too long to be a number or a SIP address.',
    'not-a-phone-number': 'is not a phone number: use digits (e.g. +7 912 345-67-89, 8 912 345 67 89 or 1002) or a SIP address.',
    'sip-without-user': 'is not a SIP address to call: it needs a user, as in sip:1002@host.',
    'sip-bad-host': 'has no valid host after "@".',
    'sip-bad-user': 'has characters a SIP user cannot contain.',
  } satisfies Record<NumberProblem, string>,
  fieldRules: {
    required: 'is required',
    'too-long': 'is too long',
    'not-a-phone-number': 'is not a phone number',
    'unknown-value': 'has an unknown value',
    'bad-format': 'has a wrong format',
    'not-text': 'must be text',
  } satisfies Record<FieldRule, string>,
  unknownCaller: {
    identifying: 'identifying…',
    withheld: 'the caller withheld their number',
    'not-a-number': 'not a phone number',
    failed: 'identification failed',
    unreadable: 'unreadable history row',
  } satisfies Record<UnknownCallerReason, string>,
};

const cause = (c: Cause | null, fallback = ''): string => (c ? en0.causes[c.kind](c as never) : fallback);
const ended = (reason: CallEndReason, c: Cause | null): string => (c ? `${endReasons[reason]} (${cause(c)})` : endReasons[reason]);
const fields: Record<string, string> = {
  pickupAddress: 'The pickup address',
  clientPhone: 'The client phone',
  clientName: 'The client name',
  destinationAddress: 'The destination',
  note: 'The note',
  order: 'The order',
};

export const factsEn: FactWords = makeFactWords({
  ...en0,
  notices: {
    'call-failed': (n) => `Call to ${partyName(n.party)} failed: ${ended(n.reason, n.cause)}`,
    'call-cut-off': (n) => `Call with ${partyName(n.party)} was cut off: ${ended(n.reason, n.cause)}`,
    'answered-and-held': (n) => `${partyName(n.party)} answered and is on hold: you are talking on another call`,
    'transfer-failed': (n) =>
      `Transfer of ${partyName(n.party)} to ${n.target} failed (${cause(n.cause, 'refused')}). The caller is back on the line with you.`,
    'resume-failed': (n) => `Could not take ${partyName(n.party)} off hold (${cause(n.cause)})`,
    'hold-not-accepted': (n) =>
      `${partyName(n.party)} is on hold here, but their side did not accept the hold (${cause(n.cause)}): they may hear silence instead of music.`,
    'resume-not-accepted': (n) =>
      `${partyName(n.party)} is back on the line here, but their side did not accept it (${cause(n.cause)}): they may not hear you.`,
    'connect-failed': (n) =>
      `Could not connect ${partyName(n.party)} with ${n.target ? partyName(n.target) : 'the transfer target'} (${cause(n.cause, 'refused')}). ` +
      `Both calls stay with you${n.callerHeld ? '; the caller is on hold.' : '.'}`,
    'consultation-ended': (n) =>
      `${partyName(n.target)}: ${ended(n.reason, n.cause)}. ` +
      (n.callerHeld ? `${partyName(n.caller)} is still on hold: take them off hold to talk.` : `${partyName(n.caller)} is still with you.`),
    'caller-left-consultation': (n) =>
      `${partyName(n.caller)} hung up during the consultation; the call with ${partyName(n.target)} goes on.`,
    'presence-not-sent': (n) =>
      `Could not tell the server your status (${n.detail}); ` +
      (n.presence === 'break' ? 'new calls are still refused here while you are on a break.' : 'calls are taken here.'),
    'history-write-failed': (n) => `Could not write the call history: ${n.detail}`,
    'internal-error': (n) => `Internal error in the call centre: ${n.detail}`,
    // media
    'device-fallback': (n) =>
      `${n.wanted} is not connected: the ${{ ring: 'ringing', talk: 'talk output', microphone: 'microphone' }[n.role]} ${n.midCall ? 'moved to' : 'uses'} ${n.using ?? 'the system default'}${n.midCall ? ' during the call' : ''}`,
  },
  errors: {
    'bad-argument': (e) => `${e.command}: ${e.field ? `${e.field} ` : ''}${e.issue}`,
    'malformed-frame': () => 'The message could not be read',
    'unknown-command': (e) => `Unknown command ${e.command}`,
    'no-such-call': () => 'There is no such call (it may have ended)',
    'call-ended': (e) => (e.endReason ? `The call has ended (${endReasons[e.endReason]})` : 'The call has ended'),
    'call-not-ready': (e) => `The call cannot be ${en0.actions[e.action]}: it is ${states[e.state]}`,
    'already-in-progress': (e) => (e.action === 'answer' ? 'The call is already being answered' : 'A transfer of this call is already in progress'),
    'being-declined': () => 'The call is being declined',
    'being-hung-up': () => 'The call is being hung up',
    'is-consultation': () => 'This is a consultation call: connect the subscribers or go back to the caller',
    'no-consultation': () => 'There is no consultation for this call: start an attended transfer first',
    'consultation-abandoned': () => 'The consultation was abandoned',
    'consultation-ended': () => 'Cannot connect: the consultation call has ended',
    'caller-gone': () => 'The caller of this consultation is gone',
    'target-not-answered': () => 'The transfer target has not answered yet: connect once the consultation call is connected',
    'connecting-in-progress': () => 'The subscribers are being connected; wait for the result',
    'already-transferred': () => 'The caller has already been transferred',
    'no-connection': () => 'The call has no connection',
    'shutting-down': () => 'The phone is shutting down',
    'not-registered': () => 'Not registered with the telephone server: calls cannot be placed now',
    'invalid-number': (e) => (e.problem === 'empty' ? en0.numberProblems.empty : `"${e.input}" ${en0.numberProblems[e.problem]}`),
    'invalid-dtmf': () => 'DTMF digits must be 0-9, *, # or A-D',
    'operation-failed': (e) =>
      `Could not ${operations[e.operation]}${e.party ? ` (${partyName(e.party)})` : ''}: ${cause(e.cause)}`,
    'not-found': (e) => `There is no ${e.what} "${e.id}"`,
    'invalid-field': (e) => `${fields[e.field] ?? e.field} ${en0.fieldRules[e.rule]}${e.max ? ` (${e.max} characters at most)` : ''}.`,
    storage: (e) => `The data could not be stored or read: ${e.detail}`,
    'stored-not-readable': () => 'The order was stored but cannot be read back.',
    audio: (e) => `Audio device problem: ${e.detail}`,
    'mic-test-during-call': () => 'The microphone cannot be tested during a call: the call is using it',
    'mic-test-interrupted': () => 'The microphone test stopped: a call started',
    'device-not-connected': (e) => `${e.device} is not connected: plug it in or choose another device`,
    'mic-no-signal': (e) => `The microphone gave no sound at all in ${e.seconds} s: another program may be holding it, or it is not working`,
    unauthorized: () => 'Not allowed',
    'core-unreachable': () => 'No connection to the phone core',
    'core-timeout': (e) => `No answer from the phone core to ${e.command}`,
    // desktop shell
    'account-change-during-call': () => 'Finish the calls before changing the SIP account',
    'account-not-editable': () => 'The SIP account is set in the config file here',
    internal: (e) => `Internal error: ${e.detail}`,
  },
  // desktop shell: why the settings opened on the SIP account (renderer/settings/account-attention.ts)
  accountAttention: {
    'no-account': () => 'Set up the SIP account to start taking calls.',
    'password-missing': (a) =>
      a.why === 'no-keyring'
        ? 'Enter the SIP password: this computer has no keyring to keep it safely, so it is asked at every start.'
        : a.why === 'sealed-elsewhere'
          ? 'Enter the SIP password again: the saved one cannot be opened on this computer or user account.'
          : 'Enter the SIP password: none is saved for this account, so the phone has not registered.',
    'credentials-refused': (a) => `The server refused the user name or password (${a.code}). Check them, enter the password and save again.`,
  },
});
