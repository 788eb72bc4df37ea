// The notices the dispatcher should read: typed facts (shared/facts.ts), the newest few, dismissable.
import type { NoticeWhat } from '../../shared/facts.js';
import type { Notice } from '../../shared/state.js';

export class NoticeBoard {
  private notices: Notice[] = [];
  private nextId = 1;

  constructor(
    private readonly now: () => number,
    private readonly max: number,
  ) {}

  add(level: Notice['level'], what: NoticeWhat, callId: string | null): void {
    this.notices.push({ noticeId: this.nextId++, level, what, at: this.now(), callId });
    if (this.notices.length > this.max) this.notices.splice(0, this.notices.length - this.max);
  }

  /** false when there is no such notice. */
  dismiss(noticeId: number): boolean {
    const before = this.notices.length;
    this.notices = this.notices.filter((n) => n.noticeId !== noticeId);
    return this.notices.length !== before;
  }

  list(): Notice[] {
    return this.notices.map((n) => structuredClone(n));
  }
}
