// SQL for the dispatcher's data: employees (phone book), clients and orders. Every value goes through
// bound parameters; names, addresses and searches are data, never SQL.
import type { FieldRule } from '../../shared/facts.js';
import type { Statement } from 'better-sqlite3';
import {
  DRIVER_BUSY_ORDER_STATUSES,
  UNFINISHED_ORDER_STATUSES,
  type EmployeeRole,
  type Order,
  type OrderFilter,
  type OrderStatus,
  type PhoneBookEntry,
} from '../../shared/domain.js';
import type { Database } from './database.js';
import { StatementCache } from './statement-cache.js';

/** A phone book row as stored: numbers normalised, in the order to show them; presence is not stored. */
export type EmployeeRecord = Omit<PhoneBookEntry, 'online'>;

export interface ClientRecord {
  name: string | null;
  /** Normalised numbers; a number belongs to one client (importing it for another moves it). */
  numbers: string[];
}

export interface OrderRecord {
  number: string;
  /** Normalised client phone; the client is found by it (or created with clientName). */
  clientPhone: string | null;
  clientName: string | null;
  driverId: string | null;
  pickupAddress: string;
  destinationAddress: string | null;
  status: OrderStatus;
  note: string | null;
  createdAt: number;
}

/** A record that cannot be stored, naming the field at fault. */
export class RecordError extends Error {
  constructor(
    readonly field: string,
    message: string,
    /** The rule broken, for the dispatcher's screen (the message is for the import's log). */
    readonly rule: FieldRule = 'unknown-value',
  ) {
    super(message);
    this.name = 'RecordError';
  }
}

interface OrderRow {
  order_id: number;
  number: string;
  client_id: number | null;
  client_name: string | null;
  client_phone: string | null;
  driver_id: string | null;
  driver_surname: string | null;
  driver_first_name: string | null;
  driver_callsign: string | null;
  pickup_address: string;
  destination_address: string | null;
  status: OrderStatus;
  note: string | null;
  created_at: number;
}

const ORDER_SELECT = `
  SELECT o.order_id, o.number, o.client_id, c.name AS client_name, o.client_phone, o.driver_id,
         e.surname AS driver_surname, e.first_name AS driver_first_name, e.callsign AS driver_callsign,
         o.pickup_address, o.destination_address, o.status, o.note, o.created_at
  FROM orders o
  LEFT JOIN clients c ON c.client_id = o.client_id
  LEFT JOIN employees e ON e.employee_id = o.driver_id`;

export function fullName(surname: string | null, firstName: string | null): string {
  return [surname, firstName].filter((p) => p && p.trim()).join(' ');
}

function toOrder(row: OrderRow): Order {
  return {
    orderId: String(row.order_id),
    number: row.number,
    clientId: row.client_id === null ? null : String(row.client_id),
    clientName: row.client_name,
    clientPhone: row.client_phone,
    driverId: row.driver_id,
    driverName: row.driver_id === null || row.driver_surname === null ? null : fullName(row.driver_surname, row.driver_first_name),
    driverCallsign: row.driver_callsign,
    pickupAddress: row.pickup_address,
    destinationAddress: row.destination_address,
    status: row.status,
    note: row.note,
    createdAt: row.created_at,
  };
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
const UNFINISHED_IN = `(${placeholders(UNFINISHED_ORDER_STATUSES.length)})`;
const BUSY_IN = `(${placeholders(DRIVER_BUSY_ORDER_STATUSES.length)})`;

const DEFAULT_ORDER_LIMIT = 200;
const MAX_ORDER_LIMIT = 1000;


/** Prepared statements over one database connection. */
export class DispatchStore {
  private readonly statements: StatementCache;
  private readonly revisionStmt: Statement<[], { value: string }>;
  private readonly employeesStmt: Statement<
    [],
    { employee_id: string; surname: string; first_name: string; callsign: string | null; role: EmployeeRole; sip_uri: string | null }
  >;
  private readonly employeeNumbersStmt: Statement<[], { employee_id: string; number: string }>;
  private readonly clientByNumberStmt: Statement<[string], { client_id: number; name: string | null }>;
  private readonly driverOrderStmt: Statement<unknown[], OrderRow>;
  private readonly clientOrdersStmt: Statement<unknown[], OrderRow>;
  private readonly orderByIdStmt: Statement<[number], OrderRow>;

  constructor(readonly db: Database) {
    this.statements = new StatementCache(db);
    this.revisionStmt = db.prepare(`SELECT value FROM meta WHERE key = 'directory_revision'`);
    this.employeesStmt = db.prepare(`SELECT employee_id, surname, first_name, callsign, role, sip_uri FROM employees`);
    this.employeeNumbersStmt = db.prepare(`SELECT employee_id, number FROM employee_numbers ORDER BY employee_id, position`);
    this.clientByNumberStmt = db.prepare(
      `SELECT c.client_id, c.name FROM client_numbers n JOIN clients c ON c.client_id = n.client_id WHERE n.number = ?`,
    );
    this.driverOrderStmt = db.prepare(
      `${ORDER_SELECT} WHERE o.driver_id = ? AND o.status IN ${BUSY_IN} ORDER BY o.created_at DESC LIMIT 1`,
    );
    this.clientOrdersStmt = db.prepare(
      `${ORDER_SELECT} WHERE o.client_id = ? AND o.status IN ${UNFINISHED_IN} ORDER BY o.created_at DESC LIMIT 50`,
    );
    this.orderByIdStmt = db.prepare(`${ORDER_SELECT} WHERE o.order_id = ?`);
  }

  private stmt(sql: string): Statement {
    return this.statements.get(sql);
  }

  /** Changes whenever employees or their numbers change (in any process). */
  directoryRevision(): number {
    return Number(this.revisionStmt.get()?.value ?? 0);
  }

  loadEmployees(): EmployeeRecord[] {
    const numbers = new Map<string, string[]>();
    for (const row of this.employeeNumbersStmt.all()) {
      const list = numbers.get(row.employee_id);
      if (list) list.push(row.number);
      else numbers.set(row.employee_id, [row.number]);
    }
    return this.employeesStmt.all().map((row) => ({
      employeeId: row.employee_id,
      surname: row.surname,
      firstName: row.first_name,
      callsign: row.callsign,
      role: row.role,
      sipUri: row.sip_uri,
      numbers: numbers.get(row.employee_id) ?? [],
    }));
  }

  findClientByNumber(number: string): { clientId: string; name: string | null } | null {
    const row = this.clientByNumberStmt.get(number);
    return row ? { clientId: String(row.client_id), name: row.name } : null;
  }

  currentOrderOfDriver(employeeId: string): Order | null {
    const row = this.driverOrderStmt.get(employeeId, ...DRIVER_BUSY_ORDER_STATUSES);
    return row ? toOrder(row) : null;
  }

  unfinishedOrdersOfClient(clientId: string): Order[] {
    const id = Number(clientId);
    if (!Number.isSafeInteger(id)) return [];
    return this.clientOrdersStmt.all(id, ...UNFINISHED_ORDER_STATUSES).map(toOrder);
  }

  getOrder(orderId: string): Order | null {
    if (!/^\d{1,15}$/.test(orderId)) return null;
    const row = this.orderByIdStmt.get(Number(orderId));
    return row ? toOrder(row) : null;
  }

  listOrders(filter: OrderFilter): Order[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.driverId !== undefined) {
      where.push('o.driver_id = ?');
      params.push(filter.driverId);
    }
    if (filter.clientId !== undefined) {
      const id = Number(filter.clientId);
      if (!/^\d{1,15}$/.test(filter.clientId)) return [];
      where.push('o.client_id = ?');
      params.push(id);
    }
    let statuses: readonly OrderStatus[] | null = filter.statuses && filter.statuses.length ? filter.statuses : null;
    if (filter.unfinishedOnly) {
      statuses = statuses ? statuses.filter((s) => UNFINISHED_ORDER_STATUSES.includes(s)) : UNFINISHED_ORDER_STATUSES;
      if (statuses.length === 0) return [];
    }
    if (statuses) {
      where.push(`o.status IN (${placeholders(statuses.length)})`);
      params.push(...statuses);
    }
    const limit = Math.max(1, Math.min(MAX_ORDER_LIMIT, Math.floor(filter.limit ?? DEFAULT_ORDER_LIMIT)));
    const sql = `${ORDER_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY o.created_at DESC, o.order_id DESC LIMIT ?`;
    return (this.stmt(sql).all(...params, limit) as OrderRow[]).map(toOrder);
  }

  // ------------------------------------------------------------------ writes

  upsertEmployee(record: EmployeeRecord): void {
    this.stmt(
      `INSERT INTO employees (employee_id, surname, first_name, callsign, role, sip_uri) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (employee_id) DO UPDATE SET surname = excluded.surname, first_name = excluded.first_name,
         callsign = excluded.callsign, role = excluded.role, sip_uri = excluded.sip_uri
       WHERE (surname, first_name, callsign, role, sip_uri) IS NOT (excluded.surname, excluded.first_name,
         excluded.callsign, excluded.role, excluded.sip_uri)`,
    ).run(record.employeeId, record.surname, record.firstName, record.callsign, record.role, record.sipUri);
    const current = (this.stmt(`SELECT number FROM employee_numbers WHERE employee_id = ? ORDER BY position`).all(
      record.employeeId,
    ) as { number: string }[]).map((r) => r.number);
    const wanted = [...new Set(record.numbers)];
    if (current.join('\n') === wanted.join('\n')) return;
    this.stmt(`DELETE FROM employee_numbers WHERE employee_id = ?`).run(record.employeeId);
    const insert = this.stmt(`INSERT INTO employee_numbers (employee_id, number, position) VALUES (?, ?, ?)`);
    wanted.forEach((number, i) => insert.run(record.employeeId, number, i));
  }

  findEmployeeIdByCallsign(callsign: string): string[] {
    return (this.stmt(`SELECT employee_id FROM employees WHERE callsign = ? AND role = 'driver'`).all(callsign) as {
      employee_id: string;
    }[]).map((r) => r.employee_id);
  }

  employeeExists(employeeId: string): boolean {
    return this.stmt(`SELECT 1 FROM employees WHERE employee_id = ?`).get(employeeId) !== undefined;
  }

  /** Inserts or updates a client found by any of its numbers; returns its id. */
  upsertClient(record: ClientRecord, now: number): string {
    let clientId: number | null = null;
    for (const number of record.numbers) {
      const found = this.clientByNumberStmt.get(number);
      if (found) {
        clientId = found.client_id;
        break;
      }
    }
    if (clientId === null) {
      clientId = Number(this.stmt(`INSERT INTO clients (name, created_at) VALUES (?, ?)`).run(record.name, now).lastInsertRowid);
    } else if (record.name !== null) {
      this.stmt(`UPDATE clients SET name = ? WHERE client_id = ? AND name IS NOT ?`).run(record.name, clientId, record.name);
    }
    const link = this.stmt(
      `INSERT INTO client_numbers (number, client_id) VALUES (?, ?) ON CONFLICT (number) DO UPDATE SET client_id = excluded.client_id`,
    );
    for (const number of record.numbers) link.run(number, clientId);
    return String(clientId);
  }

  /** Inserts or updates (by its number) an order; the client is found or created by phone. Returns the order id. */
  upsertOrder(record: OrderRecord, now: number): string {
    let clientId: string | null = null;
    if (record.clientPhone !== null) {
      const existing = this.findClientByNumber(record.clientPhone);
      clientId = existing
        ? existing.name === null && record.clientName !== null
          ? this.upsertClient({ name: record.clientName, numbers: [record.clientPhone] }, now)
          : existing.clientId
        : this.upsertClient({ name: record.clientName, numbers: [record.clientPhone] }, now);
    }
    if (record.driverId !== null && !this.employeeExists(record.driverId)) {
      throw new RecordError('driver', `no employee with id "${record.driverId}"`);
    }
    const row = this.stmt(
      `INSERT INTO orders (number, client_id, client_phone, driver_id, pickup_address, destination_address, status, note, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (number) DO UPDATE SET client_id = excluded.client_id, client_phone = excluded.client_phone,
         driver_id = excluded.driver_id, pickup_address = excluded.pickup_address,
         destination_address = excluded.destination_address, status = excluded.status, note = excluded.note,
         created_at = excluded.created_at
       RETURNING order_id`,
    ).get(
      record.number,
      clientId === null ? null : Number(clientId),
      record.clientPhone,
      record.driverId,
      record.pickupAddress,
      record.destinationAddress,
      record.status,
      record.note,
      record.createdAt,
    ) as { order_id: number };
    return String(row.order_id);
  }

  /**
   * A fresh human order number in the centre's own numbering: the newest order's prefix (Д-1005 -> Д-) and
   * one more than the largest number with that prefix (Д-1006), plain digits when the orders have none
   * (a new order was "1" beside Д-1001...). A counter in meta keeps it rising, skipping numbers an import
   * has taken. Call inside the creating transaction.
   */
  nextOrderNumber(): string {
    const stored = this.stmt(`SELECT value FROM meta WHERE key = 'last_order_number'`).get() as { value: string } | undefined;
    const split = (n: string): [string, number] => {
      const m = /^(.*?)(\d+)$/.exec(n);
      return m ? [m[1]!, Number(m[2])] : [n, 0];
    };
    let prefix: string;
    let candidate: number;
    if (stored) {
      const [p, last] = split(stored.value);
      [prefix, candidate] = [p, last + 1];
    } else {
      const newest = this.stmt(`SELECT number FROM orders ORDER BY created_at DESC, order_id DESC LIMIT 1`).get() as { number: string } | undefined;
      prefix = newest ? split(newest.number)[0] : '';
      const numbers = this.stmt(`SELECT number FROM orders WHERE substr(number, 1, ?) = ?`).all(prefix.length, prefix) as { number: string }[];
      let top = 0;
      for (const { number } of numbers) {
        const [p, n] = split(number);
        if (p === prefix && n > top) top = n;
      }
      candidate = top + 1;
    }
    const taken = this.stmt(`SELECT 1 FROM orders WHERE number = ?`);
    while (taken.get(`${prefix}${candidate}`) !== undefined) candidate += 1;
    const number = `${prefix}${candidate}`;
    this.stmt(
      `INSERT INTO meta (key, value) VALUES ('last_order_number', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ).run(number);
    return number;
  }
}
