// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import { baseState, call, FakePhoneApi, order } from './fake-phone.js';

afterEach(() => cleanup());

describe('orders follow the call being talked on', () => {
  it("a driver's call shows the order the driver is carrying out", async () => {
    const current = order({ orderId: 'o-77', number: '5150', status: 'in-progress', pickupAddress: 'Mira 5' });
    const older = order({ orderId: 'o-70', number: '5100', status: 'completed' });
    const api = new FakePhoneApi(
      baseState({
        calls: [
          call({
            callId: 'd',
            state: 'active',
            answeredAt: Date.now(),
            identity: { kind: 'driver', employeeId: 'e-driver', name: 'Sidorov Ivan', callsign: '77', currentOrder: current },
          }),
        ],
        activeCallId: 'd',
      }),
    );
    api.handle('listOrders', (args) => ({ ok: true, value: args.filter.driverId === 'e-driver' ? [current, older] : [] }));
    api.handle('getOrder', (args) => (args.orderId === 'o-77' ? { ok: true, value: current } : { ok: false, error: { code: 'not-found', why: { kind: 'not-found', what: 'order', id: String(args.orderId) } } }));
    render(<App api={api} />);

    const info = await screen.findByTestId('order-info');
    await waitFor(() => expect(info.getAttribute('data-order-id')).toBe('o-77'));
    expect(within(info).getByTestId('order-number').textContent).toBe('№5150');
    expect(info.textContent).toContain('Mira 5');
    expect(api.commands('listOrders')).toContainEqual({ filter: { driverId: 'e-driver', limit: 50 } });
    const list = screen.getByTestId('order-list');
    expect(list.getAttribute('data-focus')).toBe('driver');
    await waitFor(() => expect(within(list).getAllByTestId('order-row').map((r) => r.getAttribute('data-order-id'))).toEqual(['o-77', 'o-70']));
    expect(list.textContent).toContain('Sidorov Ivan (77)');
  });

  it("a client's call filters the list to the client's unfinished orders", async () => {
    const open = order({ orderId: 'o-3', number: '6001', status: 'new' });
    const api = new FakePhoneApi(
      baseState({
        calls: [call({ callId: 'c', state: 'active', answeredAt: Date.now(), identity: { kind: 'client', clientId: 'c-9', name: 'Anna Petrova', unfinishedOrders: [open] } })],
        activeCallId: 'c',
      }),
    );
    api.handle('listOrders', () => ({ ok: true, value: [open] }));
    render(<App api={api} />);
    await waitFor(() => expect(api.commands('listOrders')).toContainEqual({ filter: { clientId: 'c-9', unfinishedOnly: true, limit: 50 } }));
    expect(screen.getByTestId('order-list').getAttribute('data-focus')).toBe('client');
    expect((await screen.findByTestId('order-info')).textContent).toContain('6001');
  });

  it("a new client's answered call opens the intake form pre-filled; the core's validation error is shown", async () => {
    const api = new FakePhoneApi(baseState({ calls: [call({ callId: 'n', number: '+79127654321', identity: { kind: 'new-client' } })], incomingQueue: ['n'] }));
    api.handle('createOrder', (args) =>
      args.order.pickupAddress
        ? { ok: true, value: order({ orderId: 'o-new', number: '7000', clientPhone: args.order.clientPhone, pickupAddress: args.order.pickupAddress }) }
        : { ok: false, error: { code: 'validation', why: { kind: 'invalid-field', field: 'pickupAddress', rule: 'required' }, field: 'pickupAddress' } },
    );
    render(<App api={api} />);
    await screen.findByTestId('call-indicator');
    expect(screen.queryByTestId('intake-form')).toBeNull(); // ringing is not answered

    api.publish({ calls: [call({ callId: 'n', number: '+79127654321', state: 'active', answeredAt: Date.now() })], incomingQueue: [], activeCallId: 'n' });
    const form = await screen.findByTestId('intake-form');
    expect((within(form).getByTestId('intake-clientPhone') as HTMLInputElement).value).toBe('+79127654321');

    fireEvent.submit(form);
    const error = await screen.findByTestId('intake-error');
    expect(error.textContent).toContain('The pickup address is required');
    expect(within(form).getByTestId('intake-pickupAddress').getAttribute('aria-invalid')).toBe('true');

    fireEvent.input(within(form).getByTestId('intake-pickupAddress'), { target: { value: 'Lenina 10' } });
    fireEvent.submit(form);
    await waitFor(() => expect(screen.queryByTestId('intake-form')).toBeNull());
    expect(api.commands('createOrder').at(-1)).toEqual({ order: { clientPhone: '+79127654321', pickupAddress: 'Lenina 10' } });
    await waitFor(() => expect(screen.getByTestId('order-info').getAttribute('data-order-id')).toBe('o-new'));
  });
});
