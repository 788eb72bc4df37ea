// The transfer key in Chromium, with real calls: F2 answers the ringing caller, F8 opens that call's transfer
// panel (not the call list), its search has the focus, and the blind transfer picked there goes through:
// the caller talks to the employee and the dispatcher is free. (F8 is no browser key: Chromium leaves it to us.)
import { expect, test } from '@playwright/test';
import { startBaresip, startLinphone, type BaresipPeer, type LinphonePeer } from '../lab/peers.js';
import { callPanel, hangUpAll, indicator, openPanel, startPanelApp, type PanelApp } from './support/panel.js';

const DISPATCHER = '1001'; // Соколов Андрей
const CALLER = '79161230004'; // Сергей Лебедев, a client (linphone: it carries out the REFER)
const EMPLOYEE = '1100'; // Фёдоров Геннадий (baresip, answers by itself)

let panel: PanelApp;
let caller: LinphonePeer;
let employee: BaresipPeer;

test.beforeAll(async () => {
  panel = await startPanelApp({ user: DISPATCHER });
  [caller, employee] = await Promise.all([startLinphone({ user: CALLER }), startBaresip({ user: EMPLOYEE, autoAnswer: true, ringback: false })]);
});

test.afterAll(async () => {
  await hangUpAll(panel).catch(() => undefined);
  await Promise.all([caller, employee].map((p) => p?.stop().catch(() => undefined)));
  await panel?.stop();
});

test('F2 answers, F8 opens the transfer panel of that call, and the blind transfer picked there goes through', async ({ page }) => {
  await openPanel(page, panel);
  await caller.call(DISPATCHER);
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 1');
  await page.keyboard.press('F2');
  await caller.waitForCallState('StreamsRunning');
  const p = callPanel(page, 'Сергей Лебедев');
  await expect(p).toContainText('разговор');

  await page.keyboard.press('F8');
  await expect(p.getByRole('tab', { name: 'Безусловная', exact: true })).toHaveAttribute('aria-selected', 'true');
  await expect(p.getByRole('tab', { name: 'Условная', exact: true })).toBeVisible();
  await expect(page.getByRole('listbox', { name: 'Индикатор вызова' })).toHaveCount(0);
  const search = p.getByRole('searchbox', { name: 'Имя, позывной или номер' });
  await expect(search).toBeFocused();
  await page.keyboard.type('Фёдоров');
  await p.getByRole('option', { name: /Фёдоров Геннадий/ }).click();

  // The employee's phone answers a call from the caller (not from the dispatcher); the dispatcher is free.
  const established = await employee.waitFor('CALL_ESTABLISHED', { timeoutMs: 20_000 });
  expect(established.peeruri ?? '').toContain(CALLER);
  await expect(page.getByRole('article')).toHaveCount(0);
});
