// Shared by the reliability tests: the real app (web host) driven through the contract, as the renderer
// would, and a cleanup list so that every test leaves the lab as it found it.
import type { Call } from '../../../shared/domain.js';
import { errorLogText, type Result } from '../../../shared/errors.js';
import type { PhoneState } from '../../../shared/state.js';
import { ContractClient, phoneSocketUrl, startApp } from '../../support/app-process.js';
import type { AppOptions, AppProcess } from '../../support/app-process.js';
import type { LinphonePeer } from '../../lab/peers.js';

export interface TestApp {
  app: AppProcess;
  phone: ContractClient;
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];

/** Register something to undo after the test (run newest first). */
export function onCleanup(fn: () => Promise<unknown> | unknown): void {
  cleanups.push(fn);
}

export async function runCleanups(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch {
      /* best effort */
    }
  }
}

/** Start the app and connect a contract client; waits until PhoneState says registered. */
export async function openApp(options: AppOptions, registeredWithinMs = 20_000): Promise<TestApp> {
  const app = await startApp(options);
  onCleanup(() => app.stop());
  const phone = await ContractClient.connect(app);
  onCleanup(() => phone.close());
  await phone.waitFor((s) => s.registration.kind === 'registered', registeredWithinMs, `${options.user} registered`);
  return { app, phone };
}

/** Unwrap a command result or fail the test with the typed error. */
export function must<T>(r: Result<T>, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${errorLogText(r.error)}`);
  return r.value;
}

export function callOf(s: PhoneState, callId: string): Call | undefined {
  return s.calls.find((c) => c.callId === callId);
}

/** Waits for the call to match; the error names what was expected and what the call was. */
export async function waitCall(
  phone: ContractClient,
  callId: string,
  predicate: (c: Call) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<Call> {
  const s = await phone.waitFor((st) => {
    const c = callOf(st, callId);
    return c !== undefined && predicate(c);
  }, timeoutMs, `${callId}: ${what}`);
  return callOf(s, callId)!;
}

/** Resolves with the first ringing incoming call that is not in `known`. */
export async function waitNewRinging(phone: ContractClient, known: Set<string>, what: string, timeoutMs = 15_000): Promise<Call> {
  const s = await phone.waitFor(
    (st) => st.calls.some((c) => c.direction === 'incoming' && c.state === 'ringing' && !known.has(c.callId)),
    timeoutMs,
    what,
  );
  return s.calls.find((c) => c.direction === 'incoming' && c.state === 'ringing' && !known.has(c.callId))!;
}

/** No live call left (ended ones may linger for a moment). */
export function noLiveCalls(s: PhoneState): boolean {
  return s.calls.every((c) => c.state === 'ended') && s.incomingQueue.length === 0;
}

/** Every PhoneState the app publishes, from a second WebSocket client (as a second renderer window would). */
export async function watchStates(app: Pick<AppProcess, 'port' | 'token' | 'socketPath'>, listener: (s: PhoneState) => void): Promise<() => void> {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(phoneSocketUrl(app));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { kind: string; state?: PhoneState };
    if (message.kind === 'state' && message.state) listener(message.state);
  });
  const close = (): void => ws.close();
  onCleanup(close);
  return close;
}

/** The registration kinds the app publishes, each change once with when it was seen (for the restart tests). */
export async function watchRegistrationKinds(app: Pick<AppProcess, 'port' | 'token' | 'socketPath'>): Promise<Array<{ kind: string; at: number }>> {
  const seen: Array<{ kind: string; at: number }> = [];
  await watchStates(app, (s) => {
    if (seen.at(-1)?.kind !== s.registration.kind) seen.push({ kind: s.registration.kind, at: Date.now() });
  });
  return seen;
}

/** Between tests: hang up every call the app still has. */
export async function hangUpAppCalls(t: TestApp): Promise<void> {
  for (const c of t.phone.state?.calls ?? []) {
    if (c.state !== 'ended') await t.phone.invoke('hangup', { callId: c.callId });
  }
}

/** linphone-daemon numbers calls 1, 2, ... and shows no id for the current call: find the live ones by number. */
export async function liveLinphoneCalls(peer: LinphonePeer, maxId = 24): Promise<number[]> {
  const ids: number[] = [];
  for (let id = 1; id <= maxId; id++) {
    const st = await peer.callStatus(id).catch(() => undefined);
    if (st && !/End|Released|Error/.test(st.state)) ids.push(id);
  }
  return ids;
}

export async function endLinphoneCalls(peer: LinphonePeer, maxId = 24): Promise<void> {
  for (const id of await liveLinphoneCalls(peer, maxId)) await peer.terminate(id).catch(() => undefined);
}

/** `caller` (linphone) calls the app's user, the dispatcher answers, and both sides talk: returns the call id. */
export async function answeredCallFrom(t: TestApp, caller: LinphonePeer, appUser: string, known: Set<string>): Promise<string> {
  const { phone } = t;
  await caller.call(appUser);
  const ringing = await waitNewRinging(phone, known, 'caller rings');
  known.add(ringing.callId);
  must(await phone.invoke('answer', { callId: ringing.callId }), 'answer');
  await waitCall(phone, ringing.callId, (c) => c.state === 'active', 'active');
  await caller.waitForCallState('StreamsRunning', { timeoutMs: 10_000 });
  return ringing.callId;
}
