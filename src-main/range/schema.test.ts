import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { migrate } from '../store/db';
import { rangeMigrations } from './migrations';

describe('range schema', () => {
  it('is applied even when a later capability’s migration ran first, once', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)');
    db.prepare('INSERT INTO schema_migrations VALUES (300, ?, ?)').run('devices', new Date().toISOString());
    migrate(db, rangeMigrations);
    const count = () =>
      (
        db.prepare('SELECT COUNT(*) AS n FROM schema_migrations WHERE version BETWEEN 100 AND 199').get() as {
          n: number;
        }
      ).n;
    expect(count()).toBe(rangeMigrations.length);
    migrate(db, rangeMigrations);
    expect(count()).toBe(rangeMigrations.length);
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'range_%'").all() as {
        name: string;
      }[]
    ).map((t) => t.name);
    expect(tables).toContain('range_runs');
    expect(tables).toContain('range_score_log');
  });

  it('the score log is append-only and a run’s base is written once', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)');
    migrate(db, rangeMigrations);
    db.prepare(
      "INSERT INTO range_score_log (run_id, kind, field, old, new, reason, who, role, at) VALUES ('r', 'change', 'misses', '0', '1', 'penalty', 'RO', 'RO', 1)",
    ).run();
    expect(() => db.prepare("UPDATE range_score_log SET new = '2'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM range_score_log').run()).toThrow(/append-only/);
    db.prepare(
      "INSERT INTO range_runs (seq, id, state, opened_by, created_at, base) VALUES (1, 'run-1', 'closed', 'timer', 1, '{}')",
    ).run();
    expect(() =>
      db.prepare("UPDATE range_runs SET base = '{\"raw_ms\":1}' WHERE id = 'run-1'").run(),
    ).toThrow(/written once/);
  });
});
