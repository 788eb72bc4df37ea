// The idle scavenger collects the young generation while nothing happens, and never while activity goes on: after
// a burst that changed the state on timers of its own, else on the account's tick (no wake-up of its own).
import v8 from 'node:v8';
import { afterEach, expect, it } from 'vitest';
import { startIdleScavenger, type IdleScavenger } from '../../../main/app/idle-scavenger.js';

let scavenger: IdleScavenger | undefined;
afterEach(() => scavenger?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const youngUsed = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
/** Short-lived garbage: fills the young generation a little. */
function allocate(): number {
  return Array.from({ length: 2000 }, (_, i) => ({ i, text: `garbage ${i}` })).length;
}

it('collects the young generation once things are quiet after a change', async () => {
  scavenger = startIdleScavenger({ quietMs: 20, threshold: 0 });
  allocate();
  const before = youngUsed();
  scavenger.activity();
  scavenger.changed();
  await sleep(100);
  expect(scavenger.collections).toBeGreaterThan(0);
  expect(youngUsed()).toBeLessThan(before);
});

it('holds off while activity goes on, on its timers and on a tick', async () => {
  scavenger = startIdleScavenger({ quietMs: 50, threshold: 0 });
  const end = Date.now() + 150;
  while (Date.now() < end) {
    scavenger.activity();
    scavenger.changed();
    scavenger.tick();
    allocate();
    await sleep(5);
  }
  expect(scavenger.collections).toBe(0);
});

it('a burst that changed nothing arms no timer: the next tick looks', async () => {
  scavenger = startIdleScavenger({ quietMs: 5, threshold: 0, watchMs: 40 });
  scavenger.activity();
  allocate();
  await sleep(120);
  expect(scavenger.collections).toBe(0); // no look of its own
  scavenger.tick();
  expect(scavenger.collections).toBe(1);
  // A tick with nothing since still looks (it costs no wake-up), and collects only what is there (threshold 0 here).
  scavenger.tick();
  expect(scavenger.collections).toBe(2);
});

it('looks twice after a burst that changed the state, then no timer runs', async () => {
  // threshold 0: every look collects, so collections count looks.
  scavenger = startIdleScavenger({ quietMs: 10, threshold: 0, watchMs: 150 });
  scavenger.activity();
  scavenger.changed();
  await sleep(300);
  expect(scavenger.collections).toBe(2); // the quiet look and the aftermath's
  await sleep(200);
  expect(scavenger.collections).toBe(2);
});

it('a tick while a look of its own is due leaves the collecting to that look', async () => {
  scavenger = startIdleScavenger({ quietMs: 10, threshold: 0, watchMs: 5000 });
  scavenger.activity();
  scavenger.changed();
  await sleep(100); // the quiet look done, the aftermath's due in 5 s
  const after = scavenger.collections;
  scavenger.tick();
  expect(scavenger.collections).toBe(after);
});
