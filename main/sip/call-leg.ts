// One SIP dialog as the call centre sees it (the CallLeg port), over a sip.js Inviter or Invitation: its
// state (established, held here or there, muted, ended and why) and every operation on it. The requests it
// sends inside the dialog (re-INVITEs, REFER) are dialog-requests.ts; who the far end is, remote-party.ts;
// the far-end watch and the session timer have files of their own.
import { randomUUID } from 'node:crypto';
import { Invitation, Inviter, SessionState, UserAgent } from 'sip.js';
import type { Cancel, Session, SessionDescriptionHandler } from 'sip.js';
import type { CallDirection, CallEndReason, MediaStats } from '../../shared/domain.js';
import { normaliseDtmf } from '../../shared/dtmf.js';
import type { Cause } from '../../shared/facts.js';
import type { CallLeg, LegEvent, RemoteParty } from '../calls/ports.js';
import type { MediaControls, MediaDirection } from '../media/contract.js';
import { causeOf, isLocalResponse, refreshSession, reinviteHold, sendRefer, type ReferProgress } from './dialog-requests.js';
import { DEFAULT_RTP_TIMEOUT_MS, RtpInactivityWatch } from './far-end-watch.js';
import { cancelEndReason, endReasonForStatus } from './headers.js';
import { reportingAbout } from './leg-reporting.js';
import { remotePartyOf } from './remote-party.js';
import { SessionTimer } from './session-timer.js';
import type { SipLog } from './log.js';
import { nullLog } from './log.js';

/** The dialog identifiers of a leg (for matching an incoming Replaces). */
export interface DialogIds {
  callId: string;
  localTag: string | null;
  remoteTag: string | null;
}

function isMediaControls(sdh: SessionDescriptionHandler | undefined): sdh is SessionDescriptionHandler & MediaControls {
  return !!sdh && typeof (sdh as Partial<MediaControls>).setMuted === 'function';
}

/** How a leg notices a far end that vanished (far-end-watch.ts). */
export interface FarEndOptions {
  /** No RTP for this long while not on hold ends the call (default 30 s; 0: off). */
  rtpTimeoutMs?: number;
  /** RFC 4028 Session-Expires we ask for, seconds (default 1800; 0: no session timers). */
  sessionExpiresS?: number;
}

export class SipCallLeg implements CallLeg {
  readonly legId: string;
  readonly direction: CallDirection;
  readonly remote: RemoteParty;
  private readonly listeners = new Set<(event: LegEvent) => void>();
  private endReason: CallEndReason | null = null;
  private endCause: Cause | null = null;
  private ended = false;
  private established = false;
  private remoteHeld = false;
  /** Our last hold/resume re-INVITE that was accepted put the call on hold. */
  private localHeld = false;
  private readonly farEndWatch: RtpInactivityWatch;
  private readonly sessionTimer: SessionTimer;
  private transferSucceeded = false;
  private muted = false;
  /** What the call centre holds here (holdLocally), null until it says; then it, not the signalling, is the truth. */
  private heldHere: boolean | null = null;
  private readonly establishedWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private readonly endedWaiters: Array<() => void> = [];
  /** Incoming: the far end's ACK of our 200 came (or the call ended); outgoing: at once (we send the ACK). */
  private readonly acked: Promise<void>;
  private ackCame: () => void = () => undefined;

  constructor(
    readonly session: Session,
    private readonly log: SipLog = nullLog,
    farEnd: FarEndOptions = {},
  ) {
    this.farEndWatch = new RtpInactivityWatch(
      {
        packetsReceived: () => this.mediaStats()?.packetsReceived ?? null,
        onHold: () => (this.heldHere ?? this.localHeld) || this.remoteHeld,
      },
      (silentMs) => this.farEndGone({ kind: 'no-media', seconds: Math.round(silentMs / 1000) }),
      { rtpTimeoutMs: farEnd.rtpTimeoutMs ?? DEFAULT_RTP_TIMEOUT_MS },
    );
    this.sessionTimer = new SessionTimer(
      { refresh: (headers) => refreshSession(this, this.localHeld, headers), gone: (detail) => this.farEndGone(detail), warn: (m) => this.log.warn(m) },
      farEnd.sessionExpiresS !== undefined ? { sessionExpiresS: farEnd.sessionExpiresS } : {},
    );
    if (session instanceof Inviter) session.request.extraHeaders.push(...this.sessionTimer.inviteHeaders());
    this.legId = randomUUID();
    this.direction = session instanceof Invitation ? 'incoming' : 'outgoing';
    if (session instanceof Invitation) {
      this.remote = remotePartyOf(session.remoteIdentity, session.request.getHeader('p-asserted-identity'));
    } else {
      this.remote = remotePartyOf((session as Inviter).remoteIdentity);
    }
    const delegate = session.delegate ?? {};
    session.delegate = delegate;
    delegate.onBye = (bye) => {
      this.setReason(this.transferSucceeded ? 'transferred' : 'hung-up-remote', null);
      void bye.accept().catch(() => undefined);
    };
    delegate.onSessionDescriptionHandler = (sdh) => this.attachMedia(sdh);
    // the first ACK is our answer's (a hold right after answering waits for it: untilAcked)
    this.acked = session instanceof Invitation ? new Promise((resolve) => (this.ackCame = resolve)) : Promise.resolve();
    delegate.onAck = () => this.ackCame();
    // A re-INVITE from the far end that we accepted (a session refresh among others).
    delegate.onInvite = (_request, _response, statusCode) => {
      if (statusCode === 200) this.sessionTimer.refreshedByFarEnd();
    };
    if (session instanceof Invitation) {
      (delegate as { onCancel?: (c: Cancel) => void }).onCancel = (cancel) => {
        this.setReason(cancelEndReason(cancel.request.getHeaders('reason')), null);
      };
    }
    session.stateChange.addListener((state) => this.onState(state));
  }

  /** Call-ID and tags, for matching a Replaces header. */
  dialogIds(): DialogIds {
    const dialog = this.session.dialog;
    if (dialog) return { callId: dialog.callId, localTag: dialog.localTag, remoteTag: dialog.remoteTag };
    if (this.session instanceof Invitation) {
      return { callId: this.session.request.callId, localTag: null, remoteTag: this.session.request.fromTag ?? null };
    }
    const req = (this.session as Inviter).request;
    return { callId: req.callId, localTag: req.fromTag, remoteTag: null };
  }

  isEstablished(): boolean {
    return this.established && !this.ended;
  }

  isEnded(): boolean {
    return this.ended;
  }

  untilAcked(): Promise<void> {
    return this.acked;
  }

  onEvent(listener: (event: LegEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** For the telephony: record why the leg is going away before it does (replaced, transferred...). */
  setReason(reason: CallEndReason, cause: Cause | null): void {
    if (this.endReason === null) {
      this.endReason = reason;
      this.endCause = cause;
    }
  }

  /** Outgoing: send the INVITE (called by the telephony right after construction). */
  async invite(): Promise<void> {
    const inviter = this.session as Inviter;
    await inviter.invite({
      requestDelegate: {
        onAccept: (response) => this.sessionTimer.answered(response.message.getHeader('session-expires')),
        onProgress: (response) => {
          const code = response.message.statusCode ?? 0;
          if (code > 100) this.emit({ type: 'progress', code });
        },
        onReject: (response) => {
          const code = response.message.statusCode ?? 0;
          if (isLocalResponse(response)) {
            this.setReason(code === 408 ? 'no-answer' : 'connection-lost', causeOf(response));
          } else {
            this.setReason(endReasonForStatus(code), causeOf(response));
          }
        },
        onRedirect: (response) => this.setReason('failed', causeOf(response)),
      },
    });
  }

  answer(): Promise<void> {
    if (!(this.session instanceof Invitation)) return Promise.reject(new Error('Only an incoming call can be answered'));
    if (this.ended) return Promise.reject(new Error(`The call is over (${this.endReason ?? 'ended'})`));
    const invitation = this.session;
    const done = new Promise<void>((resolve, reject) => {
      if (this.established) resolve();
      else this.establishedWaiters.push({ resolve, reject });
    });
    const request = invitation.request;
    const extraHeaders = this.sessionTimer.answerHeaders(request.getHeader('session-expires'), request.getHeaders('supported'));
    invitation.accept({ extraHeaders }).catch((error: Error) => {
      this.log.warn(`answer failed: ${error.message}`);
      this.setReason('failed', { kind: 'error', detail: error.message });
      for (const w of this.establishedWaiters.splice(0)) w.reject(error);
    });
    return done;
  }

  async decline(code = 486): Promise<void> {
    if (!(this.session instanceof Invitation)) throw new Error('Only an incoming call can be declined');
    if (this.ended || this.established) return;
    this.setReason('rejected', { kind: 'sip', code, phrase: null });
    await this.session.reject({ statusCode: code });
  }

  async hangup(): Promise<void> {
    if (this.ended) return;
    const gone = new Promise<void>((resolve) => this.endedWaiters.push(resolve));
    const session = this.session;
    this.setReason(this.transferSucceeded ? 'transferred' : 'hung-up-local', null);
    try {
      switch (session.state) {
        case SessionState.Initial:
        case SessionState.Establishing:
          if (session instanceof Inviter) await session.cancel();
          else if (session instanceof Invitation) await session.reject({ statusCode: 486 });
          break;
        case SessionState.Established:
          await session.bye();
          break;
        default:
          break;
      }
    } catch (error) {
      this.log.warn(`hangup: ${(error as Error).message}`);
      await session.dispose().catch(() => undefined);
    }
    await gone;
  }

  hold(): Promise<void> {
    return this.reinvite(true);
  }

  resume(): Promise<void> {
    return this.reinvite(false);
  }

  /** Hold/resume re-INVITE (glare retried, dialog-requests.ts); `localHeld` follows the one accepted. */
  private async reinvite(hold: boolean): Promise<void> {
    await reinviteHold(this, hold, this.direction === 'outgoing', this.log);
    this.localHeld = hold;
  }

  holdLocally(held: boolean): void {
    this.heldHere = held;
    const sdh = this.session.sessionDescriptionHandler;
    if (isMediaControls(sdh)) sdh.setLocalHold(held);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    const sdh = this.session.sessionDescriptionHandler;
    if (isMediaControls(sdh)) sdh.setMuted(muted);
  }

  async sendDtmf(digits: string): Promise<void> {
    if (normaliseDtmf(digits) === null) throw new Error(`Not DTMF digits: ${digits}`);
    const sdh = this.session.sessionDescriptionHandler;
    if (!sdh || !this.isEstablished()) throw new Error('The call is not established');
    if (!sdh.sendDtmf(digits)) throw new Error('The media session refused to send DTMF');
  }

  refer(targetUri: string): Promise<void> {
    const uri = UserAgent.makeURI(targetUri);
    if (!uri) return Promise.reject(new Error(`Not a SIP URI: ${targetUri}`));
    return sendRefer(this, uri, (p) => this.onReferProgress(p));
  }

  referReplacing(consultation: CallLeg): Promise<void> {
    if (!(consultation instanceof SipCallLeg)) return Promise.reject(new Error('Not a SIP call leg'));
    if (!consultation.isEstablished()) return Promise.reject(new Error('The consultation call is not established'));
    return sendRefer(this, consultation.session, (p) => this.onReferProgress(p));
  }

  private onReferProgress(progress: ReferProgress): void {
    if (progress.status === 'succeeded') this.transferSucceeded = true;
    this.emit({ type: 'refer-progress', ...progress });
  }

  mediaStats(): MediaStats | null {
    const sdh = this.session.sessionDescriptionHandler;
    if (!isMediaControls(sdh)) return null;
    try {
      return sdh.stats();
    } catch {
      return null;
    }
  }

  private attachMedia(sdh: SessionDescriptionHandler): void {
    if (!isMediaControls(sdh)) return;
    if (this.muted) sdh.setMuted(true);
    if (this.heldHere) sdh.setLocalHold(true);
    const onDirection = (direction: MediaDirection): void => {
      const held = direction === 'sendonly' || direction === 'inactive';
      if (held !== this.remoteHeld) {
        this.remoteHeld = held;
        this.emit({ type: 'remote-hold', held });
      }
    };
    sdh.onRemoteDirectionChange(onDirection);
  }

  /** The far end is gone (no media, no session refresh): BYE, and the call is over at once, answered or not. */
  farEndGone(cause: Cause): void {
    if (this.ended) return;
    this.log.warn(`far end gone (${JSON.stringify(cause)}): ending the call`);
    this.setReason('far-end-gone', cause);
    this.session.bye().catch((error: Error) => {
      this.log.debug(`BYE to a gone far end not sent: ${error.message}`);
      void this.session.dispose().catch(() => undefined);
    });
  }

  private onState(state: SessionState): void {
    if (state === SessionState.Established && !this.established) {
      this.established = true;
      this.farEndWatch.start();
      this.sessionTimer.start();
      this.emit({ type: 'established' });
      for (const w of this.establishedWaiters.splice(0)) w.resolve();
    }
    if (state === SessionState.Terminated && !this.ended) {
      // sip.js terminates the session before it calls our request delegates (which know the reason):
      // let them run first.
      setImmediate(() => this.finish());
    }
  }

  private finish(): void {
    if (!this.ended) {
      this.ended = true;
      this.ackCame();
      this.farEndWatch.stop();
      this.sessionTimer.end();
      const reason = this.endReason ?? (this.established ? 'hung-up-remote' : 'failed');
      this.emit({ type: 'ended', reason, cause: this.endCause });
      const error = new Error(`The call ended (${reason})`);
      for (const w of this.establishedWaiters.splice(0)) w.reject(error);
      for (const w of this.endedWaiters.splice(0)) w();
    }
  }

  private emit(event: LegEvent): void {
    if (this.ended && event.type !== 'ended') return;
    reportingAbout(this, () => {
      for (const l of [...this.listeners]) {
        try {
          l(event);
        } catch (error) {
          this.log.error(`leg listener threw: ${(error as Error).message}`);
        }
      }
    });
  }
}
