// DTMF digits: the one rule the bridge, the call centre and media check against. RFC 4733 numbers the
// events 0-15 in this order (0-9, *, #, A-D); a lowercase a-d is the same key and is taken as upper case.

/** The sixteen DTMF keys, each at its RFC 4733 event number. */
export const DTMF_DIGITS = '0123456789*#ABCD';

/** `digits` in canonical form (A-D upper case), or null when it is empty or holds anything but DTMF keys. */
export function normaliseDtmf(digits: string): string | null {
  if (typeof digits !== 'string' || digits === '') return null;
  const canonical = digits.toUpperCase();
  for (const key of canonical) if (!DTMF_DIGITS.includes(key)) return null;
  return canonical;
}
