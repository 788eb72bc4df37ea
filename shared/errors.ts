// Errors are typed values that cross the contract: `code` drives behaviour, `why` holds the facts the
// renderer words in the dispatcher's language (shared/facts.ts). No sentence crosses.
import type { ErrorWhy } from './facts.js';

export type PhoneErrorCode =
  | 'invalid-command' // the command or its arguments do not match the contract
  | 'unknown-call' // no call with that id
  | 'invalid-number' // a dial string that is no number or SIP address
  | 'invalid-state' // the call cannot do that now (e.g. hold a ringing call)
  | 'not-registered' // no registration, cannot place calls
  | 'not-found' // an order, employee, history row that does not exist
  | 'validation' // domain data rejected (e.g. an order without a pickup address)
  | 'sip-failure' // the SIP side refused or failed
  | 'media-failure'
  | 'storage-failure'
  | 'unauthorized'
  | 'internal';

export interface PhoneError {
  code: PhoneErrorCode;
  why: ErrorWhy;
  /** The offending field, for validation errors. */
  field?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: PhoneError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: PhoneErrorCode, why: ErrorWhy, field?: string): { ok: false; error: PhoneError } => ({
  ok: false,
  error: field === undefined ? { code, why } : { code, why, field },
});

/** One line for a log (English, technical, never shown to the dispatcher). */
export function errorLogText(error: PhoneError): string {
  return `${error.code}: ${JSON.stringify(error.why)}`;
}
