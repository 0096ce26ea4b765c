import { hash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { EventKind, MarshalEvent, SampleExtra } from '../../src-shared/events/model';
import { SAMPLE_EXTRA_FIELDS } from '../../src-shared/events/model';
import { toIso } from '../../src-shared/events/time';
import type { ParsedEvent, ParsedSample, RejectCode } from '../../src-shared/ingest';
import { payloadPreview, redactSecrets } from '../../src-shared/ingest';
import type { RejectRow, SampleBatch } from '../../src-shared/contract';
import { familyOfTopic } from '../../src-shared/families';
import { DB_FILE, openDb, type Db } from './db';
import type { Migration } from './migrations';

/** Telemetry repeats are recognised within the last this-many messages (~25 s at design load). */
const RECENT_TELEMETRY = 100_000;

/** Rejected payloads are kept up to this size: enough to see what was wrong, not a disk filler. */
export const REJECT_PAYLOAD_CAP = 4096;

export type StoreItem =
  | {
      type: 'accept';
      /** The family whose parser accepted it (the registry's id). */
      family: string;
      topic: string;
      payload: Uint8Array;
      qos: number;
      retained: boolean;
      receivedAt: number;
      events: ParsedEvent[];
      samples: ParsedSample[];
      /** False for payloads that do not identify themselves: stored even when identical. */
      dedup?: boolean;
      statuses?: { device_id: string; data: Record<string, unknown> }[];
    }
  | {
      type: 'reject';
      topic: string;
      payload: Uint8Array;
      receivedAt: number;
      code: RejectCode;
      reason: string;
    }
  /** An empty retained publish: MQTT's way to clear a topic's retained message. */
  | { type: 'clear-retained'; topic: string; receivedAt: number };

export interface RawSample {
  sensor_id: string;
  ts: number;
  x: number;
  y: number;
  z: number;
}

export interface ItemOutcome {
  duplicate: boolean;
  events: MarshalEvent[];
  reject?: RejectRow;
}

export interface Counters {
  messages_in: number;
  events_stored: number;
  samples_stored: number;
  duplicates: number;
  rejects: number;
  unhandled: number;
  [reason: `reject:${string}`]: number;
}

/**
 * Dedup key of a message: SHA-256 over topic, NUL and payload, first 16 bytes. The payload goes in
 * as a latin1 string (one char per byte, so distinct payloads stay distinct) because one-shot
 * `crypto.hash` on a string costs a third of a streaming `createHash` on this hot path.
 */
export function messageHash(topic: string, payload: Uint8Array): Buffer {
  const bytes = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  return (hash('sha256', `${topic}\0${bytes.toString('latin1')}`, 'buffer') as unknown as Buffer).subarray(
    0,
    16,
  );
}

interface EventRow {
  id: number;
  kind: string;
  device_id: string;
  ts: number;
  received_at: number;
  topic: string;
  data: string;
}

/** Events the console made itself carry no family tree of their own. */
export const CONSOLE_FAMILY = 'console';

function rowToEvent(r: EventRow, rangePrefix: string): MarshalEvent {
  return {
    id: r.id,
    kind: r.kind as EventKind,
    family: familyOfTopic(r.topic, { rangePrefix }) ?? CONSOLE_FAMILY,
    device_id: r.device_id,
    ts: toIso(r.ts),
    received_at: toIso(r.received_at),
    topic: r.topic,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}

const EXTRA_COLUMNS = SAMPLE_EXTRA_FIELDS.join(', ');
type ExtraRow = Record<(typeof SAMPLE_EXTRA_FIELDS)[number], number | null>;

/** The fields a sample row holds besides its axes, without the ones it never had. */
function rowExtra(r: ExtraRow): SampleExtra {
  const out: SampleExtra = {};
  for (const k of SAMPLE_EXTRA_FIELDS) {
    const v = r[k];
    if (v !== null) out[k] = v;
  }
  return out;
}

function rowExtraOrNull(r: ExtraRow): SampleExtra | null {
  const e = rowExtra(r);
  return Object.keys(e).length ? e : null;
}

/**
 * Sees the events a transaction stores, inside that transaction (its writes commit or roll back
 * with them). Called only with events whose kind it asked for; it must not start a transaction.
 */
export interface TxObserver {
  /** The kinds it wants; others never reach it (no allocation for them). */
  readonly kinds: ReadonlySet<string>;
  observe(events: readonly MarshalEvent[]): void;
}

export class Store {
  readonly db: Db;
  private txObservers: TxObserver[] = [];
  readonly path: string;
  private readonly stmt;
  private counters = new Map<string, number>();
  private prunedUntil = 0;

  constructor(
    dataDir: string,
    /** Topic prefix of range bridges: telemetry kept as samples only reports its topic from it. */
    private readonly rangePrefix = 'leadville',
    /** The capabilities' tables; the store itself owns only the spine's. */
    migrations: readonly Migration[] = [],
  ) {
    this.db = openDb(dataDir, migrations);
    this.path = join(dataDir, DB_FILE);
    const db = this.db;
    this.stmt = {
      insertMessage: db.prepare(
        'INSERT OR IGNORE INTO messages (hash, topic, received_at, qos, retained, payload) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertEvent: db.prepare(
        'INSERT OR IGNORE INTO events (kind, device_id, ts, received_at, topic, message_id, data, dedup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertSample: db.prepare(
        'INSERT INTO samples (sensor_id, ts, received_at, seq, x, y, z, message_id, msg_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      // A second statement, so samples that carry only their axes bind no extra parameters.
      insertSampleExtra: db.prepare(
        `INSERT INTO samples (sensor_id, ts, received_at, seq, x, y, z, message_id, msg_hash, ${SAMPLE_EXTRA_FIELDS.join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ${SAMPLE_EXTRA_FIELDS.map(() => '?').join(', ')})`,
      ),
      insertReject: db.prepare(
        'INSERT INTO rejects (topic, received_at, reason_code, reason, payload, payload_size) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      upsertRetained: db.prepare(
        'INSERT INTO retained (topic, payload, qos, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(topic) DO UPDATE SET payload = excluded.payload, qos = excluded.qos, updated_at = excluded.updated_at',
      ),
      deleteRetained: db.prepare('DELETE FROM retained WHERE topic = ?'),
      bumpCounter: db.prepare(
        'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value',
      ),
    };
    for (const row of db.prepare('SELECT name, value FROM counters').all() as {
      name: string;
      value: number;
    }[]) {
      this.counters.set(row.name, row.value);
    }
    // Recall the recent telemetry hashes, so a redelivery of a message committed just before a
    // crash (but not yet acknowledged) is still recognised after the restart.
    const recent = db
      .prepare('SELECT msg_hash FROM samples WHERE msg_hash IS NOT NULL ORDER BY id DESC LIMIT ?')
      .all(RECENT_TELEMETRY) as { msg_hash: Buffer }[];
    for (const r of recent.reverse()) this.remember(r.msg_hash.toString('base64'));
    this.commitTx = db.transaction((items: StoreItem[], extra: Map<string, number>) =>
      this.commitItems(items, extra),
    );
  }

  private readonly commitTx: (items: StoreItem[], extra: Map<string, number>) => ItemOutcome[];

  /**
   * Commits a batch in one transaction. Each message is stored once (by topic + payload hash);
   * a repeat is reported as a duplicate and adds no events. `extra` adds to named counters.
   */
  commit(items: StoreItem[], extra: Map<string, number> = new Map()): ItemOutcome[] {
    this.pendingKeys.clear();
    const outcomes = this.commitTx(items, extra);
    // Remembered only once committed: a rolled-back batch must not turn its retry into duplicates.
    // A ring evicts the oldest in O(1) (iterating a Set from its front after many deletes is not).
    for (const key of this.pendingKeys) this.remember(key);
    this.pendingKeys.clear();
    return outcomes;
  }

  /** Registers an in-transaction observer; returns its removal. */
  addTxObserver(o: TxObserver): () => void {
    this.txObservers = [...this.txObservers, o];
    return () => {
      this.txObservers = this.txObservers.filter((x) => x !== o);
    };
  }

  private notifyTx(outcomes: readonly { events: readonly MarshalEvent[] }[]): void {
    for (const o of this.txObservers) {
      let picked: MarshalEvent[] | null = null;
      for (const out of outcomes)
        for (const e of out.events) if (o.kinds.has(e.kind)) (picked ??= []).push(e);
      if (picked) o.observe(picked);
    }
  }

  private remember(key: string): void {
    const old = this.recentRing[this.ringAt];
    if (old !== undefined) this.recentTelemetry.delete(old);
    this.recentRing[this.ringAt] = key;
    this.ringAt = (this.ringAt + 1) % RECENT_TELEMETRY;
    this.recentTelemetry.add(key);
  }

  /** Hashes of recently stored telemetry, and the ring that ages them out. */
  private readonly recentTelemetry = new Set<string>();
  private readonly recentRing: (string | undefined)[] = new Array<string | undefined>(RECENT_TELEMETRY);
  private ringAt = 0;
  private readonly pendingKeys = new Set<string>();

  private commitItems(items: StoreItem[], extra: Map<string, number>): ItemOutcome[] {
    const pendingKeys = this.pendingKeys;
    const delta = new Map<string, number>(extra);
    const add = (name: string, n = 1) => delta.set(name, (delta.get(name) ?? 0) + n);
    const outcomes: ItemOutcome[] = [];
    for (const item of items) {
      add('messages_in');
      if (item.type === 'clear-retained') {
        this.stmt.deleteRetained.run(item.topic);
        outcomes.push({ duplicate: false, events: [] });
        continue;
      }
      if (item.type === 'reject') {
        const kept = item.payload.subarray(0, REJECT_PAYLOAD_CAP);
        const info = this.stmt.insertReject.run(
          item.topic,
          item.receivedAt,
          item.code,
          item.reason,
          kept,
          item.payload.length,
        );
        add('rejects');
        add(`reject:${item.code}`);
        outcomes.push({
          duplicate: false,
          events: [],
          reject: {
            id: Number(info.lastInsertRowid),
            topic: item.topic,
            received_at: toIso(item.receivedAt),
            reason: redactSecrets(item.reason),
            payload_preview: payloadPreview(kept),
          },
        });
        continue;
      }
      let messageId: number | null = null;
      // Kept on the message's first sample (no index: append-only) so a restart can recall it.
      let telemetryHash: Buffer | null = null;
      if (item.events.length === 0 && item.samples.length > 0 && !item.retained) {
        // Telemetry: its samples are its record. A messages row plus a random-keyed unique index
        // entry per sample would multiply the bytes written per message (see bench/README.md), so
        // repeats are caught by a bounded in-memory set of recent hashes instead.
        telemetryHash = messageHash(item.topic, item.payload);
        const key = telemetryHash.toString('base64');
        if (item.dedup !== false && (this.recentTelemetry.has(key) || pendingKeys.has(key))) {
          add('duplicates');
          outcomes.push({ duplicate: true, events: [] });
          continue;
        }
        // Remembered even when not checked, so a DUP redelivery of it is caught.
        pendingKeys.add(key);
      } else {
        const row = [item.topic, item.receivedAt, item.qos, item.retained ? 1 : 0, item.payload] as const;
        let info = this.stmt.insertMessage.run(messageHash(item.topic, item.payload), ...row);
        // A payload that does not identify itself repeats legitimately: the first copy holds the
        // content hash (so a DUP redelivery of it is caught), later copies get keys of their own.
        if (info.changes === 0 && item.dedup === false)
          info = this.stmt.insertMessage.run(this.uniqueKey(item.receivedAt), ...row);
        if (item.retained) this.stmt.upsertRetained.run(item.topic, item.payload, item.qos, item.receivedAt);
        if (info.changes === 0) {
          add('duplicates');
          outcomes.push({ duplicate: true, events: [] });
          continue;
        }
        messageId = Number(info.lastInsertRowid);
      }
      const events: MarshalEvent[] = [];
      let repeats = 0;
      for (const e of item.events) {
        const data = JSON.stringify(e.data);
        const key = typeof e.data.dedup_key === 'string' ? e.data.dedup_key : null;
        const r = this.stmt.insertEvent.run(
          e.kind,
          e.device_id,
          e.ts,
          item.receivedAt,
          item.topic,
          messageId,
          data,
          key,
        );
        if (r.changes === 0) {
          repeats++;
          continue;
        }
        events.push({
          id: Number(r.lastInsertRowid),
          kind: e.kind,
          family: e.family ?? item.family,
          device_id: e.device_id,
          ts: toIso(e.ts),
          received_at: toIso(item.receivedAt),
          topic: item.topic,
          data: e.data,
        });
      }
      for (const s of item.samples) {
        const e = s.extra;
        if (e === undefined) {
          this.stmt.insertSample.run(
            s.sensor_id,
            s.ts,
            item.receivedAt,
            s.seq,
            s.x,
            s.y,
            s.z,
            messageId,
            telemetryHash,
          );
        } else {
          this.stmt.insertSampleExtra.run(
            s.sensor_id,
            s.ts,
            item.receivedAt,
            s.seq,
            s.x,
            s.y,
            s.z,
            messageId,
            telemetryHash,
            e.temp_c ?? null,
            e.angle_x ?? null,
            e.angle_y ?? null,
            e.angle_z ?? null,
            e.disp_x ?? null,
            e.disp_y ?? null,
            e.disp_z ?? null,
            e.freq_x ?? null,
            e.freq_y ?? null,
            e.freq_z ?? null,
          );
        }
        telemetryHash = null;
      }
      add('events_stored', events.length);
      add('samples_stored', item.samples.length);
      if (repeats) add('duplicates', repeats);
      // Every event of the message was already known under its natural key: a duplicate too.
      outcomes.push({
        duplicate: item.events.length > 0 && repeats === item.events.length && item.samples.length === 0,
        events,
      });
    }
    if (this.txObservers.length) this.notifyTx(outcomes);
    this.bumpCounters(delta);
    return outcomes;
  }

  /** Adds to named counters inside the caller's transaction, then to the in-memory copy. */
  private bumpCounters(delta: Map<string, number>): void {
    for (const [name, n] of delta) if (n !== 0) this.stmt.bumpCounter.run(name, n);
    // Only after the statements succeeded; a rollback throws before we get here.
    for (const [name, n] of delta) this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }

  retainedMessages(): { topic: string; payload: Buffer; qos: number }[] {
    return this.db.prepare('SELECT topic, payload, qos FROM retained ORDER BY topic').all() as {
      topic: string;
      payload: Buffer;
      qos: number;
    }[];
  }

  /**
   * Stores events the console itself produced (its alerts, runs, scoring changes, HTTP-ingested
   * game events) in one transaction. Events whose natural `dedup_key` is already stored are
   * skipped and counted as duplicates.
   */
  appendEvents(events: ParsedEvent[], topic: string, receivedAt = Date.now()): MarshalEvent[] {
    const family = familyOfTopic(topic, { rangePrefix: this.rangePrefix }) ?? CONSOLE_FAMILY;
    return this.db.transaction(() => {
      const out: MarshalEvent[] = [];
      let repeats = 0;
      for (const e of events) {
        const key = typeof e.data.dedup_key === 'string' ? e.data.dedup_key : null;
        const r = this.stmt.insertEvent.run(
          e.kind,
          e.device_id,
          e.ts,
          receivedAt,
          topic,
          null,
          JSON.stringify(e.data),
          key,
        );
        if (r.changes === 0) {
          repeats++;
          continue;
        }
        out.push({
          id: Number(r.lastInsertRowid),
          kind: e.kind,
          family: e.family ?? family,
          device_id: e.device_id,
          ts: toIso(e.ts),
          received_at: toIso(receivedAt),
          topic,
          data: e.data,
        });
      }
      if (this.txObservers.length && out.length) this.notifyTx([{ events: out }]);
      this.bumpCounters(
        new Map([
          ['events_stored', out.length],
          ['duplicates', repeats],
        ]),
      );
      return out;
    })();
  }

  private nonce = 0;

  /** A key that never collides with a content hash's: marker byte, time, counter. */
  private uniqueKey(receivedAt: number): Buffer {
    const key = Buffer.alloc(16);
    key[0] = 0xff;
    key.writeDoubleBE(receivedAt, 1);
    key.writeUInt32BE(this.nonce++ >>> 0, 9);
    key.writeUInt16BE(process.pid & 0xffff, 13);
    return key;
  }

  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  rejectsByReason(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, value] of this.counters) if (name.startsWith('reject:')) out[name.slice(7)] = value;
    return out;
  }

  listEvents(q: {
    kind?: EventKind;
    device_id?: string;
    since?: number;
    before?: number;
    limit: number;
  }): MarshalEvent[] {
    if (q.kind === 'sensor.sample') return this.listSamples(q);
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.kind) {
      where.push('kind = ?');
      args.push(q.kind);
    }
    if (q.device_id) {
      where.push('device_id = ?');
      args.push(q.device_id);
    }
    if (q.since !== undefined) {
      where.push('received_at >= ?');
      args.push(q.since);
    }
    if (q.before !== undefined) {
      where.push('id < ?');
      args.push(q.before);
    }
    const sql = `SELECT id, kind, device_id, ts, received_at, topic, data FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as EventRow[]).map((r) =>
      rowToEvent(r, this.rangePrefix),
    );
  }

  /** The id of the newest stored event (0 when there is none). */
  lastEventId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events').get() as { id: number }).id;
  }

  /**
   * Raw samples of one sensor stamped at or after `sinceTs`, oldest first (at most 200,000). The
   * receive time bounds the scan (the indexed, append-only column): a minute of clock skew is
   * allowed for.
   */
  rawSamplesSince(sensorId: string, sinceTs: number): RawSample[] {
    return this.db
      .prepare(
        'SELECT sensor_id, ts, x, y, z FROM samples WHERE received_at >= ? AND sensor_id = ? AND ts >= ? ORDER BY ts LIMIT 200000',
      )
      .all(sinceTs - 60_000, sensorId, sinceTs) as RawSample[];
  }

  /** Events after an id, oldest first, of the given kinds: a capability catching up after a restart. */
  eventsAfter(afterId: number, kinds: readonly EventKind[]): MarshalEvent[] {
    const sql = `SELECT id, kind, device_id, ts, received_at, topic, data FROM events WHERE id > ? AND kind IN (${kinds.map(() => '?').join(',')}) ORDER BY id`;
    return (this.db.prepare(sql).all(afterId, ...kinds) as EventRow[]).map((r) =>
      rowToEvent(r, this.rangePrefix),
    );
  }

  private listSamples(q: {
    device_id?: string;
    since?: number;
    before?: number;
    limit: number;
  }): MarshalEvent[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.device_id) {
      where.push('s.sensor_id = ?');
      args.push(q.device_id);
    }
    if (q.since !== undefined) {
      where.push('s.received_at >= ?');
      args.push(q.since);
    }
    if (q.before !== undefined) {
      where.push('s.id < ?');
      args.push(q.before);
    }
    const sql = `SELECT s.id, s.sensor_id, s.ts, s.received_at, s.seq, s.x, s.y, s.z, ${EXTRA_COLUMNS}, m.topic FROM samples s LEFT JOIN messages m ON m.id = s.message_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY s.id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, q.limit) as (ExtraRow & {
      id: number;
      sensor_id: string;
      ts: number;
      received_at: number;
      seq: number | null;
      x: number;
      y: number;
      z: number;
      topic: string | null;
    })[];
    return rows.map((r) => ({
      id: r.id,
      kind: 'sensor.sample',
      family: 'range',
      device_id: r.sensor_id,
      ts: toIso(r.ts),
      received_at: toIso(r.received_at),
      topic: r.topic ?? `${this.rangePrefix}/sensor/${r.sensor_id}/telemetry`,
      data: { sensor_id: r.sensor_id, seq: r.seq, x: r.x, y: r.y, z: r.z, ...rowExtra(r) },
    }));
  }

  listRejects(limit: number): { rejects: RejectRow[]; total: number } {
    const rows = this.db
      .prepare('SELECT id, topic, received_at, reason, payload FROM rejects ORDER BY id DESC LIMIT ?')
      .all(limit) as { id: number; topic: string; received_at: number; reason: string; payload: Buffer }[];
    return {
      rejects: rows.map((r) => ({
        id: r.id,
        topic: r.topic,
        received_at: toIso(r.received_at),
        reason: redactSecrets(r.reason),
        payload_preview: payloadPreview(r.payload),
      })),
      total: this.counter('rejects'),
    };
  }

  /** The sensor's samples received since `sinceMs`, oldest first; with `extra`, what else each held. */
  recentSamples(sensorId: string, sinceMs: number, limit = 20_000, extra = false): SampleBatch {
    const rows = this.db
      .prepare(
        // By receive time: the indexed column, and right even when a device's clock is off.
        `SELECT ts, x, y, z${extra ? `, ${EXTRA_COLUMNS}` : ''} FROM samples WHERE received_at >= ? AND sensor_id = ? ORDER BY id DESC LIMIT ?`,
      )
      .all(sinceMs, sensorId, limit) as (ExtraRow & { ts: number; x: number; y: number; z: number })[];
    rows.reverse();
    const batch: SampleBatch = { sensors: { [sensorId]: rows.map((r) => [r.ts, r.x, r.y, r.z]) } };
    if (extra) batch.extra = { [sensorId]: rows.map((r) => rowExtraOrNull(r)) };
    return batch;
  }

  /**
   * Raw samples received before `olderThan` become one row per sensor per second of their own
   * time (min/max/avg per axis and the peak magnitude); their raw telemetry messages go with them.
   * Age is the receive time: a device clock that is off (a bridge without a real-time clock) must
   * neither fold fresh samples at once nor keep old ones forever. At most `maxRows` per call.
   */
  downsample(olderThan: number, maxRows = 200_000): number {
    return this.db.transaction(() => {
      const bound = this.db
        .prepare(
          'SELECT MAX(id) AS id FROM (SELECT id FROM samples WHERE received_at < ? ORDER BY received_at LIMIT ?)',
        )
        .get(olderThan, maxRows) as { id: number | null };
      if (bound.id === null) return 0;
      this.db
        .prepare(
          `INSERT INTO samples_1s (sensor_id, ts, n, x_min, x_max, x_avg, y_min, y_max, y_avg, z_min, z_max, z_avg, peak)
           SELECT sensor_id, (ts / 1000) * 1000 AS sec, COUNT(*), MIN(x), MAX(x), AVG(x), MIN(y), MAX(y), AVG(y), MIN(z), MAX(z), AVG(z),
                  MAX(MAX(ABS(x), ABS(y), ABS(z)))
           FROM samples WHERE id <= ? AND received_at < ? GROUP BY sensor_id, sec
           ON CONFLICT(sensor_id, ts) DO UPDATE SET
             x_min = MIN(x_min, excluded.x_min), x_max = MAX(x_max, excluded.x_max),
             x_avg = (x_avg * n + excluded.x_avg * excluded.n) / (n + excluded.n),
             y_min = MIN(y_min, excluded.y_min), y_max = MAX(y_max, excluded.y_max),
             y_avg = (y_avg * n + excluded.y_avg * excluded.n) / (n + excluded.n),
             z_min = MIN(z_min, excluded.z_min), z_max = MAX(z_max, excluded.z_max),
             z_avg = (z_avg * n + excluded.z_avg * excluded.n) / (n + excluded.n),
             peak = MAX(peak, excluded.peak), n = n + excluded.n`,
        )
        .run(bound.id, olderThan);
      const gone = this.db
        .prepare('DELETE FROM samples WHERE id <= ? AND received_at < ?')
        .run(bound.id, olderThan).changes;
      // Raw telemetry messages age out with their samples, so dedup covers the raw window only.
      // Only the slice since the last fold is scanned: kept (non-telemetry) messages are not revisited.
      this.db
        .prepare(
          "DELETE FROM messages WHERE received_at >= ? AND received_at < ? AND topic LIKE '%/telemetry'",
        )
        .run(this.prunedUntil, olderThan);
      this.prunedUntil = Math.max(this.prunedUntil, olderThan);
      return gone;
    })();
  }

  sizeBytes(): number {
    let total = 0;
    for (const suffix of ['', '-wal']) {
      try {
        total += statSync(this.path + suffix).size;
      } catch {
        // the WAL may not exist yet
      }
    }
    return total;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
