// The phone book [телефонная книга]: online employees on start, filtered as you type (searchPhoneBook,
// debounced lightly, latest answer wins); click/Enter calls; a typed number or SIP address can be called as is.
// "Online" is only what the core marks true (main/directory/presence-book.ts has the rule); when nobody
// is, the list says so, and typing searches everyone.
import type { Ref } from 'preact';
import { memo } from '../common/memo.js';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { PhoneBookEntry } from '../../shared/domain.js';
import { useT } from '../i18n/index.js';
import { useDirectoryRevision } from '../store/directory-revision.js';
import { usePhone } from '../store/phone-context.js';
import { entryTarget, looksDialable, matchedNumber } from './format.js';
import { keyName } from './key-names.js';

// No debounce: the core answers a search from memory in about a millisecond, so every key press sends its
// search from the input event itself (an effect would wait for the next frame; bench/ui: key press -> list
// painted); an older answer never overwrites a newer one.
const REFRESH_MS = 20_000;

export interface PhoneBookProps {
  /** What a click on an entry or the typed number does. */
  onPick: (target: string, entry: PhoneBookEntry | null) => void;
  /** data-testid prefix: phonebook-search, phonebook-entry, dial-number for the main phone book. */
  testIdPrefix?: 'phonebook' | 'transfer';
  /** Label of the "Call <number>" row. */
  pickNumberLabel?: (target: string) => string;
  inputRef?: Ref<HTMLInputElement>;
  autoFocus?: boolean;
  /** No picking while a transfer request is in flight. */
  disabled?: boolean;
}

export function PhoneBook(props: PhoneBookProps) {
  const { run } = usePhone();
  const t = useT();
  const prefix = props.testIdPrefix ?? 'phonebook';
  const [query, setQuery] = useState('');
  const [entries, setEntries] = useState<PhoneBookEntry[]>([]);
  /** The query the shown entries answer (data-query on the list, for tests and bench/ui). */
  const [answered, setAnswered] = useState<string | null>(null);
  const [highlight, setHighlight] = useState(0);
  const latest = useRef(0);
  const entriesRef = useRef(entries);
  entriesRef.current = entries;
  const answeredRef = useRef(answered);
  answeredRef.current = answered;
  const [refreshTick, setRefreshTick] = useState(0);

  useEffect(() => {
    const timer = setInterval(() => setRefreshTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  // Presence moved (someone came online or left): search again so the marks and order are fresh.
  const revision = useDirectoryRevision();
  const firstRevision = useRef(revision);
  useEffect(() => {
    if (revision !== firstRevision.current) setRefreshTick((n) => n + 1);
  }, [revision]);

  const search = useCallback(
    (text: string) => {
      const seq = ++latest.current;
      const q = text.trim();
      void run('searchPhoneBook', { query: q, limit: 50 }, { quiet: true }).then((result) => {
        if (seq !== latest.current) return; // an older answer never overwrites a newer one
        const next = result.ok && Array.isArray(result.value) ? result.value : [];
        // A refresh (presence moved, the periodic one) that found the same entries draws nothing and keeps
        // the highlight where the arrow keys put it.
        if (answeredRef.current === q && JSON.stringify(next) === JSON.stringify(entriesRef.current)) return;
        setEntries(next);
        setAnswered(q);
        setHighlight(0);
      });
    },
    [run],
  );
  const typed = (text: string) => {
    setQuery(text);
    search(text);
  };
  // On start, and again when presence moved or the periodic refresh comes round.
  const queryRef = useRef(query);
  queryRef.current = query;
  useEffect(() => search(queryRef.current), [search, refreshTick]);

  const q = query.trim();
  // On start (no text) the phone book is the list of employees the server says are online, and only them.
  const shown = useMemo(() => (q === '' ? entries.filter((e) => e.online === true) : entries), [q === '', entries]);
  const dialable = looksDialable(q);
  const numberLabel = props.pickNumberLabel ?? t.callNumber;

  const onPick = useRef(props.onPick);
  onPick.current = props.onPick;
  const pick = useCallback(
    (target: string, entry: PhoneBookEntry | null) => {
      onPick.current(target, entry);
      setQuery('');
      search('');
    },
    [search],
  );

  const onKeyDown = (ev: KeyboardEvent) => {
    if (ev.key === 'ArrowDown') {
      ev.preventDefault();
      setHighlight((h) => Math.min(h + 1, Math.max(shown.length - 1, 0)));
    } else if (ev.key === 'ArrowUp') {
      ev.preventDefault();
      setHighlight((h) => Math.max(h - 1, 0));
    } else if (ev.key === 'Enter' && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault();
      if (props.disabled) return;
      if (dialable) {
        pick(q, null);
        return;
      }
      const entry = shown[highlight] ?? shown[0];
      const target = entry ? entryTarget(entry) : null;
      if (entry && target) pick(target, entry);
    } else if (ev.key === 'Escape' && query) {
      ev.stopPropagation();
      typed('');
    }
  };

  return (
    <div class={`phonebook phonebook-${prefix}`}>
      <input
        ref={props.inputRef}
        type="search"
        class="search"
        data-testid={`${prefix}-search`}
        placeholder={t.phoneBookSearch}
        aria-label={t.phoneBookSearch}
        title={prefix === 'phonebook' ? t.withKey(t.phoneBookFocus, keyName('focus-phone-book')) : undefined}
        value={query}
        autoFocus={props.autoFocus}
        autoComplete="off"
        spellcheck={false}
        onInput={(ev) => typed((ev.currentTarget as HTMLInputElement).value)}
        onKeyDown={onKeyDown}
      />
      {dialable ? (
        <button
          type="button"
          class="dial-number"
          data-testid={prefix === 'phonebook' ? 'dial-number' : `${prefix}-number`}
          disabled={props.disabled}
          title={numberLabel(q)}
          onClick={() => pick(q, null)}
        >
          <span class="icon-phone" aria-hidden="true">☎</span> {numberLabel(q)}
        </button>
      ) : null}
      {q === '' ? <div class="list-caption">{t.phoneBookOnlineList}</div> : null}
      <EntryList
        entries={shown}
        queryEmpty={q === ''}
        answered={answered}
        dialable={dialable}
        highlight={highlight}
        disabled={props.disabled ?? false}
        prefix={prefix}
        onPick={pick}
        onHighlight={setHighlight}
      />
    </div>
  );
}

interface EntryListProps {
  entries: PhoneBookEntry[];
  /**
   * Only whether the field is empty (for the empty-list line), not the text: a key press then re-draws the
   * 50 rows once, when its answer comes, not also as it is typed (bench/ui: key press -> list painted).
   */
  queryEmpty: boolean;
  /** The query these entries answer (data-query, for tests and bench/ui). */
  answered: string | null;
  dialable: boolean;
  highlight: number;
  disabled: boolean;
  prefix: 'phonebook' | 'transfer';
  onPick: (target: string, entry: PhoneBookEntry) => void;
  onHighlight: (i: number) => void;
}

/** One row's height in px: `.entry` in styles.css has this fixed height, so the window below can be computed. */
export const ENTRY_ROW_PX = 30;
/** Rows drawn beyond each edge of the visible part, so a scroll shows drawn rows at once. */
const OVERSCAN_ROWS = 2;
/** Rows drawn before the list has a height (its first frame, or a DOM without layout such as a unit test's). */
const UNMEASURED_ROWS = 24;

/** Which rows of `total` are drawn for a list scrolled to `scrollTop` showing `height` px. */
export function visibleWindow(total: number, scrollTop: number, height: number): { first: number; end: number } {
  if (height <= 0) return { first: 0, end: Math.min(total, UNMEASURED_ROWS) };
  const first = Math.max(0, Math.min(Math.floor(scrollTop / ENTRY_ROW_PX) - OVERSCAN_ROWS, total));
  const end = Math.min(total, Math.ceil((scrollTop + height) / ENTRY_ROW_PX) + OVERSCAN_ROWS);
  return { first, end: Math.max(first, end) };
}

/**
 * The entries; memo: a new PhoneState (a call ringing, a timer) does not re-draw rows that did not change.
 * Only the rows in view (and a few beyond) are in the DOM, the rest is two spacers of the same height, and
 * rows are keyed by position: a key press's answer re-fills some 20 rows in place instead of replacing 50
 * (bench/ui: key press -> list painted, where a new answer's layout and paint were most of the time).
 */
const EntryList = memo(function EntryList(props: EntryListProps) {
  const { entries, highlight, disabled, prefix, onPick, onHighlight, dialable } = props;
  const queryEmpty = props.queryEmpty;
  const answered = props.answered;
  const t = useT();
  const listRef = useRef<HTMLUListElement>(null);
  const [view, setView] = useState({ top: 0, height: 0 });
  const measure = useCallback(() => {
    const el = listRef.current;
    if (!el) return;
    setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight }));
  }, []);
  useLayoutEffect(() => {
    measure();
    const el = listRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [measure]);
  // (A shorter answer that makes the browser clamp scrollTop fires a scroll event: onScroll re-reads it.)
  // The highlighted row (arrow keys) is scrolled into view.
  useLayoutEffect(() => {
    const el = listRef.current;
    if (!el || el.clientHeight <= 0 || highlight >= entries.length) return;
    const top = highlight * ENTRY_ROW_PX;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ENTRY_ROW_PX > el.scrollTop + el.clientHeight) el.scrollTop = top + ENTRY_ROW_PX - el.clientHeight;
  }, [highlight]);
  const { first, end } = visibleWindow(entries.length, view.top, view.height);
  return (
  <ul
    ref={listRef}
    class="entries"
    role="listbox"
    aria-label={prefix === 'phonebook' ? t.phoneBook : t.transferTitle}
    data-query={answered ?? undefined}
    onScroll={measure}
  >
    {first > 0 ? <li class="entries-spacer" role="presentation" aria-hidden="true" style={{ height: `${first * ENTRY_ROW_PX}px` }} /> : null}
    {entries.slice(first, end).map((entry, k) => {
      const i = first + k;
      const target = entryTarget(entry);
      const activate = () => {
        if (target && !disabled) onPick(target, entry);
      };
      return (
        <li
          key={i}
          role="option"
          aria-selected={i === highlight}
          aria-disabled={!target || disabled}
          aria-setsize={entries.length}
          aria-posinset={i + 1}
          tabIndex={0}
          class={`entry${i === highlight ? ' entry-hl' : ''}${target ? '' : ' entry-nonumber'}`}
          data-testid={`${prefix}-entry`}
          data-employee-id={entry.employeeId}
          onClick={activate}
          onKeyDown={(ev) => {
            if (ev.key === 'Enter' || ev.key === ' ') {
              ev.preventDefault();
              activate();
            }
          }}
          onMouseEnter={() => onHighlight(i)}
          title={target ?? t.noNumber}
        >
          {entry.online === null ? (
            <span class="mark mark-none" aria-hidden="true" />
          ) : (
            <span
              class={`mark ${entry.online ? 'mark-online' : 'mark-offline'}`}
              data-testid="online-mark"
              data-online={String(entry.online)}
              title={entry.online ? t.online : t.offline}
              aria-label={entry.online ? t.online : t.offline}
            />
          )}
          <span class="entry-name">
            <span class="surname">{entry.surname}</span> <span class="firstname">{entry.firstName}</span>
          </span>
          {entry.callsign ? <span class="callsign" title={t.callsign}>{entry.callsign}</span> : null}
          <span class="entry-number" data-testid="entry-number">
                {matchedNumber(entry.numbers, answered ?? '') ?? ''}
              </span>
        </li>
      );
    })}
    {end < entries.length ? (
      <li class="entries-spacer" role="presentation" aria-hidden="true" style={{ height: `${(entries.length - end) * ENTRY_ROW_PX}px` }} />
    ) : null}
    {entries.length === 0 && queryEmpty ? (
      <li class="empty" data-testid={`${prefix}-nobody-online`}>
        {t.nobodyOnline}
      </li>
    ) : null}
    {entries.length === 0 && !queryEmpty && !dialable ? <li class="empty">{t.phoneBookEmpty}</li> : null}
  </ul>
  );
});
