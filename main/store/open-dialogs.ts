// The open dialogs of this workstation (table open_dialogs, migration 3), kept with their call's history
// row while each call is up, so that the next start can end what a crash left open (main/sip/dialog-recovery.ts).
// Written behind, like the call history: changes of one event-loop turn go to SQLite in one transaction
// at its end, never inside the turn that is sending a SIP message.
import type { Statement } from 'better-sqlite3';
import type { DialogFacts, DialogRecovery, LeftOpenDialog, OpenDialogStore } from '../sip/open-dialog-port.js';
import type { Database } from './database.js';

interface Row {
  leg_id: string;
  history_call_id: string | null;
  dialog: string;
}

/** A dialog's newest facts, or null once it ended. */
type Change = { dialog: DialogFacts | null; historyCallId: string | null };

export class SqliteOpenDialogs implements OpenDialogStore {
  private readonly upsert: Statement;
  private readonly remove: Statement<[string]>;
  private readonly markHistory: Statement<[DialogRecovery, string]>;
  private readonly all: Statement<[], Row>;
  /** Dialogs of this process as known now (the store's rows once flushed). */
  private readonly current = new Map<string, Change>();
  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Immediate | null = null;
  private readonly writeBatch: (legIds: string[]) => void;

  constructor(
    db: Database,
    private readonly onError: (message: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.upsert = db.prepare(`
      INSERT INTO open_dialogs (leg_id, history_call_id, dialog, updated_at) VALUES (@legId, @historyCallId, @dialog, @at)
      ON CONFLICT (leg_id) DO UPDATE SET history_call_id = excluded.history_call_id, dialog = excluded.dialog,
        updated_at = excluded.updated_at`);
    this.remove = db.prepare(`DELETE FROM open_dialogs WHERE leg_id = ?`);
    this.markHistory = db.prepare(`UPDATE call_history SET recovery = ? WHERE call_id = ?`);
    this.all = db.prepare(`SELECT leg_id, history_call_id, dialog FROM open_dialogs ORDER BY updated_at`);
    this.writeBatch = db.transaction((legIds: string[]) => {
      for (const legId of legIds) {
        const change = this.current.get(legId);
        if (!change || !change.dialog) {
          this.remove.run(legId);
          this.current.delete(legId);
        } else {
          this.upsert.run({ legId, historyCallId: change.historyCallId, dialog: JSON.stringify(change.dialog), at: this.now() });
        }
      }
    });
  }

  keep(legId: string, dialog: DialogFacts): void {
    const known = this.current.get(legId);
    this.current.set(legId, { dialog, historyCallId: known?.historyCallId ?? null });
    this.changed(legId);
  }

  link(legId: string, historyCallId: string): void {
    const known = this.current.get(legId);
    if (known?.historyCallId === historyCallId) return;
    // Linked before the dialog is up (an incoming call rings first): remembered for its first write.
    this.current.set(legId, { dialog: known?.dialog ?? null, historyCallId });
    if (known?.dialog) this.changed(legId);
  }

  forget(legId: string): void {
    const known = this.current.get(legId);
    if (!known) return;
    if (!known.dialog) {
      this.current.delete(legId); // never written
      return;
    }
    known.dialog = null;
    this.changed(legId);
  }

  leftOpen(): LeftOpenDialog[] {
    this.flush();
    const out: LeftOpenDialog[] = [];
    for (const row of this.all.all()) {
      if (this.current.has(row.leg_id)) continue; // ours
      try {
        out.push({ legId: row.leg_id, historyCallId: row.history_call_id, dialog: JSON.parse(row.dialog) as DialogFacts });
      } catch {
        this.remove.run(row.leg_id);
      }
    }
    return out;
  }

  recovered(dialog: LeftOpenDialog, outcome: DialogRecovery): void {
    if (dialog.historyCallId !== null) this.markHistory.run(outcome, dialog.historyCallId);
    this.remove.run(dialog.legId);
  }

  /** Writes what waits now (the owner calls it before closing the database). */
  flush(): void {
    if (this.flushTimer) {
      clearImmediate(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.dirty.size === 0) return;
    const legIds = [...this.dirty];
    this.dirty.clear();
    try {
      this.writeBatch(legIds);
    } catch (error) {
      for (const id of legIds) this.dirty.add(id); // retried with the next change
      this.onError(`Could not keep the open dialogs: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private changed(legId: string): void {
    this.dirty.add(legId);
    this.flushTimer ??= setImmediate(() => {
      this.flushTimer = null;
      this.flush();
    });
  }
}
