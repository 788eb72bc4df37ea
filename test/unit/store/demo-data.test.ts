import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDispatchData } from '../../../main/directory/dispatch-data.js';
import { seedDemoData } from '../../../main/store/demo-data.js';
import { tempDb, type TempDb } from './temp-db.js';

const counts = (t: TempDb) =>
  ['employees', 'employee_numbers', 'clients', 'client_numbers', 'orders'].map(
    (table) => (t.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
  );

describe('seedDemoData', () => {
  let t: TempDb;
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());

  it('is idempotent', () => {
    expect(seedDemoData(t.db)).toBe(true);
    const first = counts(t);
    expect(seedDemoData(t.db)).toBe(false);
    expect(counts(t)).toEqual(first);
  });

  it('has about 20 employees, 12 of them drivers on lab SIP users 2001..2012', () => {
    seedDemoData(t.db, { sipDomain: '127.0.0.1' });
    const data = new SqliteDispatchData(t.db);
    const all = data.listEmployees();
    expect(all.length).toBeGreaterThanOrEqual(18);
    const drivers = all.filter((e) => e.role === 'driver');
    expect(drivers).toHaveLength(12);
    for (let i = 1; i <= 12; i++) {
      const user = String(2000 + i);
      const driver = drivers.find((d) => d.sipUri === `sip:${user}@127.0.0.1`)!;
      expect(driver.numbers).toContain(user);
      expect(driver.numbers.some((n) => /^\+79\d{9}$/.test(n))).toBe(true);
      expect(driver.callsign).toBeTruthy();
    }
    for (const user of ['1000', '1001', '1002', '1003']) expect(data.identify(user)).toMatchObject({ kind: 'employee', role: 'dispatcher' });
    expect(data.identify('1100')).toMatchObject({ kind: 'employee', role: 'other' });
  });

  it('shows every caller kind of the spec', () => {
    seedDemoData(t.db);
    const data = new SqliteDispatchData(t.db);
    const busy = ['2001', '2002', '2003', '2004'].map((u) => data.identify(u));
    for (const who of busy) {
      expect(who.kind).toBe('driver');
      if (who.kind === 'driver') expect(who.currentOrder).not.toBeNull();
    }
    expect(data.identify('2010')).toMatchObject({ kind: 'driver', currentOrder: null });
    const withOrders = data.identify('79161230001');
    expect(withOrders.kind === 'client' && withOrders.unfinishedOrders.length).toBe(1);
    const two = data.identify('79161230002');
    expect(two.kind === 'client' && two.unfinishedOrders.length).toBe(2);
    expect(data.identify('79161230004')).toMatchObject({ kind: 'client', unfinishedOrders: [] });
    expect(data.identify('79161230005')).toMatchObject({ kind: 'client', name: "Шон О'Коннор", unfinishedOrders: [] });
    expect(data.identify('79161239999')).toEqual({ kind: 'new-client' });
    expect(data.searchPhoneBook('ёлкина')).toHaveLength(1);
  });
});
