// The thin path, for real: a baresip peer calls the dispatcher through Kamailio; in Chromium the
// indicator shows the call, a click answers it, audio flows both ways through PulseAudio devices,
// and the call is hung up from either side.
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { labPaths, startBaresip, type BaresipPeer } from '../lab/peers.js';
import { ContractClient, startApp, type AppProcess } from '../support/app-process.js';
import { feedMicrophone, recordSink, toneShare } from '../support/pulse-audio.js';
import { openDatabase, closeDatabase } from '../../main/store/database.js';
import { seedDemoData } from '../../main/store/demo-data.js';

const DISPATCHER = '1500';
const DRIVER = '2001'; // a driver in the demo data

let app: AppProcess;
let contract: ContractClient;
let peer: BaresipPeer | null = null;
let mic: ChildProcess | null = null;

test.beforeAll(async () => {
  process.env.PULSE_SERVER = labPaths().pulseServer;
  const dir = mkdtempSync(join(tmpdir(), 'e2e-app-'));
  mkdirSync(dir, { recursive: true });
  const db = openDatabase(join(dir, 'phone.db'));
  seedDemoData(db);
  closeDatabase(db);
  app = await startApp({ user: DISPATCHER, dir });
  contract = await ContractClient.connect(app);
  // The dispatcher speaks a 1000 Hz tone into the (lab) microphone for the whole run.
  mic = feedMicrophone(labPaths().audio.tone1000);
});

test.afterAll(async () => {
  mic?.kill();
  contract?.close();
  await app?.stop();
});

test.afterEach(async () => {
  await peer?.stop();
  peer = null;
});

async function openPanel(page: Page): Promise<void> {
  await page.goto(app.url);
  await expect(page.getByTestId('registration-status')).toHaveAttribute('data-state', 'registered');
}

async function ringAndAnswer(page: Page, screenshot: string | null): Promise<string> {
  peer = await startBaresip({ user: DRIVER, audioFile: labPaths().audio.tone440 });
  await openPanel(page);
  await peer.dial(DISPATCHER);
  await expect(page.getByTestId('call-count')).toHaveText('1');
  await page.getByTestId('call-indicator').click();
  const item = page.getByTestId('incoming-call');
  await expect(item).toHaveCount(1);
  await expect(item).toContainText(DRIVER);
  // Identified before answering: the demo data's driver with callsign.
  await expect(item.getByTestId('caller-identity')).toHaveAttribute('data-kind', 'driver');
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  const callId = (await item.getAttribute('data-call-id'))!;
  await item.click();
  await peer.waitFor('CALL_ESTABLISHED', { timeoutMs: 10_000 });
  await expect(page.locator(`[data-testid="call-panel"][data-call-id="${callId}"]`)).toHaveAttribute('data-state', 'active');
  return callId;
}

test('a driver calls, the dispatcher answers in the panel, audio flows both ways, the dispatcher hangs up', async ({ page }) => {
  const callId = await ringAndAnswer(page, 'test-results/panel-ringing.png');

  // RTP both ways, counted by the app...
  const state = await contract.waitFor(
    (s) => {
      const media = s.calls.find((c) => c.callId === callId)?.media;
      return !!media && media.packetsReceived > 50 && media.packetsSent > 50;
    },
    15_000,
    'RTP counted both ways',
  );
  expect(state.activeCallId).toBe(callId);
  // ...and heard: the caller's 440 Hz tone plays on the headset sink, not on the ring speaker.
  const headset = await recordSink('headset', 2);
  expect(toneShare(headset, 440)).toBeGreaterThan(0.5);
  await page.screenshot({ path: 'test-results/panel-talking.png', fullPage: true });

  await page.getByTestId('hangup-button').click();
  await peer!.waitFor('CALL_CLOSED', { timeoutMs: 10_000 });
  await expect(page.locator(`[data-testid="call-panel"][data-call-id="${callId}"][data-state="active"]`)).toHaveCount(0);

  // The peer's recording of what it received: the dispatcher's microphone (1000 Hz).
  const recording = await peer!.waitForRecording();
  const { audioStats } = await import('../lab/peers.js');
  const received = await audioStats(recording.dec);
  expect(received.rms).toBeGreaterThan(0.01);
  expect(Math.abs(received.roughFrequency - 1000)).toBeLessThan(150);

  // And the history has the row.
  const history = await contract.invoke('listHistory', { query: { number: DRIVER } });
  expect(history.ok && history.value.entries[0]?.outcome).toBe('answered');
});

test('the driver hangs up first: the panel clears the call', async ({ page }) => {
  const callId = await ringAndAnswer(page, null);
  await peer!.hangup();
  await peer!.waitFor('CALL_CLOSED', { timeoutMs: 10_000 });
  await contract.waitFor((s) => s.calls.find((c) => c.callId === callId)?.endReason === 'hung-up-remote', 10_000, 'remote hang-up');
  await expect(page.locator(`[data-testid="call-panel"][data-call-id="${callId}"][data-state="active"]`)).toHaveCount(0);
  await expect(page.getByTestId('call-count')).toHaveText('0');
});
