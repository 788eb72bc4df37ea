// What every browser test needs: the real web host in Russian with the demo centre's data (numbers that
// match the lab's peers), the panel opened the way a dispatcher sees it, screenshots of key states, and a
// check that no English sentence is on screen.
import { expect, type Locator, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Call } from '../../../shared/domain.js';
import type { PhoneState } from '../../../shared/state.js';
import { closeDatabase, openDatabase, type Database } from '../../../main/store/database.js';
import { seedDemoData } from '../../../main/store/demo-data.js';
import { importRecords } from '../../../main/store/import.js';
import { labPaths } from '../../lab/peers.js';
import { ContractClient, startApp, type AppProcess } from '../../support/app-process.js';

/** Screenshots go here (test-results/ is gitignored). */
export const SHOTS_DIR = join(labPaths().repo, 'test-results', 'e2e');

export interface PanelApp {
  app: AppProcess;
  /** A second client of the contract, only to read PhoneState and to clean up between tests. */
  contract: ContractClient;
  user: string;
  stop(): Promise<void>;
}

export interface PanelAppOptions {
  user: string;
  password?: string;
  /** Employees added to the demo directory (import records, e.g. one without a SIP address). */
  extraEmployees?: Record<string, unknown>[];
  /** Wait for the registration to succeed (default true). */
  waitRegistered?: boolean;
  /** Writes into the app's database before it starts, through the app's own stores (e.g. older days' calls). */
  seed?: (db: Database) => void | Promise<void>;
}

/** The web host, in Russian, with the demo centre's data (see main/store/demo-data.ts for who is who). */
export async function startPanelApp(options: PanelAppOptions): Promise<PanelApp> {
  process.env.PULSE_SERVER = labPaths().pulseServer;
  mkdirSync(SHOTS_DIR, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), `e2e-${options.user}-`));
  const db = openDatabase(join(dir, 'phone.db'));
  seedDemoData(db);
  if (options.extraEmployees) importRecords(db, { employees: options.extraEmployees }, { source: 'e2e' });
  await options.seed?.(db);
  closeDatabase(db);
  const sip = options.password
    ? { server: '127.0.0.1:5060', transport: 'udp', user: options.user, password: options.password, displayName: `Диспетчер ${options.user}` }
    : { server: '127.0.0.1:5060', transport: 'udp', user: options.user, password: 'secret', displayName: `Диспетчер ${options.user}` };
  const app = await startApp({ user: options.user, dir, config: { locale: 'ru', sip } });
  const contract = await ContractClient.connect(app);
  if (options.waitRegistered ?? true) {
    await contract.waitFor((s) => s.registration.kind === 'registered', 20_000, `${options.user} registered`);
  }
  return {
    app,
    contract,
    user: options.user,
    async stop() {
      contract.close();
      await app.stop();
    },
  };
}

/** Opens the panel at 1366x768 (the dispatcher's screen) and waits for it to say it is registered. */
export async function openPanel(page: Page, panel: PanelApp, registered = true): Promise<void> {
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(panel.app.url);
  await expect(page).toHaveTitle('Диспетчерский телефон');
  await expect(telephony(page).getByText('Диспетчер', { exact: false }).first()).toBeVisible();
  if (registered) await expect(telephony(page).getByText('Зарегистрирован', { exact: true })).toBeVisible();
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS_DIR, `${name}.png`), fullPage: true });
}

/** The telephony panel, top-left (an <aside> named "Панель телефонии"). */
export function telephony(page: Page): Locator {
  return page.getByRole('complementary', { name: 'Панель телефонии' });
}

export function indicator(page: Page): Locator {
  return page.getByRole('button', { name: /^Индикатор вызова: \d+$/ });
}

/** The call list's row of a ringing call, found by what it shows (number or name). */
export function ringingRow(page: Page, text: string | RegExp): Locator {
  return page.getByRole('listbox', { name: 'Индикатор вызова' }).getByRole('option').filter({ hasText: text });
}

/** The call panel (an <article>) showing `text`. */
export function callPanel(page: Page, text: string | RegExp): Locator {
  return page.getByRole('article').filter({ hasText: text });
}

/** Opens the call list (if closed) and clicks the ringing call that shows `text`: that answers it. */
export async function answerFromList(page: Page, text: string | RegExp): Promise<void> {
  const list = page.getByRole('listbox', { name: 'Индикатор вызова' });
  if (!(await list.isVisible())) await indicator(page).click();
  await ringingRow(page, text).click();
}

export function phoneBookSearch(page: Page): Locator {
  return telephony(page).getByRole('searchbox', { name: 'Имя, позывной или номер' });
}

export function phoneBookEntries(page: Page): Locator {
  return telephony(page).getByRole('listbox', { name: 'Телефонная книга' }).getByRole('option');
}

/** Latin words that may stand on a Russian screen: keys, units, protocols. */
const ALLOWED_LATIN = new Set(['f2', 'f3', 'f4', 'f6', 'ctrl', 'enter', 'esc', 'sip', 'udp', 'tcp', 'tls']);

/** English words on screen (the visible text of `root`), except key names and the like. */
export async function englishWords(root: Locator): Promise<string[]> {
  const text = await root.innerText();
  // Numbers and SIP addresses are not words: drop sip:... and user@host first.
  const cleaned = text.replace(/sips?:\S+/gi, ' ').replace(/\S+@\S+/g, ' ');
  return (cleaned.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !ALLOWED_LATIN.has(w.toLowerCase()));
}

export async function expectNoEnglish(root: Locator): Promise<void> {
  expect(await englishWords(root), 'English words on the Russian screen').toEqual([]);
}

/** Ends every live call of the app (through the contract) and waits until none is left. */
export async function hangUpAll(panel: PanelApp): Promise<void> {
  const { contract } = panel;
  for (const c of contract.state?.calls ?? []) {
    if (c.state !== 'ended') await contract.invoke(c.state === 'ringing' ? 'decline' : 'hangup', { callId: c.callId });
  }
  await contract.waitFor((s) => s.calls.every((c) => c.state === 'ended') && s.incomingQueue.length === 0, 15_000, 'app idle');
}

export function callOf(s: PhoneState | null, predicate: (c: Call) => boolean): Call | undefined {
  return s?.calls.find(predicate);
}

/** Waits for a call matching `predicate` in PhoneState and returns it. */
export async function waitForCall(panel: PanelApp, predicate: (c: Call) => boolean, what: string, timeoutMs = 15_000): Promise<Call> {
  const s = await panel.contract.waitFor((st) => st.calls.some(predicate), timeoutMs, what);
  return s.calls.find(predicate)!;
}
