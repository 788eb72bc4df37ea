// media/: RTP/AVP audio for sip.js in Node. What the rest of main/ uses.
export type { MediaControls, MediaDirection, MediaOptions } from './contract.js';
export { MediaEngine, type MediaEngineOptions } from './engine.js';
export {
  MediaSessionDescriptionHandler,
  createMediaSessionDescriptionHandlerFactory,
  MediaClosedError,
  type MediaDescriptionOptions,
  type DtmfOptions,
} from './session-description-handler.js';
export { AudioRinger, type RingerMode } from './ringer.js';
export { MediaWorkerHost } from './worker-host.js';
export * from './audio/index.js';
export { SdpError } from './sdp.js';
