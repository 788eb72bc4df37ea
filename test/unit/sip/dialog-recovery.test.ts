// Crash recovery's parts without the lab: the BYE built from kept dialog facts (RFC 3261 12.2.1.1), the
// open dialogs in a real SQLite file across two "processes", and the link from a history row to its dialog.
import { UserAgent } from 'sip.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryCallFacts } from '../../../main/calls/ports.js';
import type { SipCallLeg } from '../../../main/sip/call-leg.js';
import { reportingAbout } from '../../../main/sip/leg-reporting.js';
import { DialogKeeper, recoveryBye, recoveryOutcome, type DialogFacts, type OpenDialogStore } from '../../../main/sip/dialog-recovery.js';
import { SqliteCallHistory } from '../../../main/store/call-history.js';
import { closeDatabase, openDatabase } from '../../../main/store/database.js';
import { SqliteOpenDialogs } from '../../../main/store/open-dialogs.js';
import { TestTransport } from '../../support/sipjs-test-transport.js';
import { tempDb, type TempDb } from '../store/temp-db.js';

const FACTS: DialogFacts = {
  callId: 'a84b4c76e66710@pc33',
  localTag: 'ours-1928301774',
  remoteTag: 'theirs-a6c85cf',
  localUri: 'sip:1001@example.org',
  remoteUri: 'sip:2002@example.org',
  remoteTarget: 'sip:2002@192.0.2.4:5070;transport=udp',
  routeSet: ['<sip:127.0.0.1;lr;ftag=ours-1928301774>', '<sip:p2.example.org;lr>'],
  localCSeq: 314160,
  transport: 'udp',
};

class SilentTransport extends TestTransport {
  async send(): Promise<void> {}
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('recoveryBye', () => {
  it('is the in-dialog BYE of RFC 3261 12.2.1.1: target as Request-URI, route set as Route, tags, the next CSeq', () => {
    const ua = new UserAgent({
      uri: UserAgent.makeURI('sip:1001@example.org'),
      transportConstructor: SilentTransport,
      viaHost: '127.0.0.1',
      logBuiltinEnabled: false,
      logLevel: 'error',
    });
    const text = recoveryBye(ua.userAgentCore, FACTS).toString();
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('BYE sip:2002@192.0.2.4:5070;transport=udp SIP/2.0');
    expect(lines.filter((l) => l.startsWith('Route: '))).toEqual([
      'Route: <sip:127.0.0.1;lr;ftag=ours-1928301774>',
      'Route: <sip:p2.example.org;lr>',
    ]);
    expect(text).toMatch(/\r\nFrom: .*<sip:1001@example\.org>;tag=ours-1928301774\r\n/);
    expect(text).toMatch(/\r\nTo: <sip:2002@example\.org>;tag=theirs-a6c85cf\r\n/);
    expect(text).toContain('\r\nCall-ID: a84b4c76e66710@pc33\r\n');
    expect(text).toContain('\r\nCSeq: 314161 BYE\r\n');
  });

  it('reads the answer: 2xx taken, 408 (no answer before Timer F) unanswered, anything else refused', () => {
    expect(recoveryOutcome(200)).toBe('bye-answered');
    expect(recoveryOutcome(408)).toBe('bye-unanswered');
    expect(recoveryOutcome(481)).toBe('bye-refused');
    expect(recoveryOutcome(503)).toBe('bye-refused');
  });
});

describe('SqliteOpenDialogs', () => {
  let t: TempDb;
  afterEach(() => t.cleanup());

  const facts = (id: string): HistoryCallFacts => ({
    callId: id,
    direction: 'outgoing',
    number: '2002',
    identity: { kind: 'new-client' },
    handledBy: '1001',
    startedAt: 1_700_000_000_000,
    answeredAt: 1_700_000_001_000,
    endedAt: null,
    heldCount: 0,
    endReason: null,
    transferredTo: null,
    endCause: null,
  });

  it('keeps what is up, forgets what ended; the next process finds the rest and records what its BYE got', async () => {
    t = tempDb();
    const history = new SqliteCallHistory(t.db);
    history.callStarted(facts('call-1'));
    history.callStarted(facts('call-2'));
    const store = new SqliteOpenDialogs(t.db);
    store.link('leg-1', 'call-1'); // the row is known before the dialog is up (an incoming call rings first)
    store.keep('leg-1', FACTS);
    store.keep('leg-2', { ...FACTS, callId: 'other' });
    store.keep('leg-1', { ...FACTS, localCSeq: FACTS.localCSeq + 1 }); // a re-INVITE of ours
    store.keep('leg-3', { ...FACTS, callId: 'ended' });
    await tick(); // written behind, at the end of the turn
    store.forget('leg-3');
    await tick();
    expect(t.db.prepare('SELECT count(*) AS n FROM open_dialogs').get()).toEqual({ n: 2 });
    closeDatabase(t.db); // the process "dies" here; nothing more is written

    const db = openDatabase(t.path);
    t.db = db;
    expect(new SqliteCallHistory(db).markInterrupted()).toBe(2);
    const next = new SqliteOpenDialogs(db);
    const left = next.leftOpen();
    expect(left.map((d) => [d.legId, d.historyCallId, d.dialog.callId, d.dialog.localCSeq])).toEqual([
      ['leg-1', 'call-1', FACTS.callId, FACTS.localCSeq + 1],
      ['leg-2', null, 'other', FACTS.localCSeq],
    ]);
    next.recovered(left[0]!, 'bye-answered');
    next.recovered(left[1]!, 'bye-unanswered');
    const again = new SqliteCallHistory(db);
    expect(again.get('call-1')).toMatchObject({ outcome: 'interrupted', recovery: 'bye-answered' });
    expect(again.get('call-2')?.recovery).toBeUndefined();
    expect(next.leftOpen()).toEqual([]);
  });
});

describe('DialogKeeper.linking', () => {
  function recorder() {
    const links: Array<[string, string]> = [];
    const store: OpenDialogStore = {
      keep: () => undefined,
      link: (legId, callId) => void links.push([legId, callId]),
      forget: () => undefined,
      leftOpen: () => [],
      recovered: () => undefined,
    };
    const rows: string[] = [];
    const keeper = new DialogKeeper(store, 'udp');
    const history = keeper.linking({ callStarted: (f) => void rows.push(f.callId), callUpdated: (f) => void rows.push(f.callId) });
    return { links, rows, history };
  }
  const leg = (legId: string, direction: 'incoming' | 'outgoing', ended = false) =>
    ({ legId, direction, isEnded: () => ended }) as unknown as SipCallLeg;
  const row = (callId: string, direction: 'incoming' | 'outgoing') => ({ callId, direction }) as HistoryCallFacts;

  it("links the first row written while a leg is reported to that leg, and nothing outside a report", () => {
    const r = recorder();
    r.history.callStarted(row('queued-dial', 'outgoing')); // no leg being reported: no link
    reportingAbout(leg('in-1', 'incoming'), () => {
      r.history.callStarted(row('call-in', 'incoming'));
      r.history.callUpdated(row('call-other', 'incoming')); // a second row in the same report: not this leg's
    });
    reportingAbout(leg('out-1', 'outgoing'), () => {
      r.history.callUpdated(row('call-in-2', 'incoming')); // another direction: not this leg's
      r.history.callUpdated(row('call-out', 'outgoing'));
    });
    reportingAbout(leg('out-2', 'outgoing', true), () => r.history.callUpdated(row('late', 'outgoing'))); // ended legs: no
    expect(r.links).toEqual([
      ['in-1', 'call-in'],
      ['out-1', 'call-out'],
    ]);
    expect(r.rows).toEqual(['queued-dial', 'call-in', 'call-other', 'call-in-2', 'call-out', 'late']); // every row still written
  });
});
