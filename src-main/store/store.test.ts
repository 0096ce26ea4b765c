import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Store, type StoreItem } from './store';
import { SPINE_MIGRATIONS } from './migrations';

const enc = (s: string) => new TextEncoder().encode(s);
let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-store-'));
  store = new Store(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const shot = (payload: string, receivedAt = 1000): StoreItem => ({
  type: 'accept',
  family: 'range',
  topic: 'leadville/timer/events',
  payload: enc(payload),
  qos: 1,
  retained: false,
  receivedAt,
  events: [
    { kind: 'timer.shot', device_id: 'timer', ts: receivedAt, data: { shot_number: 1, time_ms: 1000 } },
  ],
  samples: [],
});

describe('Store', () => {
  it('uses WAL and records the applied migrations', () => {
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as {
      version: number;
    }[];
    expect(versions.map((v) => v.version)).toEqual(SPINE_MIGRATIONS.map((m) => m.version));
  });

  it('stores a repeated message once and counts the duplicate', () => {
    const [a] = store.commit([shot('{"a":1}')]);
    const [b] = store.commit([shot('{"a":1}', 2000)]);
    expect(a!.duplicate).toBe(false);
    expect(a!.events).toHaveLength(1);
    expect(b!.duplicate).toBe(true);
    expect(store.listEvents({ limit: 10 })).toHaveLength(1);
    expect(store.counter('duplicates')).toBe(1);
    expect(store.counter('messages_in')).toBe(2);
  });

  it('stores an event with a known natural key once, even in a different envelope', () => {
    const session = (payload: string): StoreItem => ({
      type: 'accept',
      family: 'range',
      topic: 'whackamole/cab-1/session',
      payload: enc(payload),
      qos: 1,
      retained: false,
      receivedAt: 1000,
      events: [
        { kind: 'game.session', device_id: 'cab-1', ts: 1000, data: { score: 5, dedup_key: 'cab-1/42' } },
      ],
      samples: [],
    });
    const [a] = store.commit([session('{"session_id":42,"score":5}')]);
    const [b] = store.commit([session('{"session_id":42,"score":5,"retry":1}')]);
    expect(a!.events).toHaveLength(1);
    expect(b).toEqual({ duplicate: true, events: [] });
    expect(store.listEvents({ kind: 'game.session', limit: 10 })).toHaveLength(1);
    expect(store.counter('duplicates')).toBe(1);
  });

  it('keeps rejects with a capped payload and counts them per reason', () => {
    const big = 'x'.repeat(10_000);
    const [o] = store.commit([
      { type: 'reject', topic: 't', payload: enc(big), receivedAt: 5, code: 'schema', reason: 'bad' },
    ]);
    expect(o!.reject).toMatchObject({ topic: 't', reason: 'bad' });
    const row = store.db.prepare('SELECT length(payload) AS n, payload_size FROM rejects').get() as {
      n: number;
      payload_size: number;
    };
    expect(row.n).toBeLessThan(big.length);
    expect(row.payload_size).toBe(big.length);
    expect(store.rejectsByReason()).toEqual({ schema: 1 });
    expect(store.listRejects(10).total).toBe(1);
  });

  it('pages events newest first with a before cursor and filters by kind', () => {
    store.commit([shot('{"n":1}'), shot('{"n":2}'), shot('{"n":3}')]);
    const first = store.listEvents({ limit: 2 });
    expect(first.map((e) => e.id)).toEqual([3, 2]);
    expect(store.listEvents({ limit: 2, before: 2 }).map((e) => e.id)).toEqual([1]);
    expect(store.listEvents({ kind: 'impact', limit: 10 })).toEqual([]);
  });

  it('keeps counters across a reopen', () => {
    store.commit([shot('{"n":1}')], new Map([['unhandled', 2]]));
    store.close();
    store = new Store(dir);
    expect(store.counter('messages_in')).toBe(1);
    expect(store.counter('unhandled')).toBe(2);
  });

  const telemetryBatch = (
    receivedAt: number,
    samples: Extract<StoreItem, { type: 'accept' }>['samples'],
  ): StoreItem => ({
    type: 'accept',
    family: 'range',
    topic: 'leadville/sensor/s1/telemetry',
    payload: enc(`batch ${receivedAt} ${samples[0]?.ts}`),
    qos: 0,
    retained: false,
    receivedAt,
    events: [],
    samples,
  });
  const rawCount = () => (store.db.prepare('SELECT COUNT(*) AS n FROM samples').get() as { n: number }).n;

  it('folds raw samples received before the window into one row per second', () => {
    const samples = (from: number) =>
      Array.from({ length: 50 }, (_, i) => ({
        sensor_id: 's1',
        ts: from + i * 20,
        seq: i,
        x: i % 2 ? 5 : -3,
        y: 0,
        z: 1,
      }));
    store.commit([telemetryBatch(11_000, samples(10_000)), telemetryBatch(12_000, samples(11_000))]);
    const folded = store.downsample(11_500);
    expect(folded).toBe(50);
    const rows = store.db.prepare('SELECT ts, n, x_min, x_max, peak FROM samples_1s').all();
    expect(rows).toEqual([{ ts: 10_000, n: 50, x_min: -3, x_max: 5, peak: 5 }]);
    expect(rawCount()).toBe(50);
  });

  it('keeps raw samples by receive time whatever the device clock says', () => {
    const HOUR = 3_600_000;
    const now = Date.parse('2026-03-01T10:00:00Z');
    const sample = (ts: number, seq: number) => ({ sensor_id: 's1', ts, seq, x: 1, y: 2, z: 3 });
    // A bridge without a real-time clock stamps 61 minutes behind; another runs 2 hours ahead.
    store.commit([
      telemetryBatch(now, [sample(now - 61 * 60_000, 1), sample(now - 61 * 60_000 + 5, 2)]),
      telemetryBatch(now + 1, [sample(now + 2 * HOUR, 3)]),
    ]);
    // The core folds what was received more than the window (60 minutes) ago.
    const foldAt = (clock: number) => store.downsample(clock - HOUR);
    // 7 s after they arrived nothing has aged yet.
    expect(foldAt(now + 7_000)).toBe(0);
    expect(rawCount()).toBe(3);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM samples_1s').get()).toEqual({ n: 0 });
    // Once received more than the window ago, all of them fold, the one stamped ahead included.
    expect(foldAt(now + HOUR + 2)).toBe(3);
    expect(rawCount()).toBe(0);
    expect(store.db.prepare('SELECT ts, n FROM samples_1s ORDER BY ts').all()).toEqual([
      { ts: now - 61 * 60_000, n: 2 },
      { ts: now + 2 * HOUR, n: 1 },
    ]);
  });

  it('folds a backlog in chunks of at most maxRows', () => {
    const sample = (i: number) => ({ sensor_id: 's1', ts: 1_000 + i, seq: i, x: 1, y: 1, z: 1 });
    store.commit([
      telemetryBatch(100, [sample(0), sample(1), sample(2)]),
      telemetryBatch(200, [sample(3), sample(4)]),
    ]);
    expect(store.downsample(1_000, 2)).toBe(2);
    expect(store.downsample(1_000, 2)).toBe(2);
    expect(store.downsample(1_000, 2)).toBe(1);
    expect(store.downsample(1_000, 2)).toBe(0);
    expect(store.db.prepare('SELECT ts, n FROM samples_1s').all()).toEqual([{ ts: 1_000, n: 5 }]);
  });

  it('rolls a failed batch back entirely', () => {
    const bad = { ...shot('{"x":1}'), payload: undefined as unknown as Uint8Array };
    expect(() => store.commit([shot('{"ok":1}'), bad])).toThrow();
    expect(store.listEvents({ limit: 10 })).toEqual([]);
    expect(store.counter('messages_in')).toBe(0);
    const raw = new Database(join(dir, 'marshal.sqlite'), { readonly: true });
    expect((raw.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n).toBe(0);
    raw.close();
  });
});

describe('Store.appendEvents', () => {
  it('stores console-made events and skips known natural keys', () => {
    const e = {
      kind: 'alert' as const,
      device_id: 'gw-1',
      ts: 5,
      data: { source: 'console', dedup_key: 'a1' },
    };
    expect(store.appendEvents([e], 'console/alerts', 10)).toHaveLength(1);
    expect(
      store.appendEvents([e, { ...e, data: { source: 'console', dedup_key: 'a2' } }], 'console/alerts', 11),
    ).toHaveLength(1);
    expect(store.listEvents({ kind: 'alert', limit: 10 }).map((x) => x.data.dedup_key)).toEqual(['a2', 'a1']);
    expect(store.counter('duplicates')).toBe(1);
    expect(store.counter('events_stored')).toBe(2);
  });
});

describe('migrate', () => {
  it('applies a lower-numbered migration that arrives after a higher one', async () => {
    const { migrate } = await import('./db');
    store.db.prepare('DELETE FROM schema_migrations WHERE version = 2').run();
    store.db.exec('DROP TABLE retained');
    migrate(store.db);
    expect(store.db.prepare("SELECT name FROM sqlite_master WHERE name = 'retained'").get()).toEqual({
      name: 'retained',
    });
  });
});

describe('telemetry storage', () => {
  const telemetry = (payload: string, dedup = true): StoreItem => ({
    type: 'accept',
    family: 'range',
    topic: 'leadville/sensor/s1/telemetry',
    payload: enc(payload),
    qos: 1,
    retained: false,
    receivedAt: 1000,
    events: [],
    samples: [{ sensor_id: 's1', ts: 1000, seq: 1, x: 1, y: 2, z: 3 }],
    dedup,
  });

  it('keeps samples without a raw message row and still catches a redelivery', () => {
    const [a] = store.commit([telemetry('{"seq":1,"x":1,"y":2,"z":3}')]);
    const [b] = store.commit([telemetry('{"seq":1,"x":1,"y":2,"z":3}')]);
    expect(a!.duplicate).toBe(false);
    expect(b!.duplicate).toBe(true);
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM samples').get() as { n: number }).n).toBe(1);
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n).toBe(0);
  });

  it('recognises a redelivery after a restart', () => {
    store.commit([telemetry('{"seq":3,"x":1,"y":2,"z":3}')]);
    store.close();
    store = new Store(dir);
    const [again] = store.commit([telemetry('{"seq":3,"x":1,"y":2,"z":3}')]);
    expect(again!.duplicate).toBe(true);
  });

  it('does not remember a rolled-back batch, so its retry is stored', () => {
    const bad = { ...shot('{"x":1}'), payload: undefined as unknown as Uint8Array };
    expect(() => store.commit([telemetry('{"seq":2,"x":1,"y":2,"z":3}'), bad])).toThrow();
    const [retry] = store.commit([telemetry('{"seq":2,"x":1,"y":2,"z":3}')]);
    expect(retry!.duplicate).toBe(false);
  });
});

describe('sample record fields', () => {
  const item = (samples: Extract<StoreItem, { type: 'accept' }>['samples']): StoreItem => ({
    type: 'accept',
    family: 'range',
    topic: 'leadville/sensor/bt50-1/telemetry',
    payload: enc(JSON.stringify(samples)),
    qos: 0,
    retained: false,
    receivedAt: 5_000,
    events: [],
    samples,
  });
  const record = {
    temp_c: 22.35,
    angle_x: 0.5,
    angle_y: -0.25,
    angle_z: 90,
    disp_x: 91,
    disp_y: 122,
    disp_z: 104,
    freq_x: 0,
    freq_y: 3,
    freq_z: 0,
  };

  it('keeps what a record holds besides the axes, per sample, and leaves absent fields out', () => {
    store.commit([
      item([
        { sensor_id: 'bt50-1', ts: 4_990, seq: 1, x: 4, y: 9, z: 9, extra: record },
        { sensor_id: 'bt50-1', ts: 4_995, seq: 2, x: 1, y: 1, z: 1, extra: { temp_c: 21 } },
        { sensor_id: 'bt50-1', ts: 5_000, seq: 3, x: 0, y: 0, z: 0 },
      ]),
    ]);
    const listed = store.listEvents({ kind: 'sensor.sample', device_id: 'bt50-1', limit: 10 }).reverse();
    expect(listed.map((e) => e.data)).toEqual([
      { sensor_id: 'bt50-1', seq: 1, x: 4, y: 9, z: 9, ...record },
      { sensor_id: 'bt50-1', seq: 2, x: 1, y: 1, z: 1, temp_c: 21 },
      { sensor_id: 'bt50-1', seq: 3, x: 0, y: 0, z: 0 },
    ]);
    // Queryable in SQL as columns.
    expect(
      store.db
        .prepare('SELECT AVG(temp_c) AS t, MAX(freq_y) AS f FROM samples WHERE sensor_id = ?')
        .get('bt50-1'),
    ).toEqual({ t: (22.35 + 21) / 2, f: 3 });
  });

  it('returns them from recentSamples only when asked, in the order of the tuples', () => {
    store.commit([
      item([
        { sensor_id: 'bt50-1', ts: 4_990, seq: 1, x: 4, y: 9, z: 9, extra: record },
        { sensor_id: 'bt50-1', ts: 5_000, seq: 2, x: 0, y: 0, z: 0 },
      ]),
    ]);
    expect(store.recentSamples('bt50-1', 0)).toEqual({
      sensors: {
        'bt50-1': [
          [4_990, 4, 9, 9],
          [5_000, 0, 0, 0],
        ],
      },
    });
    expect(store.recentSamples('bt50-1', 0, 100, true).extra).toEqual({ 'bt50-1': [record, null] });
  });
});
