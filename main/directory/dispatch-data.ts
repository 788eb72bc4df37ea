// The DispatchData port: everything the phone needs to know about the dispatch centre's world
// (phone book, callers, orders). SqliteDispatchData is the embedded default; a dispatch centre's own
// back end can be plugged in behind the same interface without touching calls/ or the renderer.
import type { CallerIdentity, NewOrder, Order, OrderFilter, PhoneBookEntry } from '../../shared/domain.js';
import { fail, ok, type Result } from '../../shared/errors.js';
import type { Database } from '../store/database.js';
import { DispatchStore, fullName, RecordError } from '../store/dispatch-store.js';
import { normaliseNumber } from '../numbers/phone-numbers.js';
import { PhoneBookIndex } from './phone-book-index.js';
import { PresenceBook, presenceKey as presenceKeyOf } from './presence-book.js';

export interface DispatchData {
  /** Phone book filtered as the dispatcher types; online first, then by surname. Answers from memory. */
  searchPhoneBook(query: string, limit?: number): PhoneBookEntry[];
  /** Presence reported by the SIP side; null forgets it (the server does not report this employee). */
  setPresence(sipUri: string, online: boolean | null): void;
  /** The dispatcher's own address: never marked, never listed as online (presence-book.ts has the rule). */
  setOwnAddress(sipUri: string | null): void;
  /** Everybody in the phone book, sorted by surname (e.g. for the blind-transfer list and presence watching). */
  listEmployees(): PhoneBookEntry[];
  /** Who this number is: driver (+ current order), other employee, client (+ unfinished orders), new client. */
  identify(number: string): CallerIdentity;
  listOrders(filter: OrderFilter): Order[];
  getOrder(orderId: string): Result<Order>;
  /** Creates an order from the intake form (status 'new'); validation errors name the field. */
  createOrder(order: NewOrder): Result<Order>;
}

export interface SqliteDispatchDataOptions {
  /** Region for national numbers (config), 'RU' by default. */
  defaultRegion?: string;
  now?: () => number;
}

const DEFAULT_PHONE_BOOK_LIMIT = 50;
const MAX_PHONE_BOOK_LIMIT = 10_000;
const ANONYMOUS = new Set(['', 'anonymous', 'unknown', 'restricted', 'private', 'unavailable']);

export class SqliteDispatchData implements DispatchData {
  readonly store: DispatchStore;
  private readonly region: string;
  private readonly now: () => number;
  private readonly presence = new PresenceBook();
  private index: PhoneBookIndex | null = null;
  private indexRevision = -1;

  constructor(db: Database, options: SqliteDispatchDataOptions = {}) {
    this.store = new DispatchStore(db);
    this.region = options.defaultRegion ?? 'RU';
    this.now = options.now ?? Date.now;
  }

  /** The phone-book index, reloaded when the directory revision moved (an import, here or in another process). */
  private phoneBook(): PhoneBookIndex {
    const revision = this.store.directoryRevision();
    if (this.index === null || revision !== this.indexRevision) {
      this.index = new PhoneBookIndex(this.store.loadEmployees(), this.region);
      this.indexRevision = revision;
    }
    return this.index;
  }

  /** Forces a reload of the in-memory phone book. */
  refresh(): void {
    this.index = null;
  }

  searchPhoneBook(query: string, limit: number = DEFAULT_PHONE_BOOK_LIMIT): PhoneBookEntry[] {
    const n = Number.isFinite(limit) ? Math.max(1, Math.min(MAX_PHONE_BOOK_LIMIT, Math.floor(limit))) : DEFAULT_PHONE_BOOK_LIMIT;
    return this.phoneBook().search(query, n, this.presence);
  }

  setPresence(sipUri: string, online: boolean | null): void {
    this.presence.set(sipUri, online);
  }

  setOwnAddress(sipUri: string | null): void {
    this.presence.setOwnAddress(sipUri);
  }

  /** Is this address the dispatcher's own (so not to be watched)? */
  isOwnAddress(sipUri: string): boolean {
    return this.presence.isOwn(presenceKeyOf(sipUri));
  }

  /** Forgets all presence (the SIP side lost presence support or re-registered). */
  clearPresence(): void {
    this.presence.clear();
  }

  listEmployees(): PhoneBookEntry[] {
    return this.phoneBook().all(this.presence);
  }

  identify(number: string): CallerIdentity {
    const raw = typeof number === 'string' ? number.trim() : '';
    if (ANONYMOUS.has(raw.toLowerCase())) return { kind: 'unknown', reason: 'withheld' };
    const key = normaliseNumber(raw, this.region);
    if (key === null) return { kind: 'unknown', reason: 'not-a-number' };
    try {
      const employee = this.phoneBook().employeeByNumber(key);
      if (employee) {
        const name = fullName(employee.surname, employee.firstName);
        if (employee.role === 'driver') {
          return {
            kind: 'driver',
            employeeId: employee.employeeId,
            name,
            callsign: employee.callsign,
            currentOrder: this.store.currentOrderOfDriver(employee.employeeId),
          };
        }
        return { kind: 'employee', employeeId: employee.employeeId, name, callsign: employee.callsign, role: employee.role };
      }
      const client = this.store.findClientByNumber(key);
      if (client) {
        return {
          kind: 'client',
          clientId: client.clientId,
          name: client.name,
          unfinishedOrders: this.store.unfinishedOrdersOfClient(client.clientId),
        };
      }
      return { kind: 'new-client' };
    } catch (error) {
      return { kind: 'unknown', reason: 'failed', detail: (error as Error).message };
    }
  }

  listOrders(filter: OrderFilter): Order[] {
    return this.store.listOrders(filter ?? {});
  }

  getOrder(orderId: string): Result<Order> {
    const order = typeof orderId === 'string' ? this.store.getOrder(orderId) : null;
    return order ? ok(order) : fail('not-found', { kind: 'not-found', what: 'order', id: String(orderId) });
  }

  createOrder(order: NewOrder): Result<Order> {
    if (order === null || typeof order !== 'object') return fail('validation', { kind: 'invalid-field', field: 'order', rule: 'required' });
    const pickup = optionalText(order.pickupAddress);
    if (pickup === undefined || pickup === null) {
      return fail('validation', { kind: 'invalid-field', field: 'pickupAddress', rule: 'required' }, 'pickupAddress');
    }
    if (pickup.length > 500) return fail('validation', { kind: 'invalid-field', field: 'pickupAddress', rule: 'too-long', max: 500 }, 'pickupAddress');
    const phone = typeof order.clientPhone === 'string' ? normaliseNumber(order.clientPhone, this.region) : null;
    if (phone === null) {
      return fail('validation', { kind: 'invalid-field', field: 'clientPhone', rule: 'not-a-phone-number' }, 'clientPhone');
    }
    const fields: [keyof NewOrder, number][] = [
      ['clientName', 200],
      ['destinationAddress', 500],
      ['note', 2000],
    ];
    for (const [field, max] of fields) {
      const value = optionalText(order[field]);
      if (value === undefined) return fail('validation', { kind: 'invalid-field', field, rule: 'not-text' }, field);
      if (value !== null && value.length > max) return fail('validation', { kind: 'invalid-field', field, rule: 'too-long', max }, field);
    }
    try {
      const db = this.store.db;
      const orderId = db.transaction(() =>
        this.store.upsertOrder(
          {
            number: this.store.nextOrderNumber(),
            clientPhone: phone,
            clientName: optionalText(order.clientName) ?? null,
            driverId: null,
            pickupAddress: pickup,
            destinationAddress: optionalText(order.destinationAddress) ?? null,
            status: 'new',
            note: optionalText(order.note) ?? null,
            createdAt: this.now(),
          },
          this.now(),
        ),
      ).immediate();
      const created = this.store.getOrder(orderId);
      return created ? ok(created) : fail('storage-failure', { kind: 'stored-not-readable' });
    } catch (error) {
      if (error instanceof RecordError) return fail('validation', { kind: 'invalid-field', field: error.field, rule: error.rule }, error.field);
      return fail('storage-failure', { kind: 'storage', detail: (error as Error).message });
    }
  }
}

/** Trimmed text, null for absent/blank, undefined for a value of the wrong type. */
function optionalText(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}
