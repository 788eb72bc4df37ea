import { useEffect, useRef, useState } from 'preact/hooks';
import type { Order } from '../../shared/domain.js';
import { useLocale, useT } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';
import { formatDateTime } from '../telephony/format.js';

/** The order info panel: what is known at once (from the list or the caller's identity), refreshed by getOrder. */
export function OrderInfo(props: { orderId: string | null; known: Order | null }) {
  const { run } = usePhone();
  const t = useT();
  const locale = useLocale();
  const [fetched, setFetched] = useState<Order | null>(null);
  const latest = useRef(0);

  useEffect(() => {
    const seq = ++latest.current;
    setFetched(null);
    if (!props.orderId) return;
    void run('getOrder', { orderId: props.orderId }).then((r) => {
      if (seq === latest.current && r.ok && r.value) setFetched(r.value);
    });
  }, [props.orderId, run]);

  const order = fetched && fetched.orderId === props.orderId ? fetched : props.known;
  return (
    <section class="panel order-info" data-testid="order-info" data-order-id={order?.orderId} aria-label={t.orderInfo}>
      <header class="panel-head">
        <h2>
          {t.orderInfo} {order ? <span class="order-number" data-testid="order-number">№{order.number}</span> : null}
        </h2>
      </header>
      {!order ? (
        <div class="empty">{t.orderNone}</div>
      ) : (
        <dl class="facts">
          <dt>{t.orderFields.status}</dt>
          <dd>
            <span class={`status status-${order.status}`}>{t.orderStatuses[order.status]}</span>
          </dd>
          <dt>{t.orderFields.pickup}</dt>
          <dd>{order.pickupAddress}</dd>
          <dt>{t.orderFields.destination}</dt>
          <dd>{order.destinationAddress ?? '—'}</dd>
          <dt>{t.orderFields.client}</dt>
          <dd>{[order.clientName, order.clientPhone].filter(Boolean).join(', ') || '—'}</dd>
          <dt>{t.orderFields.driver}</dt>
          <dd>{order.driverName ? `${order.driverName}${order.driverCallsign ? ` (${order.driverCallsign})` : ''}` : '—'}</dd>
          {order.note ? (
            <>
              <dt>{t.orderFields.note}</dt>
              <dd>{order.note}</dd>
            </>
          ) : null}
          <dt>{t.orderFields.created}</dt>
          <dd>{formatDateTime(order.createdAt, locale)}</dd>
        </dl>
      )}
    </section>
  );
}
