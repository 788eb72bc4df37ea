// The requests a call leg sends inside its dialog, and how their answers are read: the hold/resume
// re-INVITE with its glare retry (RFC 3261 14.1), the RFC 4028 refresh re-INVITE, and REFER (RFC 3515)
// with the NOTIFYs that report the transfer. The leg (call-leg.ts) keeps the call's state and decides
// what to send; these only send on the sip.js session and say what came back.
import type { Notification, Session, SessionDescriptionHandlerOptions, SessionInviteOptions } from 'sip.js';
import type { TransferStatus } from '../../shared/domain.js';
import type { Cause } from '../../shared/facts.js';
import { LegFailure } from '../calls/ports.js';
import { parseSipfrag } from './headers.js';
import type { SipLog } from './log.js';

type IncomingResponse = { message: { statusCode?: number; reasonPhrase?: string; hasHeader(name: string): boolean } };

export const causeOf = (r: IncomingResponse): Cause => ({ kind: 'sip', code: r.message.statusCode ?? 0, phrase: r.message.reasonPhrase || null });
/** sip.js makes up 408/503 for timeouts and transport errors: those carry no Via. */
export const isLocalResponse = (r: IncomingResponse): boolean => !r.message.hasHeader('via');

/** The dialog a request goes on, and whether it may still carry one. */
export interface DialogOfLeg {
  readonly session: Session;
  isEstablished(): boolean;
  /**
   * Resolves once no INVITE transaction of the dialog's start is in progress: for a call we answered, when the
   * far end's ACK of our 200 has come (or the call is over). RFC 3261 14.1 forbids a re-INVITE before it, and
   * sip.js ends the call (BYE) if that ACK finds an offer of ours pending.
   */
  untilAcked(): Promise<void>;
}

/**
 * Hold/resume re-INVITE. A 491 (both ends re-INVITEd at once: glare, e.g. a far end that resumes
 * its side after a failed transfer just as we take the caller off hold) is retried after the
 * random wait of RFC 3261 14.1: 2.1-4 s if we chose the Call-ID (`ownCallId`), else 0-2 s. Up to 3 tries.
 * Resolves when one is accepted; throws LegFailure with the last refusal.
 */
export async function reinviteHold(leg: DialogOfLeg, hold: boolean, ownCallId: boolean, log: SipLog): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const refusal = await reinviteOnce(leg, hold);
    if (refusal === null) return;
    if (refusal.kind !== 'sip' || refusal.code !== 491 || attempt >= 3 || !leg.isEstablished()) throw new LegFailure(refusal);
    const wait = ownCallId ? 2100 + Math.random() * 1900 : Math.random() * 2000;
    log.info(`re-INVITE met 491 (glare): retrying in ${Math.round(wait)} ms`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Every re-INVITE of ours goes only once the dialog may take one: its answer's ACK came, and it still stands. */
async function reinviteAllowed(leg: DialogOfLeg): Promise<void> {
  await leg.untilAcked();
  if (!leg.isEstablished()) throw new Error('The call is not established');
}

/** One re-INVITE: null when accepted, else its refusal. */
async function reinviteOnce(leg: DialogOfLeg, hold: boolean): Promise<Cause | null> {
  await reinviteAllowed(leg);
  return new Promise<Cause | null>((resolve, reject) => {
    // sip.js's type has no `hold`; our media handlers read it (a=sendonly).
    const options: SessionInviteOptions = {
      sessionDescriptionHandlerOptions: { hold } as SessionDescriptionHandlerOptions,
      requestDelegate: {
        onAccept: () => resolve(null),
        onReject: (response) => resolve(causeOf(response)),
      },
    };
    leg.session.invite(options).catch((error: Error) => reject(error));
  });
}

/** RFC 4028 refresh: a re-INVITE that keeps the call as it is (on hold, `held`, or not). */
export async function refreshSession(leg: DialogOfLeg, held: boolean, headers: string[]): Promise<{ code: number; sessionExpires: string | undefined }> {
  await reinviteAllowed(leg);
  return new Promise((resolve, reject) => {
    const options: SessionInviteOptions = {
      sessionDescriptionHandlerOptions: { hold: held } as SessionDescriptionHandlerOptions,
      requestOptions: { extraHeaders: headers },
      requestDelegate: {
        onAccept: (r) => resolve({ code: r.message.statusCode ?? 200, sessionExpires: r.message.getHeader('session-expires') }),
        onReject: (r) => resolve({ code: r.message.statusCode ?? 500, sessionExpires: undefined }),
      },
    };
    leg.session.invite(options).catch((error: Error) => reject(error));
  });
}

/** How a transfer is going: a refusal of the REFER, then each NOTIFY's sipfrag status line. */
export interface ReferProgress {
  status: TransferStatus;
  code: number | null;
  reason: string | null;
}

/** REFER to `target` (a URI, or a session to replace); resolves once the far end has answered the REFER. */
export function sendRefer(leg: DialogOfLeg, target: Parameters<Session['refer']>[0], progress: (p: ReferProgress) => void): Promise<void> {
  if (!leg.isEstablished()) return Promise.reject(new Error('The call is not established'));
  return new Promise<void>((resolve, reject) => {
    leg.session
      .refer(target, {
        requestDelegate: {
          onAccept: () => resolve(),
          onReject: (response) => {
            const code = response.message.statusCode ?? null;
            progress({ status: 'failed', code, reason: response.message.reasonPhrase || null });
            resolve();
          },
        },
        onNotify: (notification: Notification) => {
          void notification.accept().catch(() => undefined);
          const frag = parseSipfrag(notification.request.body);
          if (frag) progress({ status: frag.status, code: frag.code, reason: frag.reason || null });
        },
      })
      .catch((error: Error) => reject(error));
  });
}
