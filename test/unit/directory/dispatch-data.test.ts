import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryCallerIdentifier } from '../../../main/directory/caller-identifier.js';
import { SqliteDispatchData } from '../../../main/directory/dispatch-data.js';
import { closeDatabase, openDatabase } from '../../../main/store/database.js';
import { importRecords } from '../../../main/store/import.js';
import { tempDb, type TempDb } from '../store/temp-db.js';

const T0 = Date.UTC(2024, 4, 1, 9, 0, 0);

function seed(t: TempDb) {
  importRecords(t.db, {
    employees: [
      { id: 'e1', surname: 'Иванов', first_name: 'Иван', callsign: '17', role: 'driver', phones: ['+7 912 345-67-89', '2001'], sip_uri: 'sip:2001@pbx' },
      { id: 'e2', surname: 'Ёлкин', first_name: 'Пётр', callsign: 'Ёж', role: 'driver', phones: ['2002'], sip_uri: 'sip:2002@pbx' },
      { id: 'e3', surname: 'Абрамова', first_name: 'Ольга', callsign: null, role: 'dispatcher', phones: ['1000'], sip_uri: 'sip:1000@pbx' },
      { id: 'e4', surname: "О'Нил", first_name: 'Robert', callsign: "'; DROP TABLE employees;--", role: 'other', phones: ['1100'], sip_uri: null },
      { id: 'e5', surname: 'Яковлев', first_name: 'Семён', callsign: '101', role: 'driver', phones: ['+7 (903) 111-22-33'], sip_uri: 'sip:2005@pbx' },
    ],
    clients: [
      { name: 'Анна', phones: ['+79161230001'] },
      { name: 'Борис', phones: ['+79161230004'] },
    ],
    orders: [
      { number: 'A1', client_phone: '+79161230001', driver_id: 'e1', status: 'in-progress', pickup_address: 'Тверская, 7', created_at: T0 },
      { number: 'A2', client_phone: '+79161230001', status: 'new', pickup_address: 'Арбат, 1', created_at: T0 + 1000 },
      { number: 'A3', client_phone: '+79161230004', driver_id: 'e1', status: 'completed', pickup_address: 'Ленина, 2', created_at: T0 - 5000 },
      { number: 'A4', client_phone: '+79161230004', driver_id: 'e5', status: 'cancelled', pickup_address: 'Мира, 3', created_at: T0 - 4000 },
    ],
  }, { now: () => T0 });
}

describe('SqliteDispatchData', () => {
  let t: TempDb;
  let data: SqliteDispatchData;
  beforeEach(() => {
    t = tempDb();
    seed(t);
    data = new SqliteDispatchData(t.db, { defaultRegion: 'RU', now: () => T0 + 60_000 });
  });
  afterEach(() => t.cleanup());

  const ids = (query: string) => data.searchPhoneBook(query).map((e) => e.employeeId);

  describe('phone book search', () => {
    it('lists everybody by surname for an empty query', () => {
      expect(ids('')).toEqual(['e3', 'e2', 'e1', 'e4', 'e5']);
    });

    it('finds by surname, first name and callsign, case-insensitively, ё = е', () => {
      expect(ids('иван')).toEqual(['e1']);
      expect(ids('ИВАНОВ')).toEqual(['e1']);
      expect(ids('елкин')).toEqual(['e2']);
      expect(ids('ёлкин')).toEqual(['e2']);
      expect(ids('петр')).toEqual(['e2']);
      expect(ids('еж')).toEqual(['e2']);
      expect(ids('17')).toEqual(['e1']);
      expect(ids('семен яков')).toEqual(['e5']);
      expect(ids('robert')).toEqual(['e4']);
      expect(ids('нет такого')).toEqual([]);
    });

    it('finds any run of digits of a number, whatever the formatting', () => {
      expect(ids('912 345')).toEqual(['e1']);
      expect(ids('89123456789')).toEqual(['e1']);
      expect(ids('+7 912 345 67 89')).toEqual(['e1']);
      expect(ids('9123456789')).toEqual(['e1']);
      expect(ids('(903) 111-22')).toEqual(['e5']);
      expect(ids('2002')).toEqual(['e2']);
      expect(ids('иванов 912')).toEqual(['e1']);
    });

    it('treats apostrophes and SQL-looking input as data', () => {
      expect(ids("о'нил")).toEqual(['e4']);
      expect(ids("'; DROP TABLE employees;--")).toEqual(['e4']);
      expect(ids("' OR 1=1 --")).toEqual([]);
      expect(ids('%')).toEqual([]);
      expect(data.listEmployees()).toHaveLength(5);
    });

    it('puts online employees first, then by surname, and fills presence', () => {
      data.setPresence('sip:2005@pbx', true);
      data.setPresence('<sip:2002@PBX;transport=udp>', true);
      data.setPresence('sip:1000@pbx', false);
      const result = data.searchPhoneBook('');
      expect(result.map((e) => e.employeeId)).toEqual(['e2', 'e5', 'e3', 'e1', 'e4']);
      expect(result.map((e) => e.online)).toEqual([true, true, false, null, null]);
      data.setPresence('sip:2005@pbx', null);
      expect(data.searchPhoneBook('').map((e) => e.employeeId)).toEqual(['e2', 'e3', 'e1', 'e4', 'e5']);
    });

    it('respects the limit, keeping online ones', () => {
      data.setPresence('sip:2005@pbx', true);
      expect(data.searchPhoneBook('', 2).map((e) => e.employeeId)).toEqual(['e5', 'e3']);
    });

    it('with a query and a limit: the matching online ones first, and presence that moved since the last search', () => {
      // '2' is in the numbers of e1, e2 and e5 (sorted e2, e1, e5); e3 is online but does not match.
      data.setPresence('sip:1000@pbx', true);
      expect(data.searchPhoneBook('2', 2).map((e) => e.employeeId)).toEqual(['e2', 'e1']);
      data.setPresence('sip:2005@pbx', true);
      expect(data.searchPhoneBook('2', 2).map((e) => e.employeeId)).toEqual(['e5', 'e2']);
      data.setPresence('sip:2001@pbx', true);
      expect(data.searchPhoneBook('2', 2).map((e) => e.employeeId)).toEqual(['e1', 'e5']);
      data.clearPresence();
      expect(data.searchPhoneBook('2', 2).map((e) => e.employeeId)).toEqual(['e2', 'e1']);
    });

    it('returns phone book entries with normalised numbers', () => {
      expect(data.searchPhoneBook('иванов')[0]).toEqual({
        employeeId: 'e1',
        surname: 'Иванов',
        firstName: 'Иван',
        callsign: '17',
        role: 'driver',
        numbers: ['+79123456789', '2001'],
        sipUri: 'sip:2001@pbx',
        online: null,
      });
    });

    it('sees an import made through another connection (another process)', () => {
      expect(ids('новиков')).toEqual([]);
      const other = openDatabase(t.path);
      importRecords(other, { employees: [{ id: 'e9', surname: 'Новиков', first_name: 'Лев', role: 'driver', phones: ['2009'] }] });
      closeDatabase(other);
      expect(ids('новиков')).toEqual(['e9']);
      expect(data.identify('2009')).toMatchObject({ kind: 'driver', employeeId: 'e9' });
    });
  });

  describe('identify', () => {
    it('a driver with the order they are carrying out', () => {
      for (const n of ['+79123456789', '8 912 345-67-89', '89123456789', '2001']) {
        const who = data.identify(n);
        expect(who).toMatchObject({ kind: 'driver', employeeId: 'e1', name: 'Иванов Иван', callsign: '17' });
        if (who.kind === 'driver') expect(who.currentOrder).toMatchObject({ number: 'A1', status: 'in-progress', clientName: 'Анна', driverCallsign: '17' });
      }
    });

    it('a driver with nothing to do', () => {
      expect(data.identify('+79031112233')).toMatchObject({ kind: 'driver', employeeId: 'e5', currentOrder: null });
    });

    it('an employee who is not a driver', () => {
      expect(data.identify('1000')).toEqual({ kind: 'employee', employeeId: 'e3', name: 'Абрамова Ольга', callsign: null, role: 'dispatcher' });
      expect(data.identify('1100')).toMatchObject({ kind: 'employee', role: 'other' });
    });

    it('a client with unfinished orders, newest first', () => {
      const who = data.identify('79161230001');
      expect(who.kind).toBe('client');
      if (who.kind === 'client') {
        expect(who.name).toBe('Анна');
        expect(who.unfinishedOrders.map((o) => o.number)).toEqual(['A2', 'A1']);
      }
    });

    it('a known client with nothing open', () => {
      expect(data.identify('+7 916 123-00-04')).toMatchObject({ kind: 'client', name: 'Борис', unfinishedOrders: [] });
    });

    it('a new client, and unknown for no number', () => {
      expect(data.identify('+79161239999')).toEqual({ kind: 'new-client' });
      expect(data.identify('anonymous').kind).toBe('unknown');
      expect(data.identify('').kind).toBe('unknown');
      expect(data.identify("'; DROP TABLE clients;--").kind).toBe('unknown');
    });

    it('through the CallerIdentifier port', async () => {
      const identifier = new DirectoryCallerIdentifier(data);
      await expect(identifier.identify('2001')).resolves.toMatchObject({ kind: 'driver' });
      const broken = new DirectoryCallerIdentifier({ identify: () => { throw new Error('db gone'); } });
      await expect(broken.identify('2001')).resolves.toEqual({ kind: 'unknown', reason: 'failed', detail: 'db gone' });
    });
  });

  describe('orders', () => {
    it('lists with filters, newest first', () => {
      expect(data.listOrders({}).map((o) => o.number)).toEqual(['A2', 'A1', 'A4', 'A3']);
      expect(data.listOrders({ unfinishedOnly: true }).map((o) => o.number)).toEqual(['A2', 'A1']);
      expect(data.listOrders({ statuses: ['completed', 'cancelled'] }).map((o) => o.number)).toEqual(['A4', 'A3']);
      expect(data.listOrders({ statuses: ['completed'], unfinishedOnly: true })).toEqual([]);
      expect(data.listOrders({ driverId: 'e1' }).map((o) => o.number)).toEqual(['A1', 'A3']);
      const anna = data.identify('+79161230001');
      const clientId = anna.kind === 'client' ? anna.clientId : '';
      expect(data.listOrders({ clientId }).map((o) => o.number)).toEqual(['A2', 'A1']);
      expect(data.listOrders({ clientId: "1 OR 1=1" })).toEqual([]);
      expect(data.listOrders({ driverId: "e1' OR '1'='1" })).toEqual([]);
      expect(data.listOrders({ limit: 1 }).map((o) => o.number)).toEqual(['A2']);
    });

    it('gets one order, or not-found', () => {
      const [first] = data.listOrders({ limit: 1 });
      expect(data.getOrder(first!.orderId)).toEqual({ ok: true, value: first });
      expect(data.getOrder('999999')).toMatchObject({ ok: false, error: { code: 'not-found' } });
      expect(data.getOrder("1'--")).toMatchObject({ ok: false, error: { code: 'not-found' } });
    });

    it('creates an order from the intake form, for a new client', () => {
      const result = data.createOrder({ clientPhone: '8 (916) 123-99-99', clientName: "  Д'Артаньян ", pickupAddress: ' ул. Ёлочная, 1 ', destinationAddress: '', note: "'); DELETE FROM orders;--" });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.value).toMatchObject({
        clientPhone: '+79161239999',
        clientName: "Д'Артаньян",
        pickupAddress: 'ул. Ёлочная, 1',
        destinationAddress: null,
        note: "'); DELETE FROM orders;--",
        status: 'new',
        driverId: null,
        createdAt: T0 + 60_000,
      });
      // In the centre's own numbering: after A1..A4 comes A5 (not "1").
      expect(result.value.number).toBe('A5');
      expect(data.identify('+79161239999')).toMatchObject({ kind: 'client', name: "Д'Артаньян", unfinishedOrders: [{ orderId: result.value.orderId }] });
      const second = data.createOrder({ clientPhone: '+79161239999', pickupAddress: 'Там' });
      expect(second.ok && second.value.number).toBe('A6');
      expect(data.listOrders({})).toHaveLength(6);
    });

    it('creates an order for a known client without renaming them', () => {
      const result = data.createOrder({ clientPhone: '+79161230004', pickupAddress: 'Мира, 3' });
      expect(result.ok && result.value.clientName).toBe('Борис');
    });

    it('refuses an order without a pickup address or a phone, naming the field', () => {
      for (const pickupAddress of ['', '   ', undefined as unknown as string]) {
        expect(data.createOrder({ clientPhone: '+79161230001', pickupAddress })).toEqual({
          ok: false,
          error: { code: 'validation', why: { kind: 'invalid-field', field: 'pickupAddress', rule: 'required' }, field: 'pickupAddress' },
        });
      }
      expect(data.createOrder({ clientPhone: 'abc', pickupAddress: 'Тверская' })).toMatchObject({ ok: false, error: { field: 'clientPhone' } });
      expect(data.createOrder({ clientPhone: '+79161230001', pickupAddress: 'x'.repeat(501) })).toMatchObject({ ok: false, error: { field: 'pickupAddress' } });
      expect(data.createOrder({ clientPhone: '+79161230001', pickupAddress: 'x', note: 5 as unknown as string })).toMatchObject({ ok: false, error: { field: 'note' } });
      expect(data.listOrders({})).toHaveLength(4);
    });
  });
});
