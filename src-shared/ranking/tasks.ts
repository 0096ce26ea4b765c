/**
 * The cognitive-task leaderboard (`GET /v1/leaderboard?limit=100&min_tasks=30`, domain.md §7).
 *
 * Interpretation of "reject reaction times below 100 ms (anticipation) or non-numeric from the
 * leaderboard, but keep the raw events": such an event is left out of the leaderboard
 * entirely — it counts neither as a task nor towards accuracy nor the mean RT — while the raw
 * event stays stored and exported. An anticipation is not a genuine answer, right or wrong.
 */
import { competitionRank, compareText } from './competition';

/** Reaction times below this are anticipations. */
export const MIN_VALID_RT_MS = 100;
export const TASK_LEADERBOARD_DEFAULTS = { limit: 100, min_tasks: 30 } as const;

export interface TaskEventLike {
  user_id: string;
  correct: unknown;
  rt_ms: unknown;
  /** When given, a repeat of an event id is counted once (ids are idempotent). */
  event_id?: string;
  /** When given, only `task_result` counts. */
  event_type?: string;
}

export interface TaskLeaderboardOptions {
  /** Entries returned (after ranking: ranks stay those of the whole board). Default 100. */
  limit?: number;
  /** Users with fewer counted tasks are left out. Default 30. */
  min_tasks?: number;
}

export interface TaskLeaderboardEntry {
  rank: number;
  user_id: string;
  tasks: number;
  correct: number;
  /** correct / tasks, 0..1. */
  accuracy: number;
  /** Mean rt_ms of correct answers, rounded to whole ms; null when none was correct. */
  mean_rt_ms: number | null;
}

/** True when an event counts towards the leaderboard (see the interpretation above). */
export function countsForLeaderboard(e: TaskEventLike): boolean {
  if (e.event_type !== undefined && e.event_type !== 'task_result') return false;
  if (typeof e.correct !== 'boolean') return false;
  return typeof e.rt_ms === 'number' && Number.isFinite(e.rt_ms) && e.rt_ms >= MIN_VALID_RT_MS;
}

/** A `task.result` event (as stored or parsed) as a leaderboard row, or null when it is not one. */
export function taskFromEvent(ev: { kind?: string; data: Record<string, unknown> }): TaskEventLike | null {
  if (ev.kind !== undefined && ev.kind !== 'task.result') return null;
  const d = ev.data;
  if (typeof d.user_id !== 'string') return null;
  const payload = d.payload && typeof d.payload === 'object' ? (d.payload as Record<string, unknown>) : {};
  const t: TaskEventLike = {
    user_id: d.user_id,
    correct: d.correct ?? payload.correct,
    rt_ms: d.rt_ms ?? payload.rt_ms,
  };
  if (typeof d.event_id === 'string') t.event_id = d.event_id;
  if (typeof d.event_type === 'string') t.event_type = d.event_type;
  return t;
}

/** Faster first; no RT (nothing correct) after any RT. */
function compareRt(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

interface Acc {
  user_id: string;
  tasks: number;
  correct: number;
  rtSum: number;
}

/**
 * Per user: tasks, correct, accuracy, mean RT of correct answers. Only users with at least
 * `min_tasks` tasks. Ranked by accuracy (higher first), then mean RT (faster first; none last),
 * then tasks (more first); equal on all three share a rank (1, 2, 2, 4) and show by user_id.
 * The mean RT is rounded to whole ms before ranking, so equal shown values share a rank.
 */
export function taskLeaderboard(
  taskEvents: readonly TaskEventLike[],
  opts: TaskLeaderboardOptions = {},
): TaskLeaderboardEntry[] {
  const minTasks = Math.max(1, opts.min_tasks ?? TASK_LEADERBOARD_DEFAULTS.min_tasks);
  const limit = Math.max(0, Math.floor(opts.limit ?? TASK_LEADERBOARD_DEFAULTS.limit));
  const seen = new Set<string>();
  const byUser = new Map<string, Acc>();
  for (const e of taskEvents) {
    if (!countsForLeaderboard(e)) continue;
    if (e.event_id !== undefined) {
      if (seen.has(e.event_id)) continue;
      seen.add(e.event_id);
    }
    let acc = byUser.get(e.user_id);
    if (!acc) {
      acc = { user_id: e.user_id, tasks: 0, correct: 0, rtSum: 0 };
      byUser.set(e.user_id, acc);
    }
    acc.tasks++;
    if (e.correct === true) {
      acc.correct++;
      acc.rtSum += e.rt_ms as number;
    }
  }
  const rows = [...byUser.values()]
    .filter((a) => a.tasks >= minTasks)
    .map((a): Omit<TaskLeaderboardEntry, 'rank'> => ({
      user_id: a.user_id,
      tasks: a.tasks,
      correct: a.correct,
      accuracy: a.correct / a.tasks,
      mean_rt_ms: a.correct > 0 ? Math.round(a.rtSum / a.correct) : null,
    }));
  const ranked = competitionRank(
    rows,
    (a, b) => b.accuracy - a.accuracy || compareRt(a.mean_rt_ms, b.mean_rt_ms) || b.tasks - a.tasks,
    (a, b) => compareText(a.user_id, b.user_id),
  );
  return ranked.slice(0, limit).map(({ rank, item }) => ({ rank, ...item }));
}
