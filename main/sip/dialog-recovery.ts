// Nothing left dangling after a crash. While a call is up, what a BYE needs (RFC 3261 12.2.1.1: Call-ID,
// tags, local/remote URI, remote target, route set, local CSeq) is kept in the store with the call's
// history row (DialogKeeper). At the next start, endLeftOpenDialogs() sends that BYE through the normal
// transport, built by sip.js's core exactly as its own dialogs build in-dialog requests.
import { UserAgent } from 'sip.js';
import type { Core } from 'sip.js';
import type { CallHistoryLog, HistoryCallFacts } from '../calls/ports.js';
import type { SipCallLeg } from './call-leg.js';
import { legBeingReported } from './leg-reporting.js';
import type { SipLog } from './log.js';
import { nullLog } from './log.js';

import type { DialogFacts, DialogRecovery, LeftOpenDialog, OpenDialogStore } from './open-dialog-port.js';

export type { DialogFacts, DialogRecovery, LeftOpenDialog, OpenDialogStore };

type SipDialog = Core.Dialog;

export function dialogFactsOf(dialog: SipDialog, transport: DialogFacts['transport']): DialogFacts {
  return {
    callId: dialog.callId,
    localTag: dialog.localTag,
    remoteTag: dialog.remoteTag,
    localUri: dialog.localURI.toString(),
    remoteUri: dialog.remoteURI.toString(),
    remoteTarget: dialog.remoteTarget.toString(),
    routeSet: [...dialog.routeSet],
    localCSeq: dialog.localSequenceNumber ?? 0,
    transport,
  };
}

/**
 * Keeps every established dialog of this process in the store while it is up, and links it to the call
 * centre's history row. The call centre writes a call's history row while the telephony is reporting
 * that call's leg (the leg announced as incoming, or its 'established' event): the first row written
 * then, of the same direction, is the leg's.
 */
export class DialogKeeper {
  private readonly callOfLeg = new Map<string, string>();
  private readonly legOfCall = new Map<string, string>();

  constructor(
    private readonly store: OpenDialogStore,
    private readonly transport: DialogFacts['transport'],
    private readonly log: SipLog = nullLog,
  ) {}

  /** Every leg of the telephony, from its creation. */
  track(leg: SipCallLeg): void {
    leg.onEvent((event) => {
      if (event.type === 'established') this.watch(leg);
      if (event.type === 'ended') {
        this.store.forget(leg.legId);
        const callId = this.callOfLeg.get(leg.legId);
        this.callOfLeg.delete(leg.legId);
        if (callId !== undefined) this.legOfCall.delete(callId);
      }
    });
  }

  /** The history log the call centre writes to, linking rows to the dialogs they are about. */
  linking(history: CallHistoryLog): CallHistoryLog {
    const link = (facts: HistoryCallFacts): void => {
      const leg = legBeingReported();
      if (!leg || leg.isEnded() || leg.direction !== facts.direction) return;
      if (this.callOfLeg.has(leg.legId) || this.legOfCall.has(facts.callId)) return;
      this.callOfLeg.set(leg.legId, facts.callId);
      this.legOfCall.set(facts.callId, leg.legId);
      this.store.link(leg.legId, facts.callId);
    };
    return {
      callStarted: (facts) => {
        link(facts);
        history.callStarted(facts);
      },
      callUpdated: (facts) => {
        link(facts);
        history.callUpdated(facts);
      },
    };
  }

  /** The dialog is up: keep it, and keep it again whenever we send in it (CSeq) or it is target-refreshed. */
  private watch(leg: SipCallLeg): void {
    // sip.js types it as its core Session; it is a SessionDialog, a Dialog.
    const dialog = leg.session.dialog as unknown as SipDialog | undefined;
    if (!dialog) return;
    const keep = (): void => {
      if (leg.isEnded()) return;
      this.store.keep(leg.legId, dialogFactsOf(dialog, this.transport));
      const callId = this.callOfLeg.get(leg.legId);
      if (callId !== undefined) this.store.link(leg.legId, callId);
    };
    // Instance wrappers (not sip.js's prototypes): every in-dialog request we send is made here, and every
    // request the far end sends (re-INVITE with a new Contact) passes here.
    const target = dialog as unknown as {
      createOutgoingRequestMessage: (...args: unknown[]) => unknown;
      receiveRequest: (...args: unknown[]) => unknown;
    };
    const make = target.createOutgoingRequestMessage.bind(dialog);
    const receive = target.receiveRequest.bind(dialog);
    target.createOutgoingRequestMessage = (...args) => {
      const message = make(...args);
      keep();
      return message;
    };
    target.receiveRequest = (...args) => {
      const result = receive(...args);
      keep();
      return result;
    };
    keep();
    this.log.debug(`dialog ${dialog.callId} kept for recovery`);
  }
}

/** The BYE that ends a dialog from its kept facts (RFC 3261 12.2.1.1), made by sip.js's core. */
export function recoveryBye(core: Core.UserAgentCore, d: DialogFacts): Core.OutgoingRequestMessage {
  const target = UserAgent.makeURI(d.remoteTarget);
  const from = UserAgent.makeURI(d.localUri);
  const to = UserAgent.makeURI(d.remoteUri);
  if (!target || !from || !to) throw new Error(`unreadable dialog facts for ${d.callId}`);
  return core.makeOutgoingRequestMessage('BYE', target, from, to, {
    callId: d.callId,
    fromTag: d.localTag,
    toTag: d.remoteTag,
    cseq: d.localCSeq + 1,
    routeSet: d.routeSet,
  });
}

/** A BYE's final answer as a recovery outcome: 2xx taken, 408 (sip.js's own on Timer F) unanswered, else refused. */
export function recoveryOutcome(statusCode: number): DialogRecovery {
  if (statusCode >= 200 && statusCode < 300) return 'bye-answered';
  if (statusCode === 408) return 'bye-unanswered';
  return 'bye-refused';
}

/**
 * Sends a BYE on each dialog a previous process left open and records what came of it. Resolves when
 * every BYE has its final answer (sip.js ends a non-INVITE transaction after 64*T1 = 32 s at most).
 */
export function endLeftOpenDialogs(
  core: Core.UserAgentCore,
  dialogs: readonly LeftOpenDialog[],
  store: Pick<OpenDialogStore, 'recovered'>,
  log: SipLog = nullLog,
): Promise<DialogRecovery[]> {
  return Promise.all(
    dialogs.map(
      (left) =>
        new Promise<DialogRecovery>((resolve) => {
          const done = (code: number): void => {
            const outcome = recoveryOutcome(code);
            log.info(`left-open dialog ${left.dialog.callId}: BYE answered ${code} (${outcome})`);
            try {
              store.recovered(left, outcome);
            } catch (error) {
              log.warn(`could not record the recovery of ${left.dialog.callId}: ${(error as Error).message}`);
            }
            resolve(outcome);
          };
          try {
            core.request(recoveryBye(core, left.dialog), {
              onAccept: (r) => done(r.message.statusCode ?? 200),
              onReject: (r) => done(r.message.statusCode ?? 500),
              onRedirect: (r) => done(r.message.statusCode ?? 300),
            });
          } catch (error) {
            log.warn(`no BYE for left-open dialog ${left.dialog.callId}: ${(error as Error).message}`);
            done(500);
          }
        }),
    ),
  );
}
