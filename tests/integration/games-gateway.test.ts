/**
 * Field gateways against a real `serve` (domain.md §8): readings per zone and metric, the
 * gateway's own alerts and the console's threshold alerts (raised once per excursion, on `/live`
 * too), thresholds set over the UI contract and kept across a restart, alerts acknowledged with
 * who and when, status and last will, commands acknowledged, bad payloads rejected, and the
 * `gateway` simulator against all of it.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runScenario } from '../../src-main/simulator';
import { rawContract } from '../helpers/contract';
import { connectMqtt, mosquittoPub, targetFromUrl } from '../helpers/mqtt';
import {
  api,
  cleanupServes,
  getJson,
  makeTempDir,
  removeDir,
  startServe,
  waitFor,
  type ServeHandle,
} from '../helpers/serve';
import type { AlertRow } from '../../src-shared/contract/games';
import type { DeviceRow } from '../../src-shared/contract/types';
import type { CommandRecord } from '../../src-shared/contract/devices';

let serve: ServeHandle;
let http: ReturnType<typeof api>;
const clients: MqttClient[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  serve = await startServe();
  http = api(serve.httpUrl);
});
afterAll(async () => {
  for (const s of sockets) s.terminate();
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  await cleanupServes();
});

const pub = (topic: string, body: unknown, url = serve.mqttUrl) =>
  mosquittoPub(targetFromUrl(url), topic, typeof body === 'string' ? body : JSON.stringify(body));

async function contract(httpUrl: string) {
  const raw = await rawContract(httpUrl, sockets);
  return {
    call: <T = Record<string, unknown>>(name: string, req?: unknown) => raw.call(name, req) as Promise<T>,
    close: raw.close,
  };
}

/** The product's shape (a test that drifts from it does not compile). */
type Alert = AlertRow;

async function alerts(query = '', url = serve.httpUrl): Promise<{ alerts: Alert[]; open: number }> {
  const r = await getJson<{ alerts: Alert[]; open: number }>(`${url}/api/alerts${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

const at = (s: number) => new Date(Date.UTC(2026, 5, 1, 8, 0, s)).toISOString();

describe('field gateways', () => {
  it('keeps readings per zone and metric for charts and the latest of each', async () => {
    const t0 = Date.now() - 60_000;
    const iso = (s: number) => new Date(t0 + s * 1000).toISOString();
    await pub('devices/gw-a/sensor_data', {
      fruiting: { temp: 24.5, humidity: 85, co2: 800 },
      incubation: { co2: 1000 },
      timestamp: iso(0),
    });
    await pub('devices/gw-a/sensor_data', {
      fruiting: { temp: 24.7, humidity: 86, co2: 820 },
      timestamp: iso(5),
    });
    // A reading that arrives late does not replace the latest.
    await pub('devices/gw-a/sensor_data', { fruiting: { co2: 1 }, timestamp: iso(-5) });
    await waitFor(
      async () => (await http.events({ kind: 'gateway.reading', device_id: 'gw-a' })).length === 8,
      'eight readings',
    );
    const r = await getJson<{ gateways: { device_id: string; latest: unknown[] }[] }>(
      `${serve.httpUrl}/api/gateways`,
    );
    expect(r.body.gateways.find((x) => x.device_id === 'gw-a')!.latest).toEqual([
      { zone: 'fruiting', metric: 'co2', value: 820, unit: 'ppm', ts: iso(5) },
      { zone: 'fruiting', metric: 'humidity', value: 86, unit: '%', ts: iso(5) },
      { zone: 'fruiting', metric: 'temp', value: 24.7, unit: '°C', ts: iso(5) },
      { zone: 'incubation', metric: 'co2', value: 1000, unit: 'ppm', ts: iso(0) },
    ]);
    const series = await getJson<{
      device_id: string;
      series: { zone: string; metric: string; unit: string; points: [number, number][] }[];
    }>(`${serve.httpUrl}/api/gateways/gw-a/readings?seconds=600`);
    expect(series.status).toBe(200);
    expect(series.body.series.map((s) => [s.metric, s.zone, s.unit, s.points])).toEqual([
      [
        'co2',
        'fruiting',
        'ppm',
        [
          [t0 - 5000, 1],
          [t0, 800],
          [t0 + 5000, 820],
        ],
      ],
      ['co2', 'incubation', 'ppm', [[t0, 1000]]],
      [
        'humidity',
        'fruiting',
        '%',
        [
          [t0, 85],
          [t0 + 5000, 86],
        ],
      ],
      [
        'temp',
        'fruiting',
        '°C',
        [
          [t0, 24.5],
          [t0 + 5000, 24.7],
        ],
      ],
    ]);
    expect((await getJson(`${serve.httpUrl}/api/gateways/bad%20id/readings`)).status).toBe(400);
    expect((await getJson(`${serve.httpUrl}/api/gateways/gw-a/readings?seconds=0`)).status).toBe(400);
  });

  it('raises a console alert once per CO2 excursion above 1,500 ppm, on /live too', async () => {
    const live = new WebSocket(`${serve.httpUrl.replace('http', 'ws')}/live?kinds=alert`);
    sockets.push(live);
    const seen: { data: Record<string, unknown> }[] = [];
    live.on('message', (raw) => seen.push(JSON.parse(String(raw))));
    await new Promise((res) => live.once('open', res));
    const now = Date.now();
    const reading = (co2: number, i: number) =>
      pub('devices/gw-co2/sensor_data', {
        fruiting: { co2 },
        timestamp: new Date(now + i * 5000).toISOString(),
      });
    // 1501 raises; 1700 is still the same excursion; 1450 is within the 100 ppm hysteresis;
    // 1390 clears it; 1600 raises again.
    const values = [1200, 1501, 1700, 1450, 1390, 1600];
    for (let i = 0; i < values.length; i++) await reading(values[i]!, i);
    const got = await waitFor(async () => {
      const list = (await alerts('?device_id=gw-co2')).alerts;
      return list.length >= 2 ? list : undefined;
    }, 'two console alerts');
    await reading(1650, values.length); // still beyond: nothing new
    await waitFor(
      async () => (await http.events({ kind: 'gateway.reading', device_id: 'gw-co2' })).length === 7,
      'all readings',
    );
    const list = (await alerts('?device_id=gw-co2')).alerts;
    expect(list).toHaveLength(2);
    expect(
      list.map((a) => [a.source, a.alert_type, a.severity, a.zone, a.metric, a.value, a.threshold]),
    ).toEqual([
      ['console', 'high_co2', 'CRITICAL', 'fruiting', 'co2', 1600, 1500],
      ['console', 'high_co2', 'CRITICAL', 'fruiting', 'co2', 1501, 1500],
    ]);
    expect(got.every((a) => a.acknowledged_at === null)).toBe(true);
    await waitFor(
      () => seen.filter((e) => e.data.device_id === 'gw-co2').length === 2,
      'the alerts on /live',
    );
    expect(seen.find((e) => e.data.device_id === 'gw-co2')!.data).toMatchObject({
      source: 'console',
      threshold: 1500,
    });
  });

  it("lists the gateway's own alerts beside the console's", async () => {
    await pub('devices/gw-dev/alerts', {
      alert_type: 'high_co2',
      message: 'CO2 1350 ppm in fruiting',
      severity: 'warning',
      zone: 'fruiting',
      metric: 'co2',
      value: 1350,
      threshold: 1300,
      timestamp: at(10),
    });
    const list = await waitFor(async () => {
      const l = (await alerts('?device_id=gw-dev')).alerts;
      return l.length ? l : undefined;
    }, 'the device alert');
    expect(list[0]).toMatchObject({
      source: 'device',
      device_id: 'gw-dev',
      alert_type: 'high_co2',
      severity: 'WARNING',
      message: 'CO2 1350 ppm in fruiting',
      value: 1350,
      threshold: 1300,
      acknowledged_by: null,
    });
  });

  it('acknowledges an alert with who and when, once; the list filters by state', async () => {
    const ui = await contract(serve.httpUrl);
    const open = (await alerts('?device_id=gw-dev&state=open')).alerts;
    expect(open).toHaveLength(1);
    const before = Date.now();
    const { alert } = await ui.call<{ alert: Alert }>('gateways.alerts.ack', {
      id: open[0]!.id,
      by: 'Sam',
      note: 'door opened',
    });
    expect(alert).toMatchObject({ id: open[0]!.id, acknowledged_by: 'Sam' });
    expect(Date.parse(alert.acknowledged_at!)).toBeGreaterThanOrEqual(before - 1000);
    // A second acknowledgement does not overwrite the first.
    const again = await ui.call<{ alert: Alert }>('gateways.alerts.ack', { id: open[0]!.id, by: 'Kim' });
    expect(again.alert.acknowledged_by).toBe('Sam');
    expect(again.alert.acknowledged_at).toBe(alert.acknowledged_at);
    expect((await alerts('?device_id=gw-dev&state=open')).alerts).toEqual([]);
    expect(
      (await alerts('?device_id=gw-dev&state=acknowledged')).alerts.map((a) => a.acknowledged_by),
    ).toEqual(['Sam']);
    await expect(ui.call('gateways.alerts.ack', { id: 99_999_999, by: 'Sam' })).rejects.toThrow(/no alert/);
    await expect(ui.call('gateways.alerts.ack', { id: open[0]!.id, by: '' })).rejects.toThrow(/by/);
    expect((await getJson(`${serve.httpUrl}/api/alerts?state=bogus`)).status).toBe(400);
    ui.close();
  });

  it('takes thresholds per metric over the UI contract and keeps them across a restart', async () => {
    const dataDir = makeTempDir('marshal-gw-');
    try {
      let own = await startServe({ dataDir });
      let ui = await contract(own.httpUrl);
      const defaults = await ui.call<{ thresholds: unknown[] }>('gateways.thresholds.get');
      expect(defaults.thresholds).toEqual([
        { metric: 'co2', above: 1500, severity: 'CRITICAL', hysteresis: 100 },
      ]);
      await ui.call('gateways.thresholds.set', {
        thresholds: [
          { metric: 'temp', above: 30, severity: 'warning' },
          { metric: 'humidity', zone: 'fruiting', below: 80, severity: 'INFO', hysteresis: 2 },
        ],
      });
      await expect(
        ui.call('gateways.thresholds.set', { thresholds: [{ metric: 'co2', severity: 'CRITICAL' }] }),
      ).rejects.toThrow(/above.*below/);
      ui.close();
      await own.stop();
      own = await startServe({ dataDir });
      ui = await contract(own.httpUrl);
      expect((await ui.call<{ thresholds: unknown[] }>('gateways.thresholds.get')).thresholds).toEqual([
        { metric: 'temp', above: 30, severity: 'WARNING' },
        { metric: 'humidity', zone: 'fruiting', below: 80, severity: 'INFO', hysteresis: 2 },
      ]);
      await pub(
        'devices/gw-t/sensor_data',
        { fruiting: { temp: 31, humidity: 79, co2: 5000 }, incubation: { humidity: 10 } },
        own.mqttUrl,
      );
      const list = await waitFor(async () => {
        const l = (await alerts('', own.httpUrl)).alerts;
        return l.length >= 2 ? l : undefined;
      }, 'threshold alerts');
      // CO2 5000 no longer alerts (its threshold was replaced); incubation is not fruiting.
      expect(list.map((a) => [a.alert_type, a.severity, a.zone, a.value]).sort()).toEqual([
        ['high_temp', 'WARNING', 'fruiting', 31],
        ['low_humidity', 'INFO', 'fruiting', 79],
      ]);
      ui.close();
      await own.stop();
    } finally {
      removeDir(dataDir);
    }
  });

  it('tracks status and last will, and follows a command to its acknowledgement', async () => {
    const gw = await connectMqtt(serve.mqttUrl, {
      clientId: 'gw-cmd',
      will: {
        topic: 'devices/gw-cmd/status',
        payload: Buffer.from(JSON.stringify({ online: false })),
        qos: 1,
        retain: true,
      },
    });
    clients.push(gw);
    await gw.publishAsync('devices/gw-cmd/status', JSON.stringify({ online: true, uptime: 12 }), {
      qos: 1,
      retain: true,
    });
    gw.on('message', (topic, payload) => {
      if (topic !== 'devices/gw-cmd/commands') return;
      const cmd = JSON.parse(payload.toString()) as { room: string; actuator: string; state: string };
      void gw.publishAsync(
        'devices/gw-cmd/actuator_states',
        JSON.stringify({ room: 'fruiting', actuator: cmd.actuator, state: cmd.state.toLowerCase() }),
        { qos: 1 },
      );
    });
    await gw.subscribeAsync('devices/gw-cmd/commands', { qos: 1 });
    const online = async () => {
      const r = await getJson<{ devices: DeviceRow[] }>(`${serve.httpUrl}/api/devices`);
      return r.body.devices.find((d) => d.device_id === 'gw-cmd' && d.family === 'gateway')?.online;
    };
    await waitFor(async () => (await online()) === true, 'gateway online');
    const res = await fetch(`${serve.httpUrl}/api/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        device_id: 'gw-cmd',
        command: 'set_actuator',
        args: { room: 'fruiting', actuator: 'led', state: 'on' },
      }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await waitFor(
      async () =>
        (await getJson<CommandRecord>(`${serve.httpUrl}/api/commands/${id}`)).body.state === 'acknowledged',
      'acknowledged',
    );
    expect((await http.events({ kind: 'actuator.state', device_id: 'gw-cmd' }))[0]!.data).toMatchObject({
      actuator: 'led',
      state: 'on',
    });
    gw.stream.destroy();
    await waitFor(async () => (await online()) === false, 'gateway offline after its will');
  });

  it('keeps bad gateway payloads as rejects with reasons', async () => {
    const before = (await http.rejects(500)).total;
    await pub('devices/gw-bad/sensor_data', { fruiting: { temp: 'warm' }, timestamp: at(0) });
    await pub('devices/gw-bad/alerts', { alert_type: 'high_co2', severity: 'PANIC' });
    await pub('devices/gw-bad/status', { uptime: 5 });
    await pub('devices/bad id/sensor_data', { a: { co2: 1 } }).catch(() => undefined);
    const r = await waitFor(async () => {
      const x = await http.rejects(500);
      return x.total >= before + 3 ? x : undefined;
    }, 'three rejects');
    const reasons = r.rejects.filter((x) => x.topic.startsWith('devices/gw-bad/')).map((x) => x.reason);
    expect(reasons.some((x) => /no numeric reading/.test(x))).toBe(true);
    expect(reasons.some((x) => /severity/.test(x))).toBe(true);
    expect(reasons.some((x) => /online/.test(x))).toBe(true);
  });
});

describe('gateway simulator against the console', () => {
  it('reports zones and acknowledges commands', async () => {
    const sim = await runScenario({
      scenario: 'gateway',
      brokerUrl: serve.mqttUrl,
      seed: 3,
      quiet: true,
      log: () => undefined,
    });
    try {
      await waitFor(
        async () =>
          (await http.events({ kind: 'gateway.reading', device_id: 'MASH-A1-CAL25-0B12F4' })).length >= 6,
        'readings of the second gateway',
      );
      await waitFor(async () => {
        const r = await getJson<{ devices: DeviceRow[] }>(`${serve.httpUrl}/api/devices`);
        return r.body.devices.some((d) => d.device_id === 'MASH-B2-CAL26-CE637C' && d.online);
      }, 'the first gateway online');
      const res = await fetch(`${serve.httpUrl}/api/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          device_id: 'MASH-B2-CAL26-CE637C',
          command: 'set_actuator',
          args: { room: 'fruiting', actuator: 'exhaust_fan', state: 'on' },
        }),
      });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      await waitFor(
        async () =>
          (await getJson<CommandRecord>(`${serve.httpUrl}/api/commands/${id}`)).body.state === 'acknowledged',
        'the simulated gateway acknowledged',
      );
    } finally {
      await sim.stop();
    }
    const rejects = await http.rejects(500);
    expect(rejects.rejects.filter((x) => /^devices\/MASH-/.test(x.topic))).toEqual([]);
  }, 60_000);
});
