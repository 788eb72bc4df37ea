// A PhoneApi for renderer tests: holds a PhoneState the test controls and records every command.
import type { CommandArgs, CommandName, CommandResult, PhoneApi } from '../../../shared/commands.js';
import type { Call, Order, PhoneBookEntry } from '../../../shared/domain.js';
import type { Result } from '../../../shared/errors.js';
import type { PhoneState } from '../../../shared/state.js';
import { emptyPhoneState } from '../../support/phone-state.js';

export type Handler<K extends CommandName> = (args: CommandArgs<K>) => Result<CommandResult<K>> | Promise<Result<CommandResult<K>>>;

export interface SentCommand {
  name: CommandName;
  args: unknown;
}

export class FakePhoneApi implements PhoneApi {
  readonly sent: SentCommand[] = [];
  private readonly listeners = new Set<(s: PhoneState) => void>();
  private readonly handlers = new Map<CommandName, Handler<CommandName>>();

  constructor(public state: PhoneState) {}

  handle<K extends CommandName>(name: K, handler: Handler<K>): this {
    this.handlers.set(name, handler as unknown as Handler<CommandName>);
    return this;
  }

  invoke<K extends CommandName>(name: K, args: CommandArgs<K>): Promise<Result<CommandResult<K>>> {
    this.sent.push({ name, args });
    const handler = this.handlers.get(name) as Handler<K> | undefined;
    if (handler) return Promise.resolve(handler(args));
    const defaults: Partial<Record<CommandName, unknown>> = { searchPhoneBook: [], listOrders: [], listMissedNotCalledBack: [] };
    return Promise.resolve({ ok: true, value: (defaults[name] ?? null) as CommandResult<K> });
  }

  onState(listener: (state: PhoneState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /** Publishes a new state (version bumped), as the core would. */
  publish(patch: Partial<PhoneState>): void {
    this.state = { ...this.state, ...patch, version: this.state.version + 1 };
    for (const l of [...this.listeners]) l(this.state);
  }

  commands(name: CommandName): unknown[] {
    return this.sent.filter((c) => c.name === name).map((c) => c.args);
  }
}

export function baseState(patch: Partial<PhoneState> = {}): PhoneState {
  return emptyPhoneState({
    account: { user: '1001', displayName: 'Диспетчер 1', server: '127.0.0.1', transport: 'udp' },
    devices: {
      outputs: [
        { id: 'spk', name: 'Speaker', kind: 'output', isDefault: true },
        { id: 'headset', name: 'Headset', kind: 'output', isDefault: false },
      ],
      inputs: [{ id: 'mic', name: 'Headset mic', kind: 'input', isDefault: true }],
      routing: { ringDeviceId: 'spk', talkOutputDeviceId: 'headset', microphoneDeviceId: 'mic' },
      error: null,
    },
    settings: { locale: 'en', ringVolume: 0.8, shortcuts: { answer: 'F2', hold: 'F3', transfer: 'F5', hangup: 'F4' } },
    ...patch,
  });
}

export function order(patch: Partial<Order> = {}): Order {
  return {
    orderId: 'o-1',
    number: '4711',
    clientId: 'c-1',
    clientName: 'Anna Petrova',
    clientPhone: '+79120000001',
    driverId: 'e-driver',
    driverName: 'Sidorov Ivan',
    driverCallsign: '77',
    pickupAddress: 'Lenina 1',
    destinationAddress: 'Airport',
    status: 'driving-to-client',
    note: null,
    createdAt: Date.now() - 600_000,
    ...patch,
  };
}

export function call(patch: Partial<Call> & Pick<Call, 'callId'>): Call {
  return {
    direction: 'incoming',
    number: '+79120000000',
    displayName: null,
    remoteUri: 'sip:+79120000000@127.0.0.1',
    identity: { kind: 'new-client' },
    state: 'ringing',
    heldLocally: false,
    heldRemotely: false,
    muted: false,
    startedAt: Date.now() - 5_000,
    answeredAt: null,
    endedAt: null,
    endReason: null,
    endCause: null,
    transfer: null,
    consultationFor: null,
    media: null,
    ...patch,
  };
}

export function employee(patch: Partial<PhoneBookEntry> & Pick<PhoneBookEntry, 'employeeId' | 'surname'>): PhoneBookEntry {
  return {
    firstName: 'Ivan',
    callsign: null,
    role: 'dispatcher',
    numbers: ['1002'],
    sipUri: 'sip:1002@127.0.0.1',
    online: true,
    ...patch,
  };
}

/** A promise with its resolver outside (answers the test releases in its own order). */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
