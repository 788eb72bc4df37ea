// The history and the settings as a dispatcher meets them, in Russian: the history opens on today and older
// days come on demand (older days' calls written through the app's own history store before it starts); the
// SIP account's fields with the registration result in plain words; a test button per output device that
// really plays on that device (recorded from the lab's PulseAudio); the microphone's test button, which
// reports the level of a tone played into the lab's microphone and silence without one; and a device unplugged while the app runs
// (a sink of the test's own, unloaded from the lab's PulseAudio) named as not connected.
import { expect, test, type Page } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { startBaresip, type BaresipPeer } from '../lab/peers.js';
import { SqliteCallHistory } from '../../main/store/call-history.js';
import { SqliteDispatchData } from '../../main/directory/dispatch-data.js';
import type { Database } from '../../main/store/database.js';
import { recordSink, rms, toneShare } from '../support/pulse-audio.js';
import { answerFromList, expectNoEnglish, hangUpAll, openPanel, shot, startPanelApp, telephony, type PanelApp } from './support/panel.js';

const DISPATCHER = '1500'; // not in the directory: "Диспетчер 1500" by the config
const DAY = 24 * 60 * 60 * 1000;

let panel: PanelApp;
let driver: BaresipPeer; // Голубев (106), today's one call

/** dd.mm.yyyy of a time, as the day field shows it. */
function ddmmyyyy(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()}`;
}

/** Noon of the day `daysAgo` days before today (local time): well inside that day. */
function noon(daysAgo: number): number {
  const d = new Date();
  d.setHours(12, 0, 0, 0);
  return d.getTime() - daysAgo * DAY;
}

/** Answered incoming calls of earlier days, identified and written the way the running app does it. */
async function seedOlderDays(db: Database): Promise<void> {
  const data = new SqliteDispatchData(db);
  const history = new SqliteCallHistory(db);
  const calls: Array<[string, number]> = [
    ['+79161230001', 1], // Анна Смирнова, yesterday
    ['+79161230003', 1], // Ольга Попова, yesterday
    ['2001', 3], // Волков, three days ago
  ];
  for (const [i, [number, daysAgo]] of calls.entries()) {
    const startedAt = noon(daysAgo) + i * 60_000;
    const facts = {
      callId: `seed-${i}`,
      direction: 'incoming' as const,
      number,
      identity: await data.identify(number),
      handledBy: DISPATCHER,
      startedAt,
      answeredAt: startedAt + 5_000,
      endedAt: null,
      heldCount: 0,
      endReason: null,
      transferredTo: null,
      endCause: null,
    };
    history.callStarted(facts);
    history.callUpdated({ ...facts, endedAt: startedAt + 65_000, endReason: 'hung-up-remote' });
  }
}

test.beforeAll(async () => {
  [panel, driver] = await Promise.all([startPanelApp({ user: DISPATCHER, seed: seedOlderDays }), startBaresip({ user: '2006', ringback: false })]);
});

test.afterAll(async () => {
  await driver?.stop().catch(() => undefined);
  await panel?.stop();
});

test.afterEach(async () => {
  await hangUpAll(panel).catch(() => undefined);
});

const historyDialog = (page: Page) => page.getByRole('dialog', { name: 'История звонков' });

test('the history opens on today; the day before, a typed date and all days come on demand', async ({ page }) => {
  await openPanel(page, panel);
  // Today's one call: a driver, answered, hung up.
  await driver.dial(DISPATCHER);
  await answerFromList(page, 'Голубев');
  await driver.waitFor('CALL_ESTABLISHED');
  await driver.hangup();
  await expect(page.getByRole('article')).toHaveCount(0);

  await telephony(page).getByRole('button', { name: 'История звонков' }).click();
  const history = historyDialog(page);
  const dayField = history.getByRole('textbox', { name: 'День' });
  // The calls' rows, under a heading row of column headers.
  const rows = history.getByRole('row').filter({ has: page.getByRole('cell') });
  await expect(history.getByRole('columnheader', { name: 'Диспетчер' })).toBeVisible();
  await expect(dayField).toHaveValue(ddmmyyyy(Date.now()));
  await expect(history.getByRole('button', { name: 'Сегодня' })).toHaveAttribute('aria-pressed', 'true');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Голубев');
  await expect(history.getByTestId('history-range')).toHaveText('1–1 из 1');
  await shot(page, 'history-today');
  await expectNoEnglish(history);

  // The day before: yesterday's two calls, newest first, and nothing of today's.
  await history.getByRole('button', { name: /День раньше/ }).click();
  await expect(dayField).toHaveValue(ddmmyyyy(noon(1)));
  await expect(history.getByRole('button', { name: 'Сегодня' })).toHaveAttribute('aria-pressed', 'false');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('Ольга Попова');
  await expect(rows.nth(1)).toContainText('Анна Смирнова');
  await expect(rows.nth(0)).toContainText('отвечен');
  await expect(history).not.toContainText('Голубев');
  await shot(page, 'history-yesterday');

  // Further back: a day with no calls says so; the one before it has Волков's.
  await history.getByRole('button', { name: /День раньше/ }).click();
  await expect(dayField).toHaveValue(ddmmyyyy(noon(2)));
  await expect(history.getByText('Звонков нет')).toBeVisible();
  await history.getByRole('button', { name: /День раньше/ }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Волков');

  // A date typed by hand, as the dispatcher writes dates.
  await dayField.fill(ddmmyyyy(noon(1)));
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText('Анна Смирнова');
  await dayField.fill('31.02.2026');
  await expect(dayField).toHaveAttribute('aria-invalid', 'true');

  // All days: every call, newest first.
  await history.getByRole('button', { name: 'Все дни' }).click();
  await expect(history.getByRole('button', { name: 'Все дни' })).toHaveAttribute('aria-pressed', 'true');
  await expect(dayField).toHaveValue('');
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(0)).toContainText('Голубев');
  await expect(rows.nth(3)).toContainText('Волков');
  await shot(page, 'history-all-days');

  await history.getByRole('button', { name: 'Сегодня' }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Голубев');
});

const settingsDialog = (page: Page) => page.getByRole('dialog', { name: 'Настройки' });

test('settings: the SIP account’s fields and the registration result in plain Russian words', async ({ page }) => {
  await openPanel(page, panel);
  await telephony(page).getByRole('button', { name: 'Настройки' }).click();
  const settings = settingsDialog(page);
  const account = settings.getByRole('form', { name: 'Учётная запись SIP' });
  await expect(account.getByLabel('Сервер (адрес или адрес:порт)')).toHaveValue('127.0.0.1:5060');
  await expect(account.getByLabel('Транспорт')).toHaveValue('udp');
  await expect(account.getByLabel('Транспорт').locator('option:checked')).toHaveText('UDP');
  await expect(account.getByLabel('Пользователь')).toHaveValue(DISPATCHER);
  // The saved password is never shown back; the field says that empty keeps it.
  await expect(account.getByLabel('Пароль')).toHaveValue('');
  await expect(account.getByLabel('Пароль')).toHaveAttribute('placeholder', 'оставьте пустым, чтобы не менять сохранённый');
  await expect(account.getByLabel('Отображаемое имя')).toHaveValue(`Диспетчер ${DISPATCHER}`);
  await expect(account.getByRole('status')).toHaveText('Зарегистрирован: звонки поступают.');
  await shot(page, 'settings-account-registered');
  await expectNoEnglish(account);

  // A new display name, saved: the phone registers again with it, says so, and the panel shows the name.
  await account.getByLabel('Отображаемое имя').fill('Диспетчер Ирина Захарова');
  await account.getByRole('button', { name: 'Сохранить и зарегистрироваться' }).click();
  await expect(account.getByRole('status')).toHaveText('Зарегистрирован: звонки поступают.');
  await expect(telephony(page).getByTestId('registration-status')).toContainText('Диспетчер Ирина Захарова');
  await expect(telephony(page).getByText('Зарегистрирован', { exact: true })).toBeVisible();
  await page.keyboard.press('Escape');
  // Opened again, the account shows what was saved.
  await telephony(page).getByRole('button', { name: 'Настройки' }).click();
  await expect(settingsDialog(page).getByLabel('Отображаемое имя')).toHaveValue('Диспетчер Ирина Захарова');
  await shot(page, 'settings-account-saved');
});

/** Clicks the device's "Проверить" and records both lab sinks: the 660 Hz two-beep tone on one, silence on the other. */
async function testTone(page: Page, group: string, sink: string, other: string): Promise<void> {
  await openPanel(page, panel);
  await telephony(page).getByRole('button', { name: 'Настройки' }).click();
  const field = settingsDialog(page).getByRole('group', { name: group });
  await expect(field.getByRole('combobox')).toHaveValue(sink);
  const button = field.getByRole('button', { name: 'Проверить' });
  await expect(button).toHaveAttribute('title', /Воспроизвести короткий сигнал/);
  // Both recorders connected to the server first (parec takes a moment), then the click: the tone is 0.6 s.
  const recordings = Promise.all([recordSink(sink, 3), recordSink(other, 3)]);
  await new Promise((r) => setTimeout(r, 500));
  await button.click();
  const [here, there] = await recordings;
  expect(toneShare(here, 660), `tone on ${sink}`).toBeGreaterThan(0.5);
  expect(rms(there), `silence on ${other}`).toBeLessThan(50);
}

test('settings: the ring device’s test button plays a tone on that device', async ({ page }) => {
  await testTone(page, 'Звонок на', 'spk', 'headset');
  await shot(page, 'settings-devices');
});

test('settings: the talk device’s test button plays a tone on that device', async ({ page }) => {
  await testTone(page, 'Разговор на', 'headset', 'spk');
});

test('settings: the microphone’s test button says what level it heard, and silence when nothing is said', async ({ page }) => {
  await openPanel(page, panel);
  await telephony(page).getByRole('button', { name: 'Настройки' }).click();
  const field = settingsDialog(page).getByRole('group', { name: 'Микрофон' });
  await expect(field.getByRole('combobox')).toHaveValue('mic');
  const button = field.getByRole('button', { name: 'Проверить' });
  await expect(button).toHaveAttribute('title', /Послушать этот микрофон/);
  const result = field.getByRole('status');

  // A 1 kHz tone at half of full scale into the lab's microphone (mic = a remap of micfeed's monitor).
  const feed = spawn('pacat', ['--playback', '--raw', '--format=s16le', '--rate=8000', '--channels=1', '--device=micfeed'], { env: process.env, stdio: ['pipe', 'ignore', 'ignore'] });
  const tone = new Int16Array(8000 * 8);
  for (let i = 0; i < tone.length; i++) tone[i] = Math.round(0.5 * 32767 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  feed.stdin.end(Buffer.from(tone.buffer));
  try {
    await new Promise((r) => setTimeout(r, 500));
    await button.click();
    await expect(result).toHaveText('Слушаю… скажите что-нибудь в микрофон');
    await expect(button).toBeDisabled();
    await expect(result).toHaveText(/^Звук есть: пик −\d+ дБ, средний уровень −\d+ дБ$/, { timeout: 10_000 });
    const [, peak, average] = /пик −(\d+) дБ, средний уровень −(\d+) дБ/.exec((await result.textContent()) ?? '') ?? [];
    // the tone's own level: -6 dBFS peak, -9 dBFS RMS
    expect(Number(peak)).toBeGreaterThanOrEqual(4);
    expect(Number(peak)).toBeLessThanOrEqual(8);
    expect(Number(average)).toBeGreaterThan(Number(peak));
    expect(Number(average)).toBeLessThanOrEqual(12);
    await shot(page, 'settings-microphone-sound');
    await expectNoEnglish(result);
  } finally {
    feed.kill('SIGKILL');
  }

  // Nothing into it: silence, said as such.
  await new Promise((r) => setTimeout(r, 500));
  await button.click();
  await expect(result).toHaveText(/^Тишина: микрофон ничего не услышал за 3 с/, { timeout: 10_000 });
  await shot(page, 'settings-microphone-silence');
  await expectNoEnglish(result);
});

function labPactl(...args: string[]): string {
  return execFileSync('pactl', args, { env: process.env, encoding: 'utf8' }).trim();
}

test('a device unplugged while the app runs is named as not connected, and the notice says where the sound went', async ({ page }) => {
  // A USB headset of the test's own on the lab's PulseAudio (the lab's own sinks stay as they are). Its name is
  // ASCII: pactl 16's JSON listing, which the app reads, prints "(null)" for a non-ASCII description.
  let module: string | null = labPactl('load-module', 'module-null-sink', 'sink_name=e2eusb', 'rate=48000', 'sink_properties=device.description=USBHeadset');
  try {
    await openPanel(page, panel);
    await telephony(page).getByRole('button', { name: 'Настройки' }).click();
    const talk = settingsDialog(page).getByRole('group', { name: 'Разговор на' }).getByRole('combobox');
    await expect(talk.locator('option', { hasText: 'USBHeadset' })).toHaveCount(1);
    await talk.selectOption({ label: 'USBHeadset' });
    await expect.poll(() => panel.contract.state?.devices.routing.talkOutputDeviceId).toBe('e2eusb');

    labPactl('unload-module', module);
    module = null;
    // Still the choice, named by its name and marked as not connected, never as a raw id.
    await expect(talk.locator('option:checked')).toHaveText('USBHeadset (не подключено)');
    await expect(talk).toHaveValue('e2eusb');
    await expect(settingsDialog(page)).not.toContainText('e2eusb');
    await expect(page.getByText('Устройство «USBHeadset» не подключено. Разговор — на устройстве «LabSpeaker»')).toBeVisible();
    await shot(page, 'settings-device-gone');
  } finally {
    if (module) labPactl('unload-module', module);
    await panel.contract.invoke('setAudioRouting', { routing: { ringDeviceId: 'spk', talkOutputDeviceId: 'headset', microphoneDeviceId: 'mic' } });
  }
});
