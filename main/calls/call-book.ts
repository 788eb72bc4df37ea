// Every call the centre holds, by call id and by leg, and the incoming queue in arrival order.
import type { CallState } from '../../shared/domain.js';
import type { Entry } from './call-entry.js';
import type { CallLeg } from './ports.js';

export class CallBook {
  private readonly entries = new Map<string, Entry>();
  private readonly byLegId = new Map<string, Entry>();
  private readonly queue: string[] = [];

  get(callId: string): Entry | undefined {
    return this.entries.get(callId);
  }

  byLeg(legId: string): Entry | undefined {
    return this.byLegId.get(legId);
  }

  all(): IterableIterator<Entry> {
    return this.entries.values();
  }

  states(): CallState[] {
    return [...this.entries.values()].map((e) => e.call.state);
  }

  add(e: Entry, queued = false): void {
    this.entries.set(e.call.callId, e);
    if (queued) this.queue.push(e.call.callId);
  }

  setLeg(e: Entry, leg: CallLeg): void {
    e.leg = leg;
    this.byLegId.set(leg.legId, e);
  }

  /** Forgets an ended call once it has lingered on screen. */
  forget(e: Entry): boolean {
    if (this.entries.get(e.call.callId) !== e) return false;
    this.entries.delete(e.call.callId);
    if (e.leg && this.byLegId.get(e.leg.legId) === e) this.byLegId.delete(e.leg.legId);
    return true;
  }

  queued(): string[] {
    return [...this.queue];
  }

  /** Ringing calls nobody is answering or declining yet (what the ringer rings for). */
  waitingCount(): number {
    let n = 0;
    for (const id of this.queue) {
      const e = this.entries.get(id);
      if (e && !e.pending.has('answer') && !e.pending.has('decline')) n++;
    }
    return n;
  }

  unqueue(callId: string): void {
    const i = this.queue.indexOf(callId);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** Calls whose microphone is open: established and not held by us. */
  active(): Entry[] {
    return [...this.entries.values()].filter((e) => e.call.state === 'active');
  }

  /** The call the dispatcher talks on: the most recently answered open one. */
  current(): Entry | null {
    let best: Entry | null = null;
    for (const e of this.active()) {
      if (!best || (e.call.answeredAt ?? 0) >= (best.call.answeredAt ?? 0)) best = e;
    }
    return best;
  }
}
