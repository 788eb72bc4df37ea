// How the call centre runs work that goes to the network: one at a time where it can open a microphone
// (`exclusive`), raced against the end of the call and a timeout (`race`), and never throwing (`safely`).
import type { Cause, LegOperation } from '../../shared/facts.js';
import type { Clock } from './ports.js';
import { LegFailure } from './ports.js';

export type RaceOutcome<T> = { kind: 'done'; value: T } | { kind: 'ended' } | { kind: 'error'; cause: Cause };

/** The facts of a thrown error: a refusal the leg reported (LegFailure), else the library's text. */
export function causeOfError(err: unknown): Cause {
  if (err instanceof LegFailure) return err.cause;
  if (err instanceof Error) return { kind: 'error', detail: err.message };
  return { kind: 'error', detail: typeof err === 'string' ? err : 'unknown error' };
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'unknown error';
}

export class LegOperations {
  private lockTail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly clock: Clock,
    /** Upper bound on one operation before it counts as failed (SIP timer B, 32 s, by default). */
    readonly timeoutMs: number,
  ) {}

  /**
   * Runs `run` once every earlier exclusive step has finished: everything that can open a microphone or
   * move the active call goes through here, one at a time.
   */
  exclusive<T>(run: () => Promise<T>): Promise<T> {
    const next = this.lockTail.then(run, run);
    this.lockTail = next.catch(() => undefined);
    return next;
  }

  /**
   * The one race of the house: `run` against the timeout and, when given, the end of the call. A leg that
   * never answers cannot freeze the queue; a call that ends meanwhile says 'ended', not 'error'.
   */
  race<T>(operation: LegOperation, run: () => Promise<T>, ended?: { promise: Promise<void>; isOver: () => boolean }): Promise<RaceOutcome<T>> {
    return new Promise<RaceOutcome<T>>((resolve) => {
      let settled = false;
      const finish = (outcome: RaceOutcome<T>): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        resolve(outcome);
      };
      const seconds = Math.round(this.timeoutMs / 1000);
      const timer = this.clock.setTimeout(() => finish({ kind: 'error', cause: { kind: 'timeout', operation, seconds } }), this.timeoutMs);
      if (ended) void ended.promise.then(() => finish({ kind: 'ended' }));
      let p: Promise<T>;
      try {
        p = run();
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(
        (value) => finish(ended?.isOver() ? { kind: 'ended' } : { kind: 'done', value }),
        (err: unknown) => finish(ended?.isOver() ? { kind: 'ended' } : { kind: 'error', cause: causeOfError(err) }),
      );
    });
  }

  /** Fire and forget, for steps whose failure changes nothing (a 481 to a stale Replaces ...). */
  safely(run: () => Promise<void>): Promise<void> {
    try {
      return run().catch(() => undefined);
    } catch {
      return Promise.resolve();
    }
  }
}
