/**
 * Cognitive-task games (domain.md §7): the leaderboard (`GET /v1/leaderboard`), the raw export
 * (`GET /v1/export/raw`) and `tasks.csv`, read from `neuro_events` (filled by a trigger as events
 * are stored; see migrations.ts).
 *
 * The leaderboard aggregates in SQL and ranks exactly as src-shared/ranking/tasks.ts does:
 * accuracy (higher first), then mean RT of correct answers rounded to whole ms (faster first;
 * none last), then tasks (more first); equal keys share a rank. Only events that count (boolean
 * correctness, numeric RT ≥ 100 ms) are aggregated; the raw events are all kept and exported.
 * tasks.test.ts checks both agree.
 */
import { competitionRank, compareText, TASK_LEADERBOARD_DEFAULTS } from '../../src-shared/ranking';
import { toIso } from '../../src-shared/events/time';
import { csvRow } from '../../src-shared/csv/csv';
import type { TaskLeaderboardRow } from '../../src-shared/contract/games';
import type { Db } from '../store/db';
import type { OriginalRow } from '../../src-shared/ranking/neuro-original';

interface AggRow {
  user_id: string;
  tasks: number;
  correct: number;
  rt_sum: number;
}

interface RawRow {
  id: number;
  device_id: string;
  ts: number;
  received_at: number;
  topic: string;
  data: string;
  counted: number;
}

/** One raw event as the export returns it: the client's fields plus where and when it arrived. */
export interface RawTaskEvent {
  event_id: unknown;
  event_type: unknown;
  event_ts: string;
  user_id: unknown;
  session_id: unknown;
  model_version: unknown;
  client_version: unknown;
  payload: unknown;
  received_at: string;
  /** The MQTT client id, or `neurogame` for events posted over HTTP. */
  client_id: string;
  transport: 'http' | 'mqtt';
}

function compareRt(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

export const TASKS_CSV_HEADER = [
  'event_id',
  'user_id',
  'session_id',
  'correct',
  'rt_ms',
  'counted',
  'event_ts',
  'received_at',
  'model_version',
  'client_version',
  'client_id',
] as const;

export const HTTP_EVENTS_TOPIC = 'POST /v1/events';

export class TaskEvents {
  constructor(private readonly db: Db) {}

  leaderboard(opts: { limit?: number; min_tasks?: number } = {}): TaskLeaderboardRow[] {
    const minTasks = Math.max(1, opts.min_tasks ?? TASK_LEADERBOARD_DEFAULTS.min_tasks);
    const limit = opts.limit ?? TASK_LEADERBOARD_DEFAULTS.limit;
    const rows = this.db
      .prepare(
        `SELECT user_id, COUNT(*) AS tasks, SUM(correct) AS correct,
                TOTAL(CASE WHEN correct = 1 THEN rt_ms END) AS rt_sum
         FROM neuro_events WHERE counted = 1 GROUP BY user_id HAVING COUNT(*) >= ?`,
      )
      .all(minTasks) as AggRow[];
    const entries = rows.map((r) => ({
      user_id: r.user_id,
      tasks: r.tasks,
      correct: r.correct,
      accuracy: r.correct / r.tasks,
      mean_rt_ms: r.correct > 0 ? Math.round(r.rt_sum / r.correct) : null,
    }));
    const ranked = competitionRank(
      entries,
      (a, b) => b.accuracy - a.accuracy || compareRt(a.mean_rt_ms, b.mean_rt_ms) || b.tasks - a.tasks,
      (a, b) => compareText(a.user_id, b.user_id),
    );
    return ranked.slice(0, limit).map(({ rank, item }) => ({ rank, ...item }));
  }

  total(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM neuro_events').get() as { n: number }).n;
  }

  /** Raw events (every type) in arrival order. */
  raw(limit: number, offset: number): RawTaskEvent[] {
    const rows = this.db
      .prepare(
        `SELECT e.id, e.device_id, e.ts, e.received_at, e.topic, e.data, n.counted
         FROM neuro_events n JOIN events e ON e.id = n.event_row
         ORDER BY n.event_row LIMIT ? OFFSET ?`,
      )
      .all(limit, offset) as RawRow[];
    return rows.map((r) => {
      const d = JSON.parse(r.data) as Record<string, unknown>;
      return {
        event_id: d.event_id,
        event_type: d.event_type,
        event_ts: toIso(r.ts),
        user_id: d.user_id,
        session_id: d.session_id,
        model_version: d.model_version ?? null,
        client_version: d.client_version ?? null,
        payload: d.payload ?? {},
        received_at: toIso(r.received_at),
        client_id: r.device_id,
        transport: r.topic === HTTP_EVENTS_TOPIC ? 'http' : 'mqtt',
      };
    });
  }

  /** Rows as the game's own backend exported them: values as sent, `event_ts` verbatim. */
  originalRaw(limit: number, offset: number): Record<string, unknown>[] {
    const rows = this.db
      .prepare(
        `SELECT e.ts, e.data FROM neuro_events n JOIN events e ON e.id = n.event_row
         ORDER BY n.event_row LIMIT ? OFFSET ?`,
      )
      .all(limit, offset) as { ts: number; data: string }[];
    return rows.map((r) => {
      const d = JSON.parse(r.data) as Record<string, unknown>;
      return {
        event_id: d.event_id,
        event_type: d.event_type,
        // Events stored before the time was kept as sent fall back to the parsed one.
        event_ts: typeof d.event_ts === 'string' ? d.event_ts : toIso(r.ts),
        user_id: d.user_id,
        session_id: d.session_id,
        model_version: d.model_version ?? null,
        payload: d.payload && typeof d.payload === 'object' ? d.payload : {},
      };
    });
  }

  /** The summaries and task results the original board reads, in arrival order. */
  boardRows(): OriginalRow[] {
    const rows = this.db
      .prepare(
        `SELECT e.data FROM neuro_events n JOIN events e ON e.id = n.event_row
         WHERE json_extract(e.data, '$.event_type') IN ('session_end', 'session_end_partial', 'task_result')
         ORDER BY n.event_row`,
      )
      .all() as { data: string }[];
    return rows.map((r) => {
      const d = JSON.parse(r.data) as Record<string, unknown>;
      return {
        event_type: String(d.event_type),
        user_id: typeof d.user_id === 'string' ? d.user_id : String(d.user_id),
        session_id: typeof d.session_id === 'string' ? d.session_id : String(d.session_id),
        payload: (d.payload && typeof d.payload === 'object' ? d.payload : {}) as Record<string, unknown>,
      };
    });
  }

  /** `tasks.csv`: every task_result in arrival order, with whether it counts for the leaderboard. */
  csv(): { csv: string; rows: number } {
    const stmt = this.db.prepare(
      `SELECT e.id, e.device_id, e.ts, e.received_at, e.topic, e.data, n.counted
       FROM neuro_events n JOIN events e ON e.id = n.event_row
       WHERE n.kind = 'task.result' ORDER BY n.event_row`,
    );
    let out = csvRow(TASKS_CSV_HEADER);
    let n = 0;
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    for (const r of stmt.iterate() as Iterable<RawRow>) {
      const d = JSON.parse(r.data) as Record<string, unknown>;
      const payload = (d.payload && typeof d.payload === 'object' ? d.payload : {}) as Record<
        string,
        unknown
      >;
      const rt =
        typeof d.rt_ms === 'number' ? d.rt_ms : typeof payload.rt_ms === 'number' ? payload.rt_ms : null;
      out += csvRow([
        text(d.event_id),
        text(d.user_id),
        text(d.session_id),
        typeof d.correct === 'boolean' ? d.correct : null,
        rt,
        r.counted === 1,
        toIso(r.ts),
        toIso(r.received_at),
        text(d.model_version),
        text(d.client_version),
        r.device_id,
      ]);
      n++;
    }
    return { csv: out, rows: n };
  }
}
