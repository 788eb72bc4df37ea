// The web host entry: the same core in plain Node, the renderer served to a browser over loopback.
// Prints exactly one line `ready http://127.0.0.1:PORT/?token=TOKEN` when serving and registered
// (or registration has failed: the reason follows on the next line).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWsCarrier } from '../bridge/ws-carrier.js';
import { ConfigError, configPathFromArgs, loadConfig } from './config.js';
import { CoreSupervisor } from './core-supervisor.js';
import { describeRegistration, startPhoneCore, type CoreLogger } from './core.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The built renderer: beside dist/main when running built, dist/renderer when running from source. */
function rendererDir(): string {
  const candidates = [resolve(here, '../../renderer'), resolve(here, '../../dist/renderer')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[1]!;
}

// Standard output carries only the ready line (scripts read it); everything else goes to stderr.
const verbose = process.env.DISPATCH_PHONE_DEBUG === '1';
const logger: CoreLogger = {
  debug: (m) => verbose && console.error(`debug: ${m}`),
  info: (m) => console.error(m),
  warn: (m) => console.error(`warning: ${m}`),
  error: (m, e) => console.error(`error: ${m}${e ? `: ${(e as Error).stack ?? String(e)}` : ''}`),
};

async function main(): Promise<void> {
  const configPath = configPathFromArgs(process.argv);
  if (!configPath) {
    console.error('usage: npm run serve -- --config FILE   (see config.example.json)');
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig(configPath);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`config error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const dir = rendererDir();
  if (!existsSync(join(dir, 'index.html'))) {
    console.error(`the renderer is not built (${dir}): run npm run build`);
    process.exit(2);
  }

  // The supervisor restarts the core when the account is saved in the settings (the password stays in the
  // config file here: README, "SIP password").
  const supervisor = await CoreSupervisor.start({ configPath, config, secrets: null, startCore: startPhoneCore, logger });
  const core = supervisor.current();
  if (!core) process.exit(1); // the reason is logged
  const iconFile = resolve(here, '../../../assets/icon.png'); // dist/main/app -> the repo's assets/
  const carrier = await startWsCarrier({ bridge: supervisor.bridge, rendererDir: dir, port: config.webHost.port, iconFile });
  const registration = await core.registrationSettled(10_000);
  console.log(`ready ${carrier.url}`);
  if (registration.kind !== 'registered') console.log(describeRegistration(registration));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: un-registering and closing`);
    // Within 3 s whatever happens (a service manager or a shutting-down desktop does not wait long): live
    // calls get their BYE and the registrar its un-REGISTER in the first moments; past 2.5 s we exit anyway.
    const force = setTimeout(() => {
      logger.warn(`${signal}: stopping took over 2.5 s: exiting anyway`);
      process.exit(1);
    }, 2500);
    force.unref();
    try {
      await supervisor.stop();
      await carrier.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', reason));
main().catch((error) => {
  logger.error('the phone core could not start', error);
  process.exit(1);
});
