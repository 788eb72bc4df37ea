// The SIP account: saved from the settings, the password sealed by the SecretStore (desktop) or kept in the
// file (web host), the core restarted with it; the first run has no core and says so in the state.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AccountInput } from '../../../shared/commands.js';
import { ok } from '../../../shared/errors.js';
import type { PhoneState } from '../../../shared/state.js';
import { loadAccountConfig, saveAccountConfig, type SecretStore } from '../../../main/app/account-file.js';
import type { PhoneConfig } from '../../../main/app/config.js';
import type { CoreOptions, PhoneCore } from '../../../main/app/core.js';
import { CoreSupervisor } from '../../../main/app/core-supervisor.js';
import { PhoneBridge, type CommandHandlers } from '../../../main/bridge/phone-bridge.js';
import { emptyPhoneState } from '../../support/phone-state.js';

/** Seals by reversing and tagging: enough to tell sealed from plain text in the file. */
function fakeSecrets(available = true): SecretStore & { sealed: string[] } {
  const sealed: string[] = [];
  return {
    sealed,
    available: () => available,
    encrypt: (t) => (sealed.push(t), `sealed:${Buffer.from([...t].reverse().join('')).toString('base64')}`),
    decrypt: (s) => {
      if (!s.startsWith('sealed:')) throw new Error('cannot open');
      return [...Buffer.from(s.slice(7), 'base64').toString()].reverse().join('');
    },
  };
}

const account: AccountInput = { server: 'pbx.example:5060', transport: 'tcp', user: '1007', password: 'hunter2', displayName: 'Диспетчер 7' };
const dir = () => mkdtempSync(join(tmpdir(), 'account-'));

describe('account file', () => {
  it('desktop: the password is sealed, never written plain, and opens again on load', () => {
    const path = join(dir(), 'config.json');
    const secrets = fakeSecrets();
    const config = saveAccountConfig(path, account, secrets, null);
    expect(config.sip).toMatchObject({ server: 'pbx.example:5060', transport: 'tcp', user: '1007', password: 'hunter2' });
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text).sip.password).toBeUndefined();
    expect(statSync(path).mode & 0o077).toBe(0);
    expect(loadAccountConfig(path, secrets)).toMatchObject({ config: { sip: { password: 'hunter2' } }, passwordMissing: null });
  });

  it('desktop: a plain password found in the file is sealed and taken out at load', () => {
    const path = join(dir(), 'config.json');
    writeFileSync(path, JSON.stringify({ sip: { server: '127.0.0.1', user: '1000', password: 'secret' }, locale: 'en' }));
    const loaded = loadAccountConfig(path, fakeSecrets());
    expect(loaded?.config.sip.password).toBe('secret');
    const raw = JSON.parse(readFileSync(path, 'utf8'));
    expect(raw.sip.password).toBeUndefined();
    expect(raw.sip.passwordSealed).toMatch(/^sealed:/);
    expect(raw.locale).toBe('en'); // the rest of the file is kept
  });

  it('desktop without a keyring: nothing secret on disk, the password lives for the session and is asked again', () => {
    const path = join(dir(), 'config.json');
    const secrets = fakeSecrets(false);
    const config = saveAccountConfig(path, account, secrets, null);
    expect(config.sip.password).toBe('hunter2');
    expect(readFileSync(path, 'utf8')).not.toContain('hunter2');
    expect(loadAccountConfig(path, secrets)?.passwordMissing).toBe('no-keyring');
  });

  it('desktop: says why there is no password: none saved, or sealed where it does not open', () => {
    const path = join(dir(), 'config.json');
    writeFileSync(path, JSON.stringify({ sip: { server: '127.0.0.1', user: '1000' } }));
    expect(loadAccountConfig(path, fakeSecrets())).toMatchObject({ config: { sip: { password: '' } }, passwordMissing: 'not-saved' });
    writeFileSync(path, JSON.stringify({ sip: { server: '127.0.0.1', user: '1000', passwordSealed: 'from another machine' } }));
    expect(loadAccountConfig(path, fakeSecrets())).toMatchObject({ config: { sip: { password: '' } }, passwordMissing: 'sealed-elsewhere' });
    expect(loadAccountConfig(path, null)?.passwordMissing).toBeNull(); // the web host asks nothing: its file is its account
  });

  it('keeps the stored password when the settings send none', () => {
    const path = join(dir(), 'config.json');
    const secrets = fakeSecrets();
    const first = saveAccountConfig(path, account, secrets, null);
    const { password: _drop, ...noPassword } = account;
    const second = saveAccountConfig(path, { ...noPassword, displayName: null }, secrets, first);
    expect(second.sip.password).toBe('hunter2');
    expect(loadAccountConfig(path, secrets)?.config.sip.password).toBe('hunter2');
  });

  it('web host: the password stays in its config file', () => {
    const path = join(dir(), 'config.json');
    saveAccountConfig(path, account, null, null);
    expect(JSON.parse(readFileSync(path, 'utf8')).sip.password).toBe('hunter2');
    expect(loadAccountConfig(path, null)?.config.sip.password).toBe('hunter2');
  });

  it('no config file yet is the first run, not an error', () => {
    expect(loadAccountConfig(join(dir(), 'none.json'), fakeSecrets())).toBeNull();
  });
});

/** A core whose state shows the account it was started with. */
function fakeCoreFactory() {
  const started: PhoneConfig[] = [];
  const stopped: string[] = [];
  let calls: PhoneState['calls'] = [];
  const startCore = async (config: PhoneConfig, _logger: unknown, options: CoreOptions): Promise<PhoneCore> => {
    started.push(config);
    const state = () => emptyPhoneState({ account: { user: config.sip.user, displayName: config.sip.displayName, server: config.sip.server, transport: config.sip.transport }, calls });
    const handlers = new Proxy({}, { get: (_t, name) => (name === 'saveAccount' ? ({ account: a }: { account: AccountInput }) => options.account!.save(a) : () => ok(null)) }) as CommandHandlers;
    const bridge = new PhoneBridge(handlers, { current: state, subscribe: () => () => undefined });
    return { bridge, db: null as never, registrationSettled: async () => state().registration, stop: async () => void stopped.push(config.sip.user) };
  };
  return { startCore, started, stopped, setCalls: (c: PhoneState['calls']) => (calls = c) };
}

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe('core supervisor', () => {
  it('first run: no core, a state without an account; saving one starts the core with it', async () => {
    const path = join(dir(), 'config.json');
    const f = fakeCoreFactory();
    const s = await CoreSupervisor.start({ configPath: path, config: null, secrets: fakeSecrets(), startCore: f.startCore, logger: quiet });
    expect(s.bridge.currentState().account.user).toBe('');
    expect(await s.bridge.dispatch('dial', { target: '1002' })).toMatchObject({ ok: false, error: { code: 'not-registered' } });
    expect(await s.bridge.dispatch('saveAccount', { account })).toEqual({ ok: true, value: null });
    await expect.poll(() => s.bridge.currentState().account.user).toBe('1007');
    expect(f.started.map((c) => [c.sip.user, c.sip.password])).toEqual([['1007', 'hunter2']]);
    expect(existsSync(path)).toBe(true);
    await s.stop();
    expect(f.stopped).toEqual(['1007']);
  });

  it('a saved account restarts the running core with it; versions keep rising across the restart', async () => {
    const path = join(dir(), 'config.json');
    const f = fakeCoreFactory();
    const first = saveAccountConfig(path, { ...account, user: '1000' }, null, null);
    const s = await CoreSupervisor.start({ configPath: path, config: first, secrets: null, startCore: f.startCore, logger: quiet });
    const before = s.bridge.currentState().version;
    expect(await s.bridge.dispatch('saveAccount', { account: { ...account, user: '1001' } })).toMatchObject({ ok: true });
    await expect.poll(() => s.bridge.currentState().account.user).toBe('1001');
    expect(f.stopped).toEqual(['1000']);
    expect(s.bridge.currentState().version).toBeGreaterThan(before);
    expect(JSON.parse(readFileSync(path, 'utf8')).sip.user).toBe('1001');
  });

  it('refuses to change the account while a call is up (the restart would end it)', async () => {
    const path = join(dir(), 'config.json');
    const f = fakeCoreFactory();
    const s = await CoreSupervisor.start({ configPath: path, config: saveAccountConfig(path, account, null, null), secrets: null, startCore: f.startCore, logger: quiet });
    f.setCalls([{ ...emptyPhoneState().calls[0]!, ...{ callId: 'a', state: 'active' } } as PhoneState['calls'][number]]);
    expect(await s.bridge.dispatch('saveAccount', { account: { ...account, user: '1009' } })).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(f.started).toHaveLength(1);
  });

  it('an account without a password: the state says why until a password is saved; the restart never shows an empty account', async () => {
    const path = join(dir(), 'config.json');
    writeFileSync(path, JSON.stringify({ sip: { server: '127.0.0.1', user: '1000', passwordSealed: 'from another machine' } }));
    const secrets = fakeSecrets();
    const loaded = loadAccountConfig(path, secrets)!;
    const f = fakeCoreFactory();
    const s = await CoreSupervisor.start({ configPath: path, config: loaded.config, secrets, passwordMissing: loaded.passwordMissing, startCore: f.startCore, logger: quiet });
    expect(s.bridge.currentState().account).toMatchObject({ user: '1000', passwordMissing: 'sealed-elsewhere' });
    const users: string[] = [];
    s.bridge.subscribe((state) => users.push(`${state.account.user}:${state.account.passwordMissing ?? ''}`));
    // Saved without a password (the field left empty): still none.
    const { password: _drop, ...noPassword } = account;
    expect(await s.bridge.dispatch('saveAccount', { account: { ...noPassword, user: '1000', displayName: null } })).toMatchObject({ ok: true });
    await expect.poll(() => f.started.length).toBe(2);
    expect(s.bridge.currentState().account.passwordMissing).toBe('not-saved');
    expect(await s.bridge.dispatch('saveAccount', { account: { ...account, user: '1000' } })).toMatchObject({ ok: true });
    await expect.poll(() => f.started.length).toBe(3);
    expect(s.bridge.currentState().account).not.toHaveProperty('passwordMissing');
    expect(f.started.map((c) => c.sip.password)).toEqual(['', '', 'hunter2']);
    expect(users.every((u) => u.startsWith('1000:'))).toBe(true);
    await s.stop();
  });

  it('takes settings before an account exists, validated: the headset Flash button is hold or transfer', async () => {
    const f = fakeCoreFactory();
    const s = await CoreSupervisor.start({ configPath: join(dir(), 'c.json'), config: null, secrets: null, startCore: f.startCore, logger: quiet });
    expect(await s.bridge.dispatch('updateSettings', { settings: { headsetFlash: 'transfer' } })).toMatchObject({ ok: true });
    expect(s.bridge.currentState().settings.headsetFlash).toBe('transfer');
    expect(await s.bridge.dispatch('updateSettings', { settings: { headsetFlash: 'answer' } })).toMatchObject({ ok: false, error: { code: 'invalid-command' } });
    expect(s.bridge.currentState().settings.headsetFlash).toBe('transfer');
  });

  it('validates the account like any command', async () => {
    const f = fakeCoreFactory();
    const s = await CoreSupervisor.start({ configPath: join(dir(), 'c.json'), config: null, secrets: null, startCore: f.startCore, logger: quiet });
    const bad = await s.bridge.dispatch('saveAccount', { account: { ...account, server: 'pbx example' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-command', field: 'account.server' } });
    expect(f.started).toHaveLength(0);
  });
});
