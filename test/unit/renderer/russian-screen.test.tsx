// @vitest-environment happy-dom
// The Russian UI shows no English word from the core: the real call centre's facts (a failed blind
// transfer, a call the caller gave up, a registration the server refused) drawn by the real renderer in ru.
import { act, cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import { blindTransferRefusedBusy, makeCentre } from '../calls/fakes.js';
import { baseState, FakePhoneApi } from './fake-phone.js';

afterEach(() => cleanup());
const flush = () => new Promise<void>((r) => setTimeout(r, 0));

function russianApi() {
  return new FakePhoneApi(baseState({ settings: { ...baseState().settings, locale: 'ru' } }));
}

/**
 * Latin words (3+ letters) on screen, less what is not the core's wording: technical terms (SIP, the transports,
 * WebHID), the dispatcher's own data (audio device names), and English named in English in the language choice.
 * (A refused registration opens the settings, so they are on this screen too.)
 */
function englishOnScreen(): string[] {
  let text = document.body.textContent ?? '';
  const devices = [...baseState().devices.outputs, ...baseState().devices.inputs].map((d) => d.name).sort((a, b) => b.length - a.length);
  for (const term of [...devices, 'SIP', 'UDP', 'TCP', 'TLS', 'WebHID', 'English']) text = text.split(term).join(' ');
  return (text.match(/[A-Za-z]{3,}/g) ?? []).filter((w) => !['Ctrl', 'Enter', 'Esc'].includes(w));
}

describe('the Russian screen, from the call centre facts', () => {
  it('a blind transfer refused with 486: the caller is back and the reason is in Russian', async () => {
    const t = makeCentre();
    await blindTransferRefusedBusy(t);
    const api = russianApi();
    render(<App api={api} />);
    act(() => api.publish(t.centre.snapshot()));
    const notice = await screen.findByTestId('notice');
    expect(notice.textContent).toContain('+79120000001: переадресация на 1003 не удалась (занято, код SIP 486). Абонент снова на линии с вами.');
    expect(screen.getByTestId('transfer-status').textContent).toContain('занято, код SIP 486');
    expect(englishOnScreen()).toEqual([]);
  });

  it('a ringing call the caller gave up: the ended line says so in Russian', async () => {
    const t = makeCentre({ lingerMs: 60_000 });
    const r = t.ring('+79120000002');
    r.leg.emit({ type: 'ended', reason: 'cancelled-by-caller', cause: null });
    await flush();
    const api = russianApi();
    render(<App api={api} />);
    act(() => api.publish(t.centre.snapshot()));
    const ended = await screen.findByTestId('ended-call');
    expect(ended.textContent).toContain('Звонок завершён: абонент не дождался');
    expect(englishOnScreen()).toEqual([]);
  });

  it('a call she ended or declined herself leaves no line; one the far end ended says so', async () => {
    const t = makeCentre({ lingerMs: 60_000 });
    const mine = await t.talk('+79120000003');
    await t.centre.hangup(mine.id);
    const declined = t.ring('+79120000004');
    await t.centre.decline(declined.id);
    const theirs = await t.talk('+79120000005');
    theirs.leg.emit({ type: 'ended', reason: 'hung-up-remote', cause: null });
    await flush();
    expect(t.centre.snapshot().calls.filter((c) => c.state === 'ended')).toHaveLength(3);
    const api = russianApi();
    render(<App api={api} />);
    act(() => api.publish(t.centre.snapshot()));
    const lines = await screen.findAllByTestId('ended-call');
    expect(lines.map((l) => l.textContent)).toEqual(['+79120000005 Звонок завершён: абонент положил трубку']);
  });

  it('a registration the server refused, and a server that does not answer: Russian only', async () => {
    const t = makeCentre({ registered: false });
    const api = russianApi();
    render(<App api={api} />);
    t.telephony.setRegistration({ kind: 'wrong-credentials', code: 403, reason: 'Forbidden' });
    act(() => api.publish(t.centre.snapshot()));
    expect((await screen.findByText(/Неверный логин или пароль/)).textContent).toBeTruthy();
    expect(document.body.textContent).toContain('запрещено, код SIP 403');
    expect(englishOnScreen()).toEqual([]);
    t.telephony.setRegistration({ kind: 'unreachable', cause: { kind: 'timeout', operation: 'register', seconds: 8 }, retryAt: null });
    act(() => api.publish(t.centre.snapshot()));
    expect(document.body.textContent).toContain('нет ответа за 8 с (регистрация)');
    expect(englishOnScreen()).toEqual([]);
  });
});
