import { GAMES_MIGRATIONS } from './migrations';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseGateway } from '../../src-shared/ingest/gateway';
import type { MarshalEvent } from '../../src-shared/events/model';
import { DeviceRegistry } from '../services/devices';
import { Store } from '../store/store';
import { CONSOLE_ALERTS_TOPIC, decimate, foldRepeats, Gateways } from './gateways';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-gw-'));
  store = new Store(dir, undefined, GAMES_MIGRATIONS);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);

/** A sensor_data message through the real parser, stored as ingest stores it. */
function sensorData(device: string, body: Record<string, unknown>, atS: number): MarshalEvent[] {
  const payload = new TextEncoder().encode(
    JSON.stringify({ ...body, timestamp: new Date(T0 + atS * 1000).toISOString() }),
  );
  const r = parseGateway([device, 'sensor_data'], payload, T0 + atS * 1000);
  if (r.outcome !== 'events') throw new Error(JSON.stringify(r));
  return store.appendEvents(r.events, `devices/${device}/sensor_data`, T0 + atS * 1000);
}

function deviceAlert(device: string, body: Record<string, unknown>): MarshalEvent[] {
  const r = parseGateway([device, 'alerts'], new TextEncoder().encode(JSON.stringify(body)), T0);
  if (r.outcome !== 'events') throw new Error(JSON.stringify(r));
  return store.appendEvents(r.events, `devices/${device}/alerts`, T0);
}

describe('Gateways', () => {
  it('keeps readings per zone and metric, and the latest of each', () => {
    const gw = new Gateways(store.db, new DeviceRegistry(store.db));
    sensorData('gw-1', { fruiting: { temp: 24.5, humidity: 85, co2: 800 }, incubation: { co2: 1000 } }, 0);
    sensorData('gw-1', { fruiting: { temp: 24.7, humidity: 86, co2: 820 } }, 5);
    // An older reading arriving late does not replace the latest.
    sensorData('gw-1', { fruiting: { co2: 1 } }, -5);
    const [row] = gw.list();
    expect(row!.device_id).toBe('gw-1');
    expect(row!.latest).toEqual([
      { zone: 'fruiting', metric: 'co2', value: 820, unit: 'ppm', ts: '2026-06-01T08:00:05.000Z' },
      { zone: 'fruiting', metric: 'humidity', value: 86, unit: '%', ts: '2026-06-01T08:00:05.000Z' },
      { zone: 'fruiting', metric: 'temp', value: 24.7, unit: '°C', ts: '2026-06-01T08:00:05.000Z' },
      { zone: 'incubation', metric: 'co2', value: 1000, unit: 'ppm', ts: '2026-06-01T08:00:00.000Z' },
    ]);
    const series = gw.readings('gw-1', T0 - 60_000);
    expect(series.map((s) => [s.metric, s.zone, s.points.map((p) => p[1])])).toEqual([
      ['co2', 'fruiting', [1, 800, 820]],
      ['co2', 'incubation', [1000]],
      ['humidity', 'fruiting', [85, 86]],
      ['temp', 'fruiting', [24.5, 24.7]],
    ]);
  });

  it('raises a console alert once per excursion above the default CO2 threshold, again after it clears', () => {
    const gw = new Gateways(store.db, new DeviceRegistry(store.db));
    const values = [1200, 1501, 1700, 1450, 1390, 1600];
    const raised: unknown[] = [];
    values.forEach((co2, i) => {
      const alerts = gw.evaluate(sensorData('gw-1', { fruiting: { co2 } }, i * 5));
      raised.push(...store.appendEvents(alerts, CONSOLE_ALERTS_TOPIC).map((e) => e.data));
    });
    // 1501 raises; 1700 stays silent; 1450 is still within the 100 ppm hysteresis; 1390 clears;
    // 1600 raises again.
    expect(raised).toEqual([
      expect.objectContaining({
        source: 'console',
        device_id: 'gw-1',
        alert_type: 'high_co2',
        zone: 'fruiting',
        metric: 'co2',
        value: 1501,
        threshold: 1500,
        severity: 'CRITICAL',
      }),
      expect.objectContaining({ value: 1600, threshold: 1500, severity: 'CRITICAL' }),
    ]);
  });

  it('persists thresholds and their state across a restart', () => {
    const gw = new Gateways(store.db, new DeviceRegistry(store.db));
    gw.setThresholds([
      { metric: 'temp', above: 30, severity: 'warning', hysteresis: 1 },
      { metric: 'humidity', zone: 'fruiting', below: 80, severity: 'INFO' },
    ]);
    expect(
      gw
        .evaluate(sensorData('gw-1', { fruiting: { temp: 31, humidity: 79, co2: 5000 } }, 0))
        .map((a) => a.data.alert_type),
    ).toEqual(['high_temp', 'low_humidity']);
    const again = new Gateways(store.db, new DeviceRegistry(store.db));
    expect(again.getThresholds().thresholds).toEqual([
      { metric: 'temp', above: 30, severity: 'WARNING', hysteresis: 1 },
      { metric: 'humidity', zone: 'fruiting', below: 80, severity: 'INFO' },
    ]);
    // Still beyond: no new alert after the restart.
    expect(again.evaluate(sensorData('gw-1', { fruiting: { temp: 32, humidity: 70 } }, 5))).toEqual([]);
    expect(() => again.setThresholds([{ metric: 'co2', severity: 'CRITICAL' }])).toThrow(/above.*below/);
  });

  it('lists device and console alerts and acknowledges them once, with who and when', () => {
    const gw = new Gateways(store.db, new DeviceRegistry(store.db));
    const [dev] = deviceAlert('gw-1', { alert_type: 'high_co2', message: 'CO2 high', severity: 'warning' });
    const [con] = store.appendEvents(
      gw.evaluate(sensorData('gw-2', { room: { co2: 2000 } }, 0)),
      CONSOLE_ALERTS_TOPIC,
    );
    let list = gw.alerts({});
    expect(list.open).toBe(2);
    expect(list.alerts.map((a) => [a.source, a.device_id, a.alert_type, a.severity])).toEqual([
      ['console', 'gw-2', 'high_co2', 'CRITICAL'],
      ['device', 'gw-1', 'high_co2', 'WARNING'],
    ]);
    const at = Date.UTC(2026, 5, 1, 9, 0, 0);
    const acked = gw.acknowledge(dev!.id, 'Sam', 'fan on', at);
    expect(acked).toMatchObject({
      id: dev!.id,
      acknowledged_by: 'Sam',
      acknowledged_at: '2026-06-01T09:00:00.000Z',
      note: 'fan on',
    });
    // The first acknowledgement stands.
    expect(gw.acknowledge(dev!.id, 'Kim', undefined, at + 1000)).toMatchObject({ acknowledged_by: 'Sam' });
    expect(gw.acknowledge(999_999, 'Kim', undefined)).toBeNull();
    // Not an alert.
    const [reading] = sensorData('gw-1', { a: { co2: 1 } }, 1);
    expect(gw.acknowledge(reading!.id, 'Kim', undefined)).toBeNull();
    list = gw.alerts({ state: 'open' });
    expect(list.open).toBe(1);
    expect(list.alerts.map((a) => a.id)).toEqual([con!.id]);
    expect(gw.alerts({ state: 'acknowledged' }).alerts.map((a) => a.id)).toEqual([dev!.id]);
    expect(gw.alerts({ device_id: 'gw-1' }).open).toBe(0);
  });
});

describe('decimate', () => {
  it('keeps every point under the cap and the extremes over it', () => {
    const pts: [number, number][] = Array.from({ length: 10 }, (_, i) => [i * 1000, i]);
    expect(decimate(pts, 20)).toBe(pts);
    const many: [number, number][] = Array.from({ length: 10_000 }, (_, i) => [
      i * 1000,
      i === 5000 ? 2000 : 800,
    ]);
    const out = decimate(many, 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(Math.max(...out.map((p) => p[1]))).toBe(2000);
    expect(out.every((p, i) => i === 0 || p[0] >= out[i - 1]![0])).toBe(true);
  });
});

describe('foldRepeats: a gateway re-sending an open alert', () => {
  const row = (id: number, ts: number, data: Record<string, unknown>) => ({
    id,
    device_id: 'gw-1',
    ts,
    data: JSON.stringify({ source: 'device', ...data }),
    acknowledged_by: null,
    acknowledged_at: null,
    note: null,
  });
  it('folds repeats every 5 s into one alert, and a return after silence into a new one', () => {
    const co2 = { alert_type: 'co2_high', zone: 'fruiting' };
    const rows = [
      ...Array.from({ length: 120 }, (_, i) => row(i + 1, i * 5000, co2)),
      row(200, 119 * 5000 + 1000, { alert_type: 'humidity_low', zone: 'fruiting' }),
      row(201, 119 * 5000 + 2000, { alert_type: 'co2_high', zone: 'spawning' }),
      row(300, 119 * 5000 + 10 * 60_000, co2),
    ];
    const eps = foldRepeats(rows);
    expect(eps.map((e) => [e.first.id, e.repeats])).toEqual([
      [1, 120],
      [200, 1],
      [201, 1],
      [300, 1],
    ]);
  });
});
