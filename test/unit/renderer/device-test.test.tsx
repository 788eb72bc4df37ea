// @vitest-environment happy-dom
// Settings: a test button per output device sends playTestTone for that device; a chosen device that
// is not connected is named (its last known name), never shown as a raw id.
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
