// The call indicator [индикатор вызова]: how many calls ring, pulsing while any do; a click opens the call
// list, one row per ringing call in arrival order with who it is and how long they have waited; the first
// one has waited longest, is marked so, and is the one F2 answers.
import { useEffect, useRef } from 'preact/hooks';
import type { Call } from '../../shared/domain.js';
import { useT } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';
import { CallerLine } from './CallerLine.js';
import { formatDuration, useNow } from './format.js';
import { keyName } from './key-names.js';

function ringingCalls(calls: readonly Call[], queue: readonly string[]): Call[] {
  const byId = new Map(calls.map((c) => [c.callId, c]));
  return queue.map((id) => byId.get(id)).filter((c): c is Call => c !== undefined);
}

export function CallIndicator(props: { open: boolean; onToggle: (open: boolean) => void }) {
  const { state } = usePhone();
  const t = useT();
  const count = state.incomingQueue.length;
  const rootRef = useRef<HTMLDivElement>(null);
  const { open, onToggle } = props;

  useEffect(() => {
    if (!open) return;
    const onDocClick = (ev: MouseEvent) => {
      if (rootRef.current && ev.target instanceof Node && !rootRef.current.contains(ev.target)) onToggle(false);
    };
    document.addEventListener('mousedown', onDocClick);
    return () => document.removeEventListener('mousedown', onDocClick);
  }, [open, onToggle]);

  return (
    <div class="indicator-wrap" ref={rootRef}>
      <button
        type="button"
        class={`indicator${count > 0 ? ' indicator-ringing' : ''}`}
        data-testid="call-indicator"
        data-ringing={count > 0 ? 'true' : 'false'}
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-label={`${t.callIndicator}: ${count}`}
        title={t.callIndicator}
        onClick={() => onToggle(!open)}
      >
        <span class="indicator-icon" aria-hidden="true">☎</span>
        <span class="indicator-count" data-testid="call-count">{count}</span>
      </button>
      {open ? <CallList onAnswered={() => onToggle(false)} /> : null}
    </div>
  );
}

function CallList(props: { onAnswered: () => void }) {
  const { state, run } = usePhone();
  const t = useT();
  const now = useNow(1000);
  const ringing = ringingCalls(state.calls, state.incomingQueue);
  return (
    <ul class="call-list" data-testid="call-list" role="listbox" aria-label={t.callIndicator}>
      {ringing.length === 0 ? <li class="empty">{t.callListEmpty}</li> : null}
      {ringing.map((call, i) => (
        <li
          key={call.callId}
          class={`incoming identity-${call.identity.kind}${i === 0 ? ' incoming-longest' : ''}`}
          role="option"
          aria-selected={false}
          tabIndex={0}
          data-testid="incoming-call"
          data-call-id={call.callId}
          data-longest-waiting={i === 0 ? 'true' : undefined}
          title={i === 0 ? t.withKey(t.answer, keyName('answer')) : t.answer}
          onClick={() => {
            void run('answer', { callId: call.callId });
            props.onAnswered();
          }}
          onKeyDown={(ev) => {
            if (ev.key === 'Enter' || ev.key === ' ') {
              ev.preventDefault();
              void run('answer', { callId: call.callId });
              props.onAnswered();
            }
          }}
        >
          <div class="incoming-main">
            <span class="big-number" data-testid="call-number">{call.number || call.displayName || '—'}</span>
            <CallerLine call={call} />
          </div>
          <div class="incoming-side">
            {i === 0 && ringing.length > 1 ? (
              <span class="badge badge-longest" data-testid="longest-waiting">
                {t.longestWaiting}
              </span>
            ) : null}
            <span class="waiting" data-testid="waiting-time" title={t.waiting(formatDuration(now - call.startedAt))}>
              {formatDuration(now - call.startedAt)}
            </span>
            <button
              type="button"
              class="btn btn-small btn-ghost"
              data-testid="decline-button"
              title={t.decline}
              onClick={(ev) => {
                ev.stopPropagation();
                void run('decline', { callId: call.callId });
              }}
            >
              {t.decline}
            </button>
          </div>
        </li>
      ))}
    </ul>
  );
}
