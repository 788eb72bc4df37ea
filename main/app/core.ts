// Composition root shared by both entries (desktop and web host): wires the rooms together.
// Wiring only: behaviour lives in the rooms.
import type { RegistrationState, Settings } from '../../shared/domain.js';
import type { PhoneState } from '../../shared/state.js';
import { DEFAULT_GLOBAL_SHORTCUTS } from '../../shared/keymap.js';
import { createCommandHandlers, type AccountControl } from '../bridge/command-handlers.js';
import { PhoneBridge } from '../bridge/phone-bridge.js';
import { PhoneStatePublisher } from '../bridge/phone-state-publisher.js';
import { CallCentre, systemClock } from '../calls/call-centre.js';
import { startIdleScavenger } from './idle-scavenger.js';
import { DirectoryCallerIdentifier } from '../directory/caller-identifier.js';
import { SqliteDispatchData } from '../directory/dispatch-data.js';
import { SipDialPlan } from '../numbers/phone-numbers.js';
import type { AudioBackendConfig } from '../media/audio/port.js';
import { MediaEngine, type DeviceFallback } from '../media/engine.js';
import { routeAddressTo } from '../sip/local-address.js';
import { DialogKeeper, endLeftOpenDialogs } from '../sip/dialog-recovery.js';
import { SipTelephony } from '../sip/telephony.js';
import { parseServer } from '../sip/user-agent-setup.js';
import { SqliteCallHistory } from '../store/call-history.js';
import { closeDatabase, openDatabase, type Database } from '../store/database.js';
import { SqliteOpenDialogs } from '../store/open-dialogs.js';
import { SettingsStore } from '../store/settings-store.js';
import type { PhoneConfig } from './config.js';

/** How often presence changes at most reach the phone book (a mark a quarter second late is not news). */
const PRESENCE_BATCH_MS = 250;

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
      return { backend: 'pulse', streams: audio.pulseStreams };
    case 'portaudio':
      return { backend: 'portaudio' };
    case 'rtaudio':
      return { backend: 'rtaudio' };
    case 'none':
      return { backend: 'none' };
  }
}

export interface CoreOptions {
  /** Where a saved SIP account goes (main/app/core-supervisor.ts); absent: the account command is refused. */
  account?: AccountControl;
}

export async function startPhoneCore(config: PhoneConfig, logger: CoreLogger, options: CoreOptions = {}): Promise<PhoneCore> {
  const db = openDatabase(config.database.path);
  // Rows are written at the end of the turn, not inside the one sending a SIP response; a failed write becomes
  // a notice once the call centre exists (and is logged in any case).
  const late: { centre?: CallCentre; publisher?: PhoneStatePublisher } = {};
  const history = new SqliteCallHistory(db, {
    defaultRegion: config.numbers.defaultRegion,
    writeBehind: {
      onError: (detail, callId) => {
        logger.warn(`could not write the call history: ${detail} (call ${callId})`);
        late.centre?.report({ kind: 'history-write-failed', detail }, callId);
      },
    },
  });
  const interrupted = history.markInterrupted();
  if (interrupted > 0) logger.warn(`${interrupted} call(s) were still open when the app last stopped: marked interrupted`);
  // Dialogs of those calls are ended with a BYE once SIP is up; this run's dialogs are kept the same way.
  const openDialogs = new SqliteOpenDialogs(db, (message) => logger.warn(message));
  const leftOpen = openDialogs.leftOpen();
  const sipLog = { debug: logger.debug, info: logger.info, warn: logger.warn, error: (m: string) => logger.error(m) };
  const dialogKeeper = new DialogKeeper(openDialogs, config.sip.transport, sipLog);
  const data = new SqliteDispatchData(db, { defaultRegion: config.numbers.defaultRegion });
  const domain = config.sip.domain ?? parseServer(config.sip.server, config.sip.transport).host;

  const stored = new SettingsStore(db);
  // Device notices can come before the call centre exists (a device missing at start): kept until it does.
  const deviceNotices: DeviceFallback[] = [];
  const flushDeviceNotices = () => {
    if (!late.centre) return;
    for (const what of deviceNotices.splice(0)) late.centre.report(what, null);
  };

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
    onLog: (message) => logger.info(`media: ${message}`),
    onDevicesChanged: () => late.publisher?.changed(),
    onDeviceNotice: (what) => {
      logger.warn(`audio: ${what.role} device ${what.wanted} is not there; using ${what.using ?? 'the default'}${what.midCall ? ' (moved mid-call)' : ''}`);
      deviceNotices.push(what);
      flushDeviceNotices();
    },
  });

  // No address configured: the one the OS routes to the server by (re-chosen later by the telephony). Looked up
  // here already so that the first calls' RTP sockets are bound on it before any call.
  const server = parseServer(config.sip.server, config.sip.transport);
  const firstAddress = config.sip.localAddress ?? (await routeAddressTo(server.host, server.port)) ?? '127.0.0.1';
  const telephony = new SipTelephony({
    account: {
      server: config.sip.server,
      transport: config.sip.transport,
      user: config.sip.user,
      password: config.sip.password,
      ...(config.sip.displayName ? { displayName: config.sip.displayName } : {}),
      domain,
      ...(config.sip.tlsCaFile ? { tlsCaFile: config.sip.tlsCaFile } : {}),
      instanceId: stored.sipInstanceId(),
    },
    ...(config.sip.localAddress !== null ? { localAddress: config.sip.localAddress } : { initialAddress: firstAddress }),
    allowedSources: config.sip.allowedSources,
    media: { rtpPortMin: config.media.rtpPortMin, rtpPortMax: config.media.rtpPortMax },
    sessionDescriptionHandlerFactory: media.sessionDescriptionHandlerFactory({
      localAddress: firstAddress,
      rtpPortMin: config.media.rtpPortMin,
      rtpPortMax: config.media.rtpPortMax,
    }),
    logger: sipLog,
    dialogKeeper,
    farEnd: { rtpTimeoutMs: config.media.rtpTimeoutSeconds * 1000, sessionExpiresS: config.sip.sessionExpiresSeconds },
  });

  const centre = new CallCentre({
    telephony,
    dialPlan: new SipDialPlan({ domain, defaultRegion: config.numbers.defaultRegion }),
    identifier: new DirectoryCallerIdentifier(data),
    history: dialogKeeper.linking(history),
    ringer: media.ringer,
    clock: systemClock,
    account: { user: config.sip.user },
  });
  late.centre = centre;
  flushDeviceNotices();

  // The phone book's "online" is the server's truth: watch every employee with a SIP address.
  let directoryRevision = 0;
  const directoryChanged = () => {
    directoryRevision++;
    publisher.changed();
  };
  // Presence comes in floods (the first NOTIFY of every watched employee): one new revision per
  // PRESENCE_BATCH_MS at most, else each NOTIFY is a state push and a phone-book search in every tab.
  let presenceBatch: NodeJS.Timeout | null = null;
  telephony.onPresence((uri, online) => {
    data.setPresence(uri, online);
    presenceBatch ??= setTimeout(() => {
      presenceBatch = null;
      directoryChanged();
    }, PRESENCE_BATCH_MS);
    presenceBatch.unref?.();
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

  let settings: Settings = stored.settings({ locale: config.locale, ringVolume: 1, shortcuts: DEFAULT_GLOBAL_SHORTCUTS });
  media.ringer.setVolume(settings.ringVolume);
  media.ringer.setCallWaitingVolume(settings.callWaitingVolume ?? 1);
  const publisher = new PhoneStatePublisher({
    account: { user: config.sip.user, displayName: config.sip.displayName, server: config.sip.server, transport: config.sip.transport },
    calls: () => centre.snapshot(),
    onCallsChange: (listener) => centre.onChanged(listener),
    devices: () => media.devices(),
    settings: () => settings,
    directoryRevision: () => directoryRevision,
  });
  late.publisher = publisher;

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
        playTestTone: (deviceId) => media.playTestTone(deviceId),
        testMicrophone: (deviceId) => media.testMicrophone(deviceId),
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
          // heard at once
          if (patch.ringVolume !== undefined) media.ringer.setVolume(settings.ringVolume);
          if (patch.callWaitingVolume !== undefined) media.ringer.setCallWaitingVolume(patch.callWaitingVolume);
          publisher.changed();
          return settings;
        },
      },
      ...(options.account ? { account: options.account } : {}),
      state: () => publisher.current(),
    }),
    publisher,
    logger,
  );

  // Media counters are read when a snapshot is taken: refresh once a second while a call is up (and
  // keep each call's worst quality figure in the history). No timer at all while idle.
  let statsTimer: NodeJS.Timeout | null = null;
  const callUp = (state: PhoneState) => state.calls.some((c) => c.state !== 'ringing' && c.state !== 'ended');
  const statsTick = () => {
    const state = publisher.current();
    if (!callUp(state)) {
      if (statsTimer) clearInterval(statsTimer);
      statsTimer = null;
      return;
    }
    for (const c of state.calls) {
      const m = c.media;
      if (!m?.quality || m.mos === null) continue;
      try {
        history.noteQuality(c.callId, { mos: m.mos, quality: m.quality, lossPercent: Math.max(m.lossPercent ?? 0, m.remoteLossPercent ?? 0), jitterMs: m.jitterMs, rttMs: m.rttMs });
      } catch (e) {
        logger.warn(`history: the quality of call ${c.callId} was not kept: ${(e as Error).message}`);
      }
    }
    publisher.changed();
  };
  publisher.subscribe((state) => {
    if (statsTimer || !callUp(state)) return;
    statsTimer = setInterval(statsTick, 1000);
    statsTimer.unref();
  });

  // Young-generation GC while SIP is quiet, so that its pauses stay off the INVITE -> 180 -> 200 path: after a burst
  // that changed the state, and on the account's tick (awake anyway) for the rest, e.g. the idle binding fetch.
  const scavenger = startIdleScavenger();
  telephony.transport.onPacket(() => scavenger.activity());
  publisher.subscribe(() => scavenger.changed());
  telephony.onTick(() => scavenger.tick());

  if (config.autoAnswer) {
    // Test/benchmark mode: take every call the moment it rings.
    centre.onChanged(() => {
      for (const callId of centre.ringingCallIds()) void centre.answer(callId);
    });
  }

  await telephony.start();
  if (leftOpen.length > 0) {
    logger.warn(`${leftOpen.length} dialog(s) left open by the last run: ending them with BYE`);
    void endLeftOpenDialogs(telephony.ua.userAgentCore, leftOpen, openDialogs, sipLog);
  }

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
      if (statsTimer) clearInterval(statsTimer);
      scavenger.stop();
      await centre.shutdown(); // ends calls, closes history rows, un-REGISTERs
      await media.close();
      history.flush();
      openDialogs.flush();
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
      return `registration failed: server unreachable (${JSON.stringify(state.cause)})`;
    case 'server-error':
      return `registration failed: server error ${state.code} ${state.reason}`;
  }
}
