// Settings: a test button beside each device choice (an output: a short tone there, at the ring volume;
// the microphone: ~3 s of listening and the level heard, shown beside it), and how a chosen device that
// is not connected now is named.
import { useState } from 'preact/hooks';
import type { AudioDevices, MicTestResult } from '../../shared/domain.js';
import type { PhoneError } from '../../shared/errors.js';
import { errorText, useT, type Strings } from '../i18n/index.js';
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

/** dBFS as the dispatcher reads it: whole decibels, a real minus sign. */
const db = (x: number) => String(Math.round(x)).replace('-', '−');

function micTestText(t: Strings, r: MicTestResult): string {
  return r.kind === 'sound' ? t.micTestSound(db(r.peakDbfs), db(r.rmsDbfs)) : t.micTestSilence(r.seconds, r.peakDbfs === null ? null : db(r.peakDbfs));
}

type MicTestShown = { kind: 'running' } | { kind: 'done'; result: MicTestResult } | { kind: 'failed'; error: PhoneError } | null;

/** The microphone's test button and, beside it, what the test heard (or why it could not run). */
export function MicTestButton(props: { deviceId: string | null; testId: string }) {
  const { run } = usePhone();
  const t = useT();
  const [shown, setShown] = useState<MicTestShown>(null);
  const test = async () => {
    setShown({ kind: 'running' });
    const r = await run('testMicrophone', { deviceId: props.deviceId }, { quiet: true });
    setShown(r.ok ? { kind: 'done', result: r.value } : { kind: 'failed', error: r.error });
  };
  const text =
    shown === null ? '' : shown.kind === 'running' ? t.micTestRunning : shown.kind === 'done' ? micTestText(t, shown.result) : errorText(shown.error, t);
  return (
    <>
      <button type="button" class="btn btn-small" data-testid={props.testId} title={t.micTestHint} disabled={shown?.kind === 'running'} onClick={() => void test()}>
        ● {t.testTone}
      </button>
      <span
        class={`device-test-result${shown?.kind === 'failed' || (shown?.kind === 'done' && shown.result.kind === 'silence') ? ' device-test-warn' : ''}`}
        role="status"
        data-testid={`${props.testId}-result`}
      >
        {text}
      </span>
    </>
  );
}

/** The option for a chosen device that is gone: its last known name, marked as not connected. */
export function GoneDeviceOption(props: { devices: AudioDevices; id: string }) {
  const t = useT();
  const name = props.devices.gone?.find((d) => d.id === props.id)?.name ?? t.unknownDevice;
  return <option value={props.id}>{t.deviceGone(name)}</option>;
}
