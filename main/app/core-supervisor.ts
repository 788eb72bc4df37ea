// Keeps one phone core running behind the shell bridge, and replaces it when the dispatcher saves another SIP
// account (the new core registers with it at once). Without an account (the desktop's first run) there is no
// core: a setup bridge answers with a state that says so, and the renderer opens the account settings.
import type { AccountInput, CommandName } from '../../shared/commands.js';
import type { Settings } from '../../shared/domain.js';
import { fail, ok } from '../../shared/errors.js';
import type { PasswordMissing } from '../../shared/facts.js';
import { DEFAULT_GLOBAL_SHORTCUTS } from '../../shared/keymap.js';
import type { AccountSummary, PhoneState } from '../../shared/state.js';
import { commandSchemas } from '../bridge/command-schemas.js';
import { PhoneBridge, type CommandHandlers } from '../bridge/phone-bridge.js';
import { ShellBridge } from '../bridge/shell-bridge.js';
import { passwordMissingWhy, saveAccountConfig, type SecretStore } from './account-file.js';
import type { PhoneConfig } from './config.js';
import type { CoreLogger, CoreOptions, PhoneCore } from './core.js';

export interface SupervisorOptions {
  configPath: string;
  /** null: no account yet (first run). */
  config: PhoneConfig | null;
  /** Desktop: seals the password; null in the web host (the password stays in the config file). */
  secrets: SecretStore | null;
  /**
   * Desktop: the config's account has no password to register with (loadAccountConfig). The core starts anyway (a
   * server may ask for none); the state says it, and the renderer opens the account settings asking for it.
   */
  passwordMissing?: PasswordMissing | null;
  startCore(config: PhoneConfig, logger: CoreLogger, options: CoreOptions): Promise<PhoneCore>;
  logger: CoreLogger;
}

export class CoreSupervisor {
  readonly bridge: ShellBridge;
  private core: PhoneCore | null = null;
  private config: PhoneConfig | null;
  private restarting: Promise<void> | null = null;
  private stopped = false;

  private constructor(private readonly options: SupervisorOptions) {
    this.config = options.config;
    this.bridge = new ShellBridge(setupBridge((account) => this.saveAccount(account)));
    this.bridge.setPasswordMissing(options.passwordMissing ?? null);
  }

  static async start(options: SupervisorOptions): Promise<CoreSupervisor> {
    const supervisor = new CoreSupervisor(options);
    if (options.config) await supervisor.startCore(options.config);
    return supervisor;
  }

  current(): PhoneCore | null {
    return this.core;
  }

  /** Writes the account and restarts the core with it; refused while a call is up (a restart would end it). */
  async saveAccount(account: AccountInput): Promise<ReturnType<typeof ok<null>> | ReturnType<typeof fail>> {
    if (this.stopped) return fail('invalid-state', { kind: 'shutting-down' });
    const live = (this.core?.bridge.currentState() ?? this.bridge.currentState()).calls.filter((c) => c.state !== 'ended');
    if (live.length > 0) return fail('invalid-state', { kind: 'account-change-during-call' });
    if (this.restarting) await this.restarting;
    let config: PhoneConfig;
    try {
      config = saveAccountConfig(this.options.configPath, account, this.options.secrets, this.config);
    } catch (error) {
      return fail('storage-failure', { kind: 'storage', detail: (error as Error).message });
    }
    this.config = config;
    const secrets = this.options.secrets;
    this.bridge.setPasswordMissing(secrets && config.sip.password === '' ? passwordMissingWhy(secrets) : null);
    // After the answer has gone back over the old core's bridge.
    this.restarting = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.restart(config))
      .finally(() => (this.restarting = null));
    return ok(null);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restarting) await this.restarting;
    const core = this.core;
    this.core = null;
    await core?.stop();
  }

  private async restart(config: PhoneConfig): Promise<void> {
    const old = this.core;
    this.core = null;
    if (old) {
      // The new account shows while the core restarts (not a first run's empty one).
      this.bridge.swap(setupBridge((account) => this.saveAccount(account), this.bridge.currentState().settings, accountSummary(config)));
      await old.stop().catch((error) => this.options.logger.error('the old phone core did not stop cleanly', error));
    }
    if (!this.stopped) await this.startCore(config);
  }

  private async startCore(config: PhoneConfig): Promise<void> {
    try {
      this.core = await this.options.startCore(config, this.options.logger, { account: { save: (a) => this.saveAccount(a) } });
      this.bridge.swap(this.core.bridge);
    } catch (error) {
      this.options.logger.error('the phone core could not start with this account', error);
    }
  }
}

const NO_ACCOUNT: AccountSummary = { user: '', displayName: null, server: '', transport: 'udp' };

function accountSummary(config: PhoneConfig): AccountSummary {
  return { user: config.sip.user, displayName: config.sip.displayName ?? null, server: config.sip.server, transport: config.sip.transport };
}

/** The state with no core: before an account exists (nobody), or while the core restarts; not registered. */
export function setupState(settings: Settings, account: AccountSummary = NO_ACCOUNT): PhoneState {
  return {
    version: 1,
    account,
    registration: { kind: 'unregistered' },
    presence: { own: 'offline', serverSupportsPresence: null },
    calls: [],
    incomingQueue: [],
    activeCallId: null,
    directoryRevision: 0,
    devices: { outputs: [], inputs: [], routing: { ringDeviceId: null, talkOutputDeviceId: null, microphoneDeviceId: null }, error: null },
    settings,
    notices: [],
  };
}

const DEFAULT_SETTINGS: Settings = { locale: 'ru', ringVolume: 1, shortcuts: DEFAULT_GLOBAL_SHORTCUTS };

/** A bridge with no core: it saves an account, changes the language, and refuses the rest as not registered. */
export function setupBridge(
  save: (account: AccountInput) => ReturnType<CoreSupervisor['saveAccount']>,
  settings = DEFAULT_SETTINGS,
  account: AccountSummary = NO_ACCOUNT,
): PhoneBridge {
  let state = setupState(settings, account);
  const listeners = new Set<(s: PhoneState) => void>();
  const refuse = () => fail('not-registered', { kind: 'not-registered' });
  const handlers = Object.fromEntries(Object.keys(commandSchemas).map((name) => [name, refuse])) as unknown as CommandHandlers;
  const own: Partial<CommandHandlers> = {
    getState: () => ok(state),
    saveAccount: ({ account }) => save(account),
    listAudioDevices: () => ok(state.devices),
    updateSettings: ({ settings: patch }) => {
      state = { ...state, version: state.version + 1, settings: { ...state.settings, ...patch, shortcuts: { ...state.settings.shortcuts, ...patch.shortcuts } } };
      for (const l of listeners) l(state);
      return ok(state.settings);
    },
  };
  Object.assign(handlers, own satisfies Partial<Record<CommandName, unknown>>);
  return new PhoneBridge(handlers, {
    current: () => state,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  });
}
