// Import of employees, clients and orders from CSV and JSON files (read by import-files.ts, which
// describes the formats). Every row is validated; the first bad row stops the import with an error
// naming the file, the line and the field, and nothing is changed (all files go in one transaction).
import { EMPLOYEE_ROLES, ORDER_STATUSES, type EmployeeRole, type OrderStatus } from '../../shared/domain.js';
import { normaliseNumber } from '../numbers/phone-numbers.js';
import type { Database } from './database.js';
import {
  DispatchStore,
  RecordError,
  type ClientRecord,
  type EmployeeRecord,
  type OrderRecord,
} from './dispatch-store.js';
import { IMPORT_KINDS, ImportError, readImportFile, toRow, type ImportKind, type RawRow, type Section } from './import-files.js';

export interface ImportSummary {
  employees: number;
  clients: number;
  orders: number;
}

const ROLE_WORDS: Record<string, EmployeeRole> = {
  dispatcher: 'dispatcher',
  driver: 'driver',
  other: 'other',
  диспетчер: 'dispatcher',
  водитель: 'driver',
  другое: 'other',
  сотрудник: 'other',
};

// ------------------------------------------------------------------ validation of one row

class RowReader {
  constructor(private readonly row: RawRow) {}

  fail(field: string, reason: string): never {
    const as = this.row.values.get(field)?.as ?? snake(field);
    throw new ImportError(this.row.file, this.row.line, as, reason);
  }

  text(field: string, required: boolean, max = 500): string | null {
    const entry = this.row.values.get(field);
    const value = entry?.value;
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
      if (required) this.fail(field, 'is required');
      return null;
    }
    if (typeof value !== 'string' && typeof value !== 'number') this.fail(field, 'must be text');
    const text = String(value).trim();
    if (text.length > max) this.fail(field, `is too long (${max} characters at most)`);
    return text;
  }

  phones(field: string, region: string, required: boolean): string[] {
    const value = this.row.values.get(field)?.value;
    let list: unknown[];
    if (value === undefined || value === null || value === '') list = [];
    else if (Array.isArray(value)) list = value;
    else if (typeof value === 'string' || typeof value === 'number') list = String(value).split(/[,;]/);
    else this.fail(field, 'must be a phone number or a list of them');
    const numbers: string[] = [];
    for (const item of list) {
      if (typeof item !== 'string' && typeof item !== 'number') this.fail(field, 'must hold phone numbers as text');
      const raw = String(item).trim();
      if (raw === '') continue;
      const number = normaliseNumber(raw, region);
      if (number === null) this.fail(field, `"${raw}" is not a phone number`);
      if (!numbers.includes(number)) numbers.push(number);
    }
    if (required && numbers.length === 0) this.fail(field, 'needs at least one phone number');
    return numbers;
  }

  time(field: string, fallback: number): number {
    const value = this.row.values.get(field)?.value;
    if (value === undefined || value === null || value === '') return fallback;
    if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
    if (typeof value === 'string') {
      if (/^\d{10,15}$/.test(value.trim())) return Number(value.trim());
      const t = Date.parse(value);
      if (!Number.isNaN(t)) return t;
    }
    return this.fail(field, `"${String(value)}" is not a date (use ISO 8601, e.g. 2024-05-01T14:30:00+03:00)`);
  }
}

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function employeeFrom(row: RawRow, region: string): EmployeeRecord {
  const r: RowReader = new RowReader(row);
  const surname = r.text('surname', true, 100)!;
  const firstName = r.text('firstName', false, 100) ?? '';
  const callsign = r.text('callsign', false, 50);
  const roleText = (r.text('role', false, 50) ?? 'other').toLowerCase();
  const role = ROLE_WORDS[roleText];
  if (!role) r.fail('role', `"${roleText}" is not one of ${EMPLOYEE_ROLES.join(', ')}`);
  const numbers = r.phones('phones', region, false);
  let sipUri = r.text('sipUri', false, 200);
  if (sipUri !== null) {
    if (!/^sips?:/i.test(sipUri)) sipUri = `sip:${sipUri}`;
    if (!/^sips?:[^@\s]+@[^@\s;]+/i.test(sipUri)) r.fail('sipUri', `"${sipUri}" is not a SIP address (sip:user@host)`);
  }
  const id = r.text('id', false, 100) ?? (sipUri ? sipUri.replace(/^sips?:/i, '').split('@')[0]! : (numbers[0] ?? null));
  if (id === null) r.fail('id', 'is required when there is neither a SIP address nor a phone number');
  return { employeeId: id, surname, firstName, callsign, role, numbers, sipUri };
}

function clientFrom(row: RawRow, region: string): ClientRecord {
  const r: RowReader = new RowReader(row);
  return { name: r.text('name', false, 200), numbers: r.phones('phones', region, true) };
}

function orderFrom(row: RawRow, region: string, store: DispatchStore, now: number): OrderRecord {
  const r: RowReader = new RowReader(row);
  const number = r.text('number', true, 50)!;
  const phones = r.phones('clientPhone', region, false);
  if (phones.length > 1) r.fail('clientPhone', 'holds more than one number');
  const statusText = (r.text('status', false, 50) ?? 'new').toLowerCase();
  if (!ORDER_STATUSES.includes(statusText as OrderStatus)) r.fail('status', `"${statusText}" is not one of ${ORDER_STATUSES.join(', ')}`);
  let driverId = r.text('driverId', false, 100);
  const callsign = r.text('driverCallsign', false, 50);
  if (driverId !== null && !store.employeeExists(driverId)) r.fail('driverId', `no employee with id "${driverId}"`);
  if (driverId === null && callsign !== null) {
    const found = store.findEmployeeIdByCallsign(callsign);
    if (found.length === 0) r.fail('driverCallsign', `no driver with callsign "${callsign}"`);
    if (found.length > 1) r.fail('driverCallsign', `several drivers have callsign "${callsign}"; use driver_id`);
    driverId = found[0]!;
  }
  return {
    number,
    clientPhone: phones[0] ?? null,
    clientName: r.text('clientName', false, 200),
    driverId,
    pickupAddress: r.text('pickupAddress', true, 500)!,
    destinationAddress: r.text('destinationAddress', false, 500),
    status: statusText as OrderStatus,
    note: r.text('note', false, 2000),
    createdAt: r.time('createdAt', now),
  };
}

export interface ImportOptions {
  defaultRegion?: string;
  /** Force the kind of every file instead of guessing from its name or columns. */
  kind?: ImportKind;
  now?: () => number;
}

/** Imports the files in one transaction (employees first, then clients, then orders). */
export function importFiles(db: Database, files: string[], options: ImportOptions = {}): ImportSummary {
  const sections = files.flatMap((file) => readImportFile(file, options.kind ?? null));
  return importSections(db, sections, options);
}

function importSections(db: Database, sections: Section[], options: ImportOptions): ImportSummary {
  const region = options.defaultRegion ?? 'RU';
  const now = (options.now ?? Date.now)();
  const store = new DispatchStore(db);
  const summary: ImportSummary = { employees: 0, clients: 0, orders: 0 };
  const inKind = (kind: ImportKind) => sections.filter((s) => s.kind === kind).flatMap((s) => s.rows);
  const guarded = (row: RawRow, action: () => void) => {
    try {
      action();
    } catch (error) {
      if (error instanceof ImportError) throw error;
      if (error instanceof RecordError) throw new ImportError(row.file, row.line, error.field, error.message);
      throw new ImportError(row.file, row.line, null, `cannot store this row: ${(error as Error).message}`);
    }
  };
  db.transaction(() => {
    for (const row of inKind('employees')) {
      guarded(row, () => store.upsertEmployee(employeeFrom(row, region)));
      summary.employees++;
    }
    for (const row of inKind('clients')) {
      guarded(row, () => store.upsertClient(clientFrom(row, region), now));
      summary.clients++;
    }
    for (const row of inKind('orders')) {
      guarded(row, () => store.upsertOrder(orderFrom(row, region, store, now), now));
      summary.orders++;
    }
  }).immediate();
  return summary;
}

/** Imports records already in memory (demo data, tests) through the same validation. */
export function importRecords(
  db: Database,
  data: Partial<Record<ImportKind, Record<string, unknown>[]>>,
  options: ImportOptions & { source?: string } = {},
): ImportSummary {
  const source = options.source ?? '(records)';
  const sections: Section[] = IMPORT_KINDS.filter((k) => data[k]).map((kind) => ({
    kind,
    rows: data[kind]!.map((record, i) => toRow(kind, source, i + 1, record)),
  }));
  return importSections(db, sections, options);
}
