/**
 * The cognitive-task game backend's own leaderboard (HEAD of the original, contracts/neurogame.md
 * §2.5): one summary per (user, session) — `session_end` preferred over `session_end_partial`,
 * the later of two of a kind — plus a partial summary synthesized from the `task_result`s of a
 * session that sent none; then the composite score
 * 0.5·accuracy% + 0.3·(10·best level) + 0.2·max(0, 100 − mean RT/30), sorted by score, best
 * level, accuracy, mean RT, ranked 1, 2, 3… Every stored event counts (no sanity filter): this is
 * what the game's own board showed.
 */

export interface OriginalRow {
  event_type: string;
  user_id: string;
  session_id: string;
  payload: Record<string, unknown>;
}

export interface OriginalBoardRow {
  user_id: string;
  score: number;
  best_level: number;
  accuracy_pct: number;
  mean_rt_ms: number;
  sessions: number;
  total_tasks: number;
  partial_sessions: number;
  rank: number;
}

/** Python's `x or 0`: falsy values give the default. */
function or<T>(v: unknown, d: T): unknown {
  return v === undefined || v === null || v === 0 || v === '' || v === false ? d : v;
}

function int(v: unknown): number {
  const n = typeof v === 'boolean' ? Number(v) : Number(typeof v === 'string' ? v.trim() : v);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

function float(v: unknown): number {
  const n = typeof v === 'boolean' ? Number(v) : Number(typeof v === 'string' ? v.trim() : v);
  return Number.isFinite(n) ? n : 0;
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

function sidOf(r: OriginalRow): string {
  const s = r.payload.session_id;
  return typeof s === 'string' && s !== '' ? s : r.session_id;
}

export function originalTaskBoard(
  rows: readonly OriginalRow[],
  limit: number,
  minTasks: number,
): OriginalBoardRow[] {
  const uidOf = (r: OriginalRow) => r.user_id.trim() || 'unknown';
  const summaries = new Map<string, OriginalRow>();
  const loose: OriginalRow[] = [];
  const tasks = new Map<string, { uid: string; rows: OriginalRow[] }>();
  for (const r of rows) {
    if (r.event_type === 'session_end' || r.event_type === 'session_end_partial') {
      const sid = sidOf(r);
      if (!sid) {
        loose.push(r);
        continue;
      }
      const key = JSON.stringify([uidOf(r), sid]);
      const prev = summaries.get(key);
      if (!prev || !(prev.event_type === 'session_end' && r.event_type === 'session_end_partial')) {
        summaries.set(key, r);
      }
    } else if (r.event_type === 'task_result') {
      const key = JSON.stringify([uidOf(r), sidOf(r)]);
      const t = tasks.get(key) ?? { uid: uidOf(r), rows: [] };
      t.rows.push(r);
      tasks.set(key, t);
    }
  }
  const all: { uid: string; p: Record<string, unknown> }[] = [
    ...[...summaries.values(), ...loose].map((r) => ({ uid: uidOf(r), p: r.payload })),
  ];
  for (const [key, t] of tasks) {
    if (summaries.has(key)) continue;
    const n = t.rows.length;
    const rts = t.rows.map((r) => float(r.payload.reaction_time)).filter((x) => x > 0);
    all.push({
      uid: t.uid,
      p: {
        total_tasks: n,
        accuracy_total: t.rows.reduce((s, r) => s + int(or(r.payload.correct, 0)), 0) / n,
        mean_rt: rts.length ? rts.reduce((a, b) => a + b, 0) / rts.length : 0,
        last_level: Math.max(...t.rows.map((r) => int(or(r.payload.level, 1)))),
        is_partial: 1,
      },
    });
  }
  const users = new Map<
    string,
    { sessions: number; tasks: number; acc: number; rt: number; rtw: number; best: number; partial: number }
  >();
  for (const { uid, p } of all) {
    const tasksN = int(or(p.total_tasks, 0));
    const accuracy = float(or(p.accuracy_total, 0));
    const meanRt = float(or(p.mean_rt, 0));
    const lastLevel = int(or(p.last_level, or(p.max_level, 1)));
    const u = users.get(uid) ?? { sessions: 0, tasks: 0, acc: 0, rt: 0, rtw: 0, best: 1, partial: 0 };
    u.sessions++;
    u.tasks += Math.max(0, tasksN);
    u.acc += tasksN * accuracy;
    if (meanRt > 0 && tasksN > 0) {
      u.rt += tasksN * meanRt;
      u.rtw += tasksN;
    }
    u.best = Math.max(u.best, lastLevel);
    if (int(or(p.is_partial, 0))) u.partial++;
    users.set(uid, u);
  }
  const out: Omit<OriginalBoardRow, 'rank'>[] = [];
  for (const [uid, u] of users) {
    if (u.tasks < minTasks) continue;
    const accuracy = u.acc / Math.max(1, u.tasks);
    const meanRt = u.rtw ? u.rt / u.rtw : 0;
    const speed = Math.max(0, 100 - meanRt / 30);
    const score = 0.5 * (100 * accuracy) + 0.3 * (10 * u.best) + 0.2 * speed;
    out.push({
      user_id: uid,
      score: round(score, 2),
      best_level: u.best,
      accuracy_pct: round(100 * accuracy, 2),
      mean_rt_ms: round(meanRt, 1),
      sessions: u.sessions,
      total_tasks: u.tasks,
      partial_sessions: u.partial,
    });
  }
  // Array.prototype.sort is stable: full ties keep first-seen order, as the original's.
  out.sort(
    (a, b) =>
      b.score - a.score ||
      b.best_level - a.best_level ||
      b.accuracy_pct - a.accuracy_pct ||
      a.mean_rt_ms - b.mean_rt_ms,
  );
  return out.slice(0, limit).map((r, i) => ({ ...r, rank: i + 1 }));
}
