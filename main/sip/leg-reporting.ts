// Which call leg the listeners running right now are hearing about: a leg delivers its events (and the
// telephony a new leg's announcement) inside reportingAbout, and whatever a listener writes meanwhile can
// ask legBeingReported which dialog it is about (dialog-recovery.ts links history rows to dialogs by it).
import type { CallDirection } from '../../shared/domain.js';

/** What a listener may learn of the leg being reported. */
export interface ReportedLeg {
  readonly legId: string;
  readonly direction: CallDirection;
  isEnded(): boolean;
}

let reporting: ReportedLeg | null = null;

/** Which leg the listeners running now are hearing about, if any. */
export function legBeingReported(): ReportedLeg | null {
  return reporting;
}

/** Runs `deliver` as news about `leg` (see legBeingReported). */
export function reportingAbout(leg: ReportedLeg, deliver: () => void): void {
  const outer = reporting;
  reporting = leg;
  try {
    deliver();
  } finally {
    reporting = outer;
  }
}
