// The phone book's "online" rule (main/directory/presence-book.ts) through the real SQLite directory.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDispatchData } from '../../../main/directory/dispatch-data.js';
import { PresenceBook } from '../../../main/directory/presence-book.js';
import { importRecords } from '../../../main/store/import.js';
import { tempDb, type TempDb } from '../store/temp-db.js';

describe('PresenceBook', () => {
  it('knows nothing until the server speaks, and forgets on null', () => {
    const book = new PresenceBook();
    expect(book.markOf('2001@pbx')).toBeNull();
    expect(book.isOnline('2001@pbx')).toBe(false);
    book.set('sip:2001@pbx', true);
    expect(book.isOnline('2001@pbx')).toBe(true);
    book.set('sip:2001@pbx', false);
    expect(book.markOf('2001@pbx')).toBe(false);
    book.set('sip:2001@pbx', null);
    expect(book.markOf('2001@pbx')).toBeNull();
  });

  it('gives no presence to an employee without a SIP address', () => {
    expect(new PresenceBook().markOf(null)).toBeNull();
  });

  it('never marks the dispatcher herself, with or without a port, before or after the server said so', () => {
    const book = new PresenceBook();
    book.set('sip:1000@pbx', true);
    book.setOwnAddress('sip:1000@pbx');
    expect(book.markOf('1000@pbx')).toBeNull();
    book.set('<sip:1000@PBX;transport=udp>', true);
    expect(book.markOf('1000@pbx')).toBeNull();
    expect(book.markOf('1000@pbx:5060')).toBeNull();
    expect(book.isOwn('1001@pbx')).toBe(false);
  });
});

describe('the online list of the phone book', () => {
  let t: TempDb;
  let data: SqliteDispatchData;
  beforeEach(() => {
    t = tempDb();
    importRecords(t.db, {
      employees: [
        { id: 'me', surname: 'Абрамова', first_name: 'Ольга', role: 'dispatcher', phones: ['1000'], sip_uri: 'sip:1000@pbx' },
        { id: 'peer', surname: 'Борисов', first_name: 'Иван', role: 'driver', phones: ['2001'], sip_uri: 'sip:2001@pbx' },
        { id: 'nosip', surname: 'Васильев', first_name: 'Пётр', role: 'driver', phones: ['2002'], sip_uri: null },
        { id: 'gone', surname: 'Григорьев', first_name: 'Лев', role: 'driver', phones: ['2003'], sip_uri: 'sip:2003@pbx' },
      ],
    });
    data = new SqliteDispatchData(t.db);
    data.setOwnAddress('sip:1000@pbx:5060');
  });
  afterEach(() => t.cleanup());

  const online = () => data.searchPhoneBook('').filter((e) => e.online === true).map((e) => e.employeeId);

  it('is empty while the server has said nothing: no one without a SIP address, not the dispatcher', () => {
    expect(online()).toEqual([]);
    expect(data.searchPhoneBook('').find((e) => e.employeeId === 'nosip')?.online).toBeNull();
  });

  it('lists exactly the colleagues the server says are online, first', () => {
    data.setPresence('sip:2001@pbx', true);
    data.setPresence('sip:2003@pbx', false);
    data.setPresence('sip:1000@pbx', true); // her own registration, seen through the registrar
    expect(online()).toEqual(['peer']);
    expect(data.searchPhoneBook('')[0]?.employeeId).toBe('peer');
    expect(data.searchPhoneBook('').find((e) => e.employeeId === 'me')?.online).toBeNull();
  });

  it('after the server forgot everything (restart), nobody is online and typing still finds everyone', () => {
    data.setPresence('sip:2001@pbx', true);
    data.clearPresence();
    data.setPresence('sip:1000@pbx', true);
    expect(online()).toEqual([]);
    expect(data.searchPhoneBook('в').map((e) => e.employeeId)).toEqual(expect.arrayContaining(['nosip', 'peer']));
  });

  it('does not watch her own address', () => {
    expect(data.isOwnAddress('sip:1000@pbx')).toBe(true);
    expect(data.isOwnAddress('sip:2001@pbx')).toBe(false);
  });
});
