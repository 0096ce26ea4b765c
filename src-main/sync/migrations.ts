/**
 * Sync migrations (versions 550–599). A destination's outbox rows are written in the transaction
 * that stores their events; a row leaves only when the destination acknowledged it (or it is
 * moved, in one transaction, to the dead letters).
 */
import type { Migration } from '../store/migrations';

export const SYNC_MIGRATIONS: Migration[] = [
  {
    version: 550,
    name: 'sync outbox',
    sql: `
      CREATE TABLE sync_destinations (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        url TEXT NOT NULL,
        kinds TEXT,
        next_seq INTEGER NOT NULL DEFAULT 0,
        last_success INTEGER
      );
      CREATE TABLE sync_outbox (
        id INTEGER PRIMARY KEY,
        dest TEXT NOT NULL,
        seq INTEGER NOT NULL,
        event_id INTEGER NOT NULL,
        queued_at INTEGER NOT NULL,
        body TEXT NOT NULL,
        UNIQUE (dest, seq)
      );
      CREATE TABLE sync_dead_letters (
        id INTEGER PRIMARY KEY,
        dest TEXT NOT NULL,
        seq INTEGER NOT NULL,
        event_id INTEGER NOT NULL,
        queued_at INTEGER NOT NULL,
        body TEXT NOT NULL,
        status INTEGER,
        error TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX sync_dead_dest ON sync_dead_letters(dest, id);
    `,
  },
];
