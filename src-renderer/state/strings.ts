/**
 * Groups timer and impact events into strings for the Live view. A `timer.start` opens a new
 * current string; shots and the stop land in the open string of the same timer; impacts land in
 * the current string. Pure and incremental: `applyTimerEvents` takes the previous state and one
 * batch and returns a new state (unchanged strings keep their identity).
 */
import type { MarshalEvent } from '../../src-shared/events/model';

export const PREVIOUS_STRINGS = 5;
const MAX_SHOTS = 200;
const MAX_IMPACTS = 200;
const MAX_LOOSE_IMPACTS = 20;
/** An open string with no activity for this long is shown as stale instead of running. */
export const STALE_STRING_MS = 10 * 60 * 1000;

export interface ShotRow {
  id: number;
  shot_number: number | null;
  time_ms: number | null;
  split_ms: number | null;
  received_at: string;
}

export interface ImpactRow {
  id: number;
  device_id: string;
  sensor_id: string;
  plate_id: string | null;
  t_rel_ms: number | null;
  peak_amplitude: number | null;
  received_at: string;
  /** Who detected it: the range bridge, or the console's own detector on raw telemetry. */
  source: 'bridge' | 'console';
}

export interface TimerString {
  /** Stable key: the opening event's id. */
  key: number;
  device_id: string;
  string_number: number | null;
  /** No start was seen (the console joined mid-string). */
  implicit: boolean;
  started_at: string | null;
  /** Local epoch ms the running clock counts from; null when there is no start. */
  clock_origin: number | null;
  shots: ShotRow[];
  impacts: ImpactRow[];
  stopped: boolean;
  /** The string's final time from the stop (or the last shot when the stop carries none). */
  final_ms: number | null;
  total_shots: number | null;
  /** Local epoch ms of the last event in this string. */
  last_activity: number;
}

export interface StringsState {
  current: TimerString | null;
  /** Earlier strings, newest first. */
  previous: TimerString[];
  /** Impacts that arrived while no string existed, newest first. */
  looseImpacts: ImpactRow[];
  /** Highest event id applied; pushes at or below it are duplicates. */
  lastId: number;
}

export const emptyStrings: StringsState = { current: null, previous: [], looseImpacts: [], lastId: 0 };

export const STRING_EVENT_KINDS = ['timer.start', 'timer.shot', 'timer.stop', 'impact'] as const;

export function isStringEvent(e: MarshalEvent): boolean {
  return (STRING_EVENT_KINDS as readonly string[]).includes(e.kind);
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : null;
}

/** The event's data object, or an empty one when a malformed event carries none. */
function dataOf(e: MarshalEvent): Record<string, unknown> {
  return e.data && typeof e.data === 'object' ? e.data : {};
}

function parseTime(iso: string): number | null {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

export interface ApplyOptions {
  /** Local epoch ms now. */
  now: number;
  /**
   * Live pushes start the clock at the local arrival time (robust to clock skew between the
   * core and this screen); history uses the event's `received_at`.
   */
  live: boolean;
}

function newString(e: MarshalEvent, implicit: boolean, opts: ApplyOptions): TimerString {
  const d = dataOf(e);
  const arrival = opts.live ? opts.now : (parseTime(e.received_at) ?? opts.now);
  return {
    key: e.id,
    device_id: e.device_id,
    string_number: num(d.string_number),
    implicit,
    started_at: implicit ? null : e.ts,
    clock_origin: implicit ? null : arrival,
    shots: [],
    impacts: [],
    stopped: false,
    final_ms: null,
    total_shots: null,
    last_activity: arrival,
  };
}

function compatible(s: TimerString, e: MarshalEvent): boolean {
  if (s.stopped || s.device_id !== e.device_id) return false;
  const n = num(dataOf(e).string_number);
  return n === null || s.string_number === null || n === s.string_number;
}

/** Mutable working copy for one batch; strings are copied on first write. */
class Draft {
  current: TimerString | null;
  previous: TimerString[];
  looseImpacts: ImpactRow[];
  private copied = new Set<TimerString>();

  constructor(state: StringsState) {
    this.current = state.current;
    this.previous = state.previous;
    this.looseImpacts = state.looseImpacts;
  }

  writable(s: TimerString): TimerString {
    if (this.copied.has(s)) return s;
    const copy: TimerString = { ...s, shots: s.shots.slice(), impacts: s.impacts.slice() };
    this.copied.add(copy);
    if (this.current === s) this.current = copy;
    else this.previous = this.previous.map((p) => (p === s ? copy : p));
    return copy;
  }

  open(s: TimerString): void {
    this.copied.add(s);
    if (this.current) this.previous = [this.current, ...this.previous].slice(0, PREVIOUS_STRINGS);
    this.current = s;
  }

  /** The open string of this timer: the current one, else the newest open earlier one. */
  target(e: MarshalEvent): TimerString | null {
    if (this.current && compatible(this.current, e)) return this.current;
    for (const p of this.previous) if (compatible(p, e)) return p;
    return null;
  }
}

function toShot(e: MarshalEvent): ShotRow {
  return {
    id: e.id,
    shot_number: num(dataOf(e).shot_number),
    time_ms: num(dataOf(e).time_ms),
    split_ms: num(dataOf(e).split_ms),
    received_at: e.received_at,
  };
}

function toImpact(e: MarshalEvent): ImpactRow {
  return {
    id: e.id,
    device_id: e.device_id,
    sensor_id: str(dataOf(e).sensor_id) ?? e.device_id,
    plate_id: str(dataOf(e).plate_id),
    t_rel_ms: num(dataOf(e).t_rel_ms),
    peak_amplitude: num(dataOf(e).peak_amplitude),
    received_at: e.received_at,
    source: dataOf(e).source === 'console' ? 'console' : 'bridge',
  };
}

function addShot(s: TimerString, shot: ShotRow): void {
  const same = shot.shot_number === null ? -1 : s.shots.findIndex((r) => r.shot_number === shot.shot_number);
  if (same >= 0) s.shots[same] = shot;
  else {
    s.shots.push(shot);
    if (s.shots.length > MAX_SHOTS) s.shots.shift();
  }
}

/** Applies one batch of events (any kinds; non-string kinds are ignored). */
export function applyTimerEvents(
  state: StringsState,
  events: readonly MarshalEvent[],
  opts: ApplyOptions,
): StringsState {
  let lastId = state.lastId;
  const draft = new Draft(state);
  let changed = false;

  for (const e of events) {
    if (!e || typeof e !== 'object' || !isStringEvent(e)) continue;
    if (typeof e.id === 'number' && e.id > 0) {
      if (e.id <= lastId) continue;
      lastId = e.id;
    }
    const at = opts.live ? opts.now : (parseTime(e.received_at) ?? opts.now);
    changed = true;
    switch (e.kind) {
      case 'timer.start': {
        draft.open(newString(e, false, opts));
        break;
      }
      case 'timer.shot': {
        let s = draft.target(e);
        if (!s) {
          s = newString(e, true, opts);
          draft.open(s);
        }
        s = draft.writable(s);
        addShot(s, toShot(e));
        s.total_shots = num(dataOf(e).total_shots) ?? s.total_shots;
        s.last_activity = at;
        break;
      }
      case 'timer.stop': {
        let s = draft.target(e);
        if (!s) {
          s = newString(e, true, opts);
          draft.open(s);
        }
        s = draft.writable(s);
        s.stopped = true;
        const last = s.shots[s.shots.length - 1];
        s.final_ms = num(dataOf(e).time_ms) ?? num(dataOf(e).last_shot_ms) ?? last?.time_ms ?? null;
        s.total_shots = num(dataOf(e).total_shots) ?? s.total_shots;
        s.last_activity = at;
        break;
      }
      case 'impact': {
        const impact = toImpact(e);
        if (draft.current) {
          const s = draft.writable(draft.current);
          s.impacts.push(impact);
          if (s.impacts.length > MAX_IMPACTS) s.impacts.shift();
        } else {
          draft.looseImpacts = [impact, ...draft.looseImpacts].slice(0, MAX_LOOSE_IMPACTS);
        }
        break;
      }
    }
  }

  if (!changed) return state;
  return { current: draft.current, previous: draft.previous, looseImpacts: draft.looseImpacts, lastId };
}

/** Rebuilds from history (any order, may repeat): sorted by id, deduplicated. */
export function buildStrings(events: readonly MarshalEvent[], now: number): StringsState {
  const byId = new Map<number, MarshalEvent>();
  for (const e of events) if (isStringEvent(e)) byId.set(e.id, e);
  const sorted = [...byId.values()].sort((a, b) => a.id - b.id);
  return applyTimerEvents(emptyStrings, sorted, { now, live: false });
}

export interface ClockReading {
  ms: number | null;
  running: boolean;
  note: string | null;
}

/** What the big clock shows for a string at local time `now`. */
export function clockFor(s: TimerString | null, now: number): ClockReading {
  if (!s) return { ms: null, running: false, note: null };
  const lastShot = s.shots[s.shots.length - 1]?.time_ms ?? null;
  if (s.stopped) return { ms: s.final_ms ?? lastShot, running: false, note: null };
  if (s.clock_origin === null) return { ms: lastShot, running: false, note: 'joined mid-string' };
  if (now - s.last_activity > STALE_STRING_MS) {
    return { ms: lastShot, running: false, note: 'no stop received' };
  }
  const elapsed = Math.max(0, now - s.clock_origin);
  return { ms: Math.max(elapsed, lastShot ?? 0), running: true, note: null };
}
