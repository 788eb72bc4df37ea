// The order intake form [форма приема заказа]: opens pre-filled with a new client's number; the core
// validates (e.g. a missing pickup address) and its typed error is shown beside the field.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { NewOrder, Order } from '../../shared/domain.js';
import type { PhoneError } from '../../shared/errors.js';
import { errorText, useT } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';

type Field = 'clientPhone' | 'clientName' | 'pickupAddress' | 'destinationAddress' | 'note';

export function IntakeForm(props: { phone: string; onClose: () => void; onCreated: (order: Order) => void }) {
  const { run } = usePhone();
  const t = useT();
  const [values, setValues] = useState<Record<Field, string>>({
    clientPhone: props.phone,
    clientName: '',
    pickupAddress: '',
    destinationAddress: '',
    note: '',
  });
  const [error, setError] = useState<PhoneError | null>(null);
  const [busy, setBusy] = useState(false);
  // The pickup address takes the focus when the form opens (the caller's number is already there):
  // Chromium honours `autofocus` only once per page, and the answered call's panel may hold the focus.
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => formRef.current?.querySelector<HTMLInputElement>('[name=pickupAddress]')?.focus(), []);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (busy) return;
    const order: NewOrder = { clientPhone: values.clientPhone.trim(), pickupAddress: values.pickupAddress.trim() };
    if (values.clientName.trim()) order.clientName = values.clientName.trim();
    if (values.destinationAddress.trim()) order.destinationAddress = values.destinationAddress.trim();
    if (values.note.trim()) order.note = values.note.trim();
    setBusy(true);
    const r = await run('createOrder', { order }, { quiet: true });
    setBusy(false);
    if (r.ok) {
      setError(null);
      props.onCreated(r.value);
    } else {
      setError(r.error);
    }
  };

  const errorField = error?.field?.split('.').pop() ?? null;
  const input = (field: Field, label: string, opts: { multiline?: boolean; required?: boolean } = {}) => {
    const invalid = errorField === field;
    const common = {
      id: `intake-${field}`,
      name: field,
      'data-testid': `intake-${field}`,
      value: values[field],
      'aria-invalid': invalid,
      'aria-required': opts.required ?? false,
      class: invalid ? 'invalid' : '',
      onInput: (ev: Event) => {
        const value = (ev.currentTarget as HTMLInputElement | HTMLTextAreaElement).value;
        setValues((v) => ({ ...v, [field]: value }));
      },
    };
    return (
      <label class={`field field-${field}`} for={`intake-${field}`}>
        <span class="field-label">
          {label}
          {opts.required ? ' *' : ''}
        </span>
        {opts.multiline ? <textarea rows={2} {...common} /> : <input type="text" autoComplete="off" {...common} />}
      </label>
    );
  };

  return (
    <form ref={formRef} class="panel intake" data-testid="intake-form" onSubmit={(ev) => void submit(ev)}>
      <header class="panel-head">
        <h2>{t.intakeTitle}</h2>
      </header>
      <div class="intake-grid">
        {input('clientPhone', t.intakeClientPhone, { required: true })}
        {input('clientName', t.intakeClientName)}
        {input('pickupAddress', t.intakePickup, { required: true })}
        {input('destinationAddress', t.intakeDestination)}
        {input('note', t.intakeNote, { multiline: true })}
      </div>
      {error ? (
        <div class="form-error" data-testid="intake-error" data-field={error.field} role="alert">
          {errorText(error, t)}
        </div>
      ) : null}
      <div class="form-buttons">
        <button type="submit" class="btn btn-primary" data-testid="intake-submit" title={t.intakeCreate} disabled={busy}>
          {t.intakeCreate}
        </button>
        <button type="button" class="btn btn-ghost" data-testid="intake-cancel" title={t.intakeCancel} onClick={props.onClose}>
          {t.intakeCancel}
        </button>
      </div>
    </form>
  );
}
