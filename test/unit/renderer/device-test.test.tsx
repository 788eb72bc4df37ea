// @vitest-environment happy-dom
// Settings: a test button per output device sends playTestTone for that device; the microphone's sends
// testMicrophone and shows what was heard (or why not) beside it, in the dispatcher's language; a chosen
// device that is not connected is named (its last known name), never shown as a raw id.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../../renderer/App.js';
import { baseState, FakePhoneApi } from './fake-phone.js';

afterEach(() => cleanup());

describe('device tests in the settings', () => {
  it('each output has a test button for its device', async () => {
    const api = new FakePhoneApi(baseState());
    render(<App api={api} />);
    fireEvent.click(await screen.findByTestId('settings-button'));
    fireEvent.click(await screen.findByTestId('talk-output-test'));
    fireEvent.click(screen.getByTestId('ring-device-test'));
    await waitFor(() => expect(api.commands('playTestTone')).toEqual([{ deviceId: 'headset' }, { deviceId: 'spk' }]));
  });

  it('the ring and the call-waiting beep have a volume each, by their names', async () => {
    const api = new FakePhoneApi(baseState());
    render(<App api={api} />);
    fireEvent.click(await screen.findByTestId('settings-button'));
    fireEvent.change(screen.getByLabelText('Call-waiting beep volume (in the headset)'), { target: { value: '40' } });
    fireEvent.change(screen.getByLabelText('Ring volume'), { target: { value: '70' } });
    await waitFor(() => expect(api.commands('updateSettings')).toEqual([{ settings: { callWaitingVolume: 0.4 } }, { settings: { ringVolume: 0.7 } }]));
  });

  it('the microphone test shows the level heard, silence, or the refusal, beside the microphone', async () => {
    const answers = [
      { ok: true as const, value: { kind: 'sound' as const, peakDbfs: -6.2, rmsDbfs: -9.4, seconds: 3 } },
      { ok: true as const, value: { kind: 'silence' as const, peakDbfs: null, seconds: 3 } },
      { ok: false as const, error: { code: 'invalid-state' as const, why: { kind: 'mic-test-during-call' as const } } },
    ];
    const api = new FakePhoneApi(baseState()).handle('testMicrophone', () => answers.shift()!);
    render(<App api={api} />);
    fireEvent.click(await screen.findByTestId('settings-button'));
    const result = screen.getByTestId('microphone-test-result');
    fireEvent.click(screen.getByTestId('microphone-test'));
    await waitFor(() => expect(result.textContent).toBe('Sound heard: peak −6 dBFS, average −9 dBFS'));
    expect(api.commands('testMicrophone')).toEqual([{ deviceId: 'mic' }]);
    fireEvent.click(screen.getByTestId('microphone-test'));
    await waitFor(() => expect(result.textContent).toBe('Silence: the microphone heard nothing in 3 s'));
    fireEvent.click(screen.getByTestId('microphone-test'));
    await waitFor(() => expect(result.textContent).toBe('The microphone cannot be tested during a call: the call is using it'));
    // the refusal is shown beside the microphone, not (also) in the notice area
    expect(screen.getAllByText(/cannot be tested during a call/)).toHaveLength(1);
  });

  it('in Russian: the level in Russian words', async () => {
    const state = baseState();
    const api = new FakePhoneApi(baseState({ settings: { ...state.settings, locale: 'ru' } })).handle('testMicrophone', () => ({
      ok: true,
      value: { kind: 'silence', peakDbfs: -62.3, seconds: 3 },
    }));
    render(<App api={api} />);
    fireEvent.click(await screen.findByTestId('settings-button'));
    fireEvent.click(screen.getByTestId('microphone-test'));
    await waitFor(() => expect(screen.getByTestId('microphone-test-result').textContent).toBe('Тишина: микрофон ничего не услышал за 3 с (пик −62 дБ)'));
  });

  it('a chosen headset that is unplugged shows as "Jabra (not connected)"', async () => {
    const state = baseState();
    const devices = { ...state.devices, routing: { ...state.devices.routing, talkOutputDeviceId: 'usb-jabra' }, gone: [{ id: 'usb-jabra', name: 'Jabra', kind: 'output' as const, isDefault: false }] };
    const api = new FakePhoneApi(baseState({ devices }));
    render(<App api={api} />);
    fireEvent.click(await screen.findByTestId('settings-button'));
    const select = (await screen.findByTestId('talk-output')) as HTMLSelectElement;
    expect(select.selectedOptions[0]!.textContent).toBe('Jabra (not connected)');
    expect(select.textContent).not.toContain('usb-jabra');
  });
});
