// Call panels: one per live, non-ringing call. A caller in attended transfer and the consultation call are
// drawn as a pair separated by the blue "Connect subscribers" [Соединить абонентов] button.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import type { Call } from '../../shared/domain.js';
import { useT } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';
import { CallerLine } from './CallerLine.js';
import { CallQuality } from './CallQuality.js';
import { formatDuration, useNow } from './format.js';
import { keyForCall } from './key-names.js';
import { TransferPanel } from './TransferPanel.js';
import { useTransferRequest } from './transfer-request.js';

const live = (c: Call) => c.state !== 'ringing' && c.state !== 'ended';

/** The consultation call of a caller being transferred (attended), if it is alive. */
function consultationOf(call: Call, calls: readonly Call[]): Call | null {
  const id = call.transfer?.kind === 'attended' ? call.transfer.consultationCallId : null;
  const found = calls.find((c) => (id !== null ? c.callId === id : c.consultationFor === call.callId));
  return found && live(found) ? found : null;
}

export function CallPanels() {
  const { state } = usePhone();
  const t = useT();
  const calls = state.calls;
  const liveCalls = calls.filter(live).sort((a, b) => a.startedAt - b.startedAt);
  const paired = new Set<string>();
  for (const c of liveCalls) {
    const consultation = consultationOf(c, calls);
    if (consultation) paired.add(consultation.callId);
  }
  // A call she ended herself needs no line (she knows, and lines stack above the phone book); one that
  // ended by itself, or by a transfer, says how for its few seconds.
  const ended = calls.filter((c) => c.state === 'ended' && !endedByHer(c));

  return (
    <section class="call-panels" aria-label={t.callPanels}>
      {liveCalls
        .filter((c) => !paired.has(c.callId))
        .map((call) => {
          const consultation = consultationOf(call, calls);
          if (!consultation) return <CallPanel key={call.callId} call={call} />;
          return (
            <div class="transfer-pair" key={call.callId} data-testid="transfer-pair">
              <CallPanel call={call} />
              <ConnectBar caller={call} consultation={consultation} />
              <CallPanel call={consultation} consultation />
            </div>
          );
        })}
      {ended.map((call) => (
        <div class="ended-call" key={call.callId} data-testid="ended-call" data-call-id={call.callId}>
          <span class="ended-number">{call.number}</span>{' '}
          {t.ended(call.endReason ? t.endReasons[call.endReason] : t.callStates.ended)}
          {call.endCause ? <span class="ended-detail"> ({t.facts.cause(call.endCause)})</span> : null}
        </div>
      ))}
    </section>
  );
}

function ConnectBar(props: { caller: Call; consultation: Call }) {
  const { run } = usePhone();
  const t = useT();
  const status = props.caller.transfer?.kind === 'attended' ? props.caller.transfer.status : 'consulting';
  const established = props.consultation.state === 'active' || props.consultation.state === 'held';
  const busy = status === 'connecting' || status === 'succeeded';
  return (
    <div class="connect-bar">
      <button
        type="button"
        class="btn btn-connect"
        data-testid="connect-subscribers"
        disabled={!established || busy}
        title={t.connectSubscribers}
        onClick={() => void run('connectSubscribers', { callId: props.caller.callId })}
      >
        ⇅ {t.connectSubscribers}
      </button>
      <button
        type="button"
        class="btn btn-ghost"
        data-testid="back-to-caller"
        disabled={busy}
        title={t.backToCaller}
        onClick={() => void run('backToCaller', { callId: props.caller.callId })}
      >
        ↩ {t.backToCaller}
      </button>
    </div>
  );
}

const DTMF_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

function CallPanel(props: { call: Call; consultation?: boolean }) {
  const { state, run } = usePhone();
  const t = useT();
  const now = useNow(1000);
  const call = props.call;
  const [transferOpen, setTransferOpen] = useState(false);
  useTransferRequest(call.callId, () => setTransferOpen(true));
  const [keypadOpen, setKeypadOpen] = useState(false);
  const connected = call.state === 'active' || call.state === 'held';
  const isActive = state.activeCallId === call.callId;
  const since = call.answeredAt ?? call.startedAt;
  const held = call.state === 'held' || call.heldLocally;
  const transfer = call.transfer;
  const attendedRunning = transfer?.kind === 'attended' && (transfer.status === 'consulting' || transfer.status === 'connecting');
  // A tooltip names a key only when that key, pressed now, does what this button does.
  const withKey = (label: string, action: 'hold' | 'hangup' | 'transfer') => {
    const key = keyForCall(action, call.callId, state);
    return key ? t.withKey(label, key) : label;
  };

  const badges: { key: string; text: string }[] = [];
  if (held && call.state !== 'held') badges.push({ key: 'held', text: t.callStates.held });
  if (call.heldRemotely) badges.push({ key: 'held-remotely', text: t.heldRemotely });
  if (call.muted) badges.push({ key: 'muted', text: t.muted });

  let transferLine: string | null = null;
  if (transfer) {
    const status = t.transferStatus[transfer.status] ?? transfer.status;
    const target = transfer.kind === 'blind' ? transfer.target : '';
    const why =
      transfer.kind === 'attended' && transfer.endReason
        ? t.endReasons[transfer.endReason] + (transfer.cause ? `, ${t.facts.cause(transfer.cause)}` : '')
        : transfer.cause
          ? t.facts.cause(transfer.cause)
          : null;
    transferLine = t.transferLine(transfer.kind, target, status) + (why ? ` (${why})` : '');
  }

  return (
    <article
      class={`call-panel${isActive ? ' call-active' : ''}${held ? ' call-held' : ''}${props.consultation ? ' call-consultation' : ''}`}
      data-testid="call-panel"
      data-call-id={call.callId}
      data-state={call.state}
      aria-current={isActive ? 'true' : undefined}
    >
      <header class="call-head">
        <span class={`dir dir-${call.direction}`} title={call.direction === 'incoming' ? t.incoming : t.outgoing} aria-hidden="true">
          {call.direction === 'incoming' ? '↙' : '↗'}
        </span>
        <span class="big-number" data-testid="call-number">{call.number || call.displayName || '—'}</span>
        <span class="call-timer" data-testid="call-timer">{formatDuration(now - since)}</span>
      </header>
      <div class="call-who">
        {props.consultation ? <span class="consult-label">{t.consultationWith}:</span> : null}
        <CallerLine call={call} />
      </div>
      <div class="call-state-line">
        <span class={`state state-${call.state}`} data-testid="call-state">{t.callStates[call.state]}</span>
        {badges.map((b) => (
          <span class={`badge badge-${b.key}`} key={b.key} data-testid={`badge-${b.key}`}>
            {b.text}
          </span>
        ))}
        <CallQuality media={call.media} />
      </div>
      {transferLine ? (
        <div class={`transfer-status transfer-${transfer?.status ?? ''}`} data-testid="transfer-status" data-status={transfer?.status}>
          {transferLine}
        </div>
      ) : null}
      <div class="call-buttons">
        {connected ? (
          <Fragment>
            <button
              type="button"
              class={`btn btn-hold${held ? ' is-held' : ''}`}
              data-testid="hold-button"
              data-held={held ? 'true' : 'false'}
              aria-pressed={held}
              title={withKey(held ? t.resume : t.hold, 'hold')}
              onClick={() => void run(held ? 'resume' : 'hold', { callId: call.callId })}
            >
              <span class="lamp" aria-hidden="true" />
              {held ? t.resume : t.hold}
            </button>
            <button
              type="button"
              class={`btn btn-mute${call.muted ? ' is-muted' : ''}`}
              data-testid="mute-button"
              aria-pressed={call.muted}
              title={call.muted ? t.unmute : t.mute}
              onClick={() => void run('mute', { callId: call.callId, muted: !call.muted })}
            >
              {call.muted ? t.unmute : t.mute}
            </button>
            {!props.consultation && !attendedRunning ? (
              <button
                type="button"
                class={`btn btn-transfer${transferOpen ? ' is-open' : ''}`}
                data-testid="transfer-button"
                aria-expanded={transferOpen}
                title={withKey(t.transfer, 'transfer')}
                onClick={() => setTransferOpen(!transferOpen)}
              >
                {t.transfer}
              </button>
            ) : null}
            <button
              type="button"
              class={`btn btn-keypad${keypadOpen ? ' is-open' : ''}`}
              data-testid="keypad-button"
              aria-expanded={keypadOpen}
              title={t.keypad}
              onClick={() => setKeypadOpen(!keypadOpen)}
            >
              {t.keypad}
            </button>
          </Fragment>
        ) : null}
        <button
          type="button"
          class="btn btn-hangup"
          data-testid="hangup-button"
          title={withKey(connected ? t.hangup : t.cancelCall, 'hangup')}
          onClick={() => void run('hangup', { callId: call.callId })}>
          {connected ? t.hangup : t.cancelCall}
        </button>
      </div>
      {keypadOpen && connected ? (
        <div class="keypad" data-testid="dtmf-keypad">
          {DTMF_KEYS.map((k) => (
            <button type="button" class="key" key={k} data-testid={`dtmf-${k}`} title={k} onClick={() => void run('sendDtmf', { callId: call.callId, digits: k })}>
              {k}
            </button>
          ))}
        </div>
      ) : null}
      {transferOpen && connected && !props.consultation && !attendedRunning ? (
        <TransferPanel call={call} onClose={() => setTransferOpen(false)} />
      ) : null}
    </article>
  );
}

function endedByHer(call: Call): boolean {
  return call.endReason === 'hung-up-local' || (call.endReason === 'rejected' && call.endCause?.kind === 'declined-by-dispatcher');
}
