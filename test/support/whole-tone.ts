// expectWholeTone for vitest tests only: pulse-audio.ts is also loaded by the Playwright tests, where
// importing vitest throws ("failed to access its internal state").
import { expect } from 'vitest';
import { hearsTone, loudMs, loudPart } from './pulse-audio.js';

/**
 * A tone written whole (a finish() test) was heard whole: at least `ms` less 30 (the edge blocks of
 * loudMs), at most `ms` + `over` (not played twice), and at `freq`.
 */
export function expectWholeTone(heard: Int16Array, freq: number, opts: { ms: number; over?: number; label?: string }): void {
  const ms = loudMs(heard);
  expect(ms, opts.label).toBeGreaterThanOrEqual(opts.ms - 30);
  expect(ms, opts.label).toBeLessThanOrEqual(opts.ms + (opts.over ?? 30));
  expect(hearsTone(loudPart(heard), freq), opts.label).toBe(true);
}
