// Settings: a test button beside each output device choice (a short tone there, at the ring volume),
// and how a chosen device that is not connected now is named.
import type { AudioDevices } from '../../shared/domain.js';
import { useT } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';

export function TestToneButton(props: { deviceId: string | null; testId: string }) {
  const { run } = usePhone();
  const t = useT();
  return (
    <button type="button" class="btn btn-small" data-testid={props.testId} title={t.testToneHint} onClick={() => void run('playTestTone', { deviceId: props.deviceId })}>
      ▶ {t.testTone}
    </button>
  );
}

/** The option for a chosen device that is gone: its last known name, marked as not connected. */
export function GoneDeviceOption(props: { devices: AudioDevices; id: string }) {
  const t = useT();
  const name = props.devices.gone?.find((d) => d.id === props.id)?.name ?? t.unknownDevice;
  return <option value={props.id}>{t.deviceGone(name)}</option>;
}
