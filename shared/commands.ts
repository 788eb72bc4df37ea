// Commands the renderer sends to the core, with their arguments and results.
// The bridge validates every one against a schema before it runs.
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
  OwnPresence,
  PhoneBookEntry,
  Settings,
} from './domain.js';
import type { Result } from './errors.js';
import type { PhoneState } from './state.js';

export interface Commands {
  getState: { args: Record<string, never>; result: PhoneState };
  /** Call an employee or any number: '+7 (912) 345-67-89', '8 912 345 67 89', '1002', 'sip:1002@host'. */
  dial: { args: { target: string }; result: { callId: string } };
  /** Answer a ringing call; the current call, if any, is put on hold first. */
  answer: { args: { callId: string }; result: null };
  /** Refuse a ringing call (it goes on ringing at other dispatchers). */
  decline: { args: { callId: string }; result: null };
  hangup: { args: { callId: string }; result: null };
  hold: { args: { callId: string }; result: null };
  resume: { args: { callId: string }; result: null };
  mute: { args: { callId: string; muted: boolean }; result: null };
  sendDtmf: { args: { callId: string; digits: string }; result: null };
  /** Unconditional transfer [безусловная переадресация]: REFER the caller to the target. */
  blindTransfer: { args: { callId: string; target: string }; result: null };
  /** Attended transfer, step 1: hold the caller and call the target; returns the consultation call. */
  startConsultation: { args: { callId: string; target: string }; result: { consultationCallId: string } };
  /** Attended transfer, step 2: "Connect subscribers" [Соединить абонентов]. */
  connectSubscribers: { args: { callId: string }; result: null };
  /** Attended transfer abandoned: end the consultation and go back to the held caller. */
  backToCaller: { args: { callId: string }; result: null };
  setPresence: { args: { presence: Exclude<OwnPresence, 'offline'> }; result: null };
  /** The network changed or the machine woke up: re-register now. */
  reregister: { args: Record<string, never>; result: null };
  searchPhoneBook: { args: { query: string; limit?: number }; result: PhoneBookEntry[] };
  listOrders: { args: { filter: OrderFilter }; result: Order[] };
  getOrder: { args: { orderId: string }; result: Order };
  createOrder: { args: { order: NewOrder }; result: Order };
  listHistory: { args: { query: HistoryQuery }; result: HistoryPage };
  /** Missed calls that nobody has called back since. */
  listMissedNotCalledBack: { args: { limit?: number }; result: HistoryEntry[] };
  listAudioDevices: { args: Record<string, never>; result: AudioDevices };
  setAudioRouting: { args: { routing: AudioRouting }; result: null };
  /** A short tone on one output device (null: the system default), at the ring volume. */
  playTestTone: { args: { deviceId: string | null }; result: null };
  /**
   * Listen to one input device (null: the system default) for ~3 s and say what level it heard.
   * Refused while a call has audio (the call uses the microphone); a call starting meanwhile stops it.
   */
  testMicrophone: { args: { deviceId: string | null }; result: MicTestResult };
  updateSettings: { args: { settings: Partial<Settings> }; result: Settings };
  dismissNotice: { args: { noticeId: number }; result: null };
  /** Save the SIP account and register with it at once (the core restarts with it; refused while a call is up). */
  saveAccount: { args: { account: AccountInput }; result: null };
}

/** The SIP account as the dispatcher edits it in the settings. */
export interface AccountInput {
  /** host[:port] of the registrar/proxy. */
  server: string;
  transport: 'udp' | 'tcp' | 'tls';
  user: string;
  /** Absent: keep the stored password (the settings never show it back). */
  password?: string;
  displayName: string | null;
}

export type CommandName = keyof Commands;
export type CommandArgs<K extends CommandName> = Commands[K]['args'];
export type CommandResult<K extends CommandName> = Commands[K]['result'];

/** What the renderer holds: the same shape over Electron IPC (window.phone) and the web host's WebSocket. */
export interface PhoneApi {
  invoke<K extends CommandName>(name: K, args: CommandArgs<K>): Promise<Result<CommandResult<K>>>;
  /** Called with every new PhoneState (and once at once with the current one, when known). Returns an unsubscribe. */
  onState(listener: (state: PhoneState) => void): () => void;
}

/** Messages on a carrier (IPC channel payloads, WebSocket frames). */
export type ClientMessage = { kind: 'command'; requestId: number; name: CommandName; args: unknown };
export type ServerMessage =
  | { kind: 'result'; requestId: number; result: Result<unknown> }
  | { kind: 'state'; state: PhoneState };

/** Electron IPC channel names. */
export const IPC_COMMAND_CHANNEL = 'phone:command';
export const IPC_STATE_CHANNEL = 'phone:state';
