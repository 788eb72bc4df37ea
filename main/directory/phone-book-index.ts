// The in-memory phone book: every keystroke of the search is answered from here, never by a table scan.
// Text is compared case-insensitively with ё = е; numbers match on any run of digits, whatever the
// formatting typed ("912 345", "89123456789", "+7 912 345-67-89").
import type { PhoneBookEntry } from '../../shared/domain.js';
import type { EmployeeRecord } from '../store/dispatch-store.js';
import { searchableDigits } from '../numbers/phone-numbers.js';
import { presenceKey, type PresenceBook } from './presence-book.js';

/** Lower case, NFC, ё → е, runs of white space → one space. */
function foldText(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').trim();
}

interface IndexedEntry {
  employee: EmployeeRecord;
  /** Surname, first name and callsign, folded, separated by \u0001 so a token cannot span two. */
  text: string;
  /** Every searchable digit form of every number, separated by \u0001. */
  digits: string;
  presenceKey: string | null;
}

const PHONE_LIKE = /^[+\d\s\-().]*\d[+\d\s\-().]*$/;
const DIGITS_ONLY = /^\+?\d+$/;

export class PhoneBookIndex {
  /** Sorted by surname, first name, callsign (Russian collation). */
  private readonly entries: IndexedEntry[];
  /**
   * Posting lists: for every character and every pair of adjacent characters of an entry's text and
   * digits, the positions (in sorted order) of the entries containing it. A search walks only the
   * shortest list its query allows, so a rare query costs little and the order stays by surname.
   */
  private readonly grams = new Map<string, Int32Array>();
  private readonly everyone: Int32Array;
  private readonly byNumber = new Map<string, EmployeeRecord>();
  private readonly byId = new Map<string, EmployeeRecord>();
  /** Positions of the entries with each presence key. */
  private readonly byPresenceKey = new Map<string, number[]>();
  /** Positions of the online entries, ascending, as of `onlineOf` (which book, at which version). */
  private online: Int32Array = NOTHING;
  private onlineOf: { book: PresenceBook; version: number } | null = null;

  constructor(employees: EmployeeRecord[], defaultRegion: string) {
    const collator = new Intl.Collator('ru', { sensitivity: 'base', numeric: true });
    this.entries = employees.map((employee) => ({
      employee,
      text: [employee.surname, employee.firstName, employee.callsign ?? ''].map(foldText).join('\u0001'),
      digits: employee.numbers.flatMap((n) => searchableDigits(n, defaultRegion)).join('\u0001'),
      presenceKey: employee.sipUri ? presenceKey(employee.sipUri) : null,
    }));
    this.entries.sort(
      (a, b) =>
        collator.compare(a.employee.surname, b.employee.surname) ||
        collator.compare(a.employee.firstName, b.employee.firstName) ||
        collator.compare(a.employee.callsign ?? '', b.employee.callsign ?? '') ||
        (a.employee.employeeId < b.employee.employeeId ? -1 : 1),
    );
    const lists = new Map<string, number[]>();
    this.entries.forEach((entry, position) => {
      const all = `${entry.text}\u0002${entry.digits}`;
      const seen = new Set<string>();
      for (let k = 0; k < all.length; k++) {
        seen.add(all[k]!);
        if (k + 1 < all.length) seen.add(all.slice(k, k + 2));
      }
      for (const gram of seen) {
        const list = lists.get(gram);
        if (list) list.push(position);
        else lists.set(gram, [position]);
      }
    });
    for (const [gram, list] of lists) this.grams.set(gram, Int32Array.from(list));
    this.everyone = Int32Array.from(this.entries.keys());
    this.entries.forEach(({ presenceKey: key }, position) => {
      if (key === null) return;
      const list = this.byPresenceKey.get(key);
      if (list) list.push(position);
      else this.byPresenceKey.set(key, [position]);
    });
    for (const { employee } of this.entries) {
      this.byId.set(employee.employeeId, employee);
      for (const number of employee.numbers) if (!this.byNumber.has(number)) this.byNumber.set(number, employee);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  employeeByNumber(number: string): EmployeeRecord | undefined {
    return this.byNumber.get(number);
  }

  employeeById(id: string): EmployeeRecord | undefined {
    return this.byId.get(id);
  }

  /** The shortest posting list that every match must be in (all entries when the query gives none). */
  private candidates(needles: string[]): Int32Array {
    let best: Int32Array = this.everyone;
    for (const needle of needles) {
      if (needle.length === 1) {
        const list = this.grams.get(needle) ?? NOTHING;
        if (list.length < best.length) best = list;
        continue;
      }
      for (let k = 0; k + 1 < needle.length; k++) {
        const list = this.grams.get(needle.slice(k, k + 2)) ?? NOTHING;
        if (list.length < best.length) best = list;
        if (best.length === 0) return best;
      }
    }
    return best;
  }

  /** Positions of the online entries, ascending; worked out again only when presence moved. */
  private onlinePositions(presence: PresenceBook): Int32Array {
    if (this.onlineOf?.book !== presence || this.onlineOf.version !== presence.version) {
      const positions: number[] = [];
      for (const key of presence.onlineKeys()) if (presence.isOnline(key)) positions.push(...(this.byPresenceKey.get(key) ?? []));
      this.online = Int32Array.from(positions).sort();
      this.onlineOf = { book: presence, version: presence.version };
    }
    return this.online;
  }

  /** All employees, sorted by surname, with presence filled in. */
  all(presence: PresenceBook): PhoneBookEntry[] {
    return this.entries.map((e) => toEntry(e, presence));
  }

  /**
   * Employees matching `query`, online ones first, each group by surname. An empty query lists
   * everybody. Every word of the query must match the surname, first name or callsign (as a
   * substring), or, if it is digits, a run of digits of one of the numbers; a query made only of
   * digits and phone punctuation is one run of digits.
   */
  search(query: string, limit: number, presence: PresenceBook): PhoneBookEntry[] {
    const folded = foldText(typeof query === 'string' ? query : '');
    let match: (e: IndexedEntry) => boolean;
    let needles: string[];
    if (folded === '') {
      match = () => true;
      needles = [];
    } else if (PHONE_LIKE.test(folded)) {
      const digits = folded.replace(/\D/g, '');
      match = (e) => e.digits.includes(digits) || e.text.includes(digits);
      needles = [digits];
    } else {
      const tokens = folded.split(' ');
      match = (e) =>
        tokens.every((t) => e.text.includes(t) || (DIGITS_ONLY.test(t) && e.digits.includes(t.replace('+', ''))));
      needles = tokens.map((t) => (DIGITS_ONLY.test(t) ? t.replace('+', '') : t));
    }
    // Online ones first: the online entries are walked on their own, then the candidates only until
    // the rest is full, instead of every candidate to be sure no online one comes later (a one-letter or
    // digits query has thousands: bench/ui, key press -> list painted).
    const online: IndexedEntry[] = [];
    const onlinePositions = this.onlinePositions(presence);
    for (let i = 0; i < onlinePositions.length && online.length < limit; i++) {
      const entry = this.entries[onlinePositions[i]!]!;
      if (match(entry)) online.push(entry);
    }
    const rest: IndexedEntry[] = [];
    const candidates = this.candidates(needles);
    for (let i = 0; i < candidates.length && online.length + rest.length < limit; i++) {
      const entry = this.entries[candidates[i]!]!;
      if (match(entry) && !presence.isOnline(entry.presenceKey)) rest.push(entry);
    }
    return online
      .concat(rest)
      .slice(0, limit)
      .map((e) => toEntry(e, presence));
  }
}

const NOTHING = new Int32Array(0);

function toEntry(e: IndexedEntry, presence: PresenceBook): PhoneBookEntry {
  const { employee } = e;
  return {
    employeeId: employee.employeeId,
    surname: employee.surname,
    firstName: employee.firstName,
    callsign: employee.callsign,
    role: employee.role,
    numbers: [...employee.numbers],
    sipUri: employee.sipUri,
    online: presence.markOf(e.presenceKey),
  };
}
