// Pure parsers for the SIP bits sip.js leaves to the application: Replaces (RFC 3891), message/sipfrag
// status lines in REFER NOTIFYs (RFC 3515), Reason (RFC 3326) and the mapping of codes to end reasons.
import type { CallEndReason, TransferStatus } from '../../shared/domain.js';

export interface ReplacesHeader {
  callId: string;
  toTag: string;
  fromTag: string;
  earlyOnly: boolean;
}

/** `Replaces: callid;to-tag=x;from-tag=y[;early-only]` (also accepts the URI-escaped form from a Refer-To). */
export function parseReplaces(value: string | undefined | null): ReplacesHeader | null {
  if (!value) return null;
  let text = value.trim();
  if (/%3B|%40|%3D/i.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return null;
    }
  }
  const parts = text.split(';').map((p) => p.trim());
  const callId = parts.shift();
  if (!callId || /\s/.test(callId)) return null;
  let toTag: string | null = null;
  let fromTag: string | null = null;
  let earlyOnly = false;
  for (const p of parts) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? '' : p.slice(eq + 1).trim();
    if (name === 'to-tag') toTag = v;
    else if (name === 'from-tag') fromTag = v;
    else if (name === 'early-only') earlyOnly = true;
  }
  if (!toTag || !fromTag) return null;
  return { callId, toTag, fromTag, earlyOnly };
}

export interface SipfragStatus {
  code: number;
  reason: string;
  status: TransferStatus;
}

/** The status line of a message/sipfrag body, e.g. `SIP/2.0 180 Ringing`. */
export function parseSipfrag(body: string | undefined | null): SipfragStatus | null {
  if (!body) return null;
  const line = body.replace(/^\s+/, '').split(/\r?\n/, 1)[0] ?? '';
  const m = /^SIP\/2\.0\s+(\d{3})(?:\s+(.*))?$/i.exec(line.trim());
  if (!m) return null;
  const code = Number(m[1]);
  return { code, reason: (m[2] ?? '').trim(), status: transferStatusFor(code) };
}

export function transferStatusFor(code: number): TransferStatus {
  if (code >= 300) return 'failed';
  if (code >= 200) return 'succeeded';
  if (code === 100) return 'trying';
  return 'ringing';
}

/** `Reason: SIP;cause=200;text="Call completed elsewhere"` -> { protocol, cause, text }. */
export function parseReason(value: string | undefined | null): { protocol: string; cause: number | null; text: string | null } | null {
  if (!value) return null;
  const parts = value.split(';').map((p) => p.trim());
  const protocol = (parts.shift() ?? '').toUpperCase();
  if (!protocol) return null;
  let cause: number | null = null;
  let text: string | null = null;
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const name = p.slice(0, eq).trim().toLowerCase();
    const v = p.slice(eq + 1).trim();
    if (name === 'cause' && /^\d+$/.test(v)) cause = Number(v);
    if (name === 'text') text = v.replace(/^"|"$/g, '');
  }
  return { protocol, cause, text };
}

/** Why a CANCELed incoming call ended: answered by another phone of the fork, or the caller gave up. */
export function cancelEndReason(reasonHeaders: string[]): CallEndReason {
  for (const h of reasonHeaders) {
    for (const one of h.split(/,(?=\s*[A-Za-z0-9.-]+\s*;)/)) {
      const r = parseReason(one);
      if (r && r.protocol === 'SIP' && r.cause === 200) return 'answered-elsewhere';
    }
  }
  return 'cancelled-by-caller';
}

/** What a final failure response to our INVITE means for the dispatcher. */
export function endReasonForStatus(code: number): CallEndReason {
  if (code === 486 || code === 600) return 'busy';
  if (code === 404 || code === 604 || code === 484) return 'not-found';
  if (code === 480 || code === 408 || code === 487) return code === 487 ? 'hung-up-local' : 'no-answer';
  if (code === 603) return 'rejected';
  return 'failed';
}
