import type { Call } from '../../shared/domain.js';
import { useT } from '../i18n/index.js';
import { describeIdentity } from './format.js';

/** Who the far end is: name (+ callsign), and the detail that matters (current order, unfinished orders, role). */
export function CallerLine(props: { call: Call }) {
  const t = useT();
  const { who, detail, kind } = describeIdentity(props.call.identity, t);
  const display = props.call.displayName && kind === 'unknown' ? props.call.displayName : who;
  return (
    <span class={`caller caller-${kind}`} data-testid="caller-identity" data-kind={kind}>
      <span class="caller-who">{display}</span>
      {detail ? <span class="caller-detail">{detail}</span> : null}
    </span>
  );
}
