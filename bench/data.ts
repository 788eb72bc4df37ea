// bench/data: the dispatcher's data at dispatch-centre scale. Figures, not pass/fail.
//   phone book search p99 per keystroke, 10,000 employees (goal <= 2 ms)
//   caller identification p99, 100,000 clients and 1,000,000 orders (goal <= 5 ms)
//   history page query p99 at 1,000,000 rows (goal <= 10 ms)
//   database file size at those counts
// Args: --scale 0.1 to try it smaller; --keep to keep the database file.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteDispatchData } from '../main/directory/dispatch-data.js';
import { SqliteCallHistory } from '../main/store/call-history.js';
import { closeDatabase, openDatabase, type Database } from '../main/store/database.js';
import { percentile, type Benchmark, type Figure } from './harness.js';
import type { HistoryOutcome, HistoryQuery, OrderStatus } from '../shared/domain.js';
import { seededRandom } from '../test/support/seeded-random.js';

export const SURNAMES = ['Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев', 'Петров', 'Соколов', 'Михайлов', 'Новиков', 'Фёдоров',
  'Морозов', 'Волков', 'Алексеев', 'Лебедев', 'Семёнов', 'Егоров', 'Павлов', 'Козлов', 'Степанов', 'Николаев', 'Орлов', 'Андреев',
  'Макаров', 'Никитин', 'Захаров', 'Зайцев', 'Соловьёв', 'Борисов', 'Яковлев', 'Григорьев', 'Романов', 'Воробьёв', "О'Нил"];
export const FIRST = ['Александр', 'Дмитрий', 'Максим', 'Сергей', 'Андрей', 'Алексей', 'Артём', 'Илья', 'Кирилл', 'Михаил', 'Никита',
  'Матвей', 'Роман', 'Егор', 'Арсений', 'Иван', 'Денис', 'Евгений', 'Тимофей', 'Владимир', 'Пётр', 'Анна', 'Мария', 'Ольга'];
const STREETS = ['ул. Тверская', 'Ленинский пр.', 'ул. Арбат', 'Кутузовский пр.', 'ул. Профсоюзная', 'ул. Ёлочная'];
const OUTCOMES: HistoryOutcome[] = ['answered', 'answered', 'answered', 'answered', 'missed', 'cancelled-by-caller', 'answered-elsewhere', 'transferred', 'failed'];


interface Sizes {
  employees: number;
  clients: number;
  orders: number;
  history: number;
}

interface Generated {
  employeeMobiles: string[];
  driverIds: string[];
  clientNumbers: string[];
  historyNumbers: string[];
  dayStart: number;
  days: number;
}

function generate(db: Database, n: Sizes, random: () => number): Generated {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const out: Generated = { employeeMobiles: [], driverIds: [], clientNumbers: [], historyNumbers: [], dayStart: 0, days: 365 };
  const now = Date.now();
  const yearAgo = now - 365 * 86_400_000;
  out.dayStart = yearAgo;
  db.transaction(() => {
    const emp = db.prepare('INSERT INTO employees (employee_id, surname, first_name, callsign, role, sip_uri) VALUES (?, ?, ?, ?, ?, ?)');
    const empNum = db.prepare('INSERT INTO employee_numbers (employee_id, number, position) VALUES (?, ?, ?)');
    for (let i = 0; i < n.employees; i++) {
      const id = `e${i}`;
      const role = i % 10 < 7 ? 'driver' : i % 10 < 9 ? 'dispatcher' : 'other';
      const short = String(10000 + i);
      const mobile = `+7912${String(1_000_000 + i).padStart(7, '0')}`;
      emp.run(id, pick(SURNAMES), pick(FIRST), role === 'driver' ? String(100 + i) : null, role, `sip:${short}@pbx`);
      empNum.run(id, mobile, 0);
      empNum.run(id, short, 1);
      out.employeeMobiles.push(mobile);
      if (role === 'driver') out.driverIds.push(id);
    }
    const client = db.prepare('INSERT INTO clients (client_id, name, created_at) VALUES (?, ?, ?)');
    const clientNum = db.prepare('INSERT INTO client_numbers (number, client_id) VALUES (?, ?)');
    for (let i = 1; i <= n.clients; i++) {
      const number = `+7916${String(i).padStart(7, '0')}`;
      client.run(i, `${pick(FIRST)} ${pick(SURNAMES)}`, yearAgo);
      clientNum.run(number, i);
      out.clientNumbers.push(number);
    }
    const order = db.prepare(
      `INSERT INTO orders (order_id, number, client_id, client_phone, driver_id, pickup_address, destination_address, status, note, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
    );
    for (let i = 1; i <= n.orders; i++) {
      const c = 1 + Math.floor(random() * n.clients);
      const r = random();
      // ~0.5% of orders are still open (a few thousand in a busy city), the rest history
      const status: OrderStatus =
        r < 0.001 ? 'new' : r < 0.002 ? 'assigned' : r < 0.003 ? 'driving-to-client' : r < 0.004 ? 'waiting-for-client' : r < 0.005 ? 'in-progress' : r < 0.9 ? 'completed' : 'cancelled';
      const driver = status === 'new' ? null : pick(out.driverIds);
      order.run(i, String(i), c, out.clientNumbers[c - 1], driver, `${pick(STREETS)}, ${1 + Math.floor(random() * 100)}`, `${pick(STREETS)}, ${1 + Math.floor(random() * 100)}`, status, yearAgo + Math.floor((i / n.orders) * 365 * 86_400_000));
    }
    const hist = db.prepare(
      `INSERT INTO call_history (call_id, direction, number, number_key, identity, handled_by, started_at, answered_at, ended_at,
         duration_seconds, outcome, end_reason, transferred_to, failure_reason, held_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const identity = JSON.stringify({ kind: 'client', clientId: '1', name: 'Анна Смирнова', unfinishedOrders: [] });
    for (let i = 0; i < n.history; i++) {
      const number = random() < 0.2 ? pick(out.employeeMobiles) : pick(out.clientNumbers);
      if (i % 1000 === 0) out.historyNumbers.push(number);
      const started = yearAgo + Math.floor((i / n.history) * 365 * 86_400_000);
      const outcome = pick(OUTCOMES);
      const answered = outcome === 'answered' || outcome === 'transferred' ? started + 5_000 : null;
      const ended = started + 90_000;
      hist.run(`call-${i}`, random() < 0.8 ? 'incoming' : 'outgoing', number, number, identity, '1001', started, answered, ended,
        answered ? 85 : null, outcome, null, outcome === 'transferred' ? '1002' : null, outcome === 'failed' ? '486 Busy Here' : null, 0);
    }
  }).immediate();
  return out;
}

function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const bench: Benchmark = {
  description: 'phone book search, caller identification and history paging on a real SQLite file at dispatch-centre scale',
  async run(args) {
    const scaleArg = args.indexOf('--scale');
    const scale = scaleArg >= 0 ? Number(args[scaleArg + 1]) : 1;
    const keep = args.includes('--keep');
    const n: Sizes = {
      employees: Math.round(10_000 * scale),
      clients: Math.round(100_000 * scale),
      orders: Math.round(1_000_000 * scale),
      history: Math.round(1_000_000 * scale),
    };
    const dir = mkdtempSync(join(tmpdir(), 'dispatch-phone-bench-'));
    const path = join(dir, 'bench.sqlite');
    const random = seededRandom(42);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    try {
      let db = openDatabase(path);
      // Bulk load only: no fsync, a bigger page cache. The measured connection below uses the app's settings.
      db.pragma('synchronous = OFF');
      db.pragma('cache_size = -131072');
      const t0 = performance.now();
      const g = generate(db, n, random);
      db.exec('ANALYZE');
      closeDatabase(db);
      const generateSeconds = (performance.now() - t0) / 1000;
      const size = statSync(path).size;
      db = openDatabase(path);

      // --- phone book: type queries one keystroke at a time
      const data = new SqliteDispatchData(db, { defaultRegion: 'RU' });
      const employees = data.listEmployees();
      employees.forEach((e, i) => e.sipUri && i % 3 === 0 && data.setPresence(e.sipUri, true));
      const phrases: string[] = [];
      for (let i = 0; i < 60; i++) {
        const e = pick(employees);
        phrases.push(e.surname.slice(0, 7), `${e.surname} ${e.firstName.slice(0, 3)}`, e.numbers[0]!.replace('+7', '8 ').slice(0, 9), e.callsign ?? e.firstName);
      }
      phrases.push('912 345', '89121000123', 'ёлк', "о'н");
      for (const p of phrases.slice(0, 20)) data.searchPhoneBook(p); // warm-up
      const search: number[] = [];
      for (const phrase of phrases) for (let k = 1; k <= phrase.length; k++) search.push(time(() => data.searchPhoneBook(phrase.slice(0, k), 50)));

      // --- caller identification
      const unfinishedClients = (db.prepare(
        `SELECT client_phone FROM orders WHERE status IN ('new','assigned','in-progress') LIMIT 500`,
      ).all() as { client_phone: string }[]).map((r) => r.client_phone);
      const numbers: string[] = [];
      for (let i = 0; i < 4000; i++) {
        const r = i % 4;
        numbers.push(
          r === 0 ? pick(g.employeeMobiles) : r === 1 ? pick(unfinishedClients) : r === 2 ? pick(g.clientNumbers) : `+7903${String(Math.floor(random() * 1e7)).padStart(7, '0')}`,
        );
      }
      for (const x of numbers.slice(0, 200)) data.identify(x);
      const identify = numbers.map((x) => time(() => data.identify(x)));

      // --- history pages
      const history = new SqliteCallHistory(db, { defaultRegion: 'RU' });
      const dayOf = (ms: number) => {
        const d = new Date(ms);
        return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
      };
      const queries: HistoryQuery[] = [];
      for (let i = 0; i < 1000; i++) {
        const r = i % 5;
        const page = Math.floor(random() * 4);
        queries.push(
          r === 0 ? { page } :
          r === 1 ? { day: dayOf(g.dayStart + Math.floor(random() * 364) * 86_400_000 + 43_200_000), page } :
          r === 2 ? { number: pick(g.historyNumbers) } :
          r === 3 ? { outcome: pick(OUTCOMES), page } :
          { day: dayOf(g.dayStart + Math.floor(random() * 364) * 86_400_000 + 43_200_000), outcome: 'missed' },
        );
      }
      for (const q of queries.slice(0, 50)) history.query(q);
      const kinds = ['all', 'day', 'number', 'outcome', 'day+outcome'];
      const byKind = new Map<string, number[]>(kinds.map((k) => [k, []]));
      const historyTimes = queries.map((q, i) => {
        const ms = time(() => history.query(q));
        byKind.get(kinds[i % 5]!)!.push(ms);
        return ms;
      });
      const missed = Array.from({ length: 20 }, () => time(() => history.missedNotCalledBack(50)));
      closeDatabase(db);

      const counts = `${n.employees} employees, ${n.clients} clients, ${n.orders} orders, ${n.history} history rows`;
      const figures: Figure[] = [
        { name: `phone book search p99 per keystroke (${n.employees} employees, ${search.length} keystrokes)`, value: percentile(search, 99), unit: 'ms', goal: '<= 2 ms' },
        { name: 'phone book search p50', value: percentile(search, 50), unit: 'ms' },
        { name: `caller identification p99 (${n.clients} clients, ${n.orders} orders)`, value: percentile(identify, 99), unit: 'ms', goal: '<= 5 ms' },
        { name: 'caller identification p50', value: percentile(identify, 50), unit: 'ms' },
        { name: `history page query p99 (${n.history} rows, page 50)`, value: percentile(historyTimes, 99), unit: 'ms', goal: '<= 10 ms' },
        ...kinds.map((k) => ({ name: `history page query p99, by ${k}`, value: percentile(byKind.get(k)!, 99), unit: 'ms' })),
        { name: 'missed-not-called-back list p99 (50 rows)', value: percentile(missed, 99), unit: 'ms' },
        { name: `database file size (${counts})`, value: size / 1_048_576, unit: 'MiB' },
        { name: 'data generation time', value: generateSeconds, unit: 's' },
      ];
      if (keep) console.log(`database kept at ${path}`);
      return figures;
    } finally {
      if (!keep) rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
