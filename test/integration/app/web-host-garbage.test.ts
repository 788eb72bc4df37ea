// Garbage thrown at a running web host (dist/main/app/host.js as a user starts it): it answers or closes every
// request and frame, stays up, and a real client still registers, reads the state and runs a command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractClient, startApp, type AppProcess } from '../../support/app-process.js';
import { closeCode, throwGarbage, type GarbageOutcome } from '../../support/web-garbage.js';

let app: AppProcess;
let outcomes: GarbageOutcome[];
beforeAll(async () => {
  app = await startApp({ user: '5993' });
  outcomes = await throwGarbage(app.port, app.token);
}, 120_000);
afterAll(() => app?.stop());

describe('web host under garbage', () => {
  it('answered every bad request and frame, and did not die', () => {
    const byName = Object.fromEntries(outcomes.map((o) => [o.name, o]));
    expect(byName['GET /%']!.answer).toMatch(/^HTTP\/1.1 400/);
    expect(byName['GET //a:b']!.answer).toMatch(/^HTTP\/1.1 400/);
    expect(byName['upgrade from a foreign origin']!.answer).toMatch(/^HTTP\/1.1 403/);
    expect(closeCode(byName['oversized text frame']!.after)).toBe(1009);
    expect(app.process.exitCode).toBeNull();
    expect(app.process.signalCode).toBeNull();
  });

  it('still serves the page, the icon and a real client', async () => {
    expect((await fetch(`http://127.0.0.1:${app.port}/`)).status).toBe(200);
    const icon = await fetch(`http://127.0.0.1:${app.port}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/png');
    const client = await ContractClient.connect(app);
    await client.waitFor((s) => s.registration.kind === 'registered', 15_000, 'registered');
    const search = await client.invoke('searchPhoneBook', { query: '', limit: 5 });
    expect(search.ok).toBe(true);
    client.close();
  });
});
