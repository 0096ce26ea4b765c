/**
 * Karting tables: circuits (the app's ids), raw feed units with their receive time, and the laps
 * and sessions read models the migration's triggers fill.
 */
import { toCsv } from '../../src-shared/csv/csv';
import { toIso } from '../../src-shared/events/time';
import type { Db } from '../store/db';

export type CaptureOwner = 'operator' | 'app';
export type ProtocolSetting = 'auto' | 'apex' | 'rmonitor';

export interface Circuit {
  id: string;
  nom: string;
  wssUrl: string;
  liveTimingUrl: string;
  protocol: ProtocolSetting;
  /** `c1`…`c14` as configured (null = unset). */
  labels: Record<string, string | null>;
  capture: CaptureOwner[];
  created_at: number;
  updated_at: number;
}

interface CircuitRow {
  id: string;
  nom: string;
  wss_url: string;
  live_timing_url: string;
  protocol: string;
  labels: string;
  capture: string;
  created_at: number;
  updated_at: number;
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toCircuit(r: CircuitRow): Circuit {
  return {
    id: r.id,
    nom: r.nom,
    wssUrl: r.wss_url,
    liveTimingUrl: r.live_timing_url,
    protocol: (['auto', 'apex', 'rmonitor'].includes(r.protocol) ? r.protocol : 'auto') as ProtocolSetting,
    labels: parseJson<Record<string, string | null>>(r.labels, {}),
    capture: parseJson<CaptureOwner[]>(r.capture, []),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export interface LapRow {
  circuit_id: string;
  session_id: string;
  row_id: string;
  kart: string | null;
  name: string | null;
  lap: number | null;
  lap_ms: number;
  lap_raw: string | null;
  ts: string;
}

export interface SessionRow {
  circuit_id: string;
  session_id: string;
  protocol: string | null;
  type: string | null;
  name: string | null;
  started_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
  laps: number;
}

export class KartingRepo {
  private readonly stmt;

  constructor(readonly db: Db) {
    this.stmt = {
      insertRaw: db.prepare(
        'INSERT INTO karting_raw (circuit_id, received_at, session_id, data) VALUES (?, ?, ?, ?)',
      ),
      getCircuit: db.prepare('SELECT * FROM karting_circuits WHERE id = ?'),
      setCapture: db.prepare('UPDATE karting_circuits SET capture = ? WHERE id = ?'),
    };
  }

  circuits(): Circuit[] {
    return (
      this.db.prepare('SELECT * FROM karting_circuits ORDER BY nom COLLATE NOCASE, id').all() as CircuitRow[]
    ).map(toCircuit);
  }

  circuit(id: string): Circuit | null {
    const r = this.stmt.getCircuit.get(id) as CircuitRow | undefined;
    return r ? toCircuit(r) : null;
  }

  upsertCircuit(c: Omit<Circuit, 'created_at' | 'updated_at' | 'capture'>, now = Date.now()): Circuit {
    this.db
      .prepare(
        `INSERT INTO karting_circuits (id, nom, wss_url, live_timing_url, protocol, labels, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET nom = excluded.nom, wss_url = excluded.wss_url,
           live_timing_url = excluded.live_timing_url, protocol = excluded.protocol, labels = excluded.labels,
           updated_at = excluded.updated_at`,
      )
      .run(c.id, c.nom, c.wssUrl, c.liveTimingUrl, c.protocol, JSON.stringify(c.labels), now, now);
    return this.circuit(c.id)!;
  }

  deleteCircuit(id: string): boolean {
    return this.db.prepare('DELETE FROM karting_circuits WHERE id = ?').run(id).changes > 0;
  }

  setCapture(id: string, owners: CaptureOwner[]): void {
    this.stmt.setCapture.run(JSON.stringify(owners), id);
  }

  insertRaw(circuitId: string, receivedAt: number, sessionId: string | null, data: string): void {
    this.stmt.insertRaw.run(circuitId, receivedAt, sessionId, data);
  }

  /** The latest session of a circuit that has not ended (what a restart rebuilds). */
  openSession(circuitId: string): { session_id: string; started_at: number } | null {
    return (
      (this.db
        .prepare(
          `SELECT session_id, started_at FROM karting_sessions WHERE circuit_id = ? AND ended_at IS NULL
           ORDER BY started_at DESC LIMIT 1`,
        )
        .get(circuitId) as { session_id: string; started_at: number } | undefined) ?? null
    );
  }

  /** Raw units from a time on, in arrival order, a page at a time. */
  *rawSince(
    circuitId: string,
    fromMs: number,
    page = 2000,
  ): Generator<{ received_at: number; data: string }> {
    let lastId = 0;
    const q = this.db.prepare(
      'SELECT id, received_at, data FROM karting_raw WHERE circuit_id = ? AND received_at >= ? AND id > ? ORDER BY id LIMIT ?',
    );
    for (;;) {
      const rows = q.all(circuitId, fromMs, lastId, page) as {
        id: number;
        received_at: number;
        data: string;
      }[];
      for (const r of rows) yield r;
      if (rows.length < page) return;
      lastId = rows.at(-1)!.id;
    }
  }

  /** Entry records sent before a session began (RMonitor names its competitors once, early). */
  rmonitorEntriesBefore(
    circuitId: string,
    beforeMs: number,
    limit = 5000,
  ): { received_at: number; data: string }[] {
    return this.db
      .prepare(
        `SELECT received_at, data FROM (
             SELECT id, received_at, data FROM karting_raw
             WHERE circuit_id = ? AND received_at < ? AND (data LIKE '$A,%' OR data LIKE '$COMP,%' OR data LIKE '$C,%')
             ORDER BY id DESC LIMIT ?) ORDER BY id`,
      )
      .all(circuitId, beforeMs, limit) as { received_at: number; data: string }[];
  }

  /** Stored raw units in arrival order, a page at a time (`after` = the last id seen). */
  rawPage(circuitId: string, after: number, limit: number) {
    return this.db
      .prepare(
        'SELECT id, received_at, session_id, data FROM karting_raw WHERE circuit_id = ? AND id > ? ORDER BY id LIMIT ?',
      )
      .all(circuitId, after, limit) as {
      id: number;
      received_at: number;
      session_id: string | null;
      data: string;
    }[];
  }

  /** Newest raw units first (the original's `GET /circuits/{id}/data`). */
  rawNewest(circuitId: string, limit: number) {
    return this.db
      .prepare('SELECT id, received_at, data FROM karting_raw WHERE circuit_id = ? ORDER BY id DESC LIMIT ?')
      .all(circuitId, limit) as { id: number; received_at: number; data: string }[];
  }

  rawStats(circuitId: string, sinceMs: number): { total: number; recent: number; latest: number | null } {
    return this.db
      .prepare(
        `SELECT COUNT(*) AS total, COALESCE(SUM(received_at >= ?), 0) AS recent, MAX(received_at) AS latest
         FROM karting_raw WHERE circuit_id = ?`,
      )
      .get(sinceMs, circuitId) as { total: number; recent: number; latest: number | null };
  }

  rawCount(circuitId?: string): number {
    const r = (
      circuitId
        ? this.db.prepare('SELECT COUNT(*) AS n FROM karting_raw WHERE circuit_id = ?').get(circuitId)
        : this.db.prepare('SELECT COUNT(*) AS n FROM karting_raw').get()
    ) as { n: number };
    return r.n;
  }

  laps(q: { circuit?: string; session?: string; kart?: string; limit?: number }): LapRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.circuit) {
      where.push('circuit_id = ?');
      args.push(q.circuit);
    }
    if (q.session) {
      where.push('session_id = ?');
      args.push(q.session);
    }
    if (q.kart) {
      where.push('kart = ?');
      args.push(q.kart);
    }
    const sql = `SELECT circuit_id, session_id, row_id, kart, name, lap, lap_ms, lap_raw, ts FROM karting_laps
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY event_row DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, q.limit ?? 1000) as (Omit<LapRow, 'ts'> & {
      ts: number;
    })[];
    return rows.reverse().map((r) => ({ ...r, ts: toIso(r.ts) }));
  }

  sessions(circuit?: string, limit = 200): SessionRow[] {
    const rows = this.db
      .prepare(
        `SELECT s.*, (SELECT COUNT(*) FROM karting_laps l WHERE l.circuit_id = s.circuit_id AND l.session_id = s.session_id) AS laps
         FROM karting_sessions s ${circuit ? 'WHERE s.circuit_id = ?' : ''} ORDER BY s.started_at DESC LIMIT ?`,
      )
      .all(...(circuit ? [circuit, limit] : [limit])) as (Omit<SessionRow, 'started_at' | 'ended_at'> & {
      started_at: number | null;
      ended_at: number | null;
    })[];
    return rows.map((r) => ({
      ...r,
      started_at: r.started_at === null ? null : toIso(r.started_at),
      ended_at: r.ended_at === null ? null : toIso(r.ended_at),
    }));
  }

  lapsCsv(q: { circuit?: string; session?: string }): { csv: string; rows: number } {
    const laps = this.laps({ ...q, limit: 1_000_000 });
    const header = ['circuit_id', 'session_id', 'row_id', 'kart', 'name', 'lap', 'lap_ms', 'lap_time', 'ts'];
    return {
      csv: toCsv(
        header,
        laps.map((l) => [
          l.circuit_id,
          l.session_id,
          l.row_id,
          l.kart,
          l.name,
          l.lap,
          l.lap_ms,
          l.lap_raw,
          l.ts,
        ]),
      ),
      rows: laps.length,
    };
  }
}
