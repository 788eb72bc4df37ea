// Reading import files: CSV or JSON into sections of rows, each row remembering its file and line, so
// that import.ts can name the place of a bad value. Nothing is validated or stored here.
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

export const IMPORT_KINDS = ['employees', 'clients', 'orders'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** What stopped an import, and where: the file, its line, and the field as the file names it. */
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

/** One row as read from a file: canonical field name -> value, with the name the file used. */
export interface RawRow {
  file: string;
  line: number;
  values: Map<string, { value: unknown; as: string }>;
}

export interface Section {
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

/** One record as a row: each key mapped to its canonical field name (an unknown column is an error). */
export function toRow(kind: ImportKind, file: string, line: number, record: Record<string, unknown>): RawRow {
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
export function readImportFile(file: string, kind: ImportKind | null = null, text?: string): Section[] {
  let content: string;
  try {
    content = text ?? readFileSync(file, 'utf8');
  } catch (error) {
    throw new ImportError(file, 0, null, `cannot read the file: ${(error as Error).message}`);
  }
  if (/\.json$/i.test(file) || /^\s*[[{]/.test(content)) return readJson(file, content, kind);
  return readCsv(file, content, kind);
}
