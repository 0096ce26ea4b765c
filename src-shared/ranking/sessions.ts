/**
 * The game-session leaderboard (`GET /api/leaderboard`, domain.md §6): per player, best score,
 * sessions played, last played; optionally one game, difficulty or device.
 */
import { competitionRank, compareText } from './competition';

export interface LeaderboardSession {
  device_id: string;
  game: string;
  player: string;
  difficulty: string | null;
  score: number;
  /** When the session ended: ISO-8601 or epoch ms. */
  ended_at: string | number;
  /** With `device_id`, the session's identity: a repeat is counted once when given. */
  session_id?: string;
}

export interface SessionLeaderboardOptions {
  game?: string;
  difficulty?: string;
  device_id?: string;
  /** Entries returned (after ranking: ranks stay those of the whole board). Default: all. */
  limit?: number;
  /** Players with fewer sessions (after the filters) are left out. Default 1. */
  minSessions?: number;
}

export interface SessionLeaderboardEntry {
  rank: number;
  player: string;
  best_score: number;
  /** Mean score over the player's sessions (the original whack-a-mole backend's field). */
  average_score: number;
  sessions: number;
  /** ISO-8601 UTC of the player's latest session end. */
  last_played: string;
}

interface Acc {
  player: string;
  best_score: number;
  /** When the best score was first reached: the earlier one shows first among equals. */
  best_at: number;
  sessions: number;
  total: number;
  last: number;
}

function toMs(v: string | number): number {
  return typeof v === 'number' ? v : Date.parse(v);
}

/** A `game.session` event (as stored or parsed) as a leaderboard row, or null when it is not one. */
export function sessionFromEvent(ev: {
  kind?: string;
  device_id: string;
  data: Record<string, unknown>;
}): LeaderboardSession | null {
  if (ev.kind !== undefined && ev.kind !== 'game.session') return null;
  const d = ev.data;
  if (typeof d.game !== 'string' || typeof d.player !== 'string' || typeof d.score !== 'number') return null;
  if (typeof d.ended_at !== 'string' && typeof d.ended_at !== 'number') return null;
  const s: LeaderboardSession = {
    device_id: ev.device_id,
    game: d.game,
    player: d.player,
    difficulty: typeof d.difficulty === 'string' ? d.difficulty : null,
    score: d.score,
    ended_at: d.ended_at,
  };
  if (typeof d.session_id === 'string') s.session_id = d.session_id;
  return s;
}

/**
 * Ranks players by best score, highest first; equal best scores share a rank (1, 2, 2, 4).
 * Among equals, the player who reached that score first is shown first, then by name. Players
 * are grouped by their name exactly as sent (no trimming or case folding). Sessions with a
 * non-finite score or an unreadable end time are skipped.
 */
export function sessionLeaderboard(
  sessions: readonly LeaderboardSession[],
  opts: SessionLeaderboardOptions = {},
): SessionLeaderboardEntry[] {
  const minSessions = Math.max(1, opts.minSessions ?? 1);
  const seen = new Set<string>();
  const byPlayer = new Map<string, Acc>();
  for (const s of sessions) {
    if (opts.game !== undefined && s.game !== opts.game) continue;
    if (opts.difficulty !== undefined && s.difficulty !== opts.difficulty) continue;
    if (opts.device_id !== undefined && s.device_id !== opts.device_id) continue;
    const at = toMs(s.ended_at);
    if (!Number.isFinite(s.score) || !Number.isFinite(at)) continue;
    if (s.session_id !== undefined) {
      const key = `${s.device_id}/${s.session_id}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    const acc = byPlayer.get(s.player);
    if (!acc) {
      byPlayer.set(s.player, {
        player: s.player,
        best_score: s.score,
        best_at: at,
        sessions: 1,
        total: s.score,
        last: at,
      });
      continue;
    }
    acc.sessions++;
    acc.total += s.score;
    acc.last = Math.max(acc.last, at);
    if (s.score > acc.best_score || (s.score === acc.best_score && at < acc.best_at)) {
      acc.best_score = s.score;
      acc.best_at = at;
    }
  }
  const eligible = [...byPlayer.values()].filter((a) => a.sessions >= minSessions);
  const ranked = competitionRank(
    eligible,
    (a, b) => b.best_score - a.best_score,
    (a, b) => a.best_at - b.best_at || compareText(a.player, b.player),
  );
  const limit = opts.limit === undefined ? ranked.length : Math.max(0, Math.floor(opts.limit));
  return ranked.slice(0, limit).map(({ rank, item }) => ({
    rank,
    player: item.player,
    best_score: item.best_score,
    average_score: item.total / item.sessions,
    sessions: item.sessions,
    last_played: new Date(item.last).toISOString(),
  }));
}
