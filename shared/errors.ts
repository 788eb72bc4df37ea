// Errors are typed values that cross the contract; the renderer shows `message`, code drives behaviour.

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
  message: string;
  /** The offending field, for validation errors. */
  field?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: PhoneError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: PhoneErrorCode, message: string, field?: string): { ok: false; error: PhoneError } => ({
  ok: false,
  error: field === undefined ? { code, message } : { code, message, field },
});
