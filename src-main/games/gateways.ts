/**
 * Field gateways (domain.md §8): readings per zone and metric for the charts, the console's own
 * threshold alerts (configurable per metric, persisted, raised once per excursion), and the alert
 * list — the device's alerts and the console's — with an audited acknowledgement.
 */
import type { MarshalEvent } from '../../src-shared/events/model';
import { toIso } from '../../src-shared/events/time';
import {
  DEFAULT_THRESHOLDS,
  EMPTY_THRESHOLD_STATE,
  evaluateThresholds,
  parseThresholds,
  readingFromEvent,
  type ConsoleAlert,
  type GatewayReading,
  type Threshold,
  type ThresholdState,
} from '../../src-shared/ingest/gateway';
import type { ParsedEvent } from '../../src-shared/ingest';
import type { AlertRow, GatewayRow, ReadingSeries } from '../../src-shared/contract/games';
import type { DeviceRegistry } from '../services/devices';
import type { Db } from '../store/db';

/** The topic console alerts are stored under (they are never published). */
export const CONSOLE_ALERTS_TOPIC = 'console/alerts';
/** Points per series sent to a chart; more are decimated (min and max per bucket). */
export const MAX_POINTS_PER_SERIES = 1500;

const THRESHOLDS_KEY = 'gateway.thresholds';
const STATE_KEY = 'gateway.threshold_state';

interface AlertDbRow {
  id: number;
  device_id: string;
  ts: number;
  data: string;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  note: string | null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function alertRow(r: AlertDbRow): AlertRow {
  const d = JSON.parse(r.data) as Record<string, unknown>;
  return {
    id: r.id,
    source: d.source === 'console' ? 'console' : 'device',
    device_id: r.device_id,
    alert_type: str(d.alert_type) ?? 'alert',
    severity: str(d.severity) ?? 'INFO',
    message: str(d.message),
    zone: str(d.zone),
    metric: str(d.metric),
    value: num(d.value),
    threshold: num(d.threshold),
    ts: toIso(r.ts),
    acknowledged_by: r.acknowledged_by,
    acknowledged_at: r.acknowledged_at === null ? null : toIso(r.acknowledged_at),
    note: r.note,
  };
}

/**
 * A device that re-sends an open alert on every reading (the M.A.S.H. gateway: every 5 s, and never
 * says it resolved) raises one alert: a repeat (same device, room and type) within this long of
 * the previous message belongs to it. Longer silence means the condition cleared and came back.
 */
export const ALERT_REPEAT_GAP_MS = 60_000;
/** How many stored alert messages the list folds (the newest). */
const MAX_FOLDED = 100_000;

interface Episode {
  first: AlertDbRow;
  last: AlertDbRow;
  repeats: number;
}

/** Folds repeats of open device alerts (rows in id order) into one alert each. */
export function foldRepeats(rows: readonly AlertDbRow[], gapMs = ALERT_REPEAT_GAP_MS): Episode[] {
  const out: Episode[] = [];
  const open = new Map<string, Episode>();
  for (const r of rows) {
    const d = JSON.parse(r.data) as Record<string, unknown>;
    if (d.source === 'console') {
      out.push({ first: r, last: r, repeats: 1 });
      continue;
    }
    const key = [r.device_id, str(d.zone) ?? '', str(d.alert_type) ?? ''].join('\u0000');
    const ep = open.get(key);
    if (ep && r.ts - ep.last.ts <= gapMs && r.ts >= ep.first.ts - gapMs) {
      ep.last = r;
      ep.repeats++;
      continue;
    }
    const next = { first: r, last: r, repeats: 1 };
    open.set(key, next);
    out.push(next);
  }
  return out;
}

function episodeRow(ep: Episode): AlertRow {
  const row = alertRow(ep.first);
  if (ep.repeats === 1) return row;
  const latest = alertRow(ep.last);
  return {
    ...row,
    message: latest.message ?? row.message,
    value: latest.value ?? row.value,
    repeats: ep.repeats,
    last_ts: latest.ts,
  };
}

/** The stored form of a console alert (domain.md §8: `{source: "console", ...}`). */
export function consoleAlertEvent(a: ConsoleAlert): ParsedEvent {
  return {
    kind: 'alert',
    device_id: a.device_id,
    ts: a.ts,
    data: {
      source: 'console',
      device_id: a.device_id,
      alert_type: a.alert_type,
      zone: a.zone,
      metric: a.metric,
      value: a.value,
      threshold: a.threshold,
      severity: a.severity,
      message: a.message,
      // The same reading beyond the same threshold raises once, even if replayed.
      dedup_key: `console:${a.device_id}/${a.zone}/${a.metric}/${a.alert_type}/${a.ts}`,
    },
  };
}

/** Min/max decimation: at most `max` points, spikes (a CO2 excursion) kept. */
export function decimate(points: [number, number][], max = MAX_POINTS_PER_SERIES): [number, number][] {
  if (points.length <= max) return points;
  const buckets = Math.max(1, Math.floor(max / 2));
  const t0 = points[0]![0];
  const span = Math.max(1, points.at(-1)![0] - t0 + 1);
  const out: [number, number][] = [];
  let bucket = -1;
  let lo: [number, number] | null = null;
  let hi: [number, number] | null = null;
  const flush = () => {
    if (!lo || !hi) return;
    if (lo === hi) out.push(lo);
    else if (lo[0] <= hi[0]) out.push(lo, hi);
    else out.push(hi, lo);
  };
  for (const p of points) {
    const b = Math.min(buckets - 1, Math.floor(((p[0] - t0) / span) * buckets));
    if (b !== bucket) {
      flush();
      bucket = b;
      lo = hi = p;
      continue;
    }
    if (p[1] < lo![1]) lo = p;
    if (p[1] > hi![1]) hi = p;
  }
  flush();
  return out;
}

export class Gateways {
  private thresholds: Threshold[];
  private state: ThresholdState;
  /** Console alerts raised since start (for health and tests). */
  raised = 0;

  constructor(
    private readonly db: Db,
    private readonly devices: DeviceRegistry,
  ) {
    this.thresholds = this.load(THRESHOLDS_KEY, () => [...DEFAULT_THRESHOLDS], parseThresholds);
    this.state = this.load(
      STATE_KEY,
      () => EMPTY_THRESHOLD_STATE,
      (v) => {
        if (!v || typeof v !== 'object' || typeof (v as ThresholdState).active !== 'object') {
          throw new Error('bad state');
        }
        return v as ThresholdState;
      },
    );
  }

  private load<T>(key: string, fallback: () => T, parse: (v: unknown) => T): T {
    const row = this.db.prepare('SELECT value FROM games_settings WHERE key = ?').get(key) as
      { value: string } | undefined;
    if (!row) return fallback();
    try {
      return parse(JSON.parse(row.value));
    } catch {
      return fallback();
    }
  }

  private save(key: string, value: unknown): void {
    this.db
      .prepare(
        'INSERT INTO games_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, JSON.stringify(value));
  }

  getThresholds(): { thresholds: Threshold[]; defaults: Threshold[] } {
    return { thresholds: this.thresholds, defaults: [...DEFAULT_THRESHOLDS] };
  }

  /** Replaces the thresholds (validated); conditions start over, so one still beyond raises anew. */
  setThresholds(value: unknown): { thresholds: Threshold[]; defaults: Threshold[] } {
    const parsed = parseThresholds(value);
    this.thresholds = parsed;
    this.state = EMPTY_THRESHOLD_STATE;
    this.db.transaction(() => {
      this.save(THRESHOLDS_KEY, parsed);
      this.save(STATE_KEY, this.state);
    })();
    return this.getThresholds();
  }

  /** The console alerts a committed batch's readings raise (to be stored by the caller). */
  evaluate(events: readonly MarshalEvent[]): ParsedEvent[] {
    if (this.thresholds.length === 0) return [];
    const readings: GatewayReading[] = [];
    for (const e of events) {
      if (e.kind !== 'gateway.reading') continue;
      const r = readingFromEvent({
        kind: e.kind,
        device_id: e.device_id,
        ts: Date.parse(e.ts),
        data: e.data,
      });
      if (r) readings.push(r);
    }
    if (readings.length === 0) return [];
    readings.sort((a, b) => a.ts - b.ts);
    const result = evaluateThresholds(readings, this.thresholds, this.state);
    if (result.alerts.length || result.cleared.length) {
      this.state = result.state;
      this.save(STATE_KEY, this.state);
    }
    this.raised += result.alerts.length;
    return result.alerts.map(consoleAlertEvent);
  }

  list(): GatewayRow[] {
    const latest = this.db
      .prepare(
        'SELECT device_id, zone, metric, ts, value, unit FROM gateway_latest ORDER BY device_id, zone, metric',
      )
      .all() as {
      device_id: string;
      zone: string;
      metric: string;
      ts: number;
      value: number;
      unit: string | null;
    }[];
    const open = new Map<string, number>();
    for (const ep of this.episodes()) {
      if (ep.first.acknowledged_at !== null) continue;
      open.set(ep.first.device_id, (open.get(ep.first.device_id) ?? 0) + 1);
    }
    const rows = new Map<string, GatewayRow>();
    for (const d of this.devices.devices()) {
      if (d.family !== 'gateway') continue;
      rows.set(d.device_id, {
        device_id: d.device_id,
        online: d.online,
        last_seen: d.last_seen,
        latest: [],
        open_alerts: open.get(d.device_id) ?? 0,
      });
    }
    for (const l of latest) {
      let row = rows.get(l.device_id);
      if (!row) {
        row = {
          device_id: l.device_id,
          online: false,
          last_seen: null,
          latest: [],
          open_alerts: open.get(l.device_id) ?? 0,
        };
        rows.set(l.device_id, row);
      }
      row.latest.push({ zone: l.zone, metric: l.metric, value: l.value, unit: l.unit, ts: toIso(l.ts) });
    }
    return [...rows.values()].sort((a, b) =>
      a.device_id < b.device_id ? -1 : a.device_id > b.device_id ? 1 : 0,
    );
  }

  readings(deviceId: string, sinceMs: number): ReadingSeries[] {
    const rows = this.db
      .prepare(
        'SELECT zone, metric, ts, value, unit FROM gateway_readings WHERE device_id = ? AND ts >= ? ORDER BY ts, event_row',
      )
      .all(deviceId, sinceMs) as {
      zone: string;
      metric: string;
      ts: number;
      value: number;
      unit: string | null;
    }[];
    const series = new Map<string, ReadingSeries>();
    for (const r of rows) {
      const key = `${r.metric}\u0000${r.zone}`;
      let s = series.get(key);
      if (!s) series.set(key, (s = { zone: r.zone, metric: r.metric, unit: r.unit, points: [] }));
      s.points.push([r.ts, r.value]);
    }
    return [...series.values()]
      .map((s) => ({ ...s, points: decimate(s.points) }))
      .sort((a, b) => (a.metric + a.zone < b.metric + b.zone ? -1 : 1));
  }

  alerts(q: { device_id?: string; state?: 'open' | 'acknowledged' | 'all'; limit?: number }): {
    alerts: AlertRow[];
    open: number;
  } {
    const episodes = this.episodes(q.device_id);
    const openCount = episodes.filter((ep) => ep.first.acknowledged_at === null).length;
    const picked = episodes.filter((ep) =>
      q.state === 'open'
        ? ep.first.acknowledged_at === null
        : q.state === 'acknowledged'
          ? ep.first.acknowledged_at !== null
          : true,
    );
    const limit = q.limit ?? 200;
    return { alerts: picked.reverse().slice(0, limit).map(episodeRow), open: openCount };
  }

  /** Every alert, repeats folded, oldest first; an alert's acknowledgement is its first message's. */
  private episodes(deviceId?: string): Episode[] {
    const where = deviceId === undefined ? '' : 'AND e.device_id = ?';
    const rows = this.db
      .prepare(
        `SELECT * FROM (
           SELECT e.id, e.device_id, e.ts, e.data, a.acknowledged_by, a.acknowledged_at, a.note
           FROM events e LEFT JOIN alert_acks a ON a.event_row = e.id
           WHERE e.kind = 'alert' ${where} ORDER BY e.id DESC LIMIT ?
         ) ORDER BY id`,
      )
      .all(...(deviceId === undefined ? [] : [deviceId]), MAX_FOLDED) as AlertDbRow[];
    return foldRepeats(rows);
  }

  /**
   * Acknowledges an alert: who and when are kept (the audit record). The first acknowledgement
   * stands; acknowledging again returns it unchanged. Null when there is no such alert.
   */
  acknowledge(id: number, by: string, note: string | undefined, now = Date.now()): AlertRow | null {
    return this.db.transaction(() => {
      const exists = this.db.prepare("SELECT 1 FROM events WHERE id = ? AND kind = 'alert'").get(id);
      if (!exists) return null;
      this.db
        .prepare(
          'INSERT OR IGNORE INTO alert_acks (event_row, acknowledged_by, acknowledged_at, note) VALUES (?, ?, ?, ?)',
        )
        .run(id, by, now, note ?? null);
      const row = this.db
        .prepare(
          `SELECT e.id, e.device_id, e.ts, e.data, a.acknowledged_by, a.acknowledged_at, a.note
           FROM events e LEFT JOIN alert_acks a ON a.event_row = e.id WHERE e.id = ?`,
        )
        .get(id) as AlertDbRow;
      return alertRow(row);
    })();
  }
}
