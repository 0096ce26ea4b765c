/**
 * The outbox in SQLite: rows written inside the store's transactions (as an in-transaction
 * observer), read from the head per destination, removed once acknowledged.
 */
import type { MarshalEvent } from '../../src-shared/events/model';
import type { Db } from '../store/db';
import type { Store } from '../store/store';
import type { OutboxRow } from './batch';

/** What a console queues for a remote party when no kinds are configured: its records, not telemetry. */
export const DEFAULT_SYNC_KINDS: readonly string[] = [
  'timer.start',
  'timer.shot',
  'timer.stop',
  'impact',
  'shot.detected',
  'run.event',
  'run.status',
  'game.session',
  'game.event',
  'task.result',
  'alert',
  'gateway.reading',
  'lap',
  'pit',
  'flag',
  'karting.session',
];

export interface DestinationConfig {
  id: string;
  type: 'http';
  url: string;
  kinds: readonly string[];
}

/** The event as a destination receives it; fixed when queued, so retries send the same bytes. */
export function eventBody(source: string, seq: number, e: MarshalEvent): string {
  return JSON.stringify({
    id: `${source}:${e.id}`,
    seq,
    kind: e.kind,
    device_id: e.device_id,
    ts: e.ts,
    received_at: e.received_at,
    ...(e.data.historical === true ? { historical: true } : {}),
    data: e.data,
  });
}

export class Outbox {
  private readonly db: Db;
  private readonly stmt;
  private detach: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly source: string,
    private readonly dests: readonly DestinationConfig[],
  ) {
    const db = (this.db = store.db);
    this.stmt = {
      upsertDest: db.prepare(
        'INSERT INTO sync_destinations (id, type, url, kinds) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET type = excluded.type, url = excluded.url, kinds = excluded.kinds',
      ),
      // Inside the storing transaction, so a rolled-back batch takes its seqs back with it.
      reserve: db.prepare(
        'UPDATE sync_destinations SET next_seq = next_seq + ? WHERE id = ? RETURNING next_seq',
      ),
      insert: db.prepare(
        'INSERT INTO sync_outbox (dest, seq, event_id, queued_at, body) VALUES (?, ?, ?, ?, ?)',
      ),
      head: db.prepare('SELECT id AS row, seq, body FROM sync_outbox WHERE dest = ? ORDER BY seq LIMIT ?'),
      remove: db.prepare('DELETE FROM sync_outbox WHERE id = ?'),
      toDead: db.prepare(
        'INSERT INTO sync_dead_letters (dest, seq, event_id, queued_at, body, status, error, at) SELECT dest, seq, event_id, queued_at, body, ?, ?, ? FROM sync_outbox WHERE id = ?',
      ),
      // Two index probes, not a COUNT over a backlog of hundreds of thousands (health asks every
      // second): rows only ever leave from the head, so a destination's seqs stay contiguous.
      // One aggregate each: SQLite's min/max index shortcut does not apply to both in one query.
      lo: db.prepare('SELECT MIN(seq) AS v FROM sync_outbox WHERE dest = ?').pluck(),
      hi: db.prepare('SELECT MAX(seq) AS v FROM sync_outbox WHERE dest = ?').pluck(),
      queuedAt: db.prepare('SELECT queued_at FROM sync_outbox WHERE dest = ? AND seq = ?'),
      dead: db.prepare('SELECT COUNT(*) AS n FROM sync_dead_letters WHERE dest = ?'),
      success: db.prepare('UPDATE sync_destinations SET last_success = ? WHERE id = ?'),
      lastSuccess: db.prepare('SELECT last_success FROM sync_destinations WHERE id = ?'),
    };
  }

  /** Saves the destinations and starts queueing: call before ingest can commit anything. */
  attach(): void {
    this.db.transaction(() => {
      for (const d of this.dests) this.stmt.upsertDest.run(d.id, d.type, d.url, JSON.stringify(d.kinds));
    })();
    const kinds = new Set(this.dests.flatMap((d) => d.kinds));
    const byDest = this.dests.map((d) => ({ id: d.id, kinds: new Set(d.kinds) }));
    this.detach = this.store.addTxObserver({
      kinds,
      observe: (events) => {
        const now = Date.now();
        for (const d of byDest) {
          const mine = byDest.length === 1 ? events : events.filter((e) => d.kinds.has(e.kind));
          if (!mine.length) continue;
          const { next_seq: end } = this.stmt.reserve.get(mine.length, d.id) as { next_seq: number };
          let seq = end - mine.length + 1;
          for (const e of mine) {
            this.stmt.insert.run(d.id, seq, e.id, now, eventBody(this.source, seq, e));
            seq++;
          }
        }
        this.onQueued?.(events.length);
      },
    });
  }

  /** Called (inside the transaction) with how many events were queued: a hint to flush soon. */
  onQueued: ((n: number) => void) | null = null;

  stop(): void {
    this.detach?.();
    this.detach = null;
  }

  head(dest: string, limit: number): OutboxRow[] {
    return this.stmt.head.all(dest, limit) as OutboxRow[];
  }

  /** The destination acknowledged these rows. */
  ack(dest: string, rows: readonly OutboxRow[], at: number): void {
    this.db.transaction(() => {
      for (const r of rows) this.stmt.remove.run(r.row);
      this.stmt.success.run(at, dest);
    })();
  }

  /** Moves rows to the dead letters, with why, in one transaction. */
  deadLetter(rows: readonly OutboxRow[], status: number | null, error: string, at: number): void {
    this.db.transaction(() => {
      for (const r of rows) {
        this.stmt.toDead.run(status, error, at, r.row);
        this.stmt.remove.run(r.row);
      }
    })();
  }

  pending(dest: string): { count: number; oldest: number | null } {
    const lo = this.stmt.lo.get(dest) as number | null;
    const hi = this.stmt.hi.get(dest) as number | null;
    if (lo === null || hi === null) return { count: 0, oldest: null };
    const head = this.stmt.queuedAt.get(dest, lo) as { queued_at: number };
    return { count: hi - lo + 1, oldest: head.queued_at };
  }

  deadLetters(dest: string): number {
    return (this.stmt.dead.get(dest) as { n: number }).n;
  }

  lastSuccess(dest: string): number | null {
    return (
      (this.stmt.lastSuccess.get(dest) as { last_success: number | null } | undefined)?.last_success ?? null
    );
  }
}
