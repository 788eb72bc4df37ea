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

export function HistoryPanel(props: { onClose: () => void }) {
  const { run } = usePhone();
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
  }, [day, number, outcome, page, run]);

  useEffect(() => {
    void run('listMissedNotCalledBack', { limit: 50 }).then((r) => {
      if (r.ok && Array.isArray(r.value)) setMissed(r.value);
    });
  }, [run, missedTick]);

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
            <input
              type="date"
              data-testid="history-day"
              value={day}
              onInput={(ev) => {
                setDay((ev.currentTarget as HTMLInputElement).value);
                resetPage();
              }}
            />
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
          <table class="grid">
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
