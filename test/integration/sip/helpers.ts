// Shared bits of the sip/ integration tests: a SipTelephony on the lab, event recorders.
import type { RegistrationState } from '../../../shared/domain.js';
import type { CallLeg, IncomingInfo, LegEvent } from '../../../main/calls/ports.js';
import { SipTelephony } from '../../../main/sip/telephony.js';
import type { SipTelephonyOptions } from '../../../main/sip/telephony.js';
import type { SipTransportKind } from '../../../main/sip/user-agent-setup.js';
import type { SipLog } from '../../../main/sip/log.js';
import { fakeSdhFactory } from './fake-sdh.js';
import type { FakeSdh } from './fake-sdh.js';

export const quietLog: SipLog = {
  debug() {},
  info() {},
  warn: (m) => (process.env['SIP_TEST_LOG'] ? console.warn(m) : undefined),
  error: (m) => console.error(m),
};

export interface TestPhone {
  tel: SipTelephony;
  sdhs: FakeSdh[];
  states: RegistrationState[];
  incoming: Array<{ leg: CallLeg; info: IncomingInfo }>;
}

export function makePhone(
  user: string,
  opts: { password?: string; transport?: SipTransportKind; extra?: Partial<SipTelephonyOptions> } = {},
): TestPhone {
  const factory = fakeSdhFactory();
  const tel = new SipTelephony({
    account: { server: '127.0.0.1:5060', transport: opts.transport ?? 'udp', user, password: opts.password ?? 'secret', displayName: `Test ${user}` },
    localAddress: '127.0.0.1',
    sessionDescriptionHandlerFactory: factory,
    logger: quietLog,
    ...opts.extra,
  });
  const phone: TestPhone = { tel, sdhs: factory.created, states: [], incoming: [] };
  tel.onRegistration((s) => phone.states.push(s));
  tel.onIncoming((leg, info) => phone.incoming.push({ leg, info }));
  return phone;
}

export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function recordEvents(leg: CallLeg): LegEvent[] {
  const events: LegEvent[] = [];
  leg.onEvent((e) => events.push(e));
  return events;
}

export const hasEvent = (events: LegEvent[], type: LegEvent['type']): LegEvent | undefined => events.find((e) => e.type === type);
