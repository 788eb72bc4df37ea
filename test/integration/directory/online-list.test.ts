// The phone book's "online" against the real lab: Kamailio turns registrations into presence
// (pua_usrloc), so a baresip that registers and never PUBLISHes is online; an employee without a SIP
// address, one who never registered, and the dispatcher herself (registered, so the server says
// "open" for her too) are never in the online list.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhoneBookEntry } from '../../../shared/domain.js';
import { closeDatabase, openDatabase } from '../../../main/store/database.js';
import { importRecords } from '../../../main/store/import.js';
import { ensureLab, startBaresip } from '../../lab/peers.js';
import { must, onCleanup, openApp, runCleanups } from '../reliability/helpers.js';

const ME = '5960';
const PEER = '5961';
const NEVER = '5962';

beforeAll(async () => {
  await ensureLab();
});
afterAll(async () => {
  await runCleanups();
}, 30_000);

function seed(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const db = openDatabase(join(dir, 'phone.db'));
  importRecords(db, {
    employees: [
      { id: 'me', surname: 'Орлова', first_name: 'Марина', role: 'dispatcher', phones: [ME], sip_uri: `sip:${ME}@127.0.0.1` },
      { id: 'peer', surname: 'Волков', first_name: 'Андрей', callsign: '101', role: 'driver', phones: [PEER], sip_uri: `sip:${PEER}@127.0.0.1` },
      { id: 'never', surname: 'Жуков', first_name: 'Олег', role: 'driver', phones: [NEVER], sip_uri: `sip:${NEVER}@127.0.0.1` },
      { id: 'nosip', surname: 'Лебедев', first_name: 'Сергей', role: 'driver', phones: ['+79123450099'], sip_uri: null },
    ],
  });
  closeDatabase(db);
}

describe('the online list with a registered peer that never publishes', () => {
  it('lists the peer, and never the employee without a SIP address, the unregistered one or the dispatcher', async () => {
    const peer = await startBaresip({ user: PEER });
    onCleanup(() => peer.stop());
    const dir = mkdtempSync(join(tmpdir(), 'online-list-'));
    seed(dir);
    const { phone } = await openApp({ user: ME, dir });

    const book = async (query: string): Promise<PhoneBookEntry[]> => must(await phone.invoke('searchPhoneBook', { query, limit: 50 }), 'search');
    const onlineIds = async () => (await book('')).filter((e) => e.online === true).map((e) => e.employeeId);
    await expect.poll(onlineIds, { timeout: 15_000, interval: 250 }).toEqual(['peer']);

    const all = await book('');
    expect(all.find((e) => e.employeeId === 'nosip')?.online).toBeNull();
    expect(all.find((e) => e.employeeId === 'me')?.online).toBeNull();
    expect(all.find((e) => e.employeeId === 'never')?.online).not.toBe(true);
    // Typing searches everyone, whether online or not.
    expect((await book('лебедев')).map((e) => e.employeeId)).toEqual(['nosip']);

    // The peer leaves (unREGISTER on stop): the server says so and the list empties.
    await peer.stop();
    await expect.poll(onlineIds, { timeout: 15_000, interval: 250 }).toEqual([]);
  }, 60_000);
});
