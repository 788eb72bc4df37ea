// Kamailio killed mid-shift (SIGKILL: its registrations are lost with it). With the product's default
// keep-alive (OPTIONS every 15 s, 5 s to answer, one confirming probe) PhoneState must stop saying
// "registered" in under 30 s; once Kamailio is back the app must be registered again within 5 s
// (quick probes every 2 s while unreachable, whatever the REGISTER back-off has grown to), and calls work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, killKamailio, registrations, startBaresip, startKamailio } from '../../lab/peers.js';
import { must, onCleanup, openApp, runCleanups, waitCall, watchRegistrationKinds } from './helpers.js';

const APP_USER = '5010';

beforeAll(async () => {
  await ensureLab();
});
afterAll(async () => {
  await startKamailio(); // whatever happened, leave the lab running
  await runCleanups();
}, 60_000);

describe('Kamailio killed and restarted', () => {
  it('the app notices a dead server in under 30 s and is registered again within 5 s of its return', async () => {
    const { app, phone } = await openApp({ user: APP_USER });
    const seen = await watchRegistrationKinds(app);

    const killedAt = Date.now();
    await killKamailio();
    const down = await phone.waitFor((s) => s.registration.kind !== 'registered', 32_000, 'registration lost');
    const detectionMs = Date.now() - killedAt;
    expect(['unreachable', 'registering']).toContain(down.registration.kind);
    await phone.waitFor((s) => s.registration.kind === 'unreachable', 10_000, 'unreachable');
    expect(detectionMs).toBeLessThan(30_000);

    // Leave it dead a while, so that the REGISTER back-off has grown past the 5 s we allow.
    await phone.waitFor(
      (s) => s.registration.kind === 'unreachable' && s.registration.retryAt !== null && s.registration.retryAt - Date.now() > 3000,
      40_000,
      'back-off grown',
    ).catch(() => undefined);

    await startKamailio(); // resolves once Kamailio answers OPTIONS
    const backAt = Date.now();
    await phone.waitFor((s) => s.registration.kind === 'registered', 10_000, 're-registered');
    const reregisterMs = Date.now() - backAt;
    expect(reregisterMs).toBeLessThan(5000);
    const regs = await registrations(APP_USER);
    expect(regs[0]?.contacts.length ?? 0).toBeGreaterThan(0);

    // And the phone works: a call to a peer that registered after the restart.
    const peer = await startBaresip({ user: '5011', autoAnswer: true });
    onCleanup(() => peer.stop());
    const { callId } = must(await phone.invoke('dial', { target: '5011' }), 'dial');
    await waitCall(phone, callId, (c) => c.state === 'active', 'active');
    must(await phone.invoke('hangup', { callId }), 'hangup');
    await waitCall(phone, callId, (c) => c.state === 'ended', 'ended');

    console.log(
      `server-restart figures: ${JSON.stringify({ detectionMs, reregisterMs, states: seen.map((s) => `${s.kind}@${s.at - killedAt}ms`) })}`,
    );
  }, 120_000);
});
