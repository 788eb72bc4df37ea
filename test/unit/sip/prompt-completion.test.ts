// Our own non-INVITE transactions (REGISTER, the keep-alive OPTIONS) end in the turn that handled their final
// response: no timer is left behind (sip.js's stock transaction leaves its zero Timer K, a wake-up of its own
// 1 ms after each answer of an idle phone). Pins the seam in main/sip/sipjs-seams/prompt-completion.ts
// (sip.js 0.21.2's private timerK()). A repeat of the answer after it is dropped by sip.js as unmatched.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { Core, UserAgent } from 'sip.js';
import { PromptNonInviteClientTransaction } from '../../../main/sip/sipjs-seams/index.js';
import { TestTransport } from '../../support/sipjs-test-transport.js';

class Wire extends TestTransport {
  static last: Wire | null = null;
  readonly sent: string[] = [];
  constructor() {
    super();
    Wire.last = this;
  }
  send(message: string): Promise<void> {
    this.sent.push(message);
    return Promise.resolve();
  }
  /** The 200 to the request sent last, as a registrar would answer it. */
  answer(code = 200): void {
    const request = this.sent.at(-1)!;
    const keep = request.split('\r\n').filter((h) => /^(via|from|to|call-id|cseq)\s*:/i.test(h));
    const to = keep.map((h) => (/^to\s*:/i.test(h) ? `${h};tag=reg` : h));
    this.onMessage?.([`SIP/2.0 ${code} ${code === 200 ? 'OK' : 'Not Found'}`, ...to, 'Content-Length: 0', '', ''].join('\r\n'));
  }
}

let ua: UserAgent;
beforeEach(async () => {
  vi.useFakeTimers();
  ua = new UserAgent({
    uri: UserAgent.makeURI('sip:3995@127.0.0.1')!,
    transportConstructor: Wire as unknown as new () => Wire,
    logBuiltinEnabled: false,
    logLevel: 'error',
  });
  await ua.start();
});
afterEach(async () => {
  await ua.stop();
  vi.useRealTimers();
});

function request(transaction: typeof Core.NonInviteClientTransaction, method = 'REGISTER') {
  const core = ua.userAgentCore;
  const uri = UserAgent.makeURI('sip:127.0.0.1')!;
  const message = core.makeOutgoingRequestMessage(method, uri, ua.configuration.uri, ua.configuration.uri, {});
  const answers: number[] = [];
  const settle = (r: Core.IncomingResponse) => answers.push(r.message.statusCode!);
  new Core.UserAgentClient(transaction, core, message, { onAccept: settle, onReject: settle });
  return { core, answers };
}

it('a REGISTER transaction is gone once its 200 is handled, with no timer left behind', () => {
  const timersIdle = vi.getTimerCount();
  const { core, answers } = request(PromptNonInviteClientTransaction);
  expect(core.userAgentClients.size).toBe(1);
  Wire.last!.answer(200);
  expect(answers).toEqual([200]);
  expect(core.userAgentClients.size).toBe(0);
  expect(vi.getTimerCount()).toBe(timersIdle); // Timer F cleared, no Timer K armed
  // The answer again (a retransmission the transport did not absorb): nothing reaches the user twice.
  Wire.last!.answer(200);
  expect(answers).toEqual([200]);
});

it('so does an OPTIONS answered with an error', () => {
  const timersIdle = vi.getTimerCount();
  const { core, answers } = request(PromptNonInviteClientTransaction, 'OPTIONS');
  Wire.last!.answer(404);
  expect(answers).toEqual([404]);
  expect(core.userAgentClients.size).toBe(0);
  expect(vi.getTimerCount()).toBe(timersIdle);
});

it("sip.js's own transaction keeps a zero Timer K instead (what the seam removes: if this fails, sip.js changed)", () => {
  const timersIdle = vi.getTimerCount();
  const { core } = request(Core.NonInviteClientTransaction);
  Wire.last!.answer(200);
  expect(core.userAgentClients.size).toBe(1);
  expect(vi.getTimerCount()).toBe(timersIdle + 1);
  vi.advanceTimersByTime(1);
  expect(core.userAgentClients.size).toBe(0);
  expect(vi.getTimerCount()).toBe(timersIdle);
});
