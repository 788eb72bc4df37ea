// npm run import -- FILE... [--db PATH] [--kind employees|clients|orders] [--region RU]
// Imports employees, clients and orders from CSV/JSON files into the app's database, all or nothing.
// On a bad row it prints FILE:LINE: field "FIELD": reason and exits with code 1 (nothing changed).
import { closeDatabase, openDatabase, resolveDatabasePath, StoreError } from './database.js';
import { IMPORT_KINDS, ImportError, type ImportKind } from './import-files.js';
import { importFiles } from './import.js';

const USAGE = 'usage: npm run import -- FILE... [--db PATH] [--kind employees|clients|orders] [--region RU]';

function main(argv: string[]): number {
  const files: string[] = [];
  let dbPath: string | null = null;
  let kind: ImportKind | undefined;
  let region = 'RU';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--db') dbPath = value();
    else if (arg === '--kind') {
      const k = value();
      if (!IMPORT_KINDS.includes(k as ImportKind)) throw new UsageError(`--kind must be one of ${IMPORT_KINDS.join(', ')}`);
      kind = k as ImportKind;
    } else if (arg === '--region') region = value().toUpperCase();
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      return 0;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else files.push(arg);
  }
  if (files.length === 0) throw new UsageError('no file to import');
  const path = resolveDatabasePath(dbPath);
  const db = openDatabase(path);
  try {
    const summary = importFiles(db, files, { defaultRegion: region, ...(kind ? { kind } : {}) });
    console.log(`imported into ${path}: ${summary.employees} employees, ${summary.clients} clients, ${summary.orders} orders`);
    return 0;
  } finally {
    closeDatabase(db);
  }
}

class UsageError extends Error {}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof ImportError) {
    console.error(`import failed, nothing was changed: ${error.message}`);
    process.exitCode = 1;
  } else if (error instanceof StoreError) {
    console.error(error.message);
    process.exitCode = 1;
  } else {
    console.error(`import failed, nothing was changed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
