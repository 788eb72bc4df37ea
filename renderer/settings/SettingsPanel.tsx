// Settings: ring device, talk output and microphone are three separate choices; the ring's and the
// call-waiting beep's volumes; the UI language.
import type { AudioDevice, AudioRouting, Locale } from '../../shared/domain.js';
import { useT } from '../i18n/index.js';
import { Overlay } from '../common/Overlay.js';
import { usePhone } from '../store/phone-context.js';
import { GoneDeviceOption, MicTestButton, TestToneButton } from './DeviceTest.js';
import { AccountSettings } from './AccountSettings.js';
import { HeadsetSettings } from './HeadsetSettings.js';
import { ShortcutSettings } from './ShortcutSettings.js';

export function SettingsPanel(props: { onClose: () => void }) {
  const { state, run } = usePhone();
  const t = useT();
  const devices = state.devices;
  const routing = devices.routing;

  const setRouting = (patch: Partial<AudioRouting>) => void run('setAudioRouting', { routing: { ...routing, ...patch } });

  // One group per device: its label names the choice and its test button (a test button inside a <label>
  // would share the select's name).
  const select = (testId: string, label: string, list: AudioDevice[], value: string | null, key: keyof AudioRouting) => (
    <div class="field" role="group" aria-labelledby={`${testId}-label`}>
      <span class="field-label" id={`${testId}-label`}>
        {label}
      </span>
      <span class="device-choice">
        <select
          data-testid={testId}
          aria-labelledby={`${testId}-label`}
          value={value ?? ''}
          onChange={(ev) => {
            const v = (ev.currentTarget as HTMLSelectElement).value;
            setRouting({ [key]: v === '' ? null : v });
          }}
        >
          <option value="">{t.systemDefault}</option>
          {list.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
              {d.isDefault ? t.defaultMark : ''}
            </option>
          ))}
          {value !== null && !list.some((d) => d.id === value) ? <GoneDeviceOption devices={devices} id={value} /> : null}
        </select>
        {key !== 'microphoneDeviceId' ? <TestToneButton deviceId={value} testId={`${testId}-test`} /> : <MicTestButton deviceId={value} testId={`${testId}-test`} />}
      </span>
    </div>
  );

  // A level slider, in steps of 5 %; the core applies it at once (a ring or beep in progress too).
  const volume = (testId: string, label: string, value: number, key: 'ringVolume' | 'callWaitingVolume') => (
    <label class="field">
      <span class="field-label">{label}</span>
      <input
        type="range"
        min={0}
        max={100}
        step={5}
        data-testid={testId}
        value={Math.round(value * 100)}
        onChange={(ev) => void run('updateSettings', { settings: { [key]: Number((ev.currentTarget as HTMLInputElement).value) / 100 } })}
      />
    </label>
  );

  return (
    <Overlay title={t.settings} testId="settings" boxClass="settings" onClose={props.onClose}>
        {devices.error ? <div class="notice notice-warning">{t.devicesError(devices.error)}</div> : null}
        <div class="settings-grid">
          {select('ring-device', t.ringDevice, devices.outputs, routing.ringDeviceId, 'ringDeviceId')}
          {select('talk-output', t.talkOutput, devices.outputs, routing.talkOutputDeviceId, 'talkOutputDeviceId')}
          {select('microphone', t.microphone, devices.inputs, routing.microphoneDeviceId, 'microphoneDeviceId')}
          <div class="field">
            <span class="field-label" />
            <button type="button" class="btn btn-small" data-testid="refresh-devices" title={t.refreshDevices} onClick={() => void run('listAudioDevices', {})}>
              ⟳ {t.refreshDevices}
            </button>
          </div>
          {volume('ring-volume', t.ringVolume, state.settings.ringVolume, 'ringVolume')}
          {volume('call-waiting-volume', t.callWaitingVolume, state.settings.callWaitingVolume ?? 1, 'callWaitingVolume')}
          <label class="field">
            <span class="field-label">{t.language}</span>
            <select
              data-testid="locale-select"
              value={state.settings.locale}
              onChange={(ev) => void run('updateSettings', { settings: { locale: (ev.currentTarget as HTMLSelectElement).value as Locale } })}
            >
              <option value="ru">Русский</option>
              <option value="en">English</option>
            </select>
          </label>
        </div>
        <AccountSettings />
        <ShortcutSettings />
        <HeadsetSettings />
    </Overlay>
  );
}
