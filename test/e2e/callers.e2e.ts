// Who is calling, as the dispatcher sees it in Russian: a new client (the intake form opens with the
// number), a client with unfinished orders, a driver (their order shown and selected), two calls at once,
// hold and resume seen by the far end, and a number typed by hand. One web host and the real lab for the
// whole file; peers are baresip/linphone through Kamailio, their own call state is asserted.
import { expect, test } from '@playwright/test';
import { startBaresip, startLinphone, waitUntil, type BaresipPeer, type LinphonePeer } from '../lab/peers.js';
import {
  answerFromList,
  callPanel,
  expectNoEnglish,
  hangUpAll,
  indicator,
  openPanel,
  phoneBookSearch,
  ringingRow,
  shot,
  startPanelApp,
  telephony,
  waitForCall,
  type PanelApp,
} from './support/panel.js';

const DISPATCHER = '1000'; // Орлова Марина in the demo directory

let panel: PanelApp;
// Every peer of the file starts at once, beside the web host (a baresip peer takes ~1.5 s to register, a
// linphone one ~3 s): each test uses its own peers, so no test sees another's calls.
let peers: {
  newClient: BaresipPeer;
  client: BaresipPeer;
  driver: BaresipPeer;
  firstOfTwo: BaresipPeer;
  secondOfTwo: BaresipPeer;
  held: LinphonePeer;
  typed: BaresipPeer;
  givesUp: BaresipPeer;
};

const baresip = (user: string, autoAnswer = false): Promise<BaresipPeer> => startBaresip({ user, autoAnswer, ringback: false });

test.beforeAll(async () => {
  const [app, newClient, client, driver, firstOfTwo, secondOfTwo, held, typed, givesUp] = await Promise.all([
    startPanelApp({ user: DISPATCHER }),
    baresip('79161239999'), // nobody in the data: a new client
    baresip('79161230002'), // Пётр Кузнецов: Д-1002 (new) and Д-1003 (driver 102)
    baresip('2001'), // Волков, callsign 101, carrying out Д-1001
    baresip('2002'), // Медведев (102)
    baresip('79161230001'), // Анна Смирнова
    startLinphone({ user: '2003' }), // Зайцев (103)
    // Семёнов (105) has +7 912 345-20-05 in the directory; his phone is registered under that number.
    baresip('+79123452005', true),
    baresip('79161230004'), // Сергей Лебедев
  ]);
  panel = app;
  peers = { newClient, client, driver, firstOfTwo, secondOfTwo, held, typed, givesUp };
});

test.afterAll(async () => {
  await Promise.all(Object.values(peers ?? {}).map((p: { stop(): Promise<void> }) => p.stop().catch(() => undefined)));
  await panel?.stop();
});

test.afterEach(async () => {
  await hangUpAll(panel).catch(() => undefined);
});

test('a new client: the call list says so, answering opens the intake form with their number', async ({ page }) => {
  const caller = peers.newClient;
  await openPanel(page, panel);
  await caller.dial(DISPATCHER);
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 1');
  await indicator(page).click();
  await expect(ringingRow(page, 'Новый клиент')).toBeVisible();
  await shot(page, 'new-client-ringing');

  await answerFromList(page, 'Новый клиент');
  await caller.waitFor('CALL_ESTABLISHED');
  await expect(page.getByRole('heading', { name: 'Форма приема заказа' })).toBeVisible();
  await expect(page.getByLabel(/Телефон клиента/)).toHaveValue(/\+?7?9161239999/);
  await expect(page.getByLabel(/Адрес подачи/)).toBeFocused();
  await shot(page, 'new-client-intake');

  // The dispatcher takes the order while talking.
  await page.getByLabel(/Адрес подачи/).fill('ул. Лесная, 5');
  await page.getByRole('button', { name: 'Создать заказ' }).click();
  await expect(page.getByRole('heading', { name: 'Форма приема заказа' })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Заказ', exact: true })).toContainText('ул. Лесная, 5');
  await shot(page, 'new-client-order-created');

  await callPanel(page, 'Новый клиент').getByRole('button', { name: 'Завершить' }).click();
  await caller.waitFor('CALL_CLOSED');
});

test('a client with unfinished orders: their orders are shown, nobody else’s', async ({ page }) => {
  const caller = peers.client;
  await openPanel(page, panel);
  await caller.dial(DISPATCHER);
  await indicator(page).click();
  const row = ringingRow(page, 'Пётр Кузнецов');
  await expect(row).toContainText('2 незавершенных заказа');
  await shot(page, 'client-ringing');

  await row.click();
  await caller.waitFor('CALL_ESTABLISHED');
  const orders = page.getByRole('region', { name: 'Заказы', exact: true });
  await expect(orders.getByRole('heading', { name: 'Незавершенные заказы: Пётр Кузнецов' })).toBeVisible();
  await expect(orders.getByRole('row').filter({ hasText: 'Д-1002' })).toBeVisible();
  await expect(orders.getByRole('row').filter({ hasText: 'Д-1003' })).toBeVisible();
  await expect(orders.getByRole('row').filter({ hasText: /Д-1001|Д-1004|Д-1005/ })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Форма приема заказа' })).toHaveCount(0);
  // The first unfinished order is open beside the list.
  await expect(page.getByRole('region', { name: 'Заказ', exact: true })).toContainText('№Д-1002');
  await shot(page, 'client-orders');
});

test('a driver: the driver’s orders, the one being carried out shown and selected', async ({ page }) => {
  const caller = peers.driver;
  await openPanel(page, panel);
  await caller.dial(DISPATCHER);
  await indicator(page).click();
  const row = ringingRow(page, 'Волков');
  await expect(row).toContainText('101');
  await expect(row).toContainText('водитель, заказ №Д-1001');
  await shot(page, 'driver-ringing');

  await row.click();
  await caller.waitFor('CALL_ESTABLISHED');
  const orders = page.getByRole('region', { name: 'Заказы', exact: true });
  await expect(orders.getByRole('heading', { name: /Заказы водителя: Волков .*\(101\)/ })).toBeVisible();
  await expect(orders.getByRole('row', { selected: true })).toContainText('Д-1001');
  const info = page.getByRole('region', { name: 'Заказ', exact: true });
  await expect(info).toContainText('№Д-1001');
  await expect(info).toContainText('выполняется');
  await expect(info).toContainText('Шереметьево, терминал B');
  await shot(page, 'driver-order');
});

test('two calls at once: indicator 2, the second picked while the first rings, then the first answered and the second held by itself', async ({ page }) => {
  const first = peers.firstOfTwo;
  const second = peers.secondOfTwo;
  await openPanel(page, panel);
  await first.dial(DISPATCHER);
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 1');
  await second.dial(DISPATCHER);
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 2');
  await indicator(page).click();
  // Arrival order: the first caller on top.
  const rows = page.getByRole('listbox', { name: 'Индикатор вызова' }).getByRole('option');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('Медведев');
  await expect(rows.nth(1)).toContainText('Анна Смирнова');
  await shot(page, 'two-calls-list');

  await rows.nth(1).click();
  await second.waitFor('CALL_ESTABLISHED');
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 1');
  await expect(callPanel(page, 'Анна Смирнова')).toContainText('разговор');
  // The first still rings at the caller's end.
  expect((await first.listCalls())[0]?.state).toMatch(/RINGING|OUTGOING|EARLY/);
  await shot(page, 'two-calls-second-answered');

  await answerFromList(page, 'Медведев');
  await first.waitFor('CALL_ESTABLISHED');
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 0');
  await expect(callPanel(page, 'Медведев')).toContainText('разговор');
  const held = callPanel(page, 'Анна Смирнова');
  await expect(held).toContainText('на удержании');
  await expect(held.getByRole('button', { name: /Снять удерж/ })).toBeVisible();
  const state = panel.contract.state!;
  expect(state.calls.filter((c) => c.state === 'active')).toHaveLength(1);
  await shot(page, 'two-calls-first-answered-second-held');
});

test('hold and resume: the far end sees its call paused and running again', async ({ page }) => {
  const caller = peers.held;
  await openPanel(page, panel);
  await caller.call(DISPATCHER);
  await answerFromList(page, 'Зайцев');
  await caller.waitForCallState('StreamsRunning');
  const p = callPanel(page, 'Зайцев');
  await expect(p).toContainText('разговор');

  await p.getByRole('button', { name: 'Удержание' }).click();
  await expect(p).toContainText('на удержании');
  await caller.waitForCallState('PausedByRemote');
  await shot(page, 'hold-held');

  await p.getByRole('button', { name: /Снять удерж/ }).click();
  await expect(p).toContainText('разговор');
  await caller.waitForCallState('StreamsRunning');
  await shot(page, 'hold-resumed');
  await p.getByRole('button', { name: 'Завершить' }).click();
  await waitUntil(async () => !(await caller.callStatus()), { timeoutMs: 10_000, what: 'linphone call ended' });
});

test('a call to +7 (912) ... typed by hand reaches the driver with that number', async ({ page }) => {
  const callee = peers.typed;
  await openPanel(page, panel);
  await phoneBookSearch(page).fill('+7 (912) 345-20-05');
  const dial = telephony(page).getByRole('button', { name: 'Позвонить +7 (912) 345-20-05' });
  await expect(dial).toBeVisible();
  await shot(page, 'typed-number');
  await dial.click();
  const established = await callee.waitFor('CALL_ESTABLISHED');
  expect(established.peeruri ?? '').toContain(DISPATCHER);
  const p = callPanel(page, 'Семёнов');
  await expect(p).toContainText('разговор');
  await expect(p).toContainText('+79123452005');
  await expect(phoneBookSearch(page)).toHaveValue('');
  await shot(page, 'typed-number-talking');
  await p.getByRole('button', { name: 'Завершить' }).click();
  await callee.waitFor('CALL_CLOSED');
});

test('in ru, a call the caller gave up on shows Russian text only', async ({ page }) => {
  const caller = peers.givesUp;
  await openPanel(page, panel);
  await caller.dial(DISPATCHER);
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 1');
  await caller.hangup();
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 0');
  const ended = await waitForCall(panel, (c) => c.endReason === 'cancelled-by-caller', 'cancelled call');
  expect(ended.number).toContain('79161230004');
  await expect(telephony(page)).toContainText('Звонок завершён: абонент не дождался');
  await shot(page, 'cancelled-call');
  await expectNoEnglish(telephony(page));
});
