// Demo data for `npm run demo`: a small taxi dispatch centre whose numbers match the SIP lab, so every
// kind of caller the spec names can be seen by calling from a lab peer.
//
// Mapping to the lab (Kamailio at 127.0.0.1, any user, password "secret"):
//   SIP user      who                                          numbers in the phone book
//   1000..1003    dispatchers (Орлова, Соколов, Белова, Захаров) 1000..1003
//   1100..1103    other staff: senior mechanic, accountant,     1100..1103
//                 fleet manager, medic (role 'other')
//   2001..2012    drivers, callsigns 101..112                   '2001'..'2012' and +7 912 345-20-01..-20-12
//                 2001 Волков  (101) in-progress   order Д-1001 for client +79161230001
//                 2002 Медведев (102) driving-to-client  Д-1003 for client +79161230002
//                 2003 Зайцев  (103) waiting-for-client  Д-1004 for client +79161230003
//                 2004 Павлов  (104) assigned            Д-1005 for client +79161230006
//                 2005..2012   free (only completed orders, or none)
//   79161230001   client Анна Смирнова: one unfinished order (Д-1001, driver 101)
//   79161230002   client Пётр Кузнецов: two unfinished orders (Д-1002 new without driver, Д-1003 with 102)
//   79161230003   client Ольга Попова: unfinished Д-1004 (driver 103 waiting)
//   79161230006   client Дарья Морозова: unfinished Д-1005 (driver 104 assigned)
//   79161230004   client Сергей Лебедев: only completed orders (a known client with nothing open)
//   79161230005   client Шон О'Коннор: one completed, one cancelled order
//   79161239999   nobody: calls from it show "new client"
// A lab peer registering as user '79161230001' calls in as that client (the number is normalised
// with the default region RU to +79161230001).
import type { Database } from './database.js';
import { importRecords } from './import.js';

const DEMO_VERSION = '1';

export interface DemoOptions {
  /** SIP domain of the employees' addresses, '127.0.0.1' for the lab. */
  sipDomain?: string;
  now?: () => number;
}

const DISPATCHERS: [string, string, string, string | null][] = [
  ['1000', 'Орлова', 'Марина', 'Д-1'],
  ['1001', 'Соколов', 'Андрей', 'Д-2'],
  ['1002', 'Белова', 'Наталья', 'Д-3'],
  ['1003', 'Захаров', 'Илья', 'Д-4'],
];

const OTHERS: [string, string, string][] = [
  ['1100', 'Фёдоров', 'Геннадий'], // senior mechanic
  ['1101', 'Ковалёва', 'Людмила'], // accountant
  ['1102', 'Григорьев', 'Олег'], // fleet manager
  ['1103', 'Ёлкина', 'Светлана'], // medic (pre-shift checks)
];

const DRIVERS: [string, string][] = [
  ['Волков', 'Дмитрий'],
  ['Медведев', 'Алексей'],
  ['Зайцев', 'Николай'],
  ['Павлов', 'Игорь'],
  ['Семёнов', 'Виктор'],
  ['Голубев', 'Роман'],
  ['Виноградов', 'Артём'],
  ['Богданов', 'Евгений'],
  ['Воробьёв', 'Максим'],
  ['Тарасов', 'Кирилл'],
  ['Белов', 'Степан'],
  ['Комаров', 'Юрий'],
];

function demoDriverUser(index: number): string {
  return String(2001 + index);
}

/** Seeds the demo data; does nothing if this version of it is already there. Returns whether it wrote. */
export function seedDemoData(db: Database, options: DemoOptions = {}): boolean {
  const seeded = db.prepare(`SELECT value FROM meta WHERE key = 'demo_seed_version'`).get() as { value: string } | undefined;
  if (seeded?.value === DEMO_VERSION) return false;
  const domain = options.sipDomain ?? '127.0.0.1';
  const now = (options.now ?? Date.now)();
  const minutesAgo = (m: number) => new Date(now - m * 60_000).toISOString();

  const employees: Record<string, unknown>[] = [
    ...DISPATCHERS.map(([user, surname, firstName, callsign]) => ({
      id: `emp-${user}`,
      surname,
      first_name: firstName,
      callsign,
      role: 'dispatcher',
      phones: [user],
      sip_uri: `sip:${user}@${domain}`,
    })),
    ...OTHERS.map(([user, surname, firstName]) => ({
      id: `emp-${user}`,
      surname,
      first_name: firstName,
      callsign: null,
      role: 'other',
      phones: [user],
      sip_uri: `sip:${user}@${domain}`,
    })),
    ...DRIVERS.map(([surname, firstName], i) => {
      const user = demoDriverUser(i);
      return {
        id: `emp-${user}`,
        surname,
        first_name: firstName,
        callsign: String(101 + i),
        role: 'driver',
        phones: [user, `+7 912 345-${user.slice(0, 2)}-${user.slice(2)}`],
        sip_uri: `sip:${user}@${domain}`,
      };
    }),
  ];

  const clients: Record<string, unknown>[] = [
    { name: 'Анна Смирнова', phones: ['+79161230001'] },
    { name: 'Пётр Кузнецов', phones: ['+79161230002', '+74951234567'] },
    { name: 'Ольга Попова', phones: ['+79161230003'] },
    { name: 'Сергей Лебедев', phones: ['+79161230004'] },
    { name: "Шон О'Коннор", phones: ['+79161230005'] },
    { name: 'Дарья Морозова', phones: ['+79161230006'] },
    { name: 'ООО «Ромашка»', phones: ['+74957654321'] },
  ];

  const order = (
    number: string,
    clientPhone: string,
    driver: string | null,
    status: string,
    pickup: string,
    destination: string | null,
    ago: number,
    note: string | null = null,
  ) => ({
    number,
    client_phone: clientPhone,
    driver_id: driver === null ? null : `emp-${driver}`,
    status,
    pickup_address: pickup,
    destination_address: destination,
    note,
    created_at: minutesAgo(ago),
  });

  const orders: Record<string, unknown>[] = [
    order('Д-1001', '+79161230001', '2001', 'in-progress', 'ул. Тверская, 7', 'Шереметьево, терминал B', 25),
    order('Д-1002', '+79161230002', null, 'new', 'Ленинский проспект, 32', 'ул. Вавилова, 5', 3, 'с детским креслом'),
    order('Д-1003', '+79161230002', '2002', 'driving-to-client', 'ул. Арбат, 10', 'Киевский вокзал', 12),
    order('Д-1004', '+79161230003', '2003', 'waiting-for-client', 'Пресненская наб., 12', 'ул. Ёлочная, 3', 18, 'подъезд 2'),
    order('Д-1005', '+79161230006', '2004', 'assigned', 'ул. Профсоюзная, 44', null, 6),
    order('Д-0901', '+79161230004', '2005', 'completed', 'Кутузовский проспект, 2', 'Внуково', 60 * 26),
    order('Д-0902', '+79161230004', '2006', 'completed', 'ул. Новый Арбат, 15', 'ул. Тверская, 7', 60 * 50),
    order('Д-0903', '+79161230005', '2007', 'completed', "Irish pub O'Hara, ул. Мясницкая, 1", 'Домодедово', 60 * 30),
    order('Д-0904', '+79161230005', null, 'cancelled', 'ул. Садовая-Кудринская, 9', null, 60 * 5, 'клиент отменил'),
    order('Д-0905', '+79161230001', '2001', 'completed', 'ул. Тверская, 7', 'ул. Остоженка, 20', 60 * 72),
    order('Д-0906', '+74957654321', '2008', 'completed', 'Пресненская наб., 8, офис «Ромашка»', 'Шереметьево, терминал C', 60 * 8),
  ];

  importRecords(db, { employees, clients, orders }, { source: 'demo-data', now: () => now });
  db.prepare(
    `INSERT INTO meta (key, value) VALUES ('demo_seed_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  ).run(DEMO_VERSION);
  return true;
}
