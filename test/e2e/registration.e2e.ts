// A registration the server refuses (a wrong password), in Russian: the panel says so in plain Russian
// words, offers to register again, and shows no English word from the core or the server; the settings open on
// the SIP account by themselves and say it there too.
import { expect, test } from '@playwright/test';
import { expectNoEnglish, openPanel, shot, startPanelApp, telephony, type PanelApp } from './support/panel.js';

let panel: PanelApp;

test.beforeAll(async () => {
  panel = await startPanelApp({ user: '1003', password: 'not-the-password', waitRegistered: false });
});

test.afterAll(async () => {
  await panel?.stop();
});

test('in ru, a wrong password shows Russian text only', async ({ page }) => {
  await panel.contract.waitFor((s) => s.registration.kind === 'wrong-credentials', 20_000, 'registration refused');
  await openPanel(page, panel, false);
  const status = telephony(page);
  await expect(status.getByText('Неверный логин или пароль')).toBeVisible();
  await expect(status.getByRole('button', { name: 'Перерегистрация' })).toBeVisible();
  await expect(status.getByText('Зарегистрирован', { exact: true })).toHaveCount(0);
  await shot(page, 'registration-wrong-password');
  await expectNoEnglish(telephony(page));
  // The refusal opens the settings on the SIP account by themselves, says it there, and the password takes the focus.
  const settings = page.getByRole('dialog', { name: 'Настройки' });
  await expect(settings.getByTestId('account-result')).toHaveText(/^Сервер не принял имя пользователя или пароль \(40[13]\)\. Проверьте их, введите пароль и сохраните снова\.$/);
  await expect(settings.getByTestId('account-password')).toBeFocused();
});
