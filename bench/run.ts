// npm run bench -- NAME [args]: runs bench/NAME.ts (or bench/NAME/index.ts), prints a table,
// writes the same figures to bench/out/NAME.json. Figures, not pass/fail.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ratio, type Benchmark, type Figure } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));

function locate(name: string): string | null {
  for (const candidate of [join(here, `${name}.ts`), join(here, name, 'index.ts')]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

function table(figures: Figure[]): string {
  const rows = figures.map((f) => {
    const r = ratio(f);
    return [
      f.name,
      `${round(f.value)} ${f.unit}`,
      f.peer ? `${round(f.peer.value)} ${f.unit} (${f.peer.name})` : '',
      r === null ? '' : `${round(r)}x`,
      f.goal ?? '',
    ];
  });
  const head = ['figure', 'app', 'peer', 'ratio', 'goal'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

function round(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

const [name, ...args] = process.argv.slice(2);
if (!name) {
  console.error('usage: npm run bench -- NAME [args]   (NAME is a file bench/NAME.ts or folder bench/NAME/)');
  process.exit(2);
}
const file = locate(name);
if (!file) {
  console.error(`no benchmark named "${name}" in bench/`);
  process.exit(2);
}
const bench = (await import(pathToFileURL(file).href)).default as Benchmark;
console.log(`# ${name}: ${bench.description}`);
const figures = await bench.run(args);
console.log(table(figures));
const outDir = join(here, 'out');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, `${name}.json`),
  JSON.stringify({ name, at: new Date().toISOString(), figures: figures.map((f) => ({ ...f, ratio: ratio(f) })) }, null, 2),
);
console.log(`figures written to bench/out/${name}.json`);
process.exit(0);
