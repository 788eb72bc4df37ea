import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDispatchData } from '../../../main/directory/dispatch-data.js';
import { closeDatabase, openDatabase } from '../../../main/store/database.js';
import { ImportError, jsonArrayElementLines } from '../../../main/store/import-files.js';
import { importFiles } from '../../../main/store/import.js';
import { tempDb, type TempDb } from './temp-db.js';

const count = (t: TempDb, table: string) => (t.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('import', () => {
  let t: TempDb;
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());
  const file = (name: string, text: string) => {
    const path = join(t.dir, name);
    writeFileSync(path, text);
    return path;
  };
  const failure = (fn: () => unknown): ImportError => {
    try {
      fn();
    } catch (e) {
      if (e instanceof ImportError) return e;
      throw e;
    }
    throw new Error('expected an ImportError');
  };

  it('imports employees, clients and orders from CSV (comma and semicolon) and JSON', () => {
    const employees = file(
      'employees.csv',
      'id,surname,first_name,callsign,role,phones,sip_uri\n' +
        'e1,Иванов,Иван,17,driver,"+7 912 345-67-89, 2001",sip:2001@pbx\n' +
        'e2,"О\'Нил","Роберт ""Боб""",,dispatcher,1000,1000@pbx\n',
    );
    const clients = file('clients.csv', 'Имя;Телефоны\nАнна;"+79161230001; 8 916 123-00-11"\n"Robert\'); DROP TABLE clients;--";+79161230002\n');
    const orders = file(
      'orders.json',
      JSON.stringify(
        [
          { number: 'A1', client_phone: '8 916 123 00 01', driver_callsign: '17', pickup_address: 'Тверская, 7', status: 'in-progress', created_at: '2024-05-01T10:00:00+03:00' },
          { number: 'A2', clientPhone: '+79161230003', clientName: 'Новый', pickupAddress: 'Арбат, 1' },
        ],
        null,
        2,
      ),
    );
    expect(importFiles(t.db, [orders, clients, employees])).toEqual({ employees: 2, clients: 2, orders: 2 });
    const data = new SqliteDispatchData(t.db);
    expect(data.searchPhoneBook('нил')[0]).toMatchObject({ surname: "О'Нил", firstName: 'Роберт "Боб"', role: 'dispatcher', numbers: ['1000'], sipUri: 'sip:1000@pbx' });
    expect(data.identify('+79161230011')).toMatchObject({ kind: 'client', name: 'Анна', unfinishedOrders: [{ number: 'A1', driverCallsign: '17' }] });
    expect(data.identify('+79161230002')).toMatchObject({ kind: 'client', name: "Robert'); DROP TABLE clients;--" });
    expect(data.identify('+79161230003')).toMatchObject({ kind: 'client', name: 'Новый', unfinishedOrders: [{ number: 'A2', status: 'new' }] });
    expect(data.identify('2001')).toMatchObject({ kind: 'driver', currentOrder: { number: 'A1', createdAt: Date.parse('2024-05-01T07:00:00Z') } });
    // re-import is an update, not a duplicate
    importFiles(t.db, [employees, clients, orders]);
    expect([count(t, 'employees'), count(t, 'clients'), count(t, 'orders')]).toEqual([2, 3, 2]);
  });

  it('imports a JSON object with sections', () => {
    const path = file('data.json', JSON.stringify({ employees: [{ id: 'x', surname: 'Петров', role: 'водитель', phones: ['2003'] }], clients: [{ name: 'К', phones: '+79161230009' }] }));
    expect(importFiles(t.db, [path])).toEqual({ employees: 1, clients: 1, orders: 0 });
  });

  it('names the file, line and field of a bad CSV row, and changes nothing', () => {
    const good = file('employees.csv', 'id,surname,role,phones\ne1,Иванов,driver,2001\n');
    const bad = file('staff-2.csv', 'id,surname,role,phones\ne2,Петров,driver,2002\n\ne3,Сидоров,boss,2003\n');
    const error = failure(() => importFiles(t.db, [good, bad]));
    expect(error.message).toBe(`${bad}:4: field "role": "boss" is not one of dispatcher, driver, other`);
    expect([error.file, error.line, error.field]).toEqual([bad, 4, 'role']);
    expect(count(t, 'employees')).toBe(0);
  });

  it('reports bad phone numbers and missing required fields', () => {
    const phones = file('clients.csv', 'name,phones\nА,+79161230001\nБ,"+79161230002, 12ab34"\n');
    expect(failure(() => importFiles(t.db, [phones])).message).toBe(`${phones}:3: field "phones": "12ab34" is not a phone number`);
    const orders = file('orders.csv', 'number,client_phone,pickup_address\nA1,+79161230001,Тверская\nA2,+79161230001,  \n');
    expect(failure(() => importFiles(t.db, [orders])).message).toBe(`${orders}:3: field "pickup_address": is required`);
    const driver = file('orders2.csv', 'number,driver_callsign,pickup_address\nA1,99,Тверская\n');
    expect(failure(() => importFiles(t.db, [driver])).message).toBe(`${driver}:2: field "driver_callsign": no driver with callsign "99"`);
    const column = file('clients2.csv', 'name,phones,shoe_size\nА,+79161230001,42\n');
    expect(failure(() => importFiles(t.db, [column])).field).toBe('shoe_size');
    expect(count(t, 'clients')).toBe(0);
    expect(count(t, 'orders')).toBe(0);
  });

  it('names the line of a bad JSON element', () => {
    const path = file(
      'orders.json',
      '[\n  {"number": "A1", "pickup_address": "x"},\n  {\n    "number": "A2",\n    "pickup_address": "y",\n    "status": "flying"\n  }\n]\n',
    );
    expect(failure(() => importFiles(t.db, [path])).message).toBe(`${path}:3: field "status": "flying" is not one of new, assigned, driving-to-client, waiting-for-client, in-progress, completed, cancelled`);
    const broken = file('clients.json', '[\n{"name": "a",\n "phones": [}\n]');
    expect(failure(() => importFiles(t.db, [broken])).message).toMatch(/clients\.json:3: not valid JSON/);
  });

  it('finds the lines of JSON array elements', () => {
    expect(jsonArrayElementLines('[\n{"a": "[,]"},\n\n 5, "x"\n]')).toEqual(new Map([['', [2, 4, 4]]]));
    expect(jsonArrayElementLines('{"clients": [\n{"a": [1,\n2]}\n],\n"orders": [{}, \n{}]}').get('orders')).toEqual([5, 6]);
  });

  it('rolls back everything when the database refuses a row', () => {
    const clients = file('clients.csv', 'name,phones\nА,+79161230001\n');
    const orders = file('orders.csv', 'number,client_phone,pickup_address,created_at\nA1,+79161230001,Тверская,not-a-date\n');
    expect(failure(() => importFiles(t.db, [clients, orders])).field).toBe('created_at');
    expect(count(t, 'clients')).toBe(0);
  });

  describe('npm run import (CLI)', () => {
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'main/store/import-cli.ts', ...args], { cwd: process.cwd(), encoding: 'utf8' });

    it('imports into --db and reports counts', () => {
      const path = file('employees.json', JSON.stringify([{ id: 'e1', surname: 'Иванов', role: 'driver', phones: ['2001'] }]));
      const db = join(t.dir, 'cli', 'db.sqlite');
      const run = cli([path, '--db', db]);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('1 employees');
      const check = openDatabase(db);
      expect(check.prepare('SELECT surname FROM employees').get()).toEqual({ surname: 'Иванов' });
      closeDatabase(check);
    });

    it('exits non-zero with file:line:field on a bad row', () => {
      const path = file('employees.csv', 'id,surname,role\ne1,,driver\n');
      const run = cli([path, '--db', join(t.dir, 'cli2.sqlite')]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${path}:2: field "surname": is required`);
      expect(cli([]).status).toBe(2);
    });
  });
});
