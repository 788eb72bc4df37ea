// Transfers as the dispatcher does them in Russian: blind to an employee (the two far parties talk, the
// dispatcher is free), attended with "Соединить абонентов" between the two panels, and a blind transfer
// that fails (the caller is back with the dispatcher, off hold, the reason on screen in Russian).
// The caller is linphone-daemon (it carries out REFER and sends INVITE with Replaces); one web host and
// one set of peers for the file.
import { expect, test, type Page } from '@playwright/test';
import { startBaresip, startLinphone, waitUntil, type BaresipPeer, type LinphonePeer } from '../lab/peers.js';
import { answerFromList, callPanel, expectNoEnglish, hangUpAll, indicator, openPanel, phoneBookEntries, phoneBookSearch, shot, startPanelApp, telephony, waitForCall, type PanelApp } from './support/panel.js';

const DISPATCHER = '1001'; // Соколов Андрей
const CALLER = '79161230004'; // Сергей Лебедев, a client with nothing open
const EMPLOYEE = '1100'; // Фёдоров Геннадий, senior mechanic (baresip, answers by itself)
const COLLEAGUE = '1101'; // Ковалёва Людмила, accountant (linphone, answers by itself)

let panel: PanelApp;
let caller: LinphonePeer;
let employee: BaresipPeer;
let colleague: LinphonePeer;

test.beforeAll(async () => {
  panel = await startPanelApp({ user: DISPATCHER });
  [caller, employee, colleague] = await Promise.all([
    startLinphone({ user: CALLER }),
    startBaresip({ user: EMPLOYEE, autoAnswer: true, ringback: false }),
    startLinphone({ user: COLLEAGUE, autoAnswer: true }),
  ]);
});

test.afterAll(async () => {
  await Promise.all([caller, employee, colleague].map((p) => p?.stop().catch(() => undefined)));
  await panel?.stop();
});

/** linphone-daemon numbers its calls 1, 2, ...: the live ones with their states. */
async function linphoneCalls(peer: LinphonePeer, maxId = 16): Promise<Array<{ id: number; state: string }>> {
  const calls: Array<{ id: number; state: string }> = [];
  for (let id = 1; id <= maxId; id++) {
    const st = await peer.callStatus(id).catch(() => undefined);
    if (st && !/End|Released|Error/.test(st.state)) calls.push({ id, state: st.state });
  }
  return calls;
}

async function endLinphoneCalls(peer: LinphonePeer): Promise<void> {
  for (const c of await linphoneCalls(peer)) await peer.terminate(c.id).catch(() => undefined);
}

test.afterEach(async () => {
  await hangUpAll(panel).catch(() => undefined);
  await endLinphoneCalls(caller);
  await endLinphoneCalls(colleague);
  if ((await employee.listCalls().catch(() => [])).length > 0) await employee.hangup().catch(() => undefined);
});

/** The caller rings, the dispatcher answers from the call list; returns the caller's panel. */
async function callerTalking(page: Page) {
  await openPanel(page, panel);
  await caller.call(DISPATCHER);
  await answerFromList(page, 'Сергей Лебедев');
  await caller.waitForCallState('StreamsRunning');
  const p = callPanel(page, 'Сергей Лебедев');
  await expect(p).toContainText('разговор');
  return p;
}

test('blind transfer to an employee: the caller and the employee talk, the dispatcher is free', async ({ page }) => {
  const p = await callerTalking(page);
  await p.getByRole('button', { name: 'Переадресация' }).click();
  await expect(p.getByRole('tab', { name: 'Безусловная', exact: true })).toHaveAttribute('aria-selected', 'true');
  await p.getByRole('searchbox', { name: 'Имя, позывной или номер' }).fill('Фёдоров');
  const entry = p.getByRole('option', { name: /Фёдоров Геннадий/ });
  await expect(entry).toBeVisible();
  await shot(page, 'blind-transfer-pick');
  await entry.click();

  // The employee's phone answers a call from the caller (not from the dispatcher).
  const established = await employee.waitFor('CALL_ESTABLISHED', { timeoutMs: 20_000 });
  expect(established.peeruri ?? '').toContain(CALLER);
  await waitUntil(async () => (await linphoneCalls(caller)).some((c) => c.state.includes('StreamsRunning')), {
    timeoutMs: 10_000,
    what: 'the caller talks to the employee',
  });
  // The dispatcher is free: no call panel left, the call list empty, the end said in Russian.
  await expect(page.getByRole('article')).toHaveCount(0);
  await expect(indicator(page)).toHaveAccessibleName('Индикатор вызова: 0');
  await expect(telephony(page)).toContainText('Звонок завершён: переадресован');
  await shot(page, 'blind-transfer-done');
  await expectNoEnglish(telephony(page));
});

test('attended transfer: the colleague is consulted, then "Соединить абонентов" joins the caller to them', async ({ page }) => {
  const p = await callerTalking(page);
  // The spec's own path: the caller is put on hold, then the colleague is called from the phone book.
  await p.getByRole('button', { name: /^Удержание/ }).click();
  await expect(p).toContainText('на удержании');
  await caller.waitForCallState('PausedByRemote');
  await phoneBookSearch(page).fill('Ковалёва');
  await phoneBookEntries(page).filter({ hasText: 'Ковалёва Людмила' }).first().click();

  const consultation = callPanel(page, 'Консультация');
  await expect(consultation).toContainText('Ковалёва');
  await expect(consultation).toContainText('разговор', { timeout: 20_000 });
  await expect(callPanel(page, 'Сергей Лебедев')).toContainText('на удержании');
  await caller.waitForCallState('PausedByRemote');
  const connect = page.getByRole('button', { name: /Соединить абонентов/ });
  await expect(connect).toBeEnabled();
  await expect(page.getByRole('button', { name: /Вернуться к абоненту/ })).toBeVisible();
  await shot(page, 'attended-transfer-pair');

  await connect.click();
  // The caller and the colleague talk to each other (INVITE with Replaces), the dispatcher is free.
  await waitUntil(
    async () => {
      const [a, b] = await Promise.all([linphoneCalls(caller), linphoneCalls(colleague)]);
      return a.length === 1 && b.length === 1 && a[0]!.state.includes('StreamsRunning') && b[0]!.state.includes('StreamsRunning');
    },
    { timeoutMs: 20_000, intervalMs: 300, what: 'the caller and the colleague talk, one call each' },
  );
  await expect(page.getByRole('article')).toHaveCount(0);
  await shot(page, 'attended-transfer-done');
  await expectNoEnglish(telephony(page));
});

test('a failed blind transfer: the caller is back, off hold, and the reason is on screen in Russian', async ({ page }) => {
  const p = await callerTalking(page);
  await p.getByRole('button', { name: 'Переадресация' }).click();
  // A number nobody is registered for: Kamailio answers the caller's INVITE with 404.
  await p.getByRole('searchbox', { name: 'Имя, позывной или номер' }).fill('8 912 345 67 89');
  await p.getByRole('button', { name: 'Перевести на 8 912 345 67 89' }).click();

  const failed = await waitForCall(panel, (c) => c.transfer?.status === 'failed', 'transfer failed', 20_000);
  const back = callPanel(page, 'Сергей Лебедев');
  await expect(back).toContainText('Переадресация на +79123456789: не удалась');
  // Back with the dispatcher, off our hold, talking.
  await expect(back).toContainText('разговор');
  await expect(back.getByRole('button', { name: 'Удержание' })).toBeVisible();
  await panel.contract.waitFor((s) => s.activeCallId === failed.callId, 10_000, 'the caller is the active call again');
  // linphone pauses its own side for a transfer and stays paused when it fails: it resumes, and talks.
  const paused = (await linphoneCalls(caller)).find((c) => c.state.includes('Paused'));
  if (paused) await caller.resume(paused.id);
  await waitUntil(async () => (await linphoneCalls(caller)).some((c) => c.state.includes('StreamsRunning')), {
    timeoutMs: 10_000,
    what: 'the caller hears the dispatcher again',
  });
  await shot(page, 'blind-transfer-failed');
  await expectNoEnglish(telephony(page));
});
