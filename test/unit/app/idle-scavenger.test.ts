// The idle scavenger collects the young generation while nothing happens, and never while activity goes on.
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

it('collects the young generation once things are quiet', async () => {
  scavenger = startIdleScavenger({ intervalMs: 10, quietMs: 20, threshold: 0 });
  allocate();
  const before = youngUsed();
  await sleep(100);
  expect(scavenger.collections).toBeGreaterThan(0);
  expect(youngUsed()).toBeLessThan(before);
});

it('holds off while activity goes on', async () => {
  scavenger = startIdleScavenger({ intervalMs: 10, quietMs: 50, threshold: 0 });
  const end = Date.now() + 150;
  while (Date.now() < end) {
    scavenger.activity();
    allocate();
    await sleep(5);
  }
  expect(scavenger.collections).toBe(0);
});

it('stops looking when nothing has happened for a while, and looks again on the next activity', async () => {
  scavenger = startIdleScavenger({ intervalMs: 10, quietMs: 5, threshold: 0, watchMs: 40 });
  await sleep(120);
  const settled = scavenger.collections;
  allocate();
  await sleep(100);
  expect(scavenger.collections).toBe(settled); // asleep: no timer runs while idle
  scavenger.activity();
  allocate();
  await sleep(60);
  expect(scavenger.collections).toBeGreaterThan(settled);
});

it('looks once after a burst that changed nothing (an idle binding fetch), twice after one that changed the state', async () => {
  // threshold 0: every look collects, so collections count looks.
  scavenger = startIdleScavenger({ quietMs: 10, threshold: 0, watchMs: 150 });
  await sleep(60);
  const settled = scavenger.collections;
  scavenger.activity();
  await sleep(300);
  expect(scavenger.collections - settled).toBe(1); // the quiet look only: no second wake-up
  const afterPlain = scavenger.collections;
  scavenger.activity();
  scavenger.changed();
  await sleep(300);
  expect(scavenger.collections - afterPlain).toBe(2); // the quiet look and the aftermath's
});
