/**
 * Where a message's time goes inside Marshal, stage by stage, in one process with no broker and
 * no network: the real parser, the real dedup hash, the real Store and the real ingest pipeline
 * (with the core's listeners), against the bare pipeline's JSON.parse + insert, at the batch
 * sizes one transaction per event-loop turn produces at design load and at full blast.
 *
 *   npx tsx bench/stages.ts [--messages 40000]
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCore } from '../src-main/core';
import { openDb } from '../src-main/store/db';
import { messageHash, Store, type StoreItem } from '../src-main/store/store';
import { bytesToHex, encodeBt50Notification } from '../src-shared/decoders/bt50';
import { parseMessage } from '../src-shared/ingest';
import { diskWriteBytes } from './lib';
import { PLUGINS } from '../src-main/plugins';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '40000' } }, strict: true });
const N = Math.max(1000, Number(values.messages) || 40_000);
const BATCHES = [1, 5, 20, 100, 500, 2000];
const SENSORS = 20;
const opts = { rangePrefix: 'leadville', maxPayloadBytes: 256 * 1024 };

const RECREATE_MESSAGES_WITHOUT_UNIQUE = `
  DROP TABLE messages;
  CREATE TABLE messages (id INTEGER PRIMARY KEY, hash BLOB NOT NULL, topic TEXT NOT NULL, received_at INTEGER NOT NULL,
    qos INTEGER NOT NULL, retained INTEGER NOT NULL, payload BLOB NOT NULL);
  CREATE INDEX messages_received ON messages(received_at);`;

const tmp = mkdtempSync(join(os.tmpdir(), 'marshal-stages-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function messages(n: number, salt: number): { topic: string; payload: Buffer }[] {
  const t = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    topic: `leadville/sensor/s-${i % SENSORS}/telemetry`,
    payload: Buffer.from(
      JSON.stringify({
        seq: salt * 1e7 + i,
        ts: t + i,
        x: Math.round((Math.random() - 0.5) * 2000) / 1000,
        y: Math.round((Math.random() - 0.5) * 2000) / 1000,
        z: 9.81,
      }),
    ),
  }));
}

/** Whole BT50 notifications as the BLE bridge forwards them: 128 bytes, four records each. */
function bt50Messages(n: number, salt: number): { topic: string; payload: Buffer }[] {
  const t = Date.now();
  const r = (k: number) => Math.round((Math.random() - 0.5) * k);
  return Array.from({ length: n }, (_, i) => ({
    topic: `leadville/sensor/s-${i % SENSORS}/telemetry`,
    payload: Buffer.from(
      JSON.stringify({
        seq: (salt * 1e7 + i) * 4,
        ts: new Date(t + i).toISOString(),
        rate_hz: 200,
        raw_hex: bytesToHex(
          encodeBt50Notification(
            Array.from({ length: 4 }, () => ({
              vx: r(40),
              vy: r(40),
              vz: r(40),
              angleX: r(10),
              angleY: r(10),
              angleZ: 90,
              temperatureC: 21.5 + r(2) / 10,
              dx: r(100),
              dy: r(100),
              dz: r(100),
              fx: r(200),
              fy: r(200),
              fz: r(200),
            })),
          ),
        ),
      }),
    ),
  }));
}

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e3;
}

/** Telemetry messages parsed into the items the store commits, as the pipeline builds them. */
function acceptItems(msgs: readonly { topic: string; payload: Buffer }[], now: number): StoreItem[] {
  return msgs.map((m) => {
    const r = parseMessage(m.topic, m.payload, now, opts);
    if (r.outcome !== 'events') throw new Error('unexpected parse outcome');
    return {
      type: 'accept',
      family: r.family,
      topic: m.topic,
      payload: m.payload,
      qos: 0,
      retained: false,
      receivedAt: now,
      events: r.events,
      samples: r.samples,
    };
  });
}

/**
 * µs per message to commit the items in batches of `b`, and KB written per message. Closing
 * checkpoints the WAL into the database, as the server's auto-checkpoints do, so it counts.
 */
function commitCost(store: Store, items: readonly StoreItem[], b: number): { us: number; kb: number } {
  const before = diskWriteBytes(process.pid) ?? 0;
  const us =
    time(() => {
      for (let i = 0; i < items.length; i += b) store.commit(items.slice(i, i + b));
    }) / N;
  store.close();
  return { us, kb: ((diskWriteBytes(process.pid) ?? 0) - before) / 1024 / N };
}

const out = (s = '') => process.stdout.write(`${s}\n`);
const us = (total: number, n: number) => (total / n).toFixed(2).padStart(7);

out(
  `Stage costs, µs per message (${N.toLocaleString('en-US')} telemetry messages, ${SENSORS} sensors, one sample each)`,
);
out(`  node ${process.version}, ${os.cpus()[0]?.model ?? ''}; data in ${tmp}`);
out();

// ---- parse and hash
{
  const msgs = messages(N, 1);
  const now = Date.now();
  // Warm up the JIT first.
  for (const m of msgs.slice(0, 5000)) parseMessage(m.topic, m.payload, now, opts);
  const parse = time(() => {
    for (const m of msgs) parseMessage(m.topic, m.payload, now, opts);
  });
  const json = time(() => {
    for (const m of msgs) JSON.parse(m.payload.toString('utf8'));
  });
  const hash = time(() => {
    for (const m of msgs) messageHash(m.topic, m.payload);
  });
  out(`  JSON.parse only (bare)             ${us(json, N)}`);
  out(`  parseMessage (utf8 + JSON + zod)   ${us(parse, N)}`);
  out(`  messageHash (sha256, dedup key)    ${us(hash, N)}`);
  out();
}

// ---- store commit vs batch size
const W = 9;
out('  batch size →                       ' + BATCHES.map((b) => String(b).padStart(W)).join(''));
{
  const storeRow: number[] = [];
  const bareRow: number[] = [];
  const pipeRow: number[] = [];
  const commitRow: number[] = [];
  for (const b of BATCHES) {
    // Store.commit with pre-parsed items: inserts + dedup index + counters + COMMIT.
    const store = new Store(join(tmp, `store-${b}`));
    const now = Date.now();
    const items = acceptItems(messages(N, 2), now);
    const t = time(() => {
      for (let i = 0; i < items.length; i += b) store.commit(items.slice(i, i + b));
    });
    storeRow.push(t / N);
    commitRow.push((t / N) * b);
    store.close();

    // The bare pipeline: JSON.parse + one insert into (topic, ts, payload).
    const db = new Database(join(tmp, `bare-${b}.sqlite`));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(
      'CREATE TABLE messages (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, ts INTEGER NOT NULL, payload BLOB NOT NULL)',
    );
    const ins = db.prepare('INSERT INTO messages (topic, ts, payload) VALUES (?, ?, ?)');
    const tx = db.transaction((batch: { topic: string; payload: Buffer }[]) => {
      for (const m of batch) {
        const o = JSON.parse(m.payload.toString('utf8')) as { ts: number };
        ins.run(m.topic, o.ts, m.payload);
      }
    });
    const bm = messages(N, 3);
    bareRow.push(
      time(() => {
        for (let i = 0; i < bm.length; i += b) tx(bm.slice(i, i + b));
      }) / N,
    );
    db.close();

    // The whole ingest of the core, less the broker: pipeline (parse, commit, fan-out) and the
    // core's listener (device registry, UI batch).
    const core = createCore(
      {
        dataDir: join(tmp, `core-${b}`),
        mqttPort: 0,
        lan: false,
        tlsPort: 0,
        rangePrefix: 'leadville',
        maxPayloadBytes: 256 * 1024,
        rawRetentionMs: 3_600_000,
        neurogameApiKey: 'bench',
      },
      PLUGINS,
    );
    const pm = messages(N, 4);
    pipeRow.push(
      time(() => {
        for (let i = 0; i < pm.length; i += b) {
          for (const m of pm.slice(i, i + b)) {
            core.pipeline.push({
              topic: m.topic,
              payload: m.payload,
              qos: 0,
              retain: false,
              receivedAt: Date.now(),
              clientId: 'c',
            });
          }
          core.pipeline.flush();
        }
      }) / N,
    );
    await core.stop();
  }
  const row = (label: string, xs: number[]) =>
    out(`  ${label.padEnd(35)}${xs.map((x) => x.toFixed(2).padStart(W)).join('')}`);
  row('bare: JSON.parse + insert + COMMIT', bareRow);
  row('Store.commit (parsed items)', storeRow);
  row('  … the same, µs per COMMIT', commitRow);
  row('ingest pipeline + core listener', pipeRow);
  out();
  out('  (µs per message unless said; one transaction per batch; WAL, synchronous=NORMAL)');
}

// ---- which part of the schema costs what: the same Store code against trimmed schemas
{
  out();
  out('Store.commit by schema variant (the same code; indexes removed before it opens)');
  const VARIANT_BATCHES = [20, 2000];
  out(
    '  batch size →                       ' +
      VARIANT_BATCHES.map((b) => `${b} µs/msg`.padStart(W + 4)).join('') +
      VARIANT_BATCHES.map((b) => `${b} KB/msg`.padStart(W + 4)).join(''),
  );
  const variants: [string, string][] = [
    ['as shipped', ''],
    ['without samples(received_at)', 'DROP INDEX samples_received;'],
    ['without UNIQUE(hash) dedup index', RECREATE_MESSAGES_WITHOUT_UNIQUE],
    ['without both', `DROP INDEX samples_received; ${RECREATE_MESSAGES_WITHOUT_UNIQUE}`],
  ];
  for (const [label, ddl] of variants) {
    const xs: number[] = [];
    const kb: number[] = [];
    for (const b of VARIANT_BATCHES) {
      const dir = join(tmp, `variant-${xs.length}-${label.replace(/\W+/g, '-')}`);
      const db = openDb(dir);
      if (ddl) db.exec(ddl);
      db.close();
      const store = new Store(dir);
      const now = Date.now();
      const items = acceptItems(messages(N, 5), now);
      const cost = commitCost(store, items, b);
      xs.push(cost.us);
      kb.push(cost.kb);
    }
    out(
      `  ${label.padEnd(35)}${xs.map((x) => x.toFixed(2).padStart(W + 4)).join('')}${kb.map((x) => x.toFixed(2).padStart(W + 4)).join('')}`,
    );
  }
}

// ---- BT50 raw notifications: what a BLE-bridged sensor sends (four records per message)
{
  out();
  out('BT50 notifications (128 bytes, 4 records each): parse and Store.commit');
  const BT_BATCHES = [20, 2000];
  out(
    '  batch size →                       ' +
      BT_BATCHES.map((b) => `${b} µs/msg`.padStart(W + 4)).join('') +
      BT_BATCHES.map((b) => `${b} KB/msg`.padStart(W + 4)).join(''),
  );
  const msgs = bt50Messages(N, 6);
  const now = Date.now();
  for (const m of msgs.slice(0, 2000)) parseMessage(m.topic, m.payload, now, opts);
  const parse = time(() => {
    for (const m of msgs) parseMessage(m.topic, m.payload, now, opts);
  });
  const xs: number[] = [];
  const kb: number[] = [];
  for (const b of BT_BATCHES) {
    const store = new Store(join(tmp, `bt50-${b}`));
    const items = acceptItems(bt50Messages(N, 7 + b), now);
    const cost = commitCost(store, items, b);
    xs.push(cost.us);
    kb.push(cost.kb);
  }
  out(`  parseMessage                       ${us(parse, N)}`);
  out(
    `  ${'Store.commit'.padEnd(35)}${xs.map((x) => x.toFixed(2).padStart(W + 4)).join('')}${kb.map((x) => x.toFixed(2).padStart(W + 4)).join('')}`,
  );
}
