/**
 * Upstream sync: an offline-first outbox in SQLite, written in the transaction that stores what it
 * carries, flushed to remote destinations (HTTP today) and emptied only by their acknowledgements.
 * Status per destination on `GET /api/sync` and as the `sync` component of `/api/health`.
 */
import type { CoreModule, ModuleFactory, Plugin } from '../core/module';
import { DEFAULT_BACKOFF } from './backoff';
import { DEFAULT_LIMITS } from './batch';
import { HttpDestination } from './http';
import { SYNC_MIGRATIONS } from './migrations';
import { DEFAULT_SYNC_KINDS, Outbox, type DestinationConfig } from './outbox';

/** Tuning knobs for tests and odd networks. */
function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export const syncModule: ModuleFactory = (ctx) => {
  const source = ctx.config.consoleId ?? 'marshal';
  const dests: DestinationConfig[] = [];
  if (ctx.config.syncUrl)
    dests.push({
      id: 'http',
      type: 'http',
      url: ctx.config.syncUrl,
      kinds: ctx.config.syncKinds ?? DEFAULT_SYNC_KINDS,
    });
  const outbox = new Outbox(ctx.store, source, dests);
  const senders = dests.map(
    (d) =>
      new HttpDestination(outbox, {
        id: d.id,
        url: d.url,
        token: ctx.config.syncToken,
        source,
        intervalMs: envNumber('MARSHAL_SYNC_INTERVAL_MS', 10_000),
        eagerCount: 20,
        requestTimeoutMs: envNumber('MARSHAL_SYNC_TIMEOUT_MS', 30_000),
        backoff: {
          ...DEFAULT_BACKOFF,
          capMs: envNumber('MARSHAL_SYNC_BACKOFF_CAP_MS', DEFAULT_BACKOFF.capMs),
        },
        limits: {
          ...DEFAULT_LIMITS,
          maxEvents: envNumber('MARSHAL_SYNC_BATCH_EVENTS', DEFAULT_LIMITS.maxEvents),
        },
      }),
  );
  // Queue from the first commit on: ingest may start before the modules do.
  if (dests.length) {
    outbox.attach();
    // Inside the storing transaction: only a hint, the flush itself runs later on a timer.
    outbox.onQueued = (n) => {
      for (const s of senders) s.queued(n);
    };
  }

  const status = () => ({
    console_id: source,
    destinations: senders.map((s) => s.status()),
  });

  const module: CoreModule = {
    name: 'sync',
    routes(app) {
      app.get('/api/sync', async () => status());
    },
    start() {
      for (const s of senders) s.start();
    },
    async stop() {
      // The observer stays: ingest commits its last batches after the modules stopped, and
      // those must be queued too (they are sent after the next start).
      for (const s of senders) await s.stop();
    },
    health(h) {
      // No destination: nothing to wait for, and the component says so.
      if (!senders.length) {
        h.sync = { state: 'up', pending: 0, last_sync: null };
        return;
      }
      const all = senders.map((s) => s.status());
      const lastOk = all
        .map((d) => d.last_success)
        .filter((t): t is string => t !== null)
        .sort()
        .at(-1);
      const troubled = all.find((d) => d.state === 'retrying' || d.state === 'blocked');
      h.sync = {
        // An unreachable destination never stops ingest: degraded, not down.
        state: troubled ? 'degraded' : 'up',
        pending: all.reduce((n, d) => n + d.pending, 0),
        last_sync: lastOk ?? null,
        dead_letters: all.reduce((n, d) => n + d.dead_letters, 0),
        ...(troubled?.last_error ? { error: troubled.last_error } : {}),
      };
    },
  };
  return module;
};

export const syncPlugin: Plugin = {
  name: 'sync',
  migrations: SYNC_MIGRATIONS,
  create: syncModule,
};
