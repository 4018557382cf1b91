import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * Whether the database's path still names the file that was opened. On Linux
 * a removed or replaced file stays writable through the open descriptor: a
 * COMMIT would succeed into a file that no restart finds again, and a cash
 * letter answered 201 would be lost. One stat per commit (a few µs); a new
 * connection is remembered as opened.
 */
export class FileIdentity {
  private opened?: { db: BetterSqlite3.Database; path: string; dev: number; ino: number };

  same(db: BetterSqlite3.Database): boolean {
    if (db.memory) return true;
    try {
      if (this.opened?.db !== db) {
        const path = resolve(db.name);
        const stat = statSync(path, { throwIfNoEntry: false });
        if (!stat) return false;
        this.opened = { db, path, dev: stat.dev, ino: stat.ino };
      }
      const now = statSync(this.opened.path, { throwIfNoEntry: false });
      return now !== undefined && now.dev === this.opened.dev && now.ino === this.opened.ino;
    } catch {
      // The folder gone or unreadable: the path names no file we can trust.
      return false;
    }
  }
}
