// @vitest-environment happy-dom
// The call panel shows media's quality figure when it is fair or poor, in English and Russian.
import { act, cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import type { CallQuality, MediaStats } from '../../../shared/domain.js';
import { baseState, call, FakePhoneApi } from './fake-phone.js';

afterEach(() => cleanup());

function media(quality: CallQuality, mos: number, lossPercent: number): MediaStats {
  return {
    codec: 'PCMU',
    packetsSent: 500,
    packetsReceived: 450,
    packetsLost: 50,
    jitterMs: 12,
    playoutDelayMs: 70,
    captureDelayMs: 20,
    rttMs: 40,
    lossPercent,
    remoteLossPercent: 0,
    remoteJitterMs: 3,
    mos,
    quality,
  };
}

function activeCall(m: MediaStats) {
  return { calls: [call({ callId: 'a', state: 'active' as const, answeredAt: Date.now(), media: m })], activeCallId: 'a' };
}

describe('call quality on the call panel', () => {
  it('says nothing while the line is good; says fair, then poor, with the figures on hover', async () => {
    const api = new FakePhoneApi(baseState(activeCall(media('good', 4.4, 0))));
    render(<App api={api} />);
    await screen.findByTestId('call-panel');
    expect(screen.queryByTestId('call-quality')).toBeNull();
    act(() => api.publish(activeCall(media('fair', 3.8, 4))));
    expect(screen.getByTestId('call-quality').textContent).toBe('Fair connection');
    act(() => api.publish(activeCall(media('poor', 2.9, 10))));
    const badge = screen.getByTestId('call-quality');
    expect(badge.textContent).toBe('Poor connection');
    expect(badge.getAttribute('title')).toBe('Estimated MOS 2.9 · 10.0% lost · round trip 40 ms');
  });

  it('in Russian', async () => {
    const api = new FakePhoneApi(baseState({ ...activeCall(media('poor', 2.9, 10)), settings: { ...baseState().settings, locale: 'ru' } }));
    render(<App api={api} />);
    const badge = await screen.findByTestId('call-quality');
    expect(badge.textContent).toBe('Плохая связь');
    expect(badge.getAttribute('title')).toBe('Оценка MOS 2,9 · потеряно 10,0% · задержка туда и обратно 40 мс');
  });
});
