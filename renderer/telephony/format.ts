import { useEffect, useState } from 'preact/hooks';
import type { CallerIdentity, PhoneBookEntry } from '../../shared/domain.js';
import type { Strings } from '../i18n/index.js';

/** 0:07, 1:05, 1:02:03. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatDateTime(at: number, locale: string): string {
  return new Date(at).toLocaleString(locale, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** The current time, re-read every `periodMs` (live waiting times and call timers). */
export function useNow(periodMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(timer);
  }, [periodMs]);
  return now;
}

/** Text that is a number or a SIP address the dispatcher can dial as typed. */
export function looksDialable(text: string): boolean {
  const s = text.trim();
  if (!s) return false;
  if (/^sips?:\S+$/i.test(s) || /^[^\s@]+@[^\s@]+$/.test(s)) return true;
  const digits = s.replace(/\D/g, '');
  return /^\+?[\d\s()\-.]+$/.test(s) && digits.length >= 2;
}

export function entryTarget(entry: PhoneBookEntry): string | null {
  return entry.sipUri ?? entry.numbers[0] ?? null;
}

/** The main line (who) and the detail line (what the dispatcher should know) of a caller. */
export function describeIdentity(identity: CallerIdentity, t: Strings): { who: string; detail: string | null; kind: CallerIdentity['kind'] } {
  switch (identity.kind) {
    case 'driver': {
      const who = identity.callsign ? `${identity.name} · ${identity.callsign}` : identity.name;
      const detail = identity.currentOrder ? t.currentOrder(identity.currentOrder.number) : t.noCurrentOrder;
      return { who, detail: `${t.roles.driver}, ${detail}`, kind: identity.kind };
    }
    case 'client': {
      const n = identity.unfinishedOrders.length;
      return { who: identity.name ?? t.client, detail: n > 0 ? t.unfinishedOrders(n) : t.noUnfinishedOrders, kind: identity.kind };
    }
    case 'new-client':
      return { who: t.newClient, detail: null, kind: identity.kind };
    case 'employee': {
      const who = identity.callsign ? `${identity.name} · ${identity.callsign}` : identity.name;
      return { who, detail: t.roles[identity.role], kind: identity.kind };
    }
    case 'unknown':
      return {
        who: t.unknownCaller,
        detail: t.facts.unknownCaller[identity.reason] + (identity.detail ? ` (${identity.detail})` : ''),
        kind: identity.kind,
      };
  }
}

/**
 * The number of an entry to show for what was typed: the one whose digits hold the typed digits (also typed
 * nationally: 8 912... or 912... for +7 912...), else the first. Text queries (a surname) show the first.
 */
export function matchedNumber(numbers: readonly string[], query: string): string | null {
  const typed = query.replace(/\D/g, '');
  if (typed.length > 0 && /^[+\d\s\-().]+$/.test(query.trim())) {
    const forms = typed.startsWith('8') ? [typed, `7${typed.slice(1)}`] : [typed];
    const hit = numbers.find((n) => forms.some((f) => n.replace(/\D/g, '').includes(f)));
    if (hit) return hit;
  }
  return numbers[0] ?? null;
}
