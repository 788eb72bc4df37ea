// Seam: a subclass of sip.js 0.21.2's Core.NonInviteClientTransaction that calls its private timerK() in the turn
// that entered the Completed state. Pinned by test/unit/sip/prompt-completion.test.ts.
import { Core } from 'sip.js';

/**
 * Our own non-INVITE transactions (the REGISTERs: fetch, refresh, un-REGISTER; the keep-alive OPTIONS) end
 * when their final response has been handled, not on a timer. sip.js sets Timer K to 0 (`Timers.TIMER_K`,
 * right for its WebSocket) and so arms a 1 ms timer after each final response: in an idle process one
 * more wake-up of the main thread per transaction, 1 ms after the answer (seen with strace: the
 * epoll_wait(1) that follows each answer). The Completed state's duty over UDP (absorb the final response's
 * retransmissions for T4) is the transport's: retransmit.ts keeps each finished transaction's final status
 * for 64*T1 and drops its repeats before they reach sip.js, which would only have logged them.
 */
export class PromptNonInviteClientTransaction extends Core.NonInviteClientTransaction {
  override receiveResponse(response: Core.IncomingResponseMessage): void {
    super.receiveResponse(response);
    // Exactly what the zero timer would do next (sip.js's timerK: Completed -> Terminated, disposed, removed).
    if (this.state === Core.TransactionState.Completed) (this as unknown as { timerK(): void }).timerK();
  }
}
