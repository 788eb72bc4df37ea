// Queries built from filters (order lists, history pages) are prepared once per distinct SQL text.
import type { Statement } from 'better-sqlite3';
import type { Database } from './database.js';

export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  get(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
