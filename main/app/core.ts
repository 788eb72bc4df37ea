// Composition root shared by both entries (desktop and web host): wires the rooms together.
// Wiring only: behaviour lives in the rooms.
import type { RegistrationState, Settings } from '../../shared/domain.js';
import { createCommandHandlers } from '../bridge/command-handlers.js';
import { PhoneBridge } from '../bridge/phone-bridge.js';
import { PhoneStatePublisher } from '../bridge/phone-state-publisher.js';
import { CallCentre, systemClock } from '../calls/call-centre.js';
import { startIdleScavenger } from './idle-scavenger.js';
import { DirectoryCallerIdentifier } from '../directory/caller-identifier.js';
import { SqliteDispatchData } from '../directory/dispatch-data.js';
import { SipDialPlan } from '../directory/numbers.js';
import type { AudioBackendConfig } from '../media/audio/port.js';
import { MediaEngine } from '../media/engine.js';
import { parseServer, SipTelephony } from '../sip/telephony.js';
import { SqliteCallHistory } from '../store/call-history.js';
import { closeDatabase, openDatabase, type Database } from '../store/database.js';
import { SettingsStore } from '../store/settings-store.js';
import type { PhoneConfig } from './config.js';

export interface CoreLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface PhoneCore {
  bridge: PhoneBridge;
  db: Database;
  /** Resolves with the first settled registration outcome (registered or a failure), or the state after timeoutMs. */
  registrationSettled(timeoutMs: number): Promise<RegistrationState>;
  stop(): Promise<void>;
}

const DEFAULT_SHORTCUTS: Settings['shortcuts'] = { answer: 'F2', hold: 'F3', transfer: 'F4', hangup: 'F5' };

function audioBackend(config: PhoneConfig): AudioBackendConfig {
  const audio = config.audio;
  switch (audio.backend) {
    case 'file':
      return {
        backend: 'file',
        ...(audio.fileInput ? { inputs: { default: audio.fileInput } } : {}),
        ...(audio.fileOutputDir ? { outputDir: audio.fileOutputDir } : {}),
      };
    case 'pulse':
      return { backend: 'pulse' };
    case 'portaudio':
      return { backend: 'portaudio' };
    case 'none':
      return { backend: 'none' };
  }
}

export async function startPhoneCore(config: PhoneConfig, logger: CoreLogger): Promise<PhoneCore> {
  const db = openDatabase(config.database.path);
  // Rows are written at the end of the turn, not inside the one sending a SIP response; a failed write becomes
  // a notice once the call centre exists (and is logged in any case).
  const late: { centre?: CallCentre } = {};
  const history = new SqliteCallHistory(db, {
    defaultRegion: config.numbers.defaultRegion,
    writeBehind: {
      onError: (message, callId) => {
        logger.warn(`${message} (call ${callId})`);
        late.centre?.warn(message, callId);
      },
    },
  });
  const interrupted = history.markInterrupted();
  if (interrupted > 0) logger.warn(`${interrupted} call(s) were still open when the app last stopped: marked interrupted`);
  const data = new SqliteDispatchData(db, { defaultRegion: config.numbers.defaultRegion });
  const domain = config.sip.domain ?? parseServer(config.sip.server, config.sip.transport).host;

  const stored = new SettingsStore(db);
  const media = await MediaEngine.create({
    audio: audioBackend(config),
    // The config's devices, unless the dispatcher has chosen others in the settings since.
    routing: {
      ringDeviceId: config.audio.ringDevice,
      talkOutputDeviceId: config.audio.talkOutputDevice,
      microphoneDeviceId: config.audio.microphone,
      ...stored.routing(),
    },
    onError: (message) => logger.warn(`audio: ${message}`),
  });

  const telephony = new SipTelephony({
    account: {
      server: config.sip.server,
      transport: config.sip.transport,
      user: config.sip.user,
      password: config.sip.password,
      ...(config.sip.displayName ? { displayName: config.sip.displayName } : {}),
      domain,
      ...(config.sip.tlsCaFile ? { tlsCaFile: config.sip.tlsCaFile } : {}),
    },
    localAddress: config.sip.localAddress,
    media: { rtpPortMin: config.media.rtpPortMin, rtpPortMax: config.media.rtpPortMax },
    sessionDescriptionHandlerFactory: media.sessionDescriptionHandlerFactory({
      localAddress: config.sip.localAddress,
      rtpPortMin: config.media.rtpPortMin,
      rtpPortMax: config.media.rtpPortMax,
    }),
    logger: { debug: logger.debug, info: logger.info, warn: logger.warn, error: (m) => logger.error(m) },
  });

  const centre = new CallCentre({
    telephony,
    dialPlan: new SipDialPlan({ domain, defaultRegion: config.numbers.defaultRegion }),
    identifier: new DirectoryCallerIdentifier(data),
    history,
    ringer: media.ringer,
    clock: systemClock,
    account: { user: config.sip.user },
  });
  late.centre = centre;

  // The phone book's "online" is the server's truth: watch every employee with a SIP address.
  let directoryRevision = 0;
  const directoryChanged = () => {
    directoryRevision++;
    publisher.changed();
  };
  telephony.onPresence((uri, online) => {
    data.setPresence(uri, online);
    directoryChanged();
  });
  telephony.onPresenceSupport((supported) => {
    if (!supported) {
      logger.warn('the SIP server does not do presence: the phone book shows no online marks');
      data.clearPresence();
      directoryChanged();
    }
  });
  // The dispatcher is no colleague of her own: her address is neither watched nor ever marked.
  data.setOwnAddress(`sip:${config.sip.user}@${domain}`);
  telephony.watchPresence(data.listEmployees().flatMap((e) => (e.sipUri && !data.isOwnAddress(e.sipUri) ? [e.sipUri] : [])));

  let settings: Settings = stored.settings({ locale: config.locale, ringVolume: 1, shortcuts: DEFAULT_SHORTCUTS });
  const publisher = new PhoneStatePublisher({
    account: { user: config.sip.user, displayName: config.sip.displayName, server: config.sip.server, transport: config.sip.transport },
    calls: () => centre.snapshot(),
    onCallsChange: (listener) => centre.onChanged(listener),
    devices: () => media.devices(),
    settings: () => settings,
    directoryRevision: () => directoryRevision,
  });

  const bridge = new PhoneBridge(
    createCommandHandlers({
      calls: centre,
      directory: data,
      history,
      devices: {
        devices: () => media.devices(),
        refreshDevices: async () => {
          const devices = await media.refreshDevices();
          publisher.changed();
          return devices;
        },
        setRouting: (routing) => {
          media.setRouting(routing);
          stored.saveRouting(routing);
          publisher.changed();
        },
      },
      settings: {
        update: (patch) => {
          settings = { ...settings, ...patch, shortcuts: { ...settings.shortcuts, ...patch.shortcuts } };
          stored.saveSettings(settings);
          publisher.changed();
          return settings;
        },
      },
      state: () => publisher.current(),
    }),
    publisher,
    logger,
  );

  // Media counters are read when a snapshot is taken: refresh once a second while a call is up.
  const statsTimer = setInterval(() => {
    if (publisher.current().calls.some((c) => c.state !== 'ringing' && c.state !== 'ended')) publisher.changed();
  }, 1000);
  statsTimer.unref();

  // Young-generation GC while SIP is quiet, so that its pauses stay off the INVITE -> 180 -> 200 path.
  const scavenger = startIdleScavenger();
  telephony.transport.onPacket(() => scavenger.activity());

  if (config.autoAnswer) {
    // Test/benchmark mode: take every call the moment it rings.
    centre.onChanged(() => {
      for (const callId of centre.ringingCallIds()) void centre.answer(callId);
    });
  }

  await telephony.start();

  return {
    bridge,
    db,
    registrationSettled: (timeoutMs) =>
      new Promise((resolve) => {
        const settled = (s: RegistrationState) => s.kind !== 'registering' && s.kind !== 'unregistered';
        const now = centre.snapshot().registration;
        if (settled(now)) return resolve(now);
        const timer = setTimeout(() => resolve(centre.snapshot().registration), timeoutMs);
        const off = centre.onChange((snapshot) => {
          if (settled(snapshot.registration)) {
            clearTimeout(timer);
            off();
            resolve(snapshot.registration);
          }
        });
      }),
    async stop() {
      clearInterval(statsTimer);
      scavenger.stop();
      await centre.shutdown(); // ends calls, closes history rows, un-REGISTERs
      await media.close();
      history.flush();
      closeDatabase(db);
    },
  };
}

export function describeRegistration(state: RegistrationState): string {
  switch (state.kind) {
    case 'registered':
      return 'registered';
    case 'registering':
      return `registering (attempt ${state.attempt})`;
    case 'unregistered':
      return 'not registered';
    case 'wrong-credentials':
      return `registration refused: wrong credentials (${state.code} ${state.reason})`;
    case 'unreachable':
      return `registration failed: server unreachable (${state.reason})`;
    case 'server-error':
      return `registration failed: server error ${state.code} ${state.reason}`;
  }
}
