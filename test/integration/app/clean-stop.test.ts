// A clean stop (issue #13 part 7): SIGTERM or SIGINT to the real web host un-registers, ends a live call
// with BYE, and the process is gone within 3 s (a bounded wait, then it exits anyway).
import { afterAll, describe, expect, it } from 'vitest';
import { ensureLab, registrations, startBaresip } from '../../lab/peers.js';
import { must, onCleanup, openApp, runCleanups, waitCall, waitNewRinging } from '../reliability/helpers.js';

afterAll(async () => {
  await runCleanups();
}, 60_000);

describe.each(['SIGTERM', 'SIGINT'] as const)('%s', (signal) => {
  it('ends the live call with BYE, un-registers, and exits within 3 s', async () => {
    await ensureLab();
    const user = signal === 'SIGTERM' ? '5040' : '5042';
    const { app, phone } = await openApp({ user });
    const peer = await startBaresip({ user: String(Number(user) + 1) });
    onCleanup(() => peer.stop());
    await peer.dial(user);
    const call = await waitNewRinging(phone, new Set(), 'rings');
    must(await phone.invoke('answer', { callId: call.callId }), 'answer');
    await waitCall(phone, call.callId, (c) => c.state === 'active', 'active');
    await peer.waitFor('CALL_ESTABLISHED');
    expect((await registrations(user))[0]?.contacts.length ?? 0).toBeGreaterThan(0);

    const at = Date.now();
    const code = await app.stop(signal);
    const exitMs = Date.now() - at;
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(3000);
    // The peer was told (BYE), not left in a dead call; the registrar forgot us (un-REGISTER).
    const closed = await peer.waitFor('CALL_CLOSED', { timeoutMs: 2000 });
    expect(JSON.stringify(closed)).not.toMatch(/timeout|408/i);
    expect((await registrations(user))[0]?.contacts.length ?? 0).toBe(0);
    console.log(`clean-stop figures: ${JSON.stringify({ signal, exitMs })}`);
  }, 60_000);
});
