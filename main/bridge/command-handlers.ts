// Maps each command of the contract to the room that does the work. The rooms are seen through the
// narrow interfaces below, so the bridge depends on what it uses, not on how the rooms are built.
import type {
  AudioDevices,
  AudioRouting,
  HistoryEntry,
  HistoryPage,
  HistoryQuery,
  MicTestResult,
  NewOrder,
  Order,
  OrderFilter,
  PhoneBookEntry,
  Settings,
} from '../../shared/domain.js';
import { fail, ok, type Result } from '../../shared/errors.js';
import type { AccountInput } from '../../shared/commands.js';
import type { PhoneState } from '../../shared/state.js';
import type { CommandHandlers } from './phone-bridge.js';

type R<T> = Promise<Result<T>> | Result<T>;

/** The call centre's commands (main/calls). */
export interface CallControl {
  dial(target: string): R<{ callId: string }>;
  answer(callId: string): R<null | void>;
  decline(callId: string): R<null | void>;
  hangup(callId: string): R<null | void>;
  hold(callId: string): R<null | void>;
  resume(callId: string): R<null | void>;
  mute(callId: string, muted: boolean): R<null | void>;
  sendDtmf(callId: string, digits: string): R<null | void>;
  blindTransfer(callId: string, target: string): R<null | void>;
  startConsultation(callId: string, target: string): R<{ consultationCallId: string }>;
  connectSubscribers(callId: string): R<null | void>;
  backToCaller(callId: string): R<null | void>;
  setPresence(presence: 'online' | 'break'): R<null | void>;
  reregister(): R<null | void>;
  dismissNotice(noticeId: number): R<null | void>;
}

export interface DirectoryQueries {
  searchPhoneBook(query: string, limit: number): PhoneBookEntry[];
  listOrders(filter: OrderFilter): Order[];
  getOrder(orderId: string): Result<Order>;
  createOrder(order: NewOrder): Result<Order>;
}

export interface HistoryQueries {
  query(query: HistoryQuery): HistoryPage;
  missedNotCalledBack(limit: number): HistoryEntry[];
}

export interface DeviceControl {
  devices(): AudioDevices;
  refreshDevices(): Promise<AudioDevices> | AudioDevices;
  setRouting(routing: AudioRouting): Promise<void> | void;
  /** A short tone on an output device; throws if the device cannot be opened. */
  playTestTone(deviceId: string | null): Promise<void> | void;
  /** Listen to an input for ~3 s: the level, or a typed refusal; throws if the device cannot be opened. */
  testMicrophone(deviceId: string | null): R<MicTestResult>;
}

export interface SettingsControl {
  update(patch: Partial<Settings>): Settings;
}

/** Saves the SIP account and re-registers with it (the composition root restarts the core). */
export interface AccountControl {
  save(account: AccountInput): R<null | void>;
}

export interface HandlerDeps {
  calls: CallControl;
  directory: DirectoryQueries;
  history: HistoryQueries;
  devices: DeviceControl;
  settings: SettingsControl;
  /** Absent where the entry cannot change the account. */
  account?: AccountControl;
  state(): PhoneState;
}

/** Commands that return nothing answer null over the wire. */
async function done(result: R<null | void>): Promise<Result<null>> {
  const r = await result;
  return r.ok ? ok(null) : r;
}

/** Store/directory reads throw only on real faults (a broken disk); say so as a typed error. */
function guarded<T>(what: string, read: () => T): Result<T> {
  try {
    return ok(read());
  } catch (error) {
    return fail('storage-failure', { kind: 'storage', detail: `${what}: ${(error as Error).message}` });
  }
}

export function createCommandHandlers(deps: HandlerDeps): CommandHandlers {
  const { calls } = deps;
  return {
    getState: () => ok(deps.state()),
    dial: ({ target }) => calls.dial(target),
    answer: ({ callId }) => done(calls.answer(callId)),
    decline: ({ callId }) => done(calls.decline(callId)),
    hangup: ({ callId }) => done(calls.hangup(callId)),
    hold: ({ callId }) => done(calls.hold(callId)),
    resume: ({ callId }) => done(calls.resume(callId)),
    mute: ({ callId, muted }) => done(calls.mute(callId, muted)),
    sendDtmf: ({ callId, digits }) => done(calls.sendDtmf(callId, digits)),
    blindTransfer: ({ callId, target }) => done(calls.blindTransfer(callId, target)),
    startConsultation: ({ callId, target }) => calls.startConsultation(callId, target),
    connectSubscribers: ({ callId }) => done(calls.connectSubscribers(callId)),
    backToCaller: ({ callId }) => done(calls.backToCaller(callId)),
    setPresence: ({ presence }) => done(calls.setPresence(presence)),
    reregister: () => done(calls.reregister()),
    dismissNotice: ({ noticeId }) => done(calls.dismissNotice(noticeId)),
    searchPhoneBook: ({ query, limit }) => guarded('phone book search', () => deps.directory.searchPhoneBook(query, limit ?? 50)),
    listOrders: ({ filter }) => guarded('order list', () => deps.directory.listOrders(filter)),
    getOrder: ({ orderId }) => deps.directory.getOrder(orderId),
    createOrder: ({ order }) => deps.directory.createOrder(order),
    listHistory: ({ query }) => guarded('call history', () => deps.history.query(query)),
    listMissedNotCalledBack: ({ limit }) => guarded('missed calls', () => deps.history.missedNotCalledBack(limit ?? 50)),
    listAudioDevices: async () => ok(await deps.devices.refreshDevices()),
    playTestTone: async ({ deviceId }) => {
      try {
        await deps.devices.playTestTone(deviceId);
        return ok(null);
      } catch (error) {
        return fail('media-failure', { kind: 'audio', detail: `test tone: ${(error as Error).message}` });
      }
    },
    testMicrophone: async ({ deviceId }) => {
      try {
        return await deps.devices.testMicrophone(deviceId);
      } catch (error) {
        return fail('media-failure', { kind: 'audio', detail: `microphone test: ${(error as Error).message}` });
      }
    },
    setAudioRouting: async ({ routing }) => {
      try {
        await deps.devices.setRouting(routing);
        return ok(null);
      } catch (error) {
        return fail('media-failure', { kind: 'audio', detail: (error as Error).message });
      }
    },
    updateSettings: ({ settings }) => ok(deps.settings.update(settings)),
    saveAccount: ({ account }) =>
      deps.account ? done(deps.account.save(account)) : fail('invalid-state', { kind: 'account-not-editable' }),
  };
}
