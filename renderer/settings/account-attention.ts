// When the settings must open on the SIP account by themselves, and why (shared/facts.ts AccountAttention): the
// first run (no account), an account with no password to register with (the desktop app could not keep or open
// it), and a registration the server refused (401/403/407: wrong user name or password).
import { useEffect, useRef } from 'preact/hooks';
import type { AccountAttention } from '../../shared/facts.js';
import type { PhoneState } from '../../shared/state.js';

export function accountAttention(state: Pick<PhoneState, 'account' | 'registration'>): AccountAttention | null {
  if (state.account.user === '') return { kind: 'no-account' };
  if (state.account.passwordMissing) return { kind: 'password-missing', why: state.account.passwordMissing };
  if (state.registration.kind === 'wrong-credentials') return { kind: 'credentials-refused', code: state.registration.code };
  return null;
}

/**
 * Calls open() when a reason to look at the account appears (and at start when there is one). Closed by the
 * dispatcher, the settings stay closed until the reason changes or comes back (another refused registration).
 */
export function useAccountAttention(state: PhoneState, open: () => void): void {
  const attention = accountAttention(state);
  const key = attention ? JSON.stringify(attention) : null;
  const last = useRef<string | null>(null);
  useEffect(() => {
    if (key !== null && key !== last.current) open();
    last.current = key;
  }, [key]);
}
