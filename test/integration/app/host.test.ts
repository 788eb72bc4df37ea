// The web host as a user starts it: the ready line, a bad config, a dead server, the token.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { labPaths } from '../../lab/peers.js';
import { appConfig, ContractClient, startApp, type AppProcess } from '../../support/app-process.js';

const host = join(labPaths().repo, 'dist/main/app/host.js');
let app: AppProcess | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

describe('web host', () => {
  it('refuses a bad config with one message naming the field and a non-zero exit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-config-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ ...appConfig('5990', dir), sip: { server: '127.0.0.1', user: '5990', password: 'x', transport: 'carrier-pigeon' } }));
    const run = spawnSync(process.execPath, [host, '--config', config], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('field "sip.transport"');

    const missing = spawnSync(process.execPath, [host, '--config', join(dir, 'nope.json')], { encoding: 'utf8', timeout: 20_000 });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read config file');
  });

  it('prints ready and registers; a connection without the token is refused', async () => {
    app = await startApp({ user: '5991' });
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    const client = await ContractClient.connect(app);
    const state = await client.waitFor((s) => s.registration.kind === 'registered', 10_000, 'registered');
    expect(state.account.user).toBe('5991');
    client.close();
    const refused = new WebSocket(`ws://127.0.0.1:${app.port}/phone?token=guess`);
    await expect(new Promise((resolve, reject) => (refused.once('open', resolve), refused.once('error', reject)))).rejects.toThrow(/401/);
  });

  it('with a dead server: still serves, says why on the line after ready, and refuses to dial with a clear error', async () => {
    // Nothing listens on this port: registration cannot succeed.
    app = await startApp({ user: '5992', config: { sip: { server: '127.0.0.1:5999', transport: 'tcp', user: '5992', password: 'secret' } } });
    await expect.poll(() => app!.output.join('\n'), { timeout: 5_000 }).toMatch(/server unreachable/);
    const client = await ContractClient.connect(app);
    const dial = await client.invoke('dial', { target: '2001' });
    expect(dial).toMatchObject({ ok: false, error: { code: 'not-registered' } });
    const garbage = await client.invoke('dial', { target: 'call mom' });
    expect(garbage.ok).toBe(false);
    const unknown = await client.invoke('answer', { callId: 'no-such-call' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    client.close();
  });
});
