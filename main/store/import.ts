// Import of employees, clients and orders from CSV and JSON files. Every row is validated; the first
// bad row stops the import with an error naming the file, the line and the field, and nothing is
// changed (all files go in one transaction).
//
// CSV: a header row; ',' or ';' as delimiter (detected); several phone numbers in one cell separated by
// ',' or ';' (quote the cell). JSON: an array of objects, or {"employees": [...], "clients": [...],
// "orders": [...]}. Column names are matched loosely (first_name = firstName = "First name").
//   employees: id, surname, first_name, callsign, role (dispatcher|driver|other), phones, sip_uri
//   clients:   name, phones
//   orders:    number, client_phone, client_name, driver_id or driver_callsign, pickup_address,
//              destination_address, status, note, created_at (ISO date or ms)
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
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

export const IMPORT_KINDS = ['employees', 'clients', 'orders'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export class ImportError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string | null,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${field === null ? '' : ` field "${field}":`} ${reason}`);
    this.name = 'ImportError';
  }
}

export interface ImportSummary {
  employees: number;
  clients: number;
  orders: number;
}

/** One row as read from a file: canonical field name -> value, with the name the file used. */
interface RawRow {
  file: string;
  line: number;
  values: Map<string, { value: unknown; as: string }>;
}

interface Section {
  kind: ImportKind;
  rows: RawRow[];
}

const ALIASES: Record<ImportKind, Record<string, string[]>> = {
  employees: {
    id: ['id', 'employeeid', 'табельный', 'табельныйномер'],
    surname: ['surname', 'lastname', 'familyname', 'фамилия'],
    firstName: ['firstname', 'givenname', 'name', 'имя'],
    callsign: ['callsign', 'позывной'],
    role: ['role', 'роль', 'должность'],
    phones: ['phones', 'phone', 'numbers', 'number', 'телефон', 'телефоны'],
    sipUri: ['sipuri', 'sip', 'sipaddress'],
  },
  clients: {
    name: ['name', 'clientname', 'имя', 'фио'],
    phones: ['phones', 'phone', 'numbers', 'number', 'телефон', 'телефоны'],
  },
  orders: {
    number: ['number', 'ordernumber', 'no', 'номер'],
    clientPhone: ['clientphone', 'phone', 'телефон'],
    clientName: ['clientname', 'client', 'клиент'],
    driverId: ['driverid', 'driver'],
    driverCallsign: ['drivercallsign', 'callsign', 'позывной'],
    pickupAddress: ['pickupaddress', 'pickup', 'from', 'откуда', 'адресподачи'],
    destinationAddress: ['destinationaddress', 'destination', 'to', 'куда'],
    status: ['status', 'статус'],
    note: ['note', 'comment', 'комментарий'],
    createdAt: ['createdat', 'created', 'date', 'дата'],
  },
};

const ROLE_WORDS: Record<string, EmployeeRole> = {
  dispatcher: 'dispatcher',
  driver: 'driver',
  other: 'other',
  диспетчер: 'dispatcher',
  водитель: 'driver',
  другое: 'other',
  сотрудник: 'other',
};

const foldKey = (key: string) => key.toLowerCase().replace(/ё/g, 'е').replace(/[^a-zа-я0-9]/g, '');

function canonicalKey(kind: ImportKind, key: string): string | null {
  const folded = foldKey(key);
  for (const [canonical, aliases] of Object.entries(ALIASES[kind])) if (aliases.includes(folded)) return canonical;
  return null;
}

function kindFromName(file: string): ImportKind | null {
  const name = basename(file).toLowerCase();
  if (/employee|staff|сотрудник|персонал|driver|водител/.test(name)) return 'employees';
  if (/client|customer|клиент/.test(name)) return 'clients';
  if (/order|заказ/.test(name)) return 'orders';
  return null;
}

function kindFromKeys(keys: string[]): ImportKind | null {
  const folded = keys.map(foldKey);
  if (folded.some((k) => ALIASES.orders.pickupAddress!.includes(k))) return 'orders';
  if (folded.some((k) => ALIASES.employees.surname!.includes(k) || k === 'role' || k === 'callsign')) return 'employees';
  if (folded.some((k) => ALIASES.clients.phones!.includes(k))) return 'clients';
  return null;
}

function toRow(kind: ImportKind, file: string, line: number, record: Record<string, unknown>): RawRow {
  const values = new Map<string, { value: unknown; as: string }>();
  for (const [key, value] of Object.entries(record)) {
    const canonical = canonicalKey(kind, key);
    if (canonical === null) throw new ImportError(file, line, key, `unknown column for ${kind} (expected: ${Object.keys(ALIASES[kind]).join(', ')})`);
    values.set(canonical, { value, as: key });
  }
  return { file, line, values };
}

/** Lines on which the elements of the root array (key '') or of arrays under root keys start. */
export function jsonArrayElementLines(text: string): Map<string, number[]> {
  interface Frame {
    kind: 'object' | 'array';
    key: string | null;
    started: boolean;
    expectKey: boolean;
    pendingKey: string | null;
  }
  const out = new Map<string, number[]>();
  const stack: Frame[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\ufeff') continue;
    const top = stack[stack.length - 1];
    if (top && top.kind === 'array' && !top.started && c !== ']' && c !== ',') {
      top.started = true;
      const key = stack.length === 1 ? '' : stack.length === 2 && stack[0]!.kind === 'object' ? top.key : null;
      if (key !== null) {
        const list = out.get(key) ?? [];
        list.push(line);
        out.set(key, list);
      }
    }
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') j++;
        s += text[j] ?? '';
        j++;
      }
      i = j;
      if (top && top.kind === 'object' && top.expectKey) {
        top.pendingKey = s;
        top.expectKey = false;
      }
    } else if (c === '{') stack.push({ kind: 'object', key: null, started: false, expectKey: true, pendingKey: null });
    else if (c === '[') {
      stack.push({ kind: 'array', key: top && top.kind === 'object' ? top.pendingKey : null, started: false, expectKey: false, pendingKey: null });
    } else if (c === '}' || c === ']') stack.pop();
    else if (c === ',' && top) {
      if (top.kind === 'array') top.started = false;
      else top.expectKey = true;
    }
  }
  return out;
}

/** Offset of the first character that makes `text` invalid JSON (Node 20's JSON.parse does not say). */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n\ufeff'.includes(text[i]!)) i++;
  };
  class Stop extends Error {}
  const stop = (): never => {
    throw new Stop();
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') stop();
        string();
        ws();
        if (text[i] !== ':') stop();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else stop();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else stop();
      }
    } else if (c === '"') string();
    else {
      const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
      if (!m) stop();
      i += m![0].length;
    }
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\n') stop();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) stop();
    i++;
  };
  try {
    value();
    ws();
    return i;
  } catch (error) {
    if (error instanceof Stop) return i;
    throw error;
  }
}

function readJson(file: string, text: string, kind: ImportKind | null): Section[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const pos = /position (\d+)/.exec(message);
    const offset = pos ? Number(pos[1]) : jsonErrorOffset(text);
    const line = text.slice(0, offset).split('\n').length;
    throw new ImportError(file, line, null, `not valid JSON: ${message.replace(/\s+/g, ' ')}`);
  }
  const lines = jsonArrayElementLines(text);
  const section = (k: ImportKind, items: unknown, key: string): Section => {
    if (!Array.isArray(items)) throw new ImportError(file, 1, key || null, `expected an array of ${k}`);
    const itemLines = lines.get(key) ?? [];
    return {
      kind: k,
      rows: items.map((item, i) => {
        const line = itemLines[i] ?? 1;
        if (item === null || typeof item !== 'object' || Array.isArray(item)) {
          throw new ImportError(file, line, null, `each of ${k} must be an object`);
        }
        return toRow(k, file, line, item as Record<string, unknown>);
      }),
    };
  };
  if (Array.isArray(data)) {
    const first = data.find((x) => x && typeof x === 'object') as Record<string, unknown> | undefined;
    const k = kind ?? kindFromName(file) ?? (first ? kindFromKeys(Object.keys(first)) : null);
    if (!k) throw new ImportError(file, 1, null, 'cannot tell whether this holds employees, clients or orders (name the file so, or pass --kind)');
    return [section(k, data, '')];
  }
  if (data && typeof data === 'object') {
    const sections: Section[] = [];
    for (const [key, items] of Object.entries(data)) {
      const k = IMPORT_KINDS.find((x) => x === key);
      if (!k) throw new ImportError(file, 1, key, 'unknown section (expected employees, clients, orders)');
      sections.push(section(k, items, key));
    }
    return sections;
  }
  throw new ImportError(file, 1, null, 'expected an array or an object with employees/clients/orders');
}

function readCsv(file: string, text: string, kind: ImportKind | null): Section[] {
  const firstLine = text.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, info: true, skip_empty_lines: true, trim: true, bom: true, delimiter });
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new ImportError(file, e.lines ?? 1, null, `not valid CSV: ${e.message}`);
  }
  const header = firstLine.split(delimiter).map((h) => h.trim().replace(/^"|"$/g, ''));
  const k = kind ?? kindFromName(file) ?? kindFromKeys(header);
  if (!k) throw new ImportError(file, 1, null, 'cannot tell whether this holds employees, clients or orders (name the file so, or pass --kind)');
  return [
    {
      kind: k,
      rows: records.map(({ record, info }) => {
        const inner = Object.values(record).reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
        const values: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(record)) values[key] = value === '' ? null : value;
        return toRow(k, file, info.lines - inner, values);
      }),
    },
  ];
}

/** Reads one file into sections of rows (no validation of values yet). */
function readImportFile(file: string, kind: ImportKind | null = null, text?: string): Section[] {
  let content: string;
  try {
    content = text ?? readFileSync(file, 'utf8');
  } catch (error) {
    throw new ImportError(file, 0, null, `cannot read the file: ${(error as Error).message}`);
  }
  if (/\.json$/i.test(file) || /^\s*[[{]/.test(content)) return readJson(file, content, kind);
  return readCsv(file, content, kind);
}

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
