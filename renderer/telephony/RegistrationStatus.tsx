import type { RegistrationState } from '../../shared/domain.js';
import { useLocale, useT, type Strings } from '../i18n/index.js';
import { usePhone } from '../store/phone-context.js';

function describe(reg: RegistrationState, t: Strings, locale: string): { text: string; detail: string | null } {
  const at = (ms: number | null) => (ms ? t.registration.retryAt(new Date(ms).toLocaleTimeString(locale)) : null);
  switch (reg.kind) {
    case 'unregistered':
      return { text: t.registration.unregistered, detail: null };
    case 'registering':
      return { text: t.registration.registering(reg.attempt), detail: null };
    case 'registered':
      return { text: t.registration.registered, detail: null };
    case 'wrong-credentials':
      return { text: t.registration.wrongCredentials, detail: t.facts.cause({ kind: 'sip', code: reg.code, phrase: reg.reason || null }) };
    case 'unreachable':
      return { text: t.registration.unreachable, detail: [t.facts.cause(reg.cause), at(reg.retryAt)].filter(Boolean).join(', ') };
    case 'server-error': {
      const sip = t.facts.cause({ kind: 'sip', code: reg.code, phrase: reg.reason || null });
      return { text: t.registration.serverError, detail: [sip, at(reg.retryAt)].filter(Boolean).join(', ') };
    }
  }
}

export function RegistrationStatus() {
  const { state, run } = usePhone();
  const t = useT();
  const locale = useLocale();
  const reg = state.registration;
  const { text, detail } = describe(reg, t, locale);
  const account = state.account;
  return (
    <div class="registration" data-testid="registration-status" data-state={reg.kind} title={`${account.user}@${account.server} (${account.transport})`}>
      <span class={`reg-dot reg-${reg.kind}`} aria-hidden="true" />
      <span class="reg-text">
        <span class="reg-user">{account.displayName ?? account.user}</span>
        <span class="reg-state">{text}</span>
        {detail ? <span class="reg-detail">{detail}</span> : null}
      </span>
      {reg.kind !== 'registered' && reg.kind !== 'registering' ? (
        <button type="button" class="btn btn-small" data-testid="reregister-button" title={t.registration.reregister} onClick={() => void run('reregister', {})}>
          {t.registration.reregister}
        </button>
      ) : null}
    </div>
  );
}

export function PresenceSwitch() {
  const { state, run } = usePhone();
  const t = useT();
  const own = state.presence.own;
  return (
    <div class="presence" role="group" aria-label={t.presence.label} data-testid="presence-switch" data-presence={own}>
      {(['online', 'break'] as const).map((p) => (
        <button
          type="button"
          key={p}
          class={`seg seg-${p}${own === p ? ' seg-on' : ''}`}
          aria-pressed={own === p}
          data-testid={`presence-${p}`}
          title={`${t.presence.label}: ${t.presence[p]}`}
          onClick={() => {
            if (own !== p) void run('setPresence', { presence: p });
          }}
        >
          {t.presence[p]}
        </button>
      ))}
    </div>
  );
}
