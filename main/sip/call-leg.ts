// Over 400 lines, one room on purpose: every operation of one dialog (answer, hold with glare retry, REFER,
// media, refresh) shares the sip.js session's state; the far-end watch and session timer have files of their own.
// One SIP dialog as the call centre sees it (the CallLeg port), over a sip.js Inviter or Invitation.
import { randomUUID } from 'node:crypto';
import { Grammar, Invitation, Inviter, SessionState, UserAgent } from 'sip.js';
import type {
  Cancel,
  NameAddrHeader,
  Notification,
  Session,
  SessionDescriptionHandler,
  SessionDescriptionHandlerOptions,
  SessionInviteOptions,
} from 'sip.js';
import type { CallDirection, CallEndReason, MediaStats } from '../../shared/domain.js';
import { normaliseDtmf } from '../../shared/dtmf.js';
import type { Cause } from '../../shared/facts.js';
import { LegFailure, type CallLeg, type LegEvent, type RemoteParty } from '../calls/ports.js';
import type { MediaControls, MediaDirection } from '../media/contract.js';
import { DEFAULT_RTP_TIMEOUT_MS, RtpInactivityWatch } from './far-end-watch.js';
import { cancelEndReason, endReasonForStatus, parseSipfrag } from './headers.js';
import { SessionTimer } from './session-timer.js';
import type { SipLog } from './log.js';
import { nullLog } from './log.js';

type IncomingResponse = { message: { statusCode?: number; reasonPhrase?: string; hasHeader(name: string): boolean } };

/** The dialog identifiers of a leg (for matching an incoming Replaces). */
export interface DialogIds {
  callId: string;
  localTag: string | null;
  remoteTag: string | null;
}

function isMediaControls(sdh: SessionDescriptionHandler | undefined): sdh is SessionDescriptionHandler & MediaControls {
  return !!sdh && typeof (sdh as Partial<MediaControls>).setMuted === 'function';
}

/** The far end as the dispatcher should see it: P-Asserted-Identity wins over From/To. */
export function remotePartyOf(identity: NameAddrHeader, assertedHeader?: string | null): RemoteParty {
  let id: NameAddrHeader = identity;
  if (assertedHeader) {
    const parsed = Grammar.nameAddrHeaderParse(assertedHeader.split(',')[0]?.trim() ?? '');
    if (parsed) id = parsed;
  }
  const uri = id.uri;
  const displayName = id.displayName ? id.displayName.replace(/^"|"$/g, '').trim() : '';
  return {
    number: uri.user ?? uri.host ?? '',
    displayName: displayName.length > 0 ? displayName : null,
    uri: uri.toString(),
  };
}

const causeOf = (r: IncomingResponse): Cause => ({ kind: 'sip', code: r.message.statusCode ?? 0, phrase: r.message.reasonPhrase || null });
/** sip.js makes up 408/503 for timeouts and transport errors: those carry no Via. */
const isLocalResponse = (r: IncomingResponse): boolean => !r.message.hasHeader('via');

/** The leg whose events (or announcement as a new call) are being delivered right now, if any. */
let reporting: SipCallLeg | null = null;

/** Which leg the listeners running now are hearing about (dialog-recovery.ts links history rows by it). */
export function legBeingReported(): SipCallLeg | null {
  return reporting;
}

/** Runs `deliver` as news about `leg` (see legBeingReported). */
export function reportingAbout(leg: SipCallLeg, deliver: () => void): void {
  const outer = reporting;
  reporting = leg;
  try {
    deliver();
  } finally {
    reporting = outer;
  }
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
      { refresh: (headers) => this.refreshSession(headers), gone: (detail) => this.farEndGone(detail), warn: (m) => this.log.warn(m) },
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

  /**
   * Hold/resume re-INVITE. A 491 (both ends re-INVITEd at once: glare, e.g. a far end that resumes
   * its side after a failed transfer just as we take the caller off hold) is retried after the
   * random wait of RFC 3261 14.1: 2.1-4 s if we chose the Call-ID, else 0-2 s. Up to 3 tries.
   */
  private async reinvite(hold: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const code = await this.reinviteOnce(hold);
      if (code === null) {
        this.localHeld = hold;
        return;
      }
      if (code !== 491 || attempt >= 3 || !this.isEstablished()) throw new LegFailure(this.lastReinviteRefusal);
      const ownCallId = this.direction === 'outgoing';
      const wait = ownCallId ? 2100 + Math.random() * 1900 : Math.random() * 2000;
      this.log.info(`re-INVITE met 491 (glare): retrying in ${Math.round(wait)} ms`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  private lastReinviteRefusal: Cause = { kind: 'sip', code: 0, phrase: null };

  /** One re-INVITE: null when accepted, else the refusal's status code. */
  private reinviteOnce(hold: boolean): Promise<number | null> {
    if (!this.isEstablished()) return Promise.reject(new Error('The call is not established'));
    return new Promise<number | null>((resolve, reject) => {
      // sip.js's type has no `hold`; our media handlers read it (a=sendonly).
      const options: SessionInviteOptions = {
        sessionDescriptionHandlerOptions: { hold } as SessionDescriptionHandlerOptions,
        requestDelegate: {
          onAccept: () => resolve(null),
          onReject: (response) => {
            this.lastReinviteRefusal = causeOf(response);
            resolve(response.message.statusCode ?? 0);
          },
        },
      };
      this.session.invite(options).catch((error: Error) => reject(error));
    });
  }

  holdLocally(held: boolean): void {
    this.heldHere = held;
    const sdh = this.session.sessionDescriptionHandler;
    if (isMediaControls(sdh)) sdh.setLocalHold(held);
  }

  /** RFC 4028 refresh: a re-INVITE that keeps the call as it is (on hold or not). */
  private refreshSession(headers: string[]): Promise<{ code: number; sessionExpires: string | undefined }> {
    if (!this.isEstablished()) return Promise.reject(new Error('The call is not established'));
    return new Promise((resolve, reject) => {
      const options: SessionInviteOptions = {
        sessionDescriptionHandlerOptions: { hold: this.localHeld } as SessionDescriptionHandlerOptions,
        requestOptions: { extraHeaders: headers },
        requestDelegate: {
          onAccept: (r) => resolve({ code: r.message.statusCode ?? 200, sessionExpires: r.message.getHeader('session-expires') }),
          onReject: (r) => resolve({ code: r.message.statusCode ?? 500, sessionExpires: undefined }),
        },
      };
      this.session.invite(options).catch((error: Error) => reject(error));
    });
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
    return this.sendRefer(uri);
  }

  referReplacing(consultation: CallLeg): Promise<void> {
    if (!(consultation instanceof SipCallLeg)) return Promise.reject(new Error('Not a SIP call leg'));
    if (!consultation.isEstablished()) return Promise.reject(new Error('The consultation call is not established'));
    return this.sendRefer(consultation.session);
  }

  private sendRefer(target: Parameters<Session['refer']>[0]): Promise<void> {
    if (!this.isEstablished()) return Promise.reject(new Error('The call is not established'));
    return new Promise<void>((resolve, reject) => {
      this.session
        .refer(target, {
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: (response) => {
              const code = response.message.statusCode ?? null;
              this.emit({ type: 'refer-progress', status: 'failed', code, reason: response.message.reasonPhrase || null });
              resolve();
            },
          },
          onNotify: (notification: Notification) => this.onReferNotify(notification),
        })
        .catch((error: Error) => reject(error));
    });
  }

  private onReferNotify(notification: Notification): void {
    void notification.accept().catch(() => undefined);
    const frag = parseSipfrag(notification.request.body);
    if (!frag) return;
    if (frag.status === 'succeeded') this.transferSucceeded = true;
    this.emit({ type: 'refer-progress', status: frag.status, code: frag.code, reason: frag.reason || null });
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
