// The order side of the dispatcher screen, driven by "the call being talked on" (state.activeCallId):
// a driver's call filters the list to the driver's orders and shows the one they are carrying out; a
// client's call shows their unfinished orders; a new client's call opens the intake form with the number.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Call, Order, OrderFilter } from '../../shared/domain.js';
import { useT } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';
import { IntakeForm } from './IntakeForm.js';
import { OrderInfo } from './OrderInfo.js';
import { OrderList } from './OrderList.js';

type Focus =
  | { kind: 'driver'; key: string; driverId: string; name: string; preferredOrder: Order | null }
  | { kind: 'client'; key: string; clientId: string; name: string; preferredOrder: Order | null }
  | { kind: 'new-client'; key: string; preferredOrder: null }
  | { kind: 'all'; key: string; preferredOrder: null };

function focusOf(call: Call | null, clientFallback: string): Focus {
  const identity = call?.identity;
  if (identity?.kind === 'driver') {
    const name = identity.callsign ? `${identity.name} (${identity.callsign})` : identity.name;
    return { kind: 'driver', key: `driver:${identity.employeeId}`, driverId: identity.employeeId, name, preferredOrder: identity.currentOrder };
  }
  if (identity?.kind === 'client') {
    return {
      kind: 'client',
      key: `client:${identity.clientId}`,
      clientId: identity.clientId,
      name: identity.name ?? call?.number ?? clientFallback,
      preferredOrder: identity.unfinishedOrders[0] ?? null,
    };
  }
  // Each new client's call is a focus of its own: nothing of the previous caller's orders stays selected.
  if (identity?.kind === 'new-client' && call) return { kind: 'new-client', key: `new-client:${call.callId}`, preferredOrder: null };
  return { kind: 'all', key: 'all', preferredOrder: null };
}

function filterOf(focus: Focus): OrderFilter {
  if (focus.kind === 'driver') return { driverId: focus.driverId, limit: 50 };
  if (focus.kind === 'client') return { clientId: focus.clientId, unfinishedOnly: true, limit: 50 };
  return { unfinishedOnly: true, limit: 100 };
}

export function OrdersArea() {
  const { state, run } = usePhone();
  const t = useT();
  const activeCall = state.calls.find((c) => c.callId === state.activeCallId) ?? null;
  const focus = focusOf(activeCall, t.client);
  const [orders, setOrders] = useState<Order[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [intake, setIntake] = useState<{ phone: string; callId: string | null } | null>(null);
  const [created, setCreated] = useState<Order | null>(null);
  const intakeOpenedFor = useRef(new Set<string>());
  const latest = useRef(0);

  // The list follows the focus (and reloads after an order is created).
  const filterKey = focus.key;
  const filter = useMemo(() => filterOf(focus), [filterKey]);
  useEffect(() => {
    const seq = ++latest.current;
    void run('listOrders', { filter }, { quiet: true }).then((r) => {
      if (seq !== latest.current) return;
      setOrders(r.ok && Array.isArray(r.value) ? r.value : []);
    });
  }, [filter, reload, run]);

  // A new focus picks the order that matters: the driver's current one, the client's first unfinished one,
  // none for a new client. Back to "all" (the call ended) keeps what was picked, to finish the work on it.
  useEffect(() => {
    if (focus.preferredOrder) setSelectedId(focus.preferredOrder.orderId);
    else if (focus.kind !== 'all') setSelectedId(null);
  }, [filterKey]);

  // A new client's call, once answered, opens the intake form pre-filled with the number (once per call).
  const newClientCall = activeCall && activeCall.identity.kind === 'new-client' ? activeCall : null;
  useEffect(() => {
    if (!newClientCall || intakeOpenedFor.current.has(newClientCall.callId)) return;
    intakeOpenedFor.current.add(newClientCall.callId);
    setIntake({ phone: newClientCall.number, callId: newClientCall.callId });
  }, [newClientCall?.callId]);

  const fromList = orders.find((o) => o.orderId === selectedId) ?? null;
  const fallback =
    focus.preferredOrder?.orderId === selectedId ? focus.preferredOrder : created?.orderId === selectedId ? created : null;
  const title = focus.kind === 'driver' ? t.ordersOfDriver(focus.name) : focus.kind === 'client' ? t.ordersOfClient(focus.name) : t.ordersAll;
  // Until the list answers, the identity's own orders are shown (known from the ring).
  const identity = activeCall?.identity;
  const shown = useMemo(
    () => (orders.length > 0 ? orders : focus.preferredOrder ? (identity?.kind === 'client' ? identity.unfinishedOrders : [focus.preferredOrder]) : orders),
    [orders, filterKey, identity],
  );
  const number = activeCall?.number ?? '';
  const onNewOrder = useCallback(() => setIntake({ phone: number, callId: null }), [number]);

  return (
    <div class="orders-area">
      {intake ? (
        <IntakeForm
          key={intake.callId ?? 'manual'}
          phone={intake.phone}
          onClose={() => setIntake(null)}
          onCreated={(order) => {
            setIntake(null);
            setCreated(order);
            setSelectedId(order.orderId);
            setReload((n) => n + 1);
          }}
        />
      ) : null}
      <div class="orders-columns">
        <OrderList
          title={title}
          focus={focus.kind === 'new-client' ? 'all' : focus.kind}
          orders={shown}
          selectedId={selectedId}
          highlightId={focus.preferredOrder?.orderId ?? null}
          onSelect={setSelectedId}
          onNewOrder={onNewOrder}
        />
        <OrderInfo orderId={selectedId} known={fromList ?? fallback} />
      </div>
    </div>
  );
}
