// One schema per command of the contract. The renderer is untrusted: nothing reaches the core unvalidated.
// The mapped type makes the compiler check that each schema's output is exactly what the contract promises.
import * as v from 'valibot';
import type { CommandArgs, CommandName } from '../../shared/commands.js';
import { normaliseDtmf } from '../../shared/dtmf.js';
import { CHOSEN_PRESENCES, HEADSET_FLASH_ACTIONS, HISTORY_OUTCOMES, LOCALES, ORDER_STATUSES } from '../../shared/domain.js';

const callId = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const dialTarget = v.pipe(v.string(), v.minLength(1, 'is empty'), v.maxLength(256, 'is too long'));
const noArgs = v.strictObject({});
const deviceId = v.nullable(v.pipe(v.string(), v.maxLength(512)));
const orderStatus = v.picklist(ORDER_STATUSES);
/** Tones as the dispatcher keyed them; the core gets them in canonical form (shared/dtmf.ts). */
const dtmfDigits = v.pipe(
  v.string(),
  v.maxLength(32, 'must be 1-32 of 0-9 * # A-D'),
  v.check((digits) => normaliseDtmf(digits) !== null, 'must be 1-32 of 0-9 * # A-D'),
  v.transform((digits) => normaliseDtmf(digits)!),
);
const shortText = (max: number) => v.pipe(v.string(), v.maxLength(max));

export const commandSchemas: { [K in CommandName]: v.GenericSchema<unknown, CommandArgs<K>> } = {
  getState: noArgs,
  dial: v.strictObject({ target: dialTarget }),
  answer: v.strictObject({ callId }),
  decline: v.strictObject({ callId }),
  hangup: v.strictObject({ callId }),
  hold: v.strictObject({ callId }),
  resume: v.strictObject({ callId }),
  mute: v.strictObject({ callId, muted: v.boolean() }),
  sendDtmf: v.strictObject({ callId, digits: dtmfDigits }),
  blindTransfer: v.strictObject({ callId, target: dialTarget }),
  startConsultation: v.strictObject({ callId, target: dialTarget }),
  connectSubscribers: v.strictObject({ callId }),
  backToCaller: v.strictObject({ callId }),
  setPresence: v.strictObject({ presence: v.picklist(CHOSEN_PRESENCES) }),
  reregister: noArgs,
  searchPhoneBook: v.strictObject({
    query: shortText(200),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500))),
  }),
  listOrders: v.strictObject({
    filter: v.strictObject({
      statuses: v.optional(v.array(orderStatus)),
      unfinishedOnly: v.optional(v.boolean()),
      driverId: v.optional(shortText(100)),
      clientId: v.optional(shortText(100)),
      limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
    }),
  }),
  getOrder: v.strictObject({ orderId: v.pipe(v.string(), v.minLength(1), v.maxLength(100)) }),
  createOrder: v.strictObject({
    order: v.strictObject({
      clientPhone: v.pipe(v.string(), v.minLength(1, 'is required'), v.maxLength(64)),
      clientName: v.optional(shortText(200)),
      pickupAddress: v.pipe(v.string(), v.maxLength(500)),
      destinationAddress: v.optional(shortText(500)),
      note: v.optional(shortText(2000)),
    }),
  }),
  listHistory: v.strictObject({
    query: v.strictObject({
      day: v.optional(v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'))),
      number: v.optional(shortText(64)),
      outcome: v.optional(
        v.picklist(HISTORY_OUTCOMES),
      ),
      page: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
      pageSize: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500))),
    }),
  }),
  listMissedNotCalledBack: v.strictObject({ limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500))) }),
  listAudioDevices: noArgs,
  setAudioRouting: v.strictObject({
    routing: v.strictObject({ ringDeviceId: deviceId, talkOutputDeviceId: deviceId, microphoneDeviceId: deviceId }),
  }),
  playTestTone: v.strictObject({ deviceId }),
  testMicrophone: v.strictObject({ deviceId }),
  updateSettings: v.strictObject({
    settings: v.strictObject({
      locale: v.optional(v.picklist(LOCALES)),
      ringVolume: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
      callWaitingVolume: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
      shortcuts: v.optional(
        v.strictObject({ answer: shortText(64), hold: shortText(64), transfer: shortText(64), hangup: shortText(64) }),
      ),
      mediaKeys: v.optional(v.boolean()),
      dialLinksAtOnce: v.optional(v.boolean()),
      headsetFlash: v.optional(v.picklist(HEADSET_FLASH_ACTIONS)),
    }),
  }),
  dismissNotice: v.strictObject({ noticeId: v.pipe(v.number(), v.integer()) }),
  saveAccount: v.strictObject({
    account: v.strictObject({
      server: v.pipe(v.string(), v.minLength(1, 'is required'), v.maxLength(255), v.regex(/^[A-Za-z0-9.\-[\]:]+$/, 'must be host or host:port')),
      transport: v.picklist(['udp', 'tcp', 'tls']),
      user: v.pipe(v.string(), v.minLength(1, 'is required'), v.maxLength(128), v.regex(/^[^\s@:;]+$/, 'must be a user name without spaces')),
      password: v.optional(v.pipe(v.string(), v.maxLength(256))),
      displayName: v.nullable(v.pipe(v.string(), v.maxLength(128))),
    }),
  }),
};

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commandSchemas, name);
}
