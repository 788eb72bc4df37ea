// The SIP account changed from the settings of a running web host, against the lab's Kamailio: a wrong password
// is refused in plain facts (wrong-credentials), the right one registers, both without restarting the process,
// and the web host keeps the password in its config file (README says so).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractClient, startApp, type AppProcess } from '../../support/app-process.js';

let app: AppProcess;
let client: ContractClient;
beforeAll(async () => {
  app = await startApp({ user: '5995' });
  client = await ContractClient.connect(app);
  await client.waitFor((s) => s.registration.kind === 'registered', 15_000, 'registered');
}, 60_000);
afterAll(async () => {
  client?.close();
  await app?.stop();
});

describe('SIP account from the settings', () => {
  it('a wrong password is refused as wrong credentials, the right one registers again', async () => {
    const account = { server: '127.0.0.1:5060', transport: 'udp' as const, user: '5996', displayName: 'Диспетчер 5996' };
    expect(await client.invoke('saveAccount', { account: { ...account, password: 'not-the-password' } })).toEqual({ ok: true, value: null });
    const refused = await client.waitFor((s) => s.account.user === '5996' && s.registration.kind === 'wrong-credentials', 20_000, 'wrong credentials');
    expect(refused.registration).toMatchObject({ kind: 'wrong-credentials' });
    expect(JSON.parse(readFileSync(app.configPath, 'utf8')).sip).toMatchObject({ user: '5996', password: 'not-the-password', displayName: 'Диспетчер 5996' });

    expect(await client.invoke('saveAccount', { account: { ...account, password: 'secret' } })).toMatchObject({ ok: true });
    const registered = await client.waitFor((s) => s.account.user === '5996' && s.registration.kind === 'registered', 20_000, 'registered again');
    expect(registered.account).toMatchObject({ user: '5996', displayName: 'Диспетчер 5996' });
    expect(app.process.exitCode).toBeNull();
  });
});
