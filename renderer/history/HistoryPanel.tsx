// Call history [история звонков]: filters by day, number and outcome, paging; and the missed calls nobody
// has called back yet, each with a call-back button. It opens on today; older days come on demand
// ("day before", a date, or all days).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { HistoryEntry, HistoryOutcome, HistoryPage, HistoryQuery } from '../../shared/domain.js';
import { useLocale, useT, type Strings } from '../i18n/index.js';
import { Overlay } from '../common/Overlay.js';
import { usePhone } from '../store/phone-context.js';
import { describeIdentity, formatDateTime, formatDuration } from '../telephony/format.js';

const OUTCOMES: HistoryOutcome[] = ['answered', 'missed', 'cancelled-by-caller', 'answered-elsewhere', 'transferred', 'failed', 'interrupted', 'in-progress'];
const PAGE_SIZE = 25;

/** Why a call failed: how it ended and the facts behind it ("busy, 486 ..."), or '' when nothing is known. */
function failureText(e: HistoryEntry, t: Strings): string {
  const reason = e.endReason && e.endReason !== 'failed' ? t.endReasons[e.endReason] : null;
  const cause = e.failureCause ? t.facts.cause(e.failureCause) : null;
  return [reason, cause].filter(Boolean).join(', ');
}

/** The local calendar day (YYYY-MM-DD) of a time, as the history's day filter takes it. */
export function localDay(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** The day before a YYYY-MM-DD day (today's when none is given). */
export function dayBefore(day: string, now: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const d = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12) : new Date(now);
  d.setDate(d.getDate() - 1);
  return localDay(d.getTime());
}

/** A YYYY-MM-DD day written as the dispatcher reads dates: 02.12.2026 (dd.mm.yyyy), '' for none. */
export function dayText(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : '';
}

/** What the dispatcher typed as a day (02.12.2026, 2.12.2026, 2026-12-02) as YYYY-MM-DD; '' for an empty field, null when no date. */
export function parseDayText(text: string): string | null {
  const s = text.trim();
  if (s === '') return '';
  const dmy = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(s);
  const ymd = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  const [y, mo, d] = dmy ? [dmy[3], dmy[2], dmy[1]] : ymd ? [ymd[1], ymd[2], ymd[3]] : [];
  if (!y || !mo || !d) return null;
  const date = new Date(Number(y), Number(mo) - 1, Number(d), 12);
  if (date.getFullYear() !== Number(y) || date.getMonth() !== Number(mo) - 1 || date.getDate() !== Number(d)) return null;
  return localDay(date.getTime());
}

/**
 * The day filter as a text field in dd.mm.yyyy: Chromium's <input type=date> shows the browser's own locale
 * (mm/dd/yyyy in an English browser), not the page's Russian.
 */
function DayField(props: { day: string; onDay: (day: string) => void }) {
  const t = useT();
  const [text, setText] = useState(() => dayText(props.day));
  const [invalid, setInvalid] = useState(false);
  // A day set elsewhere (Today, Day before, All days) shows here.
  useEffect(() => {
    if (parseDayText(text) !== props.day) {
      setText(dayText(props.day));
      setInvalid(false);
    }
  }, [props.day]);
  return (
    <input
      type="text"
      inputMode="numeric"
      data-testid="history-day"
      class={invalid ? 'invalid' : ''}
      aria-invalid={invalid}
      placeholder={t.historyDayPlaceholder}
      title={t.historyDayPlaceholder}
      size={10}
      value={text}
      onInput={(ev) => {
        const value = (ev.currentTarget as HTMLInputElement).value;
        setText(value);
        const day = parseDayText(value);
        setInvalid(day === null);
        if (day !== null) props.onDay(day);
      }}
    />
  );
}

export function HistoryPanel(props: { onClose: () => void }) {
  const { run, state } = usePhone();
  // A call that ends while the history is open (a new missed call, a call back) is read in at once.
  const ended = state.calls
    .filter((c) => c.state === 'ended')
    .map((c) => c.callId)
    .join(' ');
  const t = useT();
  const locale = useLocale();
  const [day, setDay] = useState(() => localDay(Date.now()));
  const [number, setNumber] = useState('');
  const [outcome, setOutcome] = useState<HistoryOutcome | ''>('');
  const [page, setPage] = useState<number | null>(null);
  const [result, setResult] = useState<HistoryPage | null>(null);
  const firstPage = useRef<number | null>(null);
  const [missed, setMissed] = useState<HistoryEntry[]>([]);
  const [missedTick, setMissedTick] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    const seq = ++latest.current;
    const query: HistoryQuery = { pageSize: PAGE_SIZE };
    if (day) query.day = day;
    if (number.trim()) query.number = number.trim();
    if (outcome) query.outcome = outcome;
    if (page !== null) query.page = page;
    const timer = setTimeout(() => {
      void run('listHistory', { query }).then((r) => {
        if (seq !== latest.current || !r.ok || !r.value) return;
        // The first answer tells whether pages count from 0 or 1.
        if (firstPage.current === null) firstPage.current = r.value.page;
        setResult(r.value);
      });
    }, 40);
    return () => clearTimeout(timer);
  }, [day, number, outcome, page, run, ended]);

  useEffect(() => {
    void run('listMissedNotCalledBack', { limit: 50 }).then((r) => {
      if (r.ok && Array.isArray(r.value)) setMissed(r.value);
    });
  }, [run, missedTick, ended]);

  const resetPage = () => setPage(firstPage.current);
  const first = firstPage.current ?? 0;
  const current = result?.page ?? first;
  const shownBefore = (current - first) * (result?.pageSize ?? PAGE_SIZE);
  const hasNext = result ? shownBefore + result.entries.length < result.total : false;

  const callBack = (n: string) => {
    void run('dial', { target: n }).then((r) => {
      if (r.ok) setMissedTick((x) => x + 1);
    });
  };

  return (
    <Overlay title={t.history} testId="history" boxClass="history" onClose={props.onClose}>
        <section class="missed" data-testid="missed-list">
          <h3>{t.missedNotCalledBack}</h3>
          {missed.length === 0 ? <div class="empty">{t.noMissed}</div> : null}
          <ul>
            {missed.map((e) => (
              <li key={e.historyId} data-testid="missed-entry" data-number={e.number}>
                <span class="big-number small">{e.number}</span>
                <span class="who">{describeIdentity(e.identity, t).who}</span>
                <span class="time">{formatDateTime(e.startedAt, locale)}</span>
                <button type="button" class="btn btn-small btn-call" data-testid="call-back-button" title={t.callBack} onClick={() => callBack(e.number)}>
                  ☎ {t.callBack}
                </button>
              </li>
            ))}
          </ul>
        </section>
        <div class="filters">
          <div class="day-buttons" role="group" aria-label={t.historyDay}>
            <button
              type="button"
              class={`btn btn-small${day === localDay(Date.now()) ? ' is-open' : ''}`}
              aria-pressed={day === localDay(Date.now())}
              data-testid="history-today"
              title={t.historyToday}
              onClick={() => {
                setDay(localDay(Date.now()));
                resetPage();
              }}
            >
              {t.historyToday}
            </button>
            <button
              type="button"
              class="btn btn-small"
              data-testid="history-earlier-day"
              title={t.historyEarlierDay}
              onClick={() => {
                setDay(dayBefore(day, Date.now()));
                resetPage();
              }}
            >
              ← {t.historyEarlierDay}
            </button>
            <button
              type="button"
              class={`btn btn-small${day === '' ? ' is-open' : ''}`}
              aria-pressed={day === ''}
              data-testid="history-all-days"
              title={t.historyAllDays}
              onClick={() => {
                setDay('');
                resetPage();
              }}
            >
              {t.historyAllDays}
            </button>
          </div>
          <label>
            {t.historyDay}{' '}
            <DayField day={day} onDay={(d) => {
                setDay(d);
                resetPage();
              }} />
          </label>
          <label>
            {t.historyNumber}{' '}
            <input
              type="search"
              data-testid="history-number"
              value={number}
              onInput={(ev) => {
                setNumber((ev.currentTarget as HTMLInputElement).value);
                resetPage();
              }}
            />
          </label>
          <label>
            {t.historyOutcome}{' '}
            <select
              data-testid="history-outcome"
              value={outcome}
              onChange={(ev) => {
                setOutcome((ev.currentTarget as HTMLSelectElement).value as HistoryOutcome | '');
                resetPage();
              }}
            >
              <option value="">{t.historyAll}</option>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {t.outcomes[o]}
                </option>
              ))}
            </select>
          </label>
        </div>
        {result && result.entries.length > 0 ? (
          <table class="grid history-table">
            <thead>
              <tr>
                <th><span class="sr-only">{t.historyColumns.direction}</span></th>
                <th>{t.historyColumns.time}</th>
                <th>{t.historyColumns.number}</th>
                <th>{t.historyColumns.who}</th>
                <th>{t.historyColumns.outcome}</th>
                <th>{t.historyColumns.duration}</th>
                <th>{t.historyColumns.handledBy}</th>
                <th><span class="sr-only">{t.historyColumns.callBack}</span></th>
              </tr>
            </thead>
            <tbody>
              {result.entries.map((e) => {
                const who = describeIdentity(e.identity, t);
                return (
                  <tr key={e.historyId} data-testid="history-entry" data-outcome={e.outcome}>
                    <td class="dir">{e.direction === 'incoming' ? '↙' : '↗'}</td>
                    <td class="time">{formatDateTime(e.startedAt, locale)}</td>
                    <td class="num">{e.number}</td>
                    <td>{who.who}</td>
                    <td>
                      <span class={`outcome outcome-${e.outcome}`}>{t.outcomes[e.outcome]}</span>
                      {e.transferredTo ? ` ${t.transferredTo(e.transferredTo)}` : ''}
                      {e.outcome === 'failed' && failureText(e, t) ? ` (${failureText(e, t)})` : ''}
                    </td>
                    <td class="time">{e.durationSeconds !== null ? formatDuration(e.durationSeconds * 1000) : ''}</td>
                    <td>{e.handledBy ?? ''}</td>
                    <td>
                      <button type="button" class="btn btn-small btn-ghost" aria-label={t.callBack} title={t.callBack} onClick={() => callBack(e.number)}>
                        ☎
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : (
          <div class="empty">{t.historyEmpty}</div>
        )}
        <footer class="pager">
          <button type="button" class="btn btn-small" data-testid="history-prev" title={t.prev} disabled={current <= first} onClick={() => setPage(current - 1)}>
            ← {t.prev}
          </button>
          <span data-testid="history-range">
            {result && result.total > 0 ? t.historyPage(shownBefore + 1, shownBefore + result.entries.length, result.total) : ''}
          </span>
          <button type="button" class="btn btn-small" data-testid="history-next" title={t.next} disabled={!hasNext} onClick={() => setPage(current + 1)}>
            {t.next} →
          </button>
        </footer>
    </Overlay>
  );
}
