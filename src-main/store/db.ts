import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { allMigrations, type Migration } from './migrations';

export type Db = Database.Database;

export const DB_FILE = 'marshal.sqlite';

/**
 * Opens (creating) the store in WAL mode. synchronous=NORMAL: a crash of the app loses nothing
 * committed; a power cut may lose the last checkpoint interval.
 */
export function openDb(dataDir: string, migrations: readonly Migration[] = []): Db {
  mkdirSync(dataDir, { recursive: true });
  // Under Electron the Node-ABI build in node_modules cannot load; `npm start` builds an
  // Electron-ABI copy and names it here (packaged apps get theirs from electron-builder).
  const nativeBinding = process.env.MARSHAL_SQLITE_BINDING;
  const db = new Database(join(dataDir, DB_FILE), nativeBinding ? { nativeBinding } : {});
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

/**
 * Applies every migration not yet recorded, in version order. Capabilities own version ranges
 * (see migrations.ts), so a lower number can arrive after a higher one and must still run.
 */
export function migrate(db: Db, capabilities: readonly Migration[] = []): number {
  const migrations = allMigrations(capabilities);
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)',
  );
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
  }
  return migrations.at(-1)?.version ?? 0;
}
