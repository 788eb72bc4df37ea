// Every fact the core can report has words in both languages, and the Russian words are Russian: a code
// added to shared/facts.ts without words (or with English words in ru) fails here, never shows a key.
import { describe, expect, it } from 'vitest';
import { CAUSE_KINDS, ERROR_WHY_KINDS, NOTICE_KINDS, type Cause, type ErrorWhy, type NoticeWhat, type Party } from '../../../shared/facts.js';
import type { CallEndReason } from '../../../shared/domain.js';
import { dictionaries, errorText, noticeText } from '../../../renderer/i18n/index.js';

const party: Party = { name: 'Иванов Пётр', callsign: '17', number: '+79120000001' };
const sip: Cause = { kind: 'sip', code: 486, phrase: 'Busy Here' };

const causes: { [K in Cause['kind']]: Extract<Cause, { kind: K }> } = {
  sip,
  timeout: { kind: 'timeout', operation: 'hold', seconds: 32 },
  'declined-by-dispatcher': { kind: 'declined-by-dispatcher' },
  'on-break': { kind: 'on-break' },
  'caller-left-before-consultation': { kind: 'caller-left-before-consultation' },
  'could-not-hold-other': { kind: 'could-not-hold-other', party, cause: sip },
  'no-media': { kind: 'no-media', seconds: 30 },
  'session-refresh-failed': { kind: 'session-refresh-failed', code: 408, seconds: 1800 },
  'connection-lost': { kind: 'connection-lost' },
  error: { kind: 'error', detail: 'ECONNREFUSED' },
};

const notices: { [K in NoticeWhat['kind']]: Extract<NoticeWhat, { kind: K }> } = {
  'call-failed': { kind: 'call-failed', party, reason: 'busy', cause: sip },
  'call-cut-off': { kind: 'call-cut-off', party, reason: 'connection-lost', cause: null },
  'answered-and-held': { kind: 'answered-and-held', party },
  'transfer-failed': { kind: 'transfer-failed', party, target: '1005', cause: sip },
  'resume-failed': { kind: 'resume-failed', party, cause: causes.timeout },
  'hold-not-accepted': { kind: 'hold-not-accepted', party, cause: { kind: 'sip', code: 488, phrase: 'Not Acceptable Here' } },
  'resume-not-accepted': { kind: 'resume-not-accepted', party, cause: causes.timeout },
  'connect-failed': { kind: 'connect-failed', party, target: party, cause: null, callerHeld: true },
  'consultation-ended': { kind: 'consultation-ended', target: party, caller: party, reason: 'busy', cause: sip, callerHeld: true },
  'caller-left-consultation': { kind: 'caller-left-consultation', caller: party, target: party },
  'presence-not-sent': { kind: 'presence-not-sent', presence: 'break', detail: 'timeout' },
  'history-write-failed': { kind: 'history-write-failed', detail: 'SQLITE_BUSY' },
  'internal-error': { kind: 'internal-error', detail: 'TypeError' },
  'device-fallback': { kind: 'device-fallback', role: 'talk', wanted: 'Jabra', using: 'Speakers', midCall: true },
};

const errors: { [K in ErrorWhy['kind']]: Extract<ErrorWhy, { kind: K }> } = {
  'bad-argument': { kind: 'bad-argument', command: 'dial', field: 'target', issue: 'Invalid type' },
  'account-change-during-call': { kind: 'account-change-during-call' },
  'account-not-editable': { kind: 'account-not-editable' },
  'malformed-frame': { kind: 'malformed-frame' },
  'unknown-command': { kind: 'unknown-command', command: 'rm' },
  'no-such-call': { kind: 'no-such-call', callId: 'c1' },
  'call-ended': { kind: 'call-ended', endReason: 'cancelled-by-caller' },
  'call-not-ready': { kind: 'call-not-ready', action: 'hold', state: 'ringing' },
  'already-in-progress': { kind: 'already-in-progress', action: 'transfer' },
  'being-declined': { kind: 'being-declined' },
  'being-hung-up': { kind: 'being-hung-up' },
  'is-consultation': { kind: 'is-consultation' },
  'no-consultation': { kind: 'no-consultation' },
  'consultation-abandoned': { kind: 'consultation-abandoned' },
  'consultation-ended': { kind: 'consultation-ended' },
  'caller-gone': { kind: 'caller-gone' },
  'target-not-answered': { kind: 'target-not-answered' },
  'connecting-in-progress': { kind: 'connecting-in-progress' },
  'already-transferred': { kind: 'already-transferred' },
  'no-connection': { kind: 'no-connection' },
  'shutting-down': { kind: 'shutting-down' },
  'not-registered': { kind: 'not-registered' },
  'invalid-number': { kind: 'invalid-number', input: 'abc', problem: 'not-a-phone-number' },
  'invalid-dtmf': { kind: 'invalid-dtmf' },
  'operation-failed': { kind: 'operation-failed', operation: 'refer', party, cause: sip },
  'not-found': { kind: 'not-found', what: 'order', id: 'o1' },
  'invalid-field': { kind: 'invalid-field', field: 'pickupAddress', rule: 'too-long', max: 500 },
  storage: { kind: 'storage', detail: 'SQLITE_FULL' },
  'stored-not-readable': { kind: 'stored-not-readable' },
  audio: { kind: 'audio', detail: 'ENODEV' },
  'mic-test-during-call': { kind: 'mic-test-during-call' },
  'mic-test-interrupted': { kind: 'mic-test-interrupted' },
  'device-not-connected': { kind: 'device-not-connected', role: 'microphone', device: 'Гарнитура' },
  'mic-no-signal': { kind: 'mic-no-signal', seconds: 3 },
  unauthorized: { kind: 'unauthorized' },
  'core-unreachable': { kind: 'core-unreachable' },
  'core-timeout': { kind: 'core-timeout', command: 'hold' },
  internal: { kind: 'internal', detail: 'TypeError' },
};

const END_REASONS: CallEndReason[] = [
  'hung-up-local', 'hung-up-remote', 'cancelled-by-caller', 'answered-elsewhere', 'rejected', 'busy',
  'no-answer', 'not-found', 'transferred', 'failed', 'connection-lost', 'far-end-gone',
];

// Latin words of three letters or more, once the facts' own technical text (details, commands, the SIP
// phrase) is taken out: Russian words must not contain them.
// Device names are the dispatcher's own data, shown as they are.
const TECHNICAL = ['Jabra', 'Speakers', 'ECONNREFUSED', 'SQLITE_BUSY', 'SQLITE_FULL', 'ENODEV', 'TypeError', 'timeout', 'dial', 'target', 'rm', 'hold', 'abc', 'SIP', 'sip', 'c1', 'o1', 'pickupAddress'];
function englishLeft(text: string): string[] {
  let rest = text;
  for (const t of TECHNICAL) rest = rest.split(t).join(' ');
  return rest.match(/[A-Za-z]{3,}/g) ?? [];
}

describe('words for every fact, in ru and en', () => {
  for (const locale of ['ru', 'en'] as const) {
    const t = dictionaries[locale];
    it(`${locale}: every notice, error, cause and end reason has words`, () => {
      for (const kind of NOTICE_KINDS) {
        const text = noticeText(notices[kind], t);
        expect(text, kind).toMatch(/\S{3}/);
        expect(text, kind).not.toContain(kind);
      }
      for (const kind of ERROR_WHY_KINDS) expect(errorText({ code: 'internal', why: errors[kind] }, t), kind).toMatch(/\S{3}/);
      for (const kind of CAUSE_KINDS) expect(t.facts.cause(causes[kind]), kind).toMatch(/\S{3}/);
      for (const r of END_REASONS) expect(t.endReasons[r], r).toMatch(/\S{3}/);
    });
  }

  it('the Russian words carry no English sentence (only the technical detail of a fact)', () => {
    const t = dictionaries.ru;
    const texts = [
      ...NOTICE_KINDS.map((k) => noticeText(notices[k], t)),
      ...ERROR_WHY_KINDS.map((k) => errorText({ code: 'internal', why: errors[k] }, t)),
      ...CAUSE_KINDS.map((k) => t.facts.cause(causes[k])),
    ];
    for (const text of texts) expect(englishLeft(text), text).toEqual([]);
  });

  it('a SIP refusal is worded in Russian, not with the server English phrase', () => {
    expect(dictionaries.ru.facts.cause(sip)).toBe('занято, код SIP 486');
    expect(dictionaries.en.facts.cause(sip)).toBe('486 Busy Here');
  });
});
