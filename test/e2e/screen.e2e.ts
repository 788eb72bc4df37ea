// The dispatcher's screen as a whole, in Russian at 1366x768: the longest-waiting call marked in the call list
// (three calls ringing), every button's tooltip naming the key that does the same (and the key doing it),
// the focus never dropped on the page when a call ends, and nothing cut: the orders table and the call panels
// lie inside the viewport and inside what clips them (measured boxes, not a screenshot). One web host for the
// file; every caller is a baresip peer of its own.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startBaresip, type BaresipPeer } from '../lab/peers.js';
import { clippedElements, cutTexts } from './support/layout.js';
import {
  answerFromList,
  callPanel,
  expectNoEnglish,
  hangUpAll,
  indicator,
  openPanel,
  phoneBookSearch,
  shot,
  startPanelApp,
  telephony,
  type PanelApp,
} from './support/panel.js';

const DISPATCHER = '1003'; // Захаров Илья

let panel: PanelApp;
let peers: Record<'vinogradov' | 'bogdanov' | 'morozova' | 'vorobyov' | 'tarasov' | 'newClient' | 'komarov' | 'kuznetsov' | 'belov', BaresipPeer>;

const baresip = (user: string): Promise<BaresipPeer> => startBaresip({ user, ringback: false });

test.beforeAll(async () => {
  const started = await Promise.all([
    startPanelApp({ user: DISPATCHER }),
    baresip('2007'), // Виноградов Артём (107)
    baresip('2008'), // Богданов Евгений (108)
    baresip('79161230006'), // Дарья Морозова, a client
    baresip('2009'), // Воробьёв Максим (109)
    baresip('2010'), // Тарасов Кирилл (110)
    baresip('79161238888'), // nobody in the data: a new client
    baresip('2012'), // Комаров Юрий (112)
    baresip('79161230002'), // Пётр Кузнецов, two unfinished orders
    baresip('2011'), // Белов Степан (111)
  ]);
  panel = started[0];
  const [, vinogradov, bogdanov, morozova, vorobyov, tarasov, newClient, komarov, kuznetsov, belov] = started;
  peers = { vinogradov, bogdanov, morozova, vorobyov, tarasov, newClient, komarov, kuznetsov, belov };
});

test.afterAll(async () => {
  await Promise.all(Object.values(peers ?? {}).map((p) => p.stop().catch(() => undefined)));
  await panel?.stop();
});

test.afterEach(async () => {
  await hangUpAll(panel).catch(() => undefined);
  for (const p of Object.values(peers)) if ((await p.listCalls().catch(() => [])).length > 0) await p.hangup().catch(() => undefined);
});

const callList = (page: Page) => page.getByRole('listbox', { name: 'Индикатор вызова' });
const rows = (page: Page) => callList(page).getByRole('option');

/** Rings `peer` and waits until the indicator counts `count` calls. */
async function ring(page: Page, peer: BaresipPeer, count: number): Promise<void> {
  await peer.dial(DISPATCHER);
  await expect(indicator(page)).toHaveAccessibleName(`Индикатор вызова: ${count}`);
}

/** The element that has the keyboard focus, as the dispatcher would name it (its label), or 'body'. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    return el.getAttribute('aria-label') ?? (el as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? el.tagName;
  });
}

test('the call list marks the call that has waited longest; F2 answers that one and the mark moves on', async ({ page }) => {
  await openPanel(page, panel);
  await ring(page, peers.vinogradov, 1);
  await ring(page, peers.bogdanov, 2);
  await ring(page, peers.morozova, 3);
  await indicator(page).click();
  await expect(rows(page)).toHaveCount(3);
  // Arrival order, the first marked, the mark on no other row.
  await expect(rows(page).nth(0)).toContainText('Виноградов');
  await expect(rows(page).nth(1)).toContainText('Богданов');
  await expect(rows(page).nth(2)).toContainText('Дарья Морозова');
  const mark = callList(page).getByText('ждёт дольше всех', { exact: true });
  await expect(mark).toHaveCount(1);
  await expect(rows(page).nth(0).getByText('ждёт дольше всех')).toBeVisible();
  await expect(rows(page).nth(0)).toHaveAttribute('title', 'Ответить (F2)');
  await expect(rows(page).nth(1)).toHaveAttribute('title', 'Ответить');
  // The mark does not push the name or the waiting time out of the row.
  expect(await cutTexts(callList(page), '.big-number, .caller-line, .badge, .waiting')).toEqual([]);
  expect(await clippedElements(callList(page), '.badge, .waiting, button, .big-number')).toEqual([]);
  await shot(page, 'call-list-three-longest-marked');
  await expectNoEnglish(callList(page));

  // F2 takes the marked one; the list closes; the next in line is marked now.
  await page.keyboard.press('F2');
  await peers.vinogradov.waitFor('CALL_ESTABLISHED');
  await expect(callPanel(page, 'Виноградов')).toContainText('разговор');
  await expect(callList(page)).toHaveCount(0);
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 2');
  await indicator(page).click();
  await expect(rows(page)).toHaveCount(2);
  await expect(rows(page).nth(0)).toContainText('Богданов');
  await expect(rows(page).nth(0).getByText('ждёт дольше всех')).toBeVisible();
  await expect(mark).toHaveCount(1);
  await shot(page, 'call-list-two-mark-moved');

  // One call left ringing: nothing to compare it with, no mark.
  await rows(page).nth(0).click();
  await peers.bogdanov.waitFor('CALL_ESTABLISHED');
  await indicator(page).click();
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).nth(0)).toContainText('Дарья Морозова');
  await expect(mark).toHaveCount(0);
  await shot(page, 'call-list-one-no-mark');
});

/** Every visible button under `root` (and clickable row: a call, a phone book entry) with its tooltip (title). */
async function buttonTooltips(root: Locator): Promise<Array<{ name: string; title: string | null; entry: boolean }>> {
  return root.evaluate((el) =>
    Array.from(el.querySelectorAll('button, [role="option"][tabindex]'))
      .filter((b) => (b as HTMLElement).offsetParent !== null)
      .map((b) => ({
        name: (b.getAttribute('aria-label') ?? b.textContent ?? '').trim(),
        title: b.getAttribute('title'),
        // A phone book entry calls that person (its tooltip is the address): no key of its own.
        entry: b.closest('[role="listbox"][aria-label="Телефонная книга"]') !== null,
      })),
  );
}

/** Every visible button has a tooltip; the ones named here say their key in it, the rest name none. */
async function expectTooltips(root: Locator, keyed: Record<string, string>): Promise<void> {
  const buttons = await buttonTooltips(root);
  expect(buttons.filter((b) => !b.title).map((b) => b.name), 'buttons without a tooltip').toEqual([]);
  for (const [name, key] of Object.entries(keyed)) {
    const b = buttons.filter((x) => !x.entry && x.name.includes(name));
    expect(b.length, `a button "${name}"`).toBeGreaterThan(0);
    for (const x of b) expect(x.title, `tooltip of "${name}"`).toContain(`(${key})`);
  }
  // A key named on a button that is not in `keyed` would be a key that does something else there.
  const claimed = buttons.filter((b) => /\((F\d+|Esc|Ctrl\+\w+)\)/.test(b.title ?? '') && (b.entry || !Object.keys(keyed).some((n) => b.name.includes(n))));
  expect(claimed, 'tooltips naming a key that is not that button’s').toEqual([]);
}

test('every button’s tooltip names its key, and the key does what the button does', async ({ page }) => {
  await openPanel(page, panel);
  await expect(phoneBookSearch(page)).toHaveAttribute('title', 'Поиск в телефонной книге (F6)');
  await expectTooltips(telephony(page), {});

  await ring(page, peers.vorobyov, 1);
  await indicator(page).click();
  await expectTooltips(telephony(page), { Воробьёв: 'F2' });
  await page.keyboard.press('F2');
  await peers.vorobyov.waitFor('CALL_ESTABLISHED');
  const p = callPanel(page, 'Воробьёв');
  await expect(p).toContainText('разговор');
  await expectTooltips(telephony(page), { Удержание: 'F3', Переадресация: 'F8', Завершить: 'F4' });
  await p.hover();
  await shot(page, 'tooltips-talking');

  // F3 does what "Удержание (F3)" says; then the same button says "Снять удерж. (F3)", and F3 does that.
  await page.keyboard.press('F3');
  await expect(p).toContainText('на удержании');
  await expectTooltips(telephony(page), { 'Снять удерж.': 'F3', Переадресация: 'F8' });
  await page.keyboard.press('F3');
  await expect(p).toContainText('разговор');

  // A second caller answered: the first is held by itself. Its buttons name no key now (F3, F8 and F4 act on
  // the call being talked on); the talking call's buttons do.
  await ring(page, peers.komarov, 1);
  await answerFromList(page, 'Комаров');
  await peers.komarov.waitFor('CALL_ESTABLISHED');
  await expect(p).toContainText('на удержании');
  const active = callPanel(page, 'Комаров');
  await expect(active).toContainText('разговор');
  await expectTooltips(active, { Удержание: 'F3', Переадресация: 'F8', Завершить: 'F4' });
  await expectTooltips(p, {});
  await shot(page, 'tooltips-one-held-one-talking');

  // F8 opens the talking call's transfer panel; its close button says Esc, and Esc closes it.
  await page.keyboard.press('F8');
  const transfer = active.getByTestId('transfer-panel');
  await expect(transfer).toBeVisible();
  await expectTooltips(transfer, { Закрыть: 'Esc' });
  await page.keyboard.press('Escape');
  await expect(transfer).toHaveCount(0);

  // F4 ends the talking call, as "Завершить (F4)" says; F3 then brings the held one back.
  await page.keyboard.press('F4');
  await peers.komarov.waitFor('CALL_CLOSED');
  await expectTooltips(telephony(page), { 'Снять удерж.': 'F3', Переадресация: 'F8' });
  await page.keyboard.press('F3');
  await expect(p).toContainText('разговор');

  // The history and the settings: their close button says Esc, and Esc closes them.
  for (const [button, dialog] of [
    ['История звонков', 'История звонков'],
    ['Настройки', 'Настройки'],
  ]) {
    await telephony(page).getByRole('button', { name: button }).click();
    const d = page.getByRole('dialog', { name: dialog });
    await expect(d).toBeVisible();
    await expectTooltips(d, { Закрыть: 'Esc' });
    await shot(page, `tooltips-${button === 'Настройки' ? 'settings' : 'history'}`);
    await page.keyboard.press('Escape');
    await expect(d).toHaveCount(0);
  }
});

test('the focus is never left on the page when a call ends', async ({ page }) => {
  await openPanel(page, panel);

  // The dispatcher ends the call with the button: the button goes, the phone book search takes the focus.
  await ring(page, peers.tarasov, 1);
  await answerFromList(page, 'Тарасов');
  await peers.tarasov.waitFor('CALL_ESTABLISHED');
  await callPanel(page, 'Тарасов').getByRole('button', { name: 'Завершить' }).click();
  await peers.tarasov.waitFor('CALL_CLOSED');
  await expect(page.getByRole('article')).toHaveCount(0);
  await expect(phoneBookSearch(page)).toBeFocused();
  expect(await focused(page)).toBe('Имя, позывной или номер');

  // The caller hangs up while the focus is on the held call's own button: the search takes it.
  await ring(page, peers.tarasov, 1);
  await answerFromList(page, 'Тарасов');
  await peers.tarasov.waitFor('CALL_ESTABLISHED');
  const p = callPanel(page, 'Тарасов');
  await p.getByRole('button', { name: 'Удержание' }).click();
  await expect(p).toContainText('на удержании');
  await expect(p.getByRole('button', { name: /Снять удерж/ })).toBeFocused();
  await peers.tarasov.hangup();
  await expect(page.getByRole('article')).toHaveCount(0);
  await expect(phoneBookSearch(page)).toBeFocused();

  // A caller gives up while the dispatcher has the keyboard on their row in the call list.
  await ring(page, peers.tarasov, 1);
  await indicator(page).click();
  await rows(page).first().focus();
  await peers.tarasov.hangup();
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 0');
  await expect(phoneBookSearch(page)).toBeFocused();

  // A new client hangs up while the dispatcher types the pick-up address: the focus stays in the intake form,
  // with what was typed.
  await ring(page, peers.newClient, 1);
  await answerFromList(page, 'Новый клиент');
  await peers.newClient.waitFor('CALL_ESTABLISHED');
  const address = page.getByLabel(/Адрес подачи/);
  await expect(address).toBeFocused();
  await page.keyboard.type('ул. Садовая, 1');
  await peers.newClient.hangup();
  await expect(page.getByRole('article')).toHaveCount(0);
  await expect(address).toBeFocused();
  await expect(address).toHaveValue('ул. Садовая, 1');
  await shot(page, 'focus-intake-after-hangup');
  await page.getByRole('button', { name: 'Отмена' }).click();
  await expect(phoneBookSearch(page)).toBeFocused();
});

/** Nothing cut under `root`: boxes inside the viewport and their clipping ancestors, texts not cut short. */
async function expectFits(root: Locator, selector: string): Promise<void> {
  expect(await clippedElements(root, selector), 'elements cut at 1366x768').toEqual([]);
}

test('at 1366x768 nothing is cut: the orders table, the order, two call panels and the transfer tabs', async ({ page }) => {
  await openPanel(page, panel);
  const size = await page.evaluate(() => ({ w: document.documentElement.clientWidth, h: document.documentElement.clientHeight, sw: document.documentElement.scrollWidth }));
  expect(size).toEqual({ w: 1366, h: 768, sw: 1366 });
  const work = page.getByRole('main');
  // Idle: all unfinished orders, the widest table (every driver's column filled).
  await expect(work.getByRole('heading', { name: 'Незавершенные заказы' })).toBeVisible();
  await expect(work.getByRole('row').nth(1)).toBeVisible();
  await expectFits(work, 'th, td, h2, button');
  await expectFits(telephony(page), 'button, input, h2, .hotkeys');
  await shot(page, 'fit-idle');

  // A driver held, a client with two orders talking: two call panels and the client's orders.
  await ring(page, peers.belov, 1);
  await answerFromList(page, 'Белов');
  await peers.belov.waitFor('CALL_ESTABLISHED');
  await ring(page, peers.kuznetsov, 1);
  await answerFromList(page, 'Пётр Кузнецов');
  await peers.kuznetsov.waitFor('CALL_ESTABLISHED');
  await expect(callPanel(page, 'Белов')).toContainText('на удержании');
  await expect(callPanel(page, 'Пётр Кузнецов')).toContainText('разговор');
  const orders = page.getByRole('region', { name: 'Заказы', exact: true });
  await expect(orders.getByRole('row').filter({ hasText: 'Д-1003' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Заказ', exact: true })).toContainText('№Д-1002');
  await expectFits(work, 'th, td, h2, button, dt, dd');
  await expectFits(telephony(page), 'article button, article .big-number, article .call-timer, article .caller-line, article .state');
  expect(await cutTexts(telephony(page), 'article button, article .big-number')).toEqual([]);
  // The panels of both calls are on screen at once, not pushed below the fold.
  for (const who of ['Белов', 'Пётр Кузнецов']) {
    const box = (await callPanel(page, who).boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(768);
  }
  await shot(page, 'fit-two-calls-client-orders');
  await expectNoEnglish(page.locator('body'));

  // The transfer panel of the talking call: both tabs readable whole ("Безусловная" was clipped once).
  await callPanel(page, 'Пётр Кузнецов').getByRole('button', { name: 'Переадресация' }).click();
  const transfer = callPanel(page, 'Пётр Кузнецов').getByTestId('transfer-panel');
  await expect(transfer.getByRole('tab', { name: 'Безусловная' })).toBeVisible();
  await expectFits(transfer, '[role="tab"], button, input');
  expect(await cutTexts(transfer, '[role="tab"], strong')).toEqual([]);
  await shot(page, 'fit-transfer-panel');
});
