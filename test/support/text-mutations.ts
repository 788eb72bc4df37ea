import { seededRandom } from './seeded-random.js';

/**
 * `count` copies of `base`, each with one to four random edits (a character replaced, removed or inserted, drawn
 * from `alphabet`); seeded, so a failing case can be replayed.
 */
export function textMutations(base: string, seed: number, alphabet: string, count: number): string[] {
  const rnd = seededRandom(seed);
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const chars = [...base];
    for (let e = 1 + Math.floor(rnd() * 4); e > 0; e--) {
      const at = Math.floor(rnd() * chars.length);
      const op = Math.floor(rnd() * 3);
      const ch = alphabet[Math.floor(rnd() * alphabet.length)] ?? ' ';
      if (op === 0) chars[at] = ch;
      else if (op === 1) chars.splice(at, 1);
      else chars.splice(at, 0, ch);
    }
    out.push(chars.join(''));
  }
  return out;
}
