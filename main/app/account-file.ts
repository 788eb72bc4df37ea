// The SIP account in the config file. The web host keeps the password in the file as it is (README says so);
// the desktop app keeps it sealed by the OS keyring (SecretStore = Electron safeStorage) and never writes it in
// plain text: a plain password found there is sealed and removed on the next start.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AccountInput } from '../../shared/commands.js';
import type { PasswordMissing } from '../../shared/facts.js';
import type { SecretStore } from '../desktop/ports.js';
import { parseConfig, type PhoneConfig } from './config.js';

export type { SecretStore };

export interface LoadedAccountConfig {
  config: PhoneConfig;
  /** No password to register with, and why (none saved, no keyring to keep it, the sealed one does not open): ask. */
  passwordMissing: PasswordMissing | null;
}

type RawConfig = { sip?: Record<string, unknown> } & Record<string, unknown>;

function readRaw(path: string): RawConfig {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as RawConfig) : {};
}

/** Written whole or not at all, readable by the user only (it names the server and the account). */
function writeRaw(path: string, raw: RawConfig): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(raw, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/**
 * Reads the config; with a SecretStore (desktop) the sealed password is opened, and a plain one is sealed and
 * taken out of the file. null when there is no config file yet (the first run: the settings ask for the account).
 */
export function loadAccountConfig(path: string, secrets: SecretStore | null): LoadedAccountConfig | null {
  if (!existsSync(path)) return null;
  const text = readFileSync(path, 'utf8');
  const config = parseConfig(text, path);
  if (!secrets) return { config, passwordMissing: null };
  let passwordMissing: PasswordMissing | null = null;
  if (config.sip.password !== '' && secrets.available()) {
    const raw = JSON.parse(text) as RawConfig;
    raw.sip = { ...raw.sip, passwordSealed: secrets.encrypt(config.sip.password) };
    delete raw.sip.password;
    writeRaw(path, raw);
  } else if (config.sip.passwordSealed) {
    try {
      config.sip.password = secrets.decrypt(config.sip.passwordSealed);
    } catch {
      passwordMissing = 'sealed-elsewhere'; // sealed on another machine or user profile
    }
  } else if (config.sip.password === '') passwordMissing = passwordMissingWhy(secrets);
  return { config, passwordMissing };
}

/** Why a desktop account has no password: none was given, or the OS has no keyring to keep it between starts. */
export function passwordMissingWhy(secrets: SecretStore): PasswordMissing {
  return secrets.available() ? 'not-saved' : 'no-keyring';
}

/**
 * Saves the account into the config file (creating it on the first run) and returns the config to start the
 * core with. `sessionPassword` is the password to use when it may not be written (desktop without a keyring).
 */
export function saveAccountConfig(path: string, account: AccountInput, secrets: SecretStore | null, previous: PhoneConfig | null): PhoneConfig {
  const raw = readRaw(path);
  const sip: Record<string, unknown> = { ...raw.sip, server: account.server, transport: account.transport, user: account.user, displayName: account.displayName };
  const password = account.password ?? previous?.sip.password ?? '';
  if (!secrets) {
    sip.password = password;
  } else {
    delete sip.password;
    if (account.password !== undefined) {
      if (secrets.available()) sip.passwordSealed = secrets.encrypt(password);
      else delete sip.passwordSealed; // nothing secret on disk: the password lives for this session only
    }
  }
  raw.sip = sip;
  const config = parseConfig(JSON.stringify(raw), path);
  writeRaw(path, raw);
  config.sip.password = password;
  return config;
}
