/**
 * Whack-a-mole (and any other game's) sessions: the leaderboard (`GET /api/leaderboard`), the
 * session list, the filter options and `sessions.csv`, all read from `game_sessions` (filled by a
 * trigger as sessions are stored; see migrations.ts).
 *
 * The leaderboard aggregates in SQL (one GROUP BY over an index, so 100k sessions answer in tens
 * of ms) and ranks with the same rules as src-shared/ranking/sessions.ts: best score, highest
 * first; equal best scores share a rank (1, 2, 2, 4); among equals, whoever reached the score
 * first shows first, then by name. sessions.test.ts checks both agree.
 */
import { competitionRank, compareText } from '../../src-shared/ranking';
import { toIso } from '../../src-shared/events/time';
import { csvRow } from '../../src-shared/csv/csv';
import type { GameOptions, GameSessionRow, SessionLeaderboardRow } from '../../src-shared/contract/games';
import type { Db } from '../store/db';

export const SESSION_LEADERBOARD_DEFAULT_LIMIT = 100;

export interface SessionFilters {
  game?: string;
  difficulty?: string;
  device_id?: string;
}

export interface LeaderboardQuery extends SessionFilters {
  limit?: number;
  min_sessions?: number;
}

interface AggRow {
  player: string;
  best: number;
  n: number;
  avg: number;
  last: number;
  best_at: number;
}

interface SessionDbRow {
  event_id: number;
  device_id: string;
  session_id: string;
  game: string;
  player: string;
  difficulty: string | null;
  score: number;
  hits: number | null;
  misses: number | null;
  wrong_hits: number | null;
  started_ms: number | null;
  ended_ms: number;
  duration_ms: number | null;
  complete: number | null;
  received_at: number;
}

/**
 * The filters as SQL. Game and difficulty select a large share of all sessions, so they are
 * written `+col = ?` (no index lookup on them): the planner then scans the covering player index
 * in player order (no sort for the GROUP BY) instead of looking up most of the table.
 */
function where(f: SessionFilters, alias = ''): { sql: string; args: string[] } {
  const p = alias ? `${alias}.` : '';
  const parts: string[] = [];
  const args: string[] = [];
  if (f.game !== undefined) {
    parts.push(`+${p}game = ?`);
    args.push(f.game);
  }
  if (f.difficulty !== undefined) {
    parts.push(`+${p}difficulty = ?`);
    args.push(f.difficulty);
  }
  if (f.device_id !== undefined) {
    parts.push(`${p}device_id = ?`);
    args.push(f.device_id);
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', args };
}

function toRow(r: SessionDbRow): GameSessionRow {
  return {
    id: r.event_id,
    device_id: r.device_id,
    session_id: r.session_id,
    game: r.game,
    player: r.player,
    difficulty: r.difficulty,
    score: r.score,
    hits: r.hits,
    misses: r.misses,
    wrong_hits: r.wrong_hits,
    started_at: r.started_ms === null ? null : toIso(r.started_ms),
    ended_at: toIso(r.ended_ms),
    duration_ms: r.duration_ms,
    complete: r.complete === null ? null : r.complete === 1,
    received_at: toIso(r.received_at),
  };
}

export const SESSIONS_CSV_HEADER = [
  'device_id',
  'session_id',
  'game',
  'player',
  'difficulty',
  'score',
  'hits',
  'misses',
  'wrong_hits',
  'mean_reaction_ms',
  'started_at',
  'ended_at',
  'duration_ms',
  'complete',
  'received_at',
] as const;

export class GameSessions {
  private readonly countStmt;
  private total: number;

  constructor(private readonly db: Db) {
    this.countStmt = db.prepare('SELECT COUNT(*) AS n FROM game_sessions');
    this.total = (this.countStmt.get() as { n: number }).n;
  }

  /** Sessions stored (for `/api/stats`); kept current by {@link refreshCount}. */
  count(): number {
    return this.total;
  }

  /** The SEED backend's `/api/stats` figures, over one game's sessions. */
  seedStats(game: string): {
    total_sessions: number;
    total_players: number;
    best_score: number | null;
    average_score: number | null;
  } {
    const r = this.db
      .prepare(
        `SELECT COUNT(*) AS n, COUNT(DISTINCT player) AS p, MAX(score) AS best, AVG(score) AS avg
         FROM game_sessions WHERE game = ?`,
      )
      .get(game) as { n: number; p: number; best: number | null; avg: number | null };
    return { total_sessions: r.n, total_players: r.p, best_score: r.best, average_score: r.avg };
  }

  refreshCount(): void {
    this.total = (this.countStmt.get() as { n: number }).n;
  }

  leaderboard(q: LeaderboardQuery = {}): SessionLeaderboardRow[] {
    const w = where(q);
    const wg = where(q, 'g');
    const minSessions = Math.max(1, q.min_sessions ?? 1);
    const rows = this.db
      .prepare(
        `SELECT a.player, a.best, a.n, a.avg, a.last,
           (SELECT MIN(g.ended_ms) FROM game_sessions g
             WHERE g.player = a.player AND g.score = a.best AND ${wg.sql}) AS best_at
         FROM (SELECT player, MAX(score) AS best, COUNT(*) AS n, AVG(score) AS avg, MAX(ended_ms) AS last
               FROM game_sessions WHERE ${w.sql} GROUP BY player HAVING COUNT(*) >= ?) a`,
      )
      .all(...wg.args, ...w.args, minSessions) as AggRow[];
    const ranked = competitionRank(
      rows,
      (a, b) => b.best - a.best,
      (a, b) => a.best_at - b.best_at || compareText(a.player, b.player),
    );
    const limit = q.limit ?? SESSION_LEADERBOARD_DEFAULT_LIMIT;
    return ranked.slice(0, limit).map(({ rank, item }) => ({
      rank,
      player: item.player,
      best_score: item.best,
      average_score: item.avg,
      sessions: item.n,
      last_played: toIso(item.last),
    }));
  }

  options(): GameOptions {
    const col = (c: 'game' | 'difficulty' | 'device_id') =>
      (
        this.db
          .prepare(`SELECT DISTINCT ${c} AS v FROM game_sessions WHERE ${c} IS NOT NULL ORDER BY ${c}`)
          .all() as { v: string }[]
      ).map((r) => r.v);
    return { games: col('game'), difficulties: col('difficulty'), devices: col('device_id') };
  }

  /** Newest first; `before` is the `next` cursor of the previous page. */
  list(q: { device_id?: string; player?: string; limit?: number; before?: string }): {
    sessions: GameSessionRow[];
    next: string | null;
    total: number;
  } {
    const parts: string[] = [];
    const args: (string | number)[] = [];
    if (q.device_id !== undefined) {
      parts.push('device_id = ?');
      args.push(q.device_id);
    }
    if (q.player !== undefined) {
      parts.push('player = ?');
      args.push(q.player);
    }
    const filterSql = parts.length ? parts.join(' AND ') : '1';
    const total = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM game_sessions WHERE ${filterSql}`).get(...args) as {
        n: number;
      }
    ).n;
    if (q.before !== undefined) {
      const before = Number(q.before);
      if (!Number.isInteger(before) || before < 0)
        throw new RangeError('before must be a cursor from a previous page');
      parts.push('event_id < ?');
      args.push(before);
    }
    const limit = q.limit ?? 100;
    const rows = this.db
      .prepare(
        `SELECT * FROM game_sessions WHERE ${parts.length ? parts.join(' AND ') : '1'} ORDER BY event_id DESC LIMIT ?`,
      )
      .all(...args, limit) as SessionDbRow[];
    const last = rows.at(-1);
    return {
      sessions: rows.map(toRow),
      next: rows.length === limit && last ? String(last.event_id) : null,
      total,
    };
  }

  /** Sessions per cabinet and the latest one's end. */
  perDevice(): Map<string, { sessions: number; last: number }> {
    const rows = this.db
      .prepare('SELECT device_id, COUNT(*) AS n, MAX(ended_ms) AS last FROM game_sessions GROUP BY device_id')
      .all() as { device_id: string; n: number; last: number }[];
    return new Map(rows.map((r) => [r.device_id, { sessions: r.n, last: r.last }]));
  }

  /** `sessions.csv`: every session in arrival order (RFC 4180, formula-safe). */
  csv(): { csv: string; rows: number } {
    const stmt = this.db.prepare(
      `SELECT g.*, e.data AS data FROM game_sessions g JOIN events e ON e.id = g.event_id ORDER BY g.event_id`,
    );
    let out = csvRow(SESSIONS_CSV_HEADER);
    let n = 0;
    for (const r of stmt.iterate() as Iterable<SessionDbRow & { data: string }>) {
      let mean: number | null = null;
      try {
        const rt = (JSON.parse(r.data) as { reaction_ms?: unknown }).reaction_ms;
        if (Array.isArray(rt)) {
          const nums = rt.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
          if (nums.length) mean = Math.round(nums.reduce((a, b) => a + b, 0) / nums.length);
        }
      } catch {
        // data is always JSON; a broken row still exports its columns.
      }
      const s = toRow(r);
      out += csvRow([
        s.device_id,
        s.session_id,
        s.game,
        s.player,
        s.difficulty,
        s.score,
        s.hits,
        s.misses,
        s.wrong_hits,
        mean,
        s.started_at,
        s.ended_at,
        s.duration_ms,
        s.complete,
        s.received_at,
      ]);
      n++;
    }
    return { csv: out, rows: n };
  }
}
