/**
 * Acknowledge-after-commit, proven by kill -9 under load: several mqtt.js publishers send QoS 1
 * telemetry with unique sequence numbers as fast as the broker acknowledges them; serve is
 * SIGKILLed mid-stream; every message whose PUBACK arrived must be in the SQLite file afterwards.
 * Then serve restarts on the same data dir and carries on counting.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { api, cleanupServes, makeTempDir, removeDir, startServe, waitFor } from '../helpers/serve';
import { connectMqtt } from '../helpers/mqtt';

const PUBLISHERS = 4;
/** QoS 1 messages each publisher keeps in flight. */
const WINDOW = 64;
const MAX_TOTAL = 20_000;
const MAX_PUBLISH_MS = 15_000;
/** Kill once this many were acknowledged (or after KILL_AFTER_MS, on a very slow machine). */
const KILL_AFTER_ACKS = 5_000;
const KILL_AFTER_MS = 8_000;

const dataDir = makeTempDir('marshal-kill9-');

afterAll(async () => {
  await cleanupServes();
  removeDir(dataDir);
});

interface Publisher {
  client: MqttClient;
  sensor: string;
  sent: number;
  inflight: number;
  acked: Set<number>;
  errors: number;
}

describe('kill -9 under load', () => {
  it('loses no acknowledged message, and serve restarts on the same data dir', async () => {
    const serve = await startServe({ dataDir });
    const pubs: Publisher[] = [];
    for (let i = 0; i < PUBLISHERS; i++) {
      const client = await connectMqtt(serve.mqttUrl, { clientId: `kill9-${i}`, clean: true });
      client.on('error', () => undefined);
      pubs.push({ client, sensor: `load-${i}`, sent: 0, inflight: 0, acked: new Set(), errors: 0 });
    }

    const started = Date.now();
    let killed = false;
    let totalSent = 0;
    let totalAcked = 0;
    let ackedAtKill = 0;
    let sentAtKill = 0;
    let resolveKillPoint!: () => void;
    const killPoint = new Promise<void>((res) => (resolveKillPoint = res));

    const pump = (p: Publisher) => {
      while (
        !killed &&
        p.inflight < WINDOW &&
        totalSent < MAX_TOTAL &&
        Date.now() - started < MAX_PUBLISH_MS
      ) {
        const seq = p.sent++;
        totalSent++;
        p.inflight++;
        const payload = JSON.stringify({ seq, x: seq % 97, y: -(seq % 13), z: 0.5, battery: 80 });
        p.client.publish(`leadville/sensor/${p.sensor}/telemetry`, payload, { qos: 1 }, (err) => {
          p.inflight--;
          if (err) {
            p.errors++;
            return;
          }
          p.acked.add(seq);
          totalAcked++;
          if (!killed && (totalAcked >= KILL_AFTER_ACKS || Date.now() - started >= KILL_AFTER_MS))
            resolveKillPoint();
          pump(p);
        });
      }
      if (!killed && (totalSent >= MAX_TOTAL || Date.now() - started >= MAX_PUBLISH_MS)) resolveKillPoint();
    };
    for (const p of pubs) pump(p);

    await killPoint;
    killed = true;
    ackedAtKill = totalAcked;
    sentAtKill = totalSent;
    serve.proc.kill('SIGKILL');
    const exit = await serve.exited;
    expect(exit.signal).toBe('SIGKILL');
    // The process is gone: no further acknowledgement can arrive. Drop the clients (in-flight
    // callbacks get errors; they were never acknowledged).
    for (const p of pubs) p.client.end(true);
    const acked = pubs.reduce((n, p) => n + p.acked.size, 0);
    // Acks received between our decision and the process dying still count (they were committed).
    expect(acked).toBeGreaterThanOrEqual(ackedAtKill);
    // Killed mid-stream: messages were still in flight.
    expect(sentAtKill).toBeLessThan(MAX_TOTAL);
    expect(sentAtKill).toBeGreaterThanOrEqual(acked);

    // Read what survived, straight from the file (WAL included), read-only.
    const db = new Database(join(dataDir, 'marshal.sqlite'), { readonly: true, fileMustExist: true });
    let stored: Map<string, Set<number>>;
    let messagesRows: number;
    let samplesRows: number;
    let counters: Record<string, number>;
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      stored = new Map(pubs.map((p) => [p.sensor, new Set<number>()]));
      const rows = db.prepare("SELECT sensor_id, seq FROM samples WHERE sensor_id LIKE 'load-%'").all() as {
        sensor_id: string;
        seq: number;
      }[];
      for (const r of rows) stored.get(r.sensor_id)!.add(r.seq);
      // Stored once each: no (sensor, seq) twice.
      expect(rows.length).toBe([...stored.values()].reduce((n, s) => n + s.size, 0));
      // Telemetry is kept as samples (its first sample holds the message hash), other messages as rows.
      messagesRows =
        (db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n +
        (db.prepare('SELECT COUNT(*) AS n FROM samples WHERE msg_hash IS NOT NULL').get() as { n: number }).n;
      samplesRows = (db.prepare('SELECT COUNT(*) AS n FROM samples').get() as { n: number }).n;
      counters = Object.fromEntries(
        (db.prepare('SELECT name, value FROM counters').all() as { name: string; value: number }[]).map(
          (r) => [r.name, r.value],
        ),
      );
    } finally {
      db.close();
    }

    const lost: string[] = [];
    for (const p of pubs) {
      const have = stored.get(p.sensor)!;
      for (const seq of p.acked) if (!have.has(seq)) lost.push(`${p.sensor}#${seq}`);
      // Nothing stored that was never sent.
      for (const seq of have) expect(seq).toBeLessThan(p.sent);
    }
    const storedTotal = [...stored.values()].reduce((n, s) => n + s.size, 0);
    console.log(
      `[kill -9] sent ${sentAtKill}, acknowledged ${acked}, stored ${storedTotal} ` +
        `(stored but unacknowledged: ${storedTotal - acked}), lost acknowledged: ${lost.length}`,
    );
    expect(lost).toEqual([]);
    expect(acked).toBeGreaterThan(0);
    expect(storedTotal).toBeGreaterThanOrEqual(acked);
    // Counters commit in the same transaction as the data they count.
    expect(counters.messages_in).toBe(messagesRows);
    expect(counters.samples_stored).toBe(samplesRows);
    expect(messagesRows).toBe(storedTotal);

    // Restart on the same data dir: it starts, and counts continue from what was committed.
    const again = await startServe({ dataDir });
    const http = api(again.httpUrl);
    const statsAtStart = await http.stats();
    expect(statsAtStart.messages_in).toBe(messagesRows);
    expect((await http.health()).status).toBe(200);
    const client = await connectMqtt(again.mqttUrl, { clientId: 'kill9-after' });
    try {
      for (let seq = 0; seq < 10; seq++) {
        await client.publishAsync(
          'leadville/sensor/after-restart/telemetry',
          JSON.stringify({ seq, x: 1, y: 2, z: 3 }),
          { qos: 1 },
        );
      }
    } finally {
      await client.endAsync();
    }
    const statsAfter = await waitFor(async () => {
      const s = await http.stats();
      return s.messages_in >= messagesRows + 10 ? s : undefined;
    }, 'counts to continue after restart');
    expect(statsAfter.messages_in).toBe(messagesRows + 10);
    const samples = await http.events({ kind: 'sensor.sample', device_id: 'after-restart', limit: 100 });
    expect(samples.map((s) => s.data.seq)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    // The pre-crash data is still queryable.
    const old = await http.events({ kind: 'sensor.sample', device_id: 'load-0', limit: 1 });
    expect(old).toHaveLength(1);
    const exit2 = await again.stop('SIGTERM');
    expect(exit2.code).toBe(0);
  }, 90_000);
});
