// Numbered schema migrations. Append only: never edit a migration that has shipped, add the next one.
// The schema version lives in PRAGMA user_version; database.ts applies what is missing at start and
// refuses a file whose version is newer than the last migration here.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'directory, orders, call history',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      -- Bumped by triggers whenever the phone book changes, so an in-memory index (in this or another
      -- process) knows it must reload.
      INSERT INTO meta (key, value) VALUES ('directory_revision', '0');

      CREATE TABLE employees (
        employee_id TEXT PRIMARY KEY,
        surname     TEXT NOT NULL,
        first_name  TEXT NOT NULL,
        callsign    TEXT,
        role        TEXT NOT NULL CHECK (role IN ('dispatcher', 'driver', 'other')),
        sip_uri     TEXT
      );

      -- Numbers are stored normalised: E.164 (+79123456789) or a short internal number (1002).
      CREATE TABLE employee_numbers (
        employee_id TEXT NOT NULL REFERENCES employees (employee_id) ON DELETE CASCADE,
        number      TEXT NOT NULL,
        position    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (employee_id, number)
      ) WITHOUT ROWID;
      CREATE INDEX employee_numbers_by_number ON employee_numbers (number);

      CREATE TABLE clients (
        client_id  INTEGER PRIMARY KEY,
        name       TEXT,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE client_numbers (
        number    TEXT NOT NULL PRIMARY KEY,
        client_id INTEGER NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE
      ) WITHOUT ROWID;
      CREATE INDEX client_numbers_by_client ON client_numbers (client_id);

      -- Which statuses count as unfinished (and as a driver carrying the order out) is data, spelled
      -- out here and kept equal to UNFINISHED_ORDER_STATUSES / DRIVER_BUSY_ORDER_STATUSES in shared/domain.ts.
      CREATE TABLE order_statuses (
        status      TEXT PRIMARY KEY,
        unfinished  INTEGER NOT NULL CHECK (unfinished IN (0, 1)),
        driver_busy INTEGER NOT NULL CHECK (driver_busy IN (0, 1))
      ) WITHOUT ROWID;
      INSERT INTO order_statuses (status, unfinished, driver_busy) VALUES
        ('new', 1, 0),
        ('assigned', 1, 1),
        ('driving-to-client', 1, 1),
        ('waiting-for-client', 1, 1),
        ('in-progress', 1, 1),
        ('completed', 0, 0),
        ('cancelled', 0, 0);

      CREATE TABLE orders (
        order_id            INTEGER PRIMARY KEY,
        number              TEXT NOT NULL UNIQUE,
        client_id           INTEGER REFERENCES clients (client_id) ON DELETE SET NULL,
        client_phone        TEXT,
        driver_id           TEXT REFERENCES employees (employee_id) ON DELETE SET NULL,
        pickup_address      TEXT NOT NULL CHECK (length(trim(pickup_address)) > 0),
        destination_address TEXT,
        status              TEXT NOT NULL REFERENCES order_statuses (status),
        note                TEXT,
        created_at          INTEGER NOT NULL
      );
      CREATE INDEX orders_by_client ON orders (client_id, status, created_at);
      CREATE INDEX orders_by_driver ON orders (driver_id, status, created_at);
      CREATE INDEX orders_by_status ON orders (status, created_at);
      CREATE INDEX orders_by_created ON orders (created_at);

      CREATE TABLE call_history (
        history_id       INTEGER PRIMARY KEY,
        call_id          TEXT NOT NULL UNIQUE,
        direction        TEXT NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
        number           TEXT NOT NULL,
        -- number normalised for look-ups (E.164 or short), or the raw number when it is no number.
        number_key       TEXT NOT NULL,
        identity         TEXT NOT NULL,
        handled_by       TEXT,
        started_at       INTEGER NOT NULL,
        answered_at      INTEGER,
        ended_at         INTEGER,
        duration_seconds INTEGER,
        outcome          TEXT NOT NULL CHECK (outcome IN ('in-progress', 'answered', 'missed',
                           'cancelled-by-caller', 'answered-elsewhere', 'transferred', 'failed', 'interrupted')),
        end_reason       TEXT,
        transferred_to   TEXT,
        failure_reason   TEXT,
        held_count       INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX call_history_by_start ON call_history (started_at);
      CREATE INDEX call_history_by_number ON call_history (number_key, started_at);
      CREATE INDEX call_history_by_outcome ON call_history (outcome, started_at);

      -- Row counts per outcome, kept by triggers, so an unfiltered or outcome-only history page can say
      -- its total without counting a million rows.
      CREATE TABLE call_history_counts (
        outcome TEXT PRIMARY KEY,
        n       INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO call_history_counts (outcome, n) VALUES ('in-progress', 0), ('answered', 0), ('missed', 0),
        ('cancelled-by-caller', 0), ('answered-elsewhere', 0), ('transferred', 0), ('failed', 0), ('interrupted', 0);
      CREATE TRIGGER call_history_count_ins AFTER INSERT ON call_history BEGIN
        UPDATE call_history_counts SET n = n + 1 WHERE outcome = NEW.outcome; END;
      CREATE TRIGGER call_history_count_upd AFTER UPDATE OF outcome ON call_history WHEN OLD.outcome IS NOT NEW.outcome BEGIN
        UPDATE call_history_counts SET n = n - 1 WHERE outcome = OLD.outcome;
        UPDATE call_history_counts SET n = n + 1 WHERE outcome = NEW.outcome; END;
      CREATE TRIGGER call_history_count_del AFTER DELETE ON call_history BEGIN
        UPDATE call_history_counts SET n = n - 1 WHERE outcome = OLD.outcome; END;

      CREATE TRIGGER employees_ins AFTER INSERT ON employees BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'directory_revision'; END;
      CREATE TRIGGER employees_upd AFTER UPDATE ON employees BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'directory_revision'; END;
      CREATE TRIGGER employees_del AFTER DELETE ON employees BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'directory_revision'; END;
      CREATE TRIGGER employee_numbers_ins AFTER INSERT ON employee_numbers BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'directory_revision'; END;
      CREATE TRIGGER employee_numbers_del AFTER DELETE ON employee_numbers BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'directory_revision'; END;
    `,
  },
  {
    version: 2,
    name: 'workstation settings (locale, ring volume, shortcuts, audio routing) as JSON values',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value))
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'open dialogs kept with their history row, so a crash leaves none dangling',
    sql: `
      -- One row per established SIP dialog while it is up: what a BYE needs (RFC 3261 12.2.1.1) as JSON.
      -- Removed when the dialog ends; rows found at start belonged to a process that died mid-call.
      -- history_call_id links the row to call_history.call_id once the call centre's row is known.
      CREATE TABLE open_dialogs (
        leg_id          TEXT PRIMARY KEY,
        history_call_id TEXT,
        dialog          TEXT NOT NULL CHECK (json_valid(dialog)),
        updated_at      INTEGER NOT NULL
      ) STRICT;
      -- What the app did at the next start about a call it was in when it died: NULL (nothing to end),
      -- 'bye-answered' (the far end took our BYE), 'bye-refused' (it answered with an error: 481, the
      -- dialog was gone already), 'bye-unanswered' (no answer before the transaction timed out).
      ALTER TABLE call_history ADD COLUMN recovery TEXT
        CHECK (recovery IS NULL OR recovery IN ('bye-answered', 'bye-refused', 'bye-unanswered'));
    `,
  },
  {
    version: 4,
    name: "each call's worst media quality figure (MOS, class, loss, jitter, RTT) as JSON",
    sql: `
      ALTER TABLE call_history ADD COLUMN worst_quality TEXT CHECK (worst_quality IS NULL OR json_valid(worst_quality));
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
