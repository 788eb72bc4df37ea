// The phone book (search by surname with ё typed as е, by callsign, by digits; the online list), the call
// history after real calls (the missed one on top, called back from there) and a break (a new call is
// refused without ringing and logged with the caller's name). One web host for the file, in Russian.
import { expect, test, type Page } from '@playwright/test';
import { startBaresip, type BaresipPeer } from '../lab/peers.js';
import {
  answerFromList,
  callPanel,
  expectNoEnglish,
  hangUpAll,
  indicator,
  openPanel,
  phoneBookEntries,
  phoneBookSearch,
  shot,
  startPanelApp,
  telephony,
  type PanelApp,
} from './support/panel.js';

const DISPATCHER = '1002'; // Белова Наталья, a dispatcher in the directory herself
// An employee with a phone but no SIP address: nobody can know whether he is online.
const NO_SIP = { id: 'emp-nosip', surname: 'Безадресный', first_name: 'Олег', callsign: null, role: 'other', phones: ['+74950000001'], sip_uri: null };

let panel: PanelApp;
let missed: BaresipPeer; // Шон О'Коннор, his number presented in E.164 (as a gateway would), so a call back reaches him
let driver: BaresipPeer; // Голубев (106)
let onBreakCaller: BaresipPeer; // Ольга Попова
const extraPeers: BaresipPeer[] = [];

const baresip = (user: string, autoAnswer = false): Promise<BaresipPeer> => startBaresip({ user, autoAnswer, ringback: false });

test.beforeAll(async () => {
  [panel, missed, driver, onBreakCaller] = await Promise.all([
    startPanelApp({ user: DISPATCHER, extraEmployees: [NO_SIP] }),
    baresip('+79161230005'),
    baresip('2006'),
    baresip('79161230003'),
  ]);
});

test.afterAll(async () => {
  await Promise.all([missed, driver, onBreakCaller].map((p) => p?.stop().catch(() => undefined)));
  await panel?.stop();
});

test.afterEach(async () => {
  await hangUpAll(panel).catch(() => undefined);
  await Promise.all(extraPeers.splice(0).map((p) => p.stop().catch(() => undefined)));
});

async function search(page: Page, text: string): Promise<void> {
  await phoneBookSearch(page).fill(text);
}

test('phone book: a surname with ё typed as е, a callsign, digits of a number', async ({ page }) => {
  await openPanel(page, panel);
  // F6 puts the cursor in the phone book, as the hint says.
  await page.keyboard.press('F6');
  await expect(phoneBookSearch(page)).toBeFocused();

  await search(page, 'федоров');
  await expect(phoneBookEntries(page).first()).toContainText('Фёдоров Геннадий');
  await search(page, 'Елкина');
  await expect(phoneBookEntries(page)).toHaveCount(1);
  await expect(phoneBookEntries(page).first()).toContainText('Ёлкина Светлана');
  await shot(page, 'phonebook-yo-as-e');

  await search(page, '107');
  await expect(phoneBookEntries(page).first()).toContainText('Виноградов Артём');
  await expect(phoneBookEntries(page).first()).toContainText('107');
  await shot(page, 'phonebook-callsign');

  await search(page, '345 20 11');
  await expect(phoneBookEntries(page).first()).toContainText('Белов Степан');
  await expect(phoneBookEntries(page).filter({ hasText: 'Медведев' })).toHaveCount(0);
  await shot(page, 'phonebook-digits');

  await search(page, 'Щукин');
  await expect(telephony(page)).toContainText('Никого не найдено');
  await expectNoEnglish(telephony(page));
});

test('online list: a registered employee is online; one without a SIP address and the dispatcher herself are not', async ({ page }) => {
  extraPeers.push(await baresip('1102')); // Григорьев Олег, a softphone that registers but never PUBLISHes
  await openPanel(page, panel);
  await expect(telephony(page).getByText('Сотрудники онлайн')).toBeVisible();
  const online = phoneBookEntries(page);
  await expect(online.filter({ hasText: 'Григорьев Олег' })).toBeVisible({ timeout: 20_000 });
  await expect(online.filter({ hasText: 'Григорьев Олег' }).getByLabel('в сети', { exact: true })).toBeVisible();
  await expect(online.filter({ hasText: 'Безадресный' })).toHaveCount(0);
  await expect(online.filter({ hasText: 'Белова Наталья' })).toHaveCount(0);
  await shot(page, 'online-list');
  // Typing searches everyone, online or not: the employee without an address is found, with no mark.
  await search(page, 'Безадресный');
  await expect(phoneBookEntries(page)).toHaveCount(1);
  await expect(phoneBookEntries(page).first().getByLabel('в сети', { exact: true })).toHaveCount(0);
});

test('history: the missed call on top, called back from there; the answered call beside it', async ({ page }) => {
  await openPanel(page, panel);

  // A client rings and gives up; a driver is answered and hangs up.
  await missed.dial(DISPATCHER);
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 1');
  await missed.hangup();
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 0');
  await driver.dial(DISPATCHER);
  await answerFromList(page, 'Голубев');
  await driver.waitFor('CALL_ESTABLISHED');
  await driver.hangup();
  await expect(page.getByRole('article')).toHaveCount(0);

  await telephony(page).getByRole('button', { name: 'История звонков' }).click();
  const history = page.getByRole('dialog', { name: 'История звонков' });
  await expect(history).toBeVisible();
  const missedList = history.getByRole('heading', { name: 'Пропущенные, не перезвонили' });
  await expect(missedList).toBeVisible();
  const missedEntry = history.getByRole('listitem').filter({ hasText: 'Шон О\'Коннор' });
  await expect(missedEntry).toBeVisible();
  await expect(history.getByRole('listitem').filter({ hasText: 'Голубев' })).toHaveCount(0);
  // The table: newest first, each with its outcome in Russian.
  // The calls' rows (the heading row has column headers, no cells).
  const rows = history.getByRole('row').filter({ has: page.getByRole('cell') });
  await expect(rows.nth(0)).toContainText('Голубев');
  await expect(rows.nth(0)).toContainText('отвечен');
  await expect(rows.nth(1)).toContainText('Шон О\'Коннор');
  await expect(rows.nth(1)).toContainText('абонент не дождался');
  // The missed list stands above the table.
  const listBox = (await missedEntry.boundingBox())!;
  const tableBox = (await rows.nth(0).boundingBox())!;
  expect(listBox.y).toBeLessThan(tableBox.y);
  await shot(page, 'history-missed-first');
  await expectNoEnglish(history);

  await missedEntry.getByRole('button', { name: /Перезвонить/ }).click();
  const incoming = await missed.waitFor('CALL_INCOMING');
  expect(incoming.peeruri ?? '').toContain(DISPATCHER);
  await missed.accept();
  await missed.waitFor('CALL_ESTABLISHED');
  await history.getByRole('button', { name: 'Закрыть' }).click();
  const p = callPanel(page, 'Шон О\'Коннор');
  await expect(p).toContainText('разговор');
  await shot(page, 'history-called-back');
  await p.getByRole('button', { name: 'Завершить' }).click();
  await missed.waitFor('CALL_CLOSED');

  // Called back: the number has left the missed list; the call back is the newest row.
  await telephony(page).getByRole('button', { name: 'История звонков' }).click();
  await expect(rows.nth(0)).toContainText('Шон О\'Коннор');
  await expect(rows.nth(0)).toContainText('отвечен');
  await expect(history.getByRole('listitem').filter({ hasText: 'Шон О\'Коннор' })).toHaveCount(0);
  await expect(history).toContainText('Никто не ждёт обратного звонка');
  await shot(page, 'history-after-call-back');
});

test('a break: a new call is refused without ringing and logged with the caller’s name', async ({ page }) => {
  const caller = onBreakCaller;
  await openPanel(page, panel);
  await telephony(page).getByRole('button', { name: 'Перерыв' }).click();
  await expect(telephony(page).getByRole('button', { name: 'Перерыв' })).toHaveAttribute('aria-pressed', 'true');
  await shot(page, 'break-on');

  await caller.dial(DISPATCHER);
  const closed = await caller.waitFor('CALL_CLOSED');
  expect(closed.param ?? '').toMatch(/480/);
  // It never rang: no 180 at the caller (a fresh peer: all its events are this call's), nothing listed.
  expect(caller.events.some((e) => e.type === 'CALL_RINGING')).toBe(false);
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 0');
  expect(panel.contract.state!.incomingQueue).toHaveLength(0);

  await telephony(page).getByRole('button', { name: 'История звонков' }).click();
  const history = page.getByRole('dialog', { name: 'История звонков' });
  const row = history.getByRole('row').filter({ hasText: '79161230003' }).first();
  await expect(row).toBeVisible();
  await shot(page, 'break-history');
  await expect(row).toContainText('Ольга Попова');
  await expectNoEnglish(telephony(page));
  await history.getByRole('button', { name: 'Закрыть' }).click();
  await telephony(page).getByRole('button', { name: 'На линии' }).click();
  await expect(telephony(page).getByRole('button', { name: 'На линии' })).toHaveAttribute('aria-pressed', 'true');
});
