import { memo } from '../common/memo.js';
import type { Order } from '../../shared/domain.js';
import { useLocale, useT } from '../i18n/index.js';
import { formatDateTime } from '../telephony/format.js';

/** memo: a new PhoneState that leaves the orders alone does not re-draw the table. */
export const OrderList = memo(function OrderList(props: {
  title: string;
  focus: 'driver' | 'client' | 'all';
  orders: Order[];
  selectedId: string | null;
  highlightId: string | null;
  onSelect: (orderId: string) => void;
  onNewOrder: () => void;
}) {
  const t = useT();
  const locale = useLocale();
  return (
    <section class="panel order-list" data-testid="order-list" data-focus={props.focus} aria-label={t.orders}>
      <header class="panel-head">
        <h2>{props.title}</h2>
        <button type="button" class="btn btn-small" data-testid="new-order-button" title={t.newOrder} onClick={props.onNewOrder}>
          + {t.newOrder}
        </button>
      </header>
      {props.orders.length === 0 ? (
        <div class="empty">{t.ordersEmpty}</div>
      ) : (
        <table class="grid">
          <thead>
            <tr>
              <th>{t.orderFields.number}</th>
              <th>{t.orderFields.status}</th>
              <th>
                {t.orderFields.pickup} → {t.orderFields.destination}
              </th>
              <th>{t.orderFields.client}</th>
              <th>{t.orderFields.driver}</th>
              <th>{t.orderFields.created}</th>
            </tr>
          </thead>
          <tbody>
            {props.orders.map((o) => (
              <tr
                key={o.orderId}
                class={`${o.orderId === props.selectedId ? 'row-selected' : ''}${o.orderId === props.highlightId ? ' row-current' : ''}`}
                data-testid="order-row"
                aria-selected={o.orderId === props.selectedId}
                data-order-id={o.orderId}
                tabIndex={0}
                onClick={() => props.onSelect(o.orderId)}
                onKeyDown={(ev) => {
                  if (ev.key === 'Enter') props.onSelect(o.orderId);
                }}
              >
                <td class="num">{o.number}</td>
                <td>
                  <span class={`status status-${o.status}`}>{t.orderStatuses[o.status]}</span>
                </td>
                {/* One route column (from, then to): the table fits 1280 px beside the order info. */}
                <td class="route">
                  <div>{o.pickupAddress}</div>
                  {o.destinationAddress ? <div class="route-to">→ {o.destinationAddress}</div> : null}
                </td>
                <td>{o.clientName ?? o.clientPhone ?? ''}</td>
                <td>{o.driverName ? `${o.driverName}${o.driverCallsign ? ` (${o.driverCallsign})` : ''}` : ''}</td>
                <td class="time created">{formatDateTime(o.createdAt, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
});
