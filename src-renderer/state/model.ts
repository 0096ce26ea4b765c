/**
 * The renderer's state and its pure reducers. Each pushed batch is applied with exactly one
 * reducer call (one store update), never per event.
 */
import type {
  HealthSnapshot,
  MonitorBatch,
  MonitorMessage,
  RejectRow,
} from '../../src-shared/contract/types';
import type { MarshalEvent } from '../../src-shared/events/model';
import { appendCapped } from './ring';
import { applyTimerEvents, buildStrings, emptyStrings, type StringsState } from './strings';

export const EVENTS_CAP = 2000;
export const MONITOR_CAP = 1000;
export const REJECTS_CAP = 500;
export const TOASTS_CAP = 5;

export type ViewName =
  | 'live'
  | 'sensors'
  | 'devices'
  | 'monitor'
  | 'games'
  | 'gateways'
  | 'ro'
  | 'results'
  | 'match'
  | 'bridges'
  | 'karting';
export const VIEWS: readonly ViewName[] = [
  'live',
  'sensors',
  'devices',
  'monitor',
  'games',
  'gateways',
  'ro',
  'results',
  'match',
  'bridges',
  'karting',
];

export interface MonitorEntry extends MonitorMessage {
  /** Renderer-side sequence number: a stable React key. */
  seq: number;
}

export interface MonitorState {
  messages: readonly MonitorEntry[];
  seq: number;
  /** Messages received since start (listed ones). */
  received: number;
  /** Messages the core left out of batches because the stream ran faster than the UI needs. */
  skipped: number;
  paused: boolean;
  /** What the view shows while paused. */
  frozen: readonly MonitorEntry[] | null;
  /** Messages (listed + skipped) that arrived while paused. */
  arrivedWhilePaused: number;
}

export interface RejectsState {
  /** Newest first. */
  rows: readonly RejectRow[];
  /** Total from the last `rejects.list`, if loaded. */
  total: number | null;
}

export interface Toast {
  id: number;
  message: string;
  count: number;
  at: number;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Reconnect attempts since the last successful connection. */
  attempt: number;
  /** Local epoch ms of the next reconnect attempt. */
  retryAt: number | null;
  error: string | null;
  /** Whether a connection was ever established. */
  everConnected: boolean;
}

export interface DataState {
  health: HealthSnapshot | null;
  /** Local epoch ms the last health snapshot arrived. */
  healthAt: number | null;
  /** Local epoch ms the rejects counter last grew. */
  rejectsGrewAt: number | null;
  events: readonly MarshalEvent[];
  strings: StringsState;
  monitor: MonitorState;
  rejects: RejectsState;
  toasts: readonly Toast[];
  toastSeq: number;
  connection: ConnectionStatus;
  /** Incremented per applied samples batch (the samples themselves live in SampleBuffers). */
  samplesSeq: number;
}

export const initialMonitor: MonitorState = {
  messages: [],
  seq: 0,
  received: 0,
  skipped: 0,
  paused: false,
  frozen: null,
  arrivedWhilePaused: 0,
};

export function initialData(): DataState {
  return {
    health: null,
    healthAt: null,
    rejectsGrewAt: null,
    events: [],
    strings: emptyStrings,
    monitor: initialMonitor,
    rejects: { rows: [], total: null },
    toasts: [],
    toastSeq: 0,
    connection: { state: 'connecting', attempt: 0, retryAt: null, error: null, everConnected: false },
    samplesSeq: 0,
  };
}

/** One pushed `events` batch: the ring of recent events and the string grouping. */
export function reduceEvents(s: DataState, batch: readonly MarshalEvent[], now: number): Partial<DataState> {
  if (batch.length === 0) return {};
  return {
    events: appendCapped(s.events, batch, EVENTS_CAP),
    strings: applyTimerEvents(s.strings, batch, { now, live: true }),
  };
}

/**
 * History from `events.list` (newest first per kind, possibly overlapping with pushes that
 * arrived meanwhile): merged with what is buffered, deduplicated by id, strings rebuilt.
 */
export function reduceEventHistory(
  s: DataState,
  history: readonly MarshalEvent[],
  now: number,
): Partial<DataState> {
  const byId = new Map<number, MarshalEvent>();
  for (const e of history) byId.set(e.id, e);
  for (const e of s.events) byId.set(e.id, e);
  const merged = [...byId.values()].sort((a, b) => a.id - b.id);
  const events = merged.length > EVENTS_CAP ? merged.slice(merged.length - EVENTS_CAP) : merged;
  const rebuilt = buildStrings(merged, now);
  // Keep live clock origins for strings that were opened by a push (local arrival time is better).
  const live = new Map<number, number | null>();
  for (const str of [s.strings.current, ...s.strings.previous]) if (str) live.set(str.key, str.clock_origin);
  const keepOrigin = <T extends { key: number; clock_origin: number | null }>(x: T): T =>
    live.has(x.key) ? { ...x, clock_origin: live.get(x.key) ?? x.clock_origin } : x;
  return {
    events,
    strings: {
      ...rebuilt,
      current: rebuilt.current ? keepOrigin(rebuilt.current) : null,
      previous: rebuilt.previous.map(keepOrigin),
    },
  };
}

const OUTCOMES: readonly string[] = ['event', 'reject', 'duplicate', 'unhandled'];

/** Coerces one pushed monitor message; null when it has no topic. */
export function normalizeMonitorMessage(msg: unknown, seq: number): MonitorEntry | null {
  if (!msg || typeof msg !== 'object') return null;
  const m = msg as Record<string, unknown>;
  if (typeof m.topic !== 'string') return null;
  return {
    seq,
    topic: m.topic,
    received_at: typeof m.received_at === 'string' ? m.received_at : '',
    preview: typeof m.preview === 'string' ? m.preview : m.preview == null ? '' : String(m.preview),
    bytes: typeof m.bytes === 'number' ? m.bytes : 0,
    retained: m.retained === true,
    qos: typeof m.qos === 'number' ? m.qos : 0,
    outcome: (OUTCOMES.includes(m.outcome as string) ? m.outcome : 'unhandled') as MonitorMessage['outcome'],
    ...(typeof m.reason === 'string' ? { reason: m.reason } : {}),
  };
}

export function reduceMonitor(m: MonitorState, batch: MonitorBatch): MonitorState {
  const incoming = Array.isArray(batch.messages) ? batch.messages : [];
  const skipped = Number.isFinite(batch.skipped) && batch.skipped > 0 ? batch.skipped : 0;
  if (incoming.length === 0 && skipped === 0) return m;
  let seq = m.seq;
  const entries: MonitorEntry[] = [];
  for (const msg of incoming) {
    const e = normalizeMonitorMessage(msg, seq + 1);
    if (e) {
      entries.push(e);
      seq++;
    }
  }
  return {
    ...m,
    messages: appendCapped(m.messages, entries, MONITOR_CAP),
    seq,
    received: m.received + entries.length,
    skipped: m.skipped + skipped,
    arrivedWhilePaused: m.paused ? m.arrivedWhilePaused + entries.length + skipped : m.arrivedWhilePaused,
  };
}

export function pauseMonitor(m: MonitorState): MonitorState {
  if (m.paused) return m;
  return { ...m, paused: true, frozen: m.messages, arrivedWhilePaused: 0 };
}

export function resumeMonitor(m: MonitorState): MonitorState {
  if (!m.paused) return m;
  return { ...m, paused: false, frozen: null, arrivedWhilePaused: 0 };
}

export function clearMonitor(m: MonitorState): MonitorState {
  return { ...m, messages: [], frozen: m.paused ? [] : null };
}

/** The rows the Monitor shows: the frozen snapshot while paused, else the live ring. */
export function visibleMonitor(m: MonitorState): readonly MonitorEntry[] {
  return m.paused && m.frozen ? m.frozen : m.messages;
}

/** Merges rejects (pushed or listed), newest first by id, deduplicated, capped. */
export function reduceRejects(r: RejectsState, rows: readonly RejectRow[], total?: number): RejectsState {
  if (rows.length === 0 && total === undefined) return r;
  const byId = new Map<number, RejectRow>();
  for (const row of r.rows) byId.set(row.id, row);
  for (const row of rows) {
    if (!row || typeof row !== 'object' || typeof row.id !== 'number') continue;
    byId.set(row.id, {
      id: row.id,
      topic: String(row.topic ?? ''),
      received_at: String(row.received_at ?? ''),
      reason: String(row.reason ?? ''),
      payload_preview: String(row.payload_preview ?? ''),
    });
  }
  const merged = [...byId.values()].sort((a, b) => b.id - a.id).slice(0, REJECTS_CAP);
  return { rows: merged, total: total ?? r.total };
}

/**
 * A new health snapshot. When the core restarted (its `started_at` changed, e.g. `serve` was
 * restarted on a fresh data directory) the id-keyed buffers are dropped: event ids may start over.
 */
export function reduceHealth(s: DataState, h: HealthSnapshot, now: number): Partial<DataState> {
  const restarted = s.health !== null && s.health.started_at !== h.started_at;
  const before = restarted ? undefined : s.health?.ingest?.rejects;
  const after = h.ingest?.rejects;
  const grew = typeof before === 'number' && typeof after === 'number' && after > before;
  const next: Partial<DataState> = { health: h, healthAt: now, rejectsGrewAt: grew ? now : s.rejectsGrewAt };
  if (restarted) {
    next.events = [];
    next.strings = emptyStrings;
    next.rejects = { rows: [], total: null };
    next.rejectsGrewAt = null;
  }
  return next;
}

/** Adds an error toast; a repeat of a visible message bumps its count instead of stacking. */
export function reduceToast(s: DataState, message: string, now: number): Partial<DataState> {
  const existing = s.toasts.find((t) => t.message === message);
  if (existing) {
    return { toasts: s.toasts.map((t) => (t === existing ? { ...t, count: t.count + 1, at: now } : t)) };
  }
  const id = s.toastSeq + 1;
  return {
    toastSeq: id,
    toasts: [...s.toasts, { id, message, count: 1, at: now }].slice(-TOASTS_CAP),
  };
}
