// Phone numbers: normalisation (E.164 or short internal numbers), the digit forms the phone book
// searches, and the SIP dial plan that turns what the dispatcher typed into a SIP URI.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { DialPlan } from '../calls/ports.js';
import { fail, ok, type Result } from '../../shared/errors.js';
import type { NumberProblem } from '../../shared/facts.js';

const badNumber = (input: string, problem: NumberProblem) => fail('invalid-number', { kind: 'invalid-number', input, problem });

/** Internal (extension) numbers have at most this many digits and are kept as they are. */
const MAX_SHORT_NUMBER_DIGITS = 6;
/** E.164 allows 15 digits. */
const MAX_E164_DIGITS = 15;

const SEPARATORS = /[\s\u00a0\-().\/]/g;

/**
 * Normalises a phone number: E.164 ('+79123456789') for public numbers, the digits as they are for
 * short internal numbers ('1002'), or null when `raw` is no number. National forms of the default
 * region are understood ('8 912 345-67-89', '9123456789', '79123456789' for RU), as are '00' and
 * 'tel:' prefixes.
 */
export function normaliseNumber(raw: string, defaultRegion: string = 'RU'): string | null {
  if (typeof raw !== 'string') return null;
  let s = raw.trim();
  if (/^tel:/i.test(s)) s = s.slice(4).split(';')[0] ?? '';
  s = s.replace(SEPARATORS, '');
  if (s === '') return null;
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  if (!/^\+?\d+$/.test(s)) return null;
  const digits = s.replace('+', '');
  if (digits.length > MAX_E164_DIGITS) return null;
  if (!s.startsWith('+') && digits.length <= MAX_SHORT_NUMBER_DIGITS) return digits;
  const parsed = parsePhoneNumberFromString(s, defaultRegion.toUpperCase() as CountryCode);
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}

/**
 * The digit strings a person may type to find `number` (already normalised): the E.164 digits
 * (79123456789), and for the default region's numbers the national forms with and without the trunk
 * prefix (89123456789, 9123456789).
 */
export function searchableDigits(number: string, defaultRegion: string = 'RU'): string[] {
  const digits = number.replace(/\D/g, '');
  if (!number.startsWith('+')) return digits ? [digits] : [];
  const forms = new Set<string>([digits]);
  const parsed = parsePhoneNumberFromString(number);
  if (parsed) {
    const national = String(parsed.nationalNumber);
    forms.add(national);
    if (parsed.country === defaultRegion.toUpperCase() || parsed.countryCallingCode === callingCodeOf(defaultRegion)) {
      const trunk = parsed.formatNational().replace(/\D/g, '');
      forms.add(trunk);
    }
  }
  return [...forms];
}

const callingCodes = new Map<string, string | null>();
function callingCodeOf(region: string): string | null {
  const key = region.toUpperCase();
  if (!callingCodes.has(key)) {
    // Any possible number of the region gives its calling code; '+' forms are not needed here.
    const sample = parsePhoneNumberFromString('9123456789', key as CountryCode);
    callingCodes.set(key, sample ? String(sample.countryCallingCode) : null);
  }
  return callingCodes.get(key) ?? null;
}

export interface SipDialPlanOptions {
  /** SIP domain (registrar) that numbers are called at, e.g. '127.0.0.1' or 'pbx.example.ru'. */
  domain: string;
  /** Region for national numbers ('RU'). */
  defaultRegion?: string;
  /**
   * How to put an E.164 number of the default region into the request URI: 'plus' (+79123456789,
   * the default) or 'national-8' (89123456789) for PBXes that want the Russian trunk prefix.
   */
  dialE164As?: 'plus' | 'national-8';
}

const SIP_USER = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+$/;
const SIP_HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;
const MAX_TARGET_LENGTH = 256;

/** Turns what the dispatcher typed (a number in any usual format, a short number or a SIP URI) into a SIP URI. */
export class SipDialPlan implements DialPlan {
  private readonly domain: string;
  private readonly region: string;
  private readonly dialE164As: 'plus' | 'national-8';

  constructor(options: SipDialPlanOptions) {
    this.domain = options.domain;
    this.region = (options.defaultRegion ?? 'RU').toUpperCase();
    this.dialE164As = options.dialE164As ?? 'plus';
  }

  resolve(target: string): Result<{ uri: string; number: string }> {
    if (typeof target !== 'string') return badNumber('', 'empty');
    const text = target.trim();
    if (text === '') return badNumber('', 'empty');
    if (text.length > MAX_TARGET_LENGTH) {
      return badNumber(`${text.slice(0, 24)}…`, 'too-long');
    }
    const scheme = /^(sips?):/i.exec(text);
    if (scheme) return this.resolveUri(scheme[1]!.toLowerCase() as 'sip' | 'sips', text.slice(scheme[0].length));

    const number = normaliseNumber(text, this.region);
    if (number === null) {
      return badNumber(text, 'not-a-phone-number');
    }
    return ok({ uri: `sip:${this.userPart(number)}@${this.domain}`, number });
  }

  private resolveUri(scheme: 'sip' | 'sips', rest: string): Result<{ uri: string; number: string }> {
    const at = rest.lastIndexOf('@');
    if (at <= 0) {
      return badNumber(`${scheme}:${rest}`, 'sip-without-user');
    }
    const rawUser = rest.slice(0, at);
    const hostAndParams = rest.slice(at + 1);
    const [hostPort, ...params] = hostAndParams.split(';');
    if (!hostPort || !SIP_HOST.test(hostPort)) {
      return badNumber(`${scheme}:${rest}`, 'sip-bad-host');
    }
    if (!SIP_USER.test(rawUser)) {
      return badNumber(`${scheme}:${rest}`, 'sip-bad-user');
    }
    // A user part that looks like a phone number is normalised like a typed number.
    const phoneLike = /^\+?[\d\-().]+$/.test(rawUser);
    let user = rawUser;
    let number = rawUser;
    if (phoneLike) {
      const normalised = normaliseNumber(rawUser, this.region);
      if (normalised === null) return badNumber(`${scheme}:${rest}`, 'not-a-phone-number');
      number = normalised;
      user = this.userPart(normalised);
    }
    const paramText = params.length ? `;${params.join(';')}` : '';
    return ok({ uri: `${scheme}:${user}@${hostPort}${paramText}`, number });
  }

  private userPart(number: string): string {
    if (this.dialE164As === 'national-8' && number.startsWith('+')) {
      const parsed = parsePhoneNumberFromString(number);
      if (parsed && String(parsed.countryCallingCode) === callingCodeOf(this.region)) {
        return parsed.formatNational().replace(/\D/g, '');
      }
    }
    return number;
  }
}
