// The port through which dialog-recovery.ts keeps open dialogs in the store (main/store/open-dialogs.ts
// implements it): the one file of sip/ the store may import (LAYERS in eslint.config.js).
import type { HistoryRecovery } from '../../shared/domain.js';

/** One established dialog as a later process needs it to end it. */
export interface DialogFacts {
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  /** The far end's Contact (the BYE's Request-URI). */
  remoteTarget: string;
  /** Route header values, in order (from Record-Route). */
  routeSet: string[];
  /** The last CSeq we used in this dialog; the BYE takes the next. */
  localCSeq: number;
  transport: 'udp' | 'tcp' | 'tls';
}

export interface LeftOpenDialog {
  legId: string;
  historyCallId: string | null;
  dialog: DialogFacts;
}

/** What came of the BYE sent at start for a dialog a dead process left open. */
export type DialogRecovery = HistoryRecovery;

/** Where open dialogs are kept (main/store/open-dialogs.ts). Writes may land a turn later. */
export interface OpenDialogStore {
  /** The dialog is up, or it changed (new CSeq, new remote target). */
  keep(legId: string, dialog: DialogFacts): void;
  /** The dialog belongs to this history row. */
  link(legId: string, historyCallId: string): void;
  /** The dialog ended: nothing to recover. */
  forget(legId: string): void;
  /** Dialogs a previous process left open (read once at start, before any call of this one). */
  leftOpen(): LeftOpenDialog[];
  /** The BYE for a left-open dialog got its answer: say so in its history row and drop it. */
  recovered(dialog: LeftOpenDialog, outcome: DialogRecovery): void;
}
