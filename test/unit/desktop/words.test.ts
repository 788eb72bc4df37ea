// Every tray/notification word exists in both languages, is not empty, and the Russian is Russian.
import { describe, expect, it } from 'vitest';
import { APP_NAME, desktopWords, ruPlural } from '../../../main/desktop/words.js';

/** Every leaf of a dictionary: strings as they are, functions called with sample facts. */
function leaves(value: unknown, path: string, out: Map<string, string>): Map<string, string> {
  if (typeof value === 'string') out.set(path, value);
  else if (typeof value === 'function') {
    const fn = value as (...a: unknown[]) => unknown;
    const samples: unknown[][] = fn.length === 1 ? [['Иванов'], [3]] : fn.length === 2 ? [['Иванов', 3], ['Иванов', '17'], ['Иванов', null]] : [[]];
    for (const [i, args] of samples.entries()) {
      try {
        const text = fn(...args);
        // A sample that does not fit the function's arguments shows through as null/undefined: not a word.
        if (typeof text === 'string' && !/\b(null|undefined|NaN)\b/.test(text)) out.set(`${path}(${i})`, text);
      } catch {
        /* a sample that does not fit the function's arguments */
      }
    }
    if (![...out.keys()].some((k) => k.startsWith(`${path}(`))) out.set(`${path}()`, '');
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

describe('desktop words', () => {
  const en = leaves(desktopWords.en, '', new Map());
  const ru = leaves(desktopWords.ru, '', new Map());

  it('has every key in both languages', () => {
    expect([...ru.keys()].sort()).toEqual([...en.keys()].sort());
    expect(en.size).toBeGreaterThan(30);
  });

  it('says something for every key', () => {
    for (const [key, text] of [...en, ...ru]) expect(text.trim(), key).not.toBe('');
  });

  it('has no English word in Russian (the product name and SIP aside)', () => {
    for (const [key, text] of ru) {
      const latin = text.replaceAll(APP_NAME, '').replaceAll('SIP', '').match(/[A-Za-z]{2,}/g);
      expect(latin, `${key}: ${text}`).toBeNull();
    }
  });

  it('counts in Russian plural forms', () => {
    expect([1, 2, 5, 11, 12, 21, 22, 25, 111].map((n) => desktopWords.ru.tray.ringing(n))).toEqual([
      '1 входящий вызов', '2 входящих вызова', '5 входящих вызовов', '11 входящих вызовов', '12 входящих вызовов',
      '21 входящий вызов', '22 входящих вызова', '25 входящих вызовов', '111 входящих вызовов',
    ]);
    expect(ruPlural(14, 'a', 'b', 'c')).toBe('c');
  });
});
