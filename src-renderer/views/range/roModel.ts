/**
 * What the RO screen shows, as a pure model: which run is on screen, where its running clock is
 * anchored, and how `range` pushes and loaded states change that. No React, no DOM: the view
 * keeps one RoModel and replaces it with what these functions return.
 *
 * - A push for the run on screen replaces it; a push for another run of this timer takes over
 *   when it is running or newer (run ids grow with each run), unless the RO pinned a run to
 *   review. Runs of other timers are ignored.
 * - A detail older than the one on screen for the same run (its `server_now` is earlier: a loaded
 *   state answered before a push that overtook it) is dropped, so a closed string never starts
 *   running again on screen.
 * - The clock of a running run is anchored once (local time − the core's elapsed time) and kept
 *   across the once-a-second refreshes: only a jump of more than REANCHOR_MS moves it, so the
 *   display neither jitters with network delay nor drifts from the core's time.
 */
import type { AuditEntry, RangePush, RunDetail, RunShot } from '../../../src-shared/contract/range';
import { formatSeconds } from '../../lib/format';
import { clockOrigin, plural } from './model';

/** A refresh whose anchor differs from the kept one by less than this keeps the kept one. */
export const REANCHOR_MS = 250;

export interface RoModel {
  /** The run on screen (running, the last one of the timer, or the one pinned for review). */
  readonly run: RunDetail | null;
  /** Local time (ms) at which the running run's clock read 0; null when not running. */
  readonly origin: number | null;
  /** The run the RO chose to review; pushes of other runs do not replace it. */
  readonly pinned: string | null;
}

export const RO_INITIAL: RoModel = { run: null, origin: null, pinned: null };

/** `run-12` → 12 (run ids grow with each run). */
export function runSeq(id: string): number {
  const n = Number(id.replace(/^\D+/, ''));
  return Number.isFinite(n) ? n : 0;
}

/** True when `d` is an older view of the run on screen than the one shown. */
function stale(m: RoModel, d: RunDetail): boolean {
  if (!m.run || m.run.run_id !== d.run_id) return false;
  const shown = Date.parse(m.run.server_now);
  const got = Date.parse(d.server_now);
  return Number.isFinite(shown) && Number.isFinite(got) && got < shown;
}

/** Shows a run freshly: its clock is anchored anew (after an RO action, a review, a new run). */
export function showRun(m: RoModel, d: RunDetail | null, nowLocal: number): RoModel {
  if (d && stale(m, d)) return m;
  return { ...m, run: d, origin: d ? clockOrigin(d, nowLocal) : null };
}

/** The RO state was (re)loaded: its run is shown unless the RO is reviewing a pinned run. */
export function onLoaded(m: RoModel, run: RunDetail | null, nowLocal: number): RoModel {
  if (m.pinned) return m;
  return showRun(m, run, nowLocal);
}

/** A refresh of the running run on screen: the clock keeps its anchor unless it jumped. */
function refreshRunning(m: RoModel, d: RunDetail, nowLocal: number): RoModel {
  const o = clockOrigin(d, nowLocal);
  const origin = m.origin !== null && o !== null && Math.abs(m.origin - o) < REANCHOR_MS ? m.origin : o;
  return { ...m, run: d, origin };
}

export interface PushOutcome {
  model: RoModel;
  /** The RO state (station, squad, pending string) should be loaded again. */
  refresh: boolean;
  /** A timer the station list does not know appeared: load the list again. */
  refreshStations: boolean;
}

export function onPush(
  m: RoModel,
  p: RangePush,
  timerId: string,
  knownTimers: readonly string[],
  nowLocal: number,
): PushOutcome {
  const refreshStations = p.stations.some((s) => !knownTimers.includes(s.timer_id));
  let refresh = p.stations.some((s) => s.timer_id === timerId);
  let model = m;
  for (const d of p.runs) {
    if (d.timer_id !== timerId || stale(model, d)) continue;
    const cur = model.run;
    if (cur && d.run_id === cur.run_id) {
      model = d.state === 'running' ? refreshRunning(model, d, nowLocal) : showRun(model, d, nowLocal);
      if (cur.state !== d.state) refresh = true;
    } else if (!model.pinned && (d.state === 'running' || !cur || runSeq(d.run_id) > runSeq(cur.run_id))) {
      model = showRun(model, d, nowLocal);
      refresh = true;
    }
  }
  return { model, refresh, refreshStations };
}

export function pin(m: RoModel, runId: string): RoModel {
  return { ...m, pinned: runId };
}

export function unpin(m: RoModel): RoModel {
  return { ...m, pinned: null };
}

export function stateTone(state: RunDetail['state']): 'ok' | 'warn' | 'bad' | 'idle' {
  if (state === 'running') return 'ok';
  if (state === 'review') return 'warn';
  if (state === 'void') return 'bad';
  return 'idle';
}

export function approvedBy(history: readonly AuditEntry[]): AuditEntry | undefined {
  return [...history].reverse().find((h) => h.kind === 'approval');
}

export interface RoAlert {
  id: string;
  tone: 'warn' | 'bad';
  text: string;
  fix?: { label: string; action: 'miss' | 'stop_plate' | { accept: RunShot } };
}

/** What the RO should look at, worst first. */
export function alertsOf(run: RunDetail): RoAlert[] {
  const out: RoAlert[] = [];
  const closed = run.state !== 'running';
  if (run.flags.includes('implicit_start'))
    out.push({
      id: 'implicit',
      tone: 'warn',
      text: 'The timer’s start was not seen: times are anchored on the first shot.',
    });
  if (run.flags.includes('no_stop_frame'))
    out.push({
      id: 'nostop',
      tone: 'warn',
      text: run.flags.includes('stale')
        ? 'Closed without a stop from the timer: nothing arrived for 10 minutes.'
        : 'Closed without a stop from the timer (a new string started).',
    });
  if (run.flags.includes('shots_missing'))
    out.push({
      id: 'missing',
      tone: 'bad',
      text: 'The timer counted more shots than arrived: check the timer’s display.',
    });
  for (const p of run.plates) {
    if (p.sensor_id && p.sensor_online === false)
      out.push({
        id: `off-${p.plate_id}`,
        tone: 'bad',
        text: `Sensor ${p.sensor_id} on ${p.label} is offline: hits on it cannot be seen.`,
      });
  }
  for (const n of run.unmatched_shots) {
    const s = run.shots.find((x) => x.shot_number === n);
    if (!s) continue;
    out.push({
      id: `shot-${n}`,
      tone: 'warn',
      text: `Shot ${n} at ${formatSeconds(s.time_ms)} s: no impact followed — a miss?${s.after_stop_plate ? ' (after the stop plate: an echo?)' : ''}`,
    });
  }
  for (const id of run.unmatched_impacts) {
    const i = run.impacts.find((x) => x.impact_id === id);
    if (!i) continue;
    out.push({
      id: `imp-${id}`,
      tone: 'warn',
      text: `Hit on ${i.plate_id ?? i.sensor_id} at ${formatSeconds(i.t_ms)} s with no shot before it — a stray hit?`,
    });
  }
  if (closed && run.plates_not_hit.length) {
    out.push({
      id: 'nothit',
      tone: 'bad',
      text: `Not hit: ${run.plates_not_hit.join(', ')}`,
      fix: { label: 'Add a miss', action: 'miss' },
    });
  }
  if (closed && run.stop_plate_detected === false && run.current?.stop_plate_hit) {
    out.push({
      id: 'stopplate',
      tone: 'bad',
      text: 'The stop plate’s sensor saw no hit.',
      fix: { label: 'Stop plate not hit', action: 'stop_plate' },
    });
  }
  const echo = run.shots.filter((s) => s.after_stop_plate);
  if (closed && echo.length) {
    const lastAimed = [...run.shots].reverse().find((s) => !s.after_stop_plate);
    out.push({
      id: 'echo',
      tone: 'warn',
      text: `${plural(echo.length, 'shot', 'shots')} after the stop plate was hit (an echo?).`,
      ...(lastAimed && run.current?.raw_ms !== lastAimed.time_ms
        ? {
            fix: {
              label: `Accept shot ${lastAimed.shot_number} (${formatSeconds(lastAimed.time_ms)} s) as the time`,
              action: { accept: lastAimed },
            },
          }
        : {}),
    });
  }
  return out;
}
