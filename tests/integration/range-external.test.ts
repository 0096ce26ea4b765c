/**
 * With an external broker (mosquitto) the console's own run events and statuses come back to it
 * through ingest: they must neither loop (no run opened or changed by them) nor be stored twice.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import {
  cleanupServes,
  getJson,
  makeTempDir,
  removeDir,
  startServe,
  waitFor,
  type ServeHandle,
} from '../helpers/serve';
import { connectMqtt, mosquittoPasswd, MosquittoBroker } from '../helpers/mqtt';
import { Bridge, contract, runs, waitRun } from './range-support';
import type { EventsPage, StatsBody, HealthBody } from '../helpers/serve';

let dir: string;
let broker: MosquittoBroker;
let serve: ServeHandle;
let bridge: Bridge;
let watcher: MqttClient;
const seen: string[] = [];

beforeAll(async () => {
  dir = makeTempDir('marshal-range-mosq-');
  const pw = join(dir, 'passwords');
  await mosquittoPasswd(pw, 'marshal', 'console-pw', true);
  await mosquittoPasswd(pw, 'bridge', 'bridge-pw', false);
  broker = new MosquittoBroker({ dir, passwordFile: pw });
  await broker.start();
  serve = await startServe({ args: ['--broker-url', `mqtt://marshal:console-pw@127.0.0.1:${broker.port}`] });
  await waitFor(async () => {
    const h = await getJson<HealthBody>(`${serve.httpUrl}/api/health`);
    return h.body.broker.state === 'up';
  }, 'the console to join mosquitto');
  const url = `mqtt://bridge:bridge-pw@127.0.0.1:${broker.port}`;
  bridge = await Bridge.connect(url);
  watcher = await connectMqtt(url, { clientId: 'range-ext-watcher' });
  watcher.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
  await watcher.subscribeAsync('leadville/run/#', { qos: 1 });
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  await watcher?.endAsync();
  await cleanupServes();
  await broker?.stop();
  if (dir) removeDir(dir);
});

describe('range over an external broker', () => {
  it('a string becomes one run; its events, echoed back by the broker, are stored once', async () => {
    const api = await contract(serve.httpUrl);
    const m = await api.call('match.create', {
      name: 'External',
      classifier_stages: ['SC-102'],
      timer_id: 'amg-01',
    });
    await api.call('shooter.create', {
      match_id: m.match.match_id,
      name: 'Ext Ernal',
      division: 'RFPI',
      class: 'A',
    });
    await api.call('station.set', { timer_id: 'amg-01', stage_id: m.stages[0]!.stage_id });
    const T = Date.parse('2026-08-08T08:00:00.000Z');
    await bridge.string(1, T, [210, 290, 360]);
    const r = await waitRun(serve.httpUrl, 1, (x) => x.state === 'review', 'the string to close');
    await api.call('score.change', {
      run_id: r.run_id,
      field: 'misses',
      delta: 1,
      reason: 'penalty',
      who: 'RO',
      role: 'RO',
    });
    // The console's publications went out through mosquitto and came back to it.
    await waitFor(() => seen.some((s) => s.includes('"event_type":"SCORE"')), 'the SCORE event on mosquitto');
    const events = await waitFor(async () => {
      const e = await getJson<EventsPage>(`${serve.httpUrl}/api/events?kind=run.event&device_id=${r.run_id}`);
      return e.body.events.length >= 3 ? e.body.events : undefined;
    }, 'the run events');
    // Once each, although each was both recorded and received back: the echoes (tagged
    // source "marshal") are recognised as the console's own and left unhandled, not stored.
    expect(events.map((e) => e.data.event_type).sort()).toEqual(['RUN_ENDED', 'RUN_STARTED', 'SCORE']);
    const stats = await getJson<StatsBody>(`${serve.httpUrl}/api/stats`);
    expect(stats.body.unhandled).toBeGreaterThanOrEqual(3);
    const statuses = await getJson<EventsPage>(`${serve.httpUrl}/api/events?kind=run.status`);
    expect(statuses.body.events).toEqual([]);
    // Nothing looped: still one run, its score unchanged by the echoes.
    const all = await runs(serve.httpUrl);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      run_id: r.run_id,
      state: 'review',
      score: { penalties: 1, score_ms: 6600 },
    });
    api.close();
  });
});
