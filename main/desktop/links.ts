// tel: and sip: links (a second launch's argv, the first launch's own argv, macOS open-url): decoded into a
// dial target, then either called at once (a setting, and only with no call up) or handed to the window to
// fill the dial field and ask. A link never holds a live caller without asking.
import type { PhoneState } from '../../shared/state.js';

const MAX_TARGET = 256;

/** The dial target of a tel:/sip:/sips: link, percent-decoded; null for anything else. */
export function parseLink(raw: string): string | null {
  const match = /^(tel|sips?|callto):(.*)$/is.exec(raw.trim());
  if (!match) return null;
  const scheme = match[1]!.toLowerCase();
  let rest = match[2]!;
  if (rest.startsWith('//')) rest = rest.slice(2); // tel://123 and callto://123 from some web pages
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return null;
  }
  if (/[\u0000-\u001f\u007f]/.test(decoded)) return null;
  if (scheme === 'tel' || scheme === 'callto') {
    // RFC 3966: the number, then ;parameters (phone-context, ext, isub); visual separators are allowed.
    const number = decoded.split(/[;?]/)[0]!.replace(/[\s().\-/]/g, '');
    if (!/^\+?[0-9*#]{1,32}$/.test(number)) return null;
    return number;
  }
  const uri = `${scheme}:${decoded.split('?')[0]!}`;
  if (!/^sips?:[^\s@]+(@[^\s@]+)?$/i.test(uri) || uri.length > MAX_TARGET) return null;
  return uri;
}

/** The first link among command-line arguments (Electron puts the link of a protocol launch in argv). */
export function linkFromArgv(argv: readonly string[]): string | null {
  for (const arg of argv) {
    const target = parseLink(arg);
    if (target) return target;
  }
  return null;
}

/** Any call that is up: a link that dialled now would put it on hold. */
export function hasLiveCall(state: PhoneState): boolean {
  return state.calls.some((c) => c.state === 'active' || c.state === 'held' || c.state === 'dialing' || c.state === 'early');
}

export type LinkDecision = { kind: 'dial'; target: string } | { kind: 'confirm'; target: string };

export function decideLink(target: string, state: PhoneState): LinkDecision {
  if (state.settings.dialLinksAtOnce === true && !hasLiveCall(state)) return { kind: 'dial', target };
  return { kind: 'confirm', target };
}
