// SIP lab peers and helpers for integration (vitest) and end-to-end (Playwright) tests.
// The lab itself (Kamailio, PulseAudio, fixtures) is run by test/lab/lab.mjs; see test/lab/README.md.
export { labPaths, ensureLab, labCli, SIP_HOST, SIP_PORT, SIP_TLS_PORT, LAB_PASSWORD } from './lib/paths.js';
export type { LabPaths, CliResult } from './lib/paths.js';
export { startBaresip, labUri } from './lib/baresip.js';
export type { BaresipPeer, BaresipOptions, Recording, WaitOptions } from './lib/baresip.js';
export { parseListCalls } from './lib/baresip-ctrl.js';
export type { BaresipEvent, BaresipEventType, CallInfo, CommandResult } from './lib/baresip-ctrl.js';
export { startLinphone, parseLinphoneResponse } from './lib/linphone.js';
export type { LinphonePeer, LinphoneOptions, LinphoneResponse, LinphoneCallStatus } from './lib/linphone.js';
export { runSipp, startSipp, uacInviteArgs, uasAnswerArgs } from './lib/sipp.js';
export type { SippProcess, SippResult, SippOptions, UacCallOptions } from './lib/sipp.js';
export {
  kamcmd,
  registrations,
  dropRegistration,
  presentities,
  addRegistration,
  removeContact,
  pruneStaleContacts,
  parseUlDump,
  startKamailio,
  stopKamailio,
  killKamailio,
  restartKamailio,
  bounceKamailio,
} from './lib/kamailio.js';
export type { Registration, RegContact } from './lib/kamailio.js';
export { audioStats, parseSoxStat } from './lib/audio.js';
export type { AudioStats } from './lib/audio.js';
export { sleep, waitUntil, allocPortBlock } from './lib/procs.js';
