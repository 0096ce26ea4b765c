/**
 * The embedded broker end to end: foreign clients (mosquitto_pub and mqtt.js) publish every range
 * bridge payload shape from domain.md §1 (with the §2 AMG and §3 BT50 vectors) and the normalized
 * events are read back over the HTTP API and the /live stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { api, cleanupServes, startServe, waitFor, type ApiEvent, type ServeHandle } from '../helpers/serve';
import { rawContract } from '../helpers/contract';
import { connectMqtt, mosquittoPub, mosquittoSub, targetFromUrl, type BrokerTarget } from '../helpers/mqtt';

let serve: ServeHandle;
let http: ReturnType<typeof api>;
let target: BrokerTarget;
let client: MqttClient;

type Via = 'mosquitto_pub' | 'mqtt.js';

/** Publishes at QoS 1; both clients return only after the PUBACK, i.e. after the commit. */
async function publish(via: Via, topic: string, payload: unknown, retain = false): Promise<void> {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  if (via === 'mosquitto_pub') await mosquittoPub(target, topic, text, { qos: 1, retain });
  else await client.publishAsync(topic, text, { qos: 1, retain });
}

/** Events of one device (newest first), waiting until at least `n` of `kind` exist. */
async function eventsOf(device_id: string, n = 1, kind?: string): Promise<ApiEvent[]> {
  return http.waitForEvents(
    { device_id, kind, limit: 1000 },
    (evs) => evs.length >= n,
    `${n} event(s) ${kind ?? ''} for ${device_id}`,
  );
}

async function only(device_id: string, kind?: string): Promise<ApiEvent> {
  const evs = await eventsOf(device_id, 1, kind);
  expect(evs).toHaveLength(1);
  return evs[0]!;
}

function expectIntegerMs(data: Record<string, unknown>, ...keys: string[]): void {
  for (const k of keys) {
    expect(Number.isInteger(data[k]), `${k} = ${String(data[k])} should be integer ms`).toBe(true);
  }
}

beforeAll(async () => {
  serve = await startServe();
  http = api(serve.httpUrl);
  target = targetFromUrl(serve.mqttUrl);
  client = await connectMqtt(serve.mqttUrl, { clientId: 'it-embedded' });
});

afterAll(async () => {
  await client?.endAsync().catch(() => undefined);
  await cleanupServes();
});

describe('serve with the embedded broker', () => {
  it('prints loopback URLs and reports a healthy embedded broker', async () => {
    expect(serve.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(serve.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const h = await http.health();
    expect(h.status).toBe(200);
    expect(h.body.broker).toMatchObject({ state: 'up', mode: 'embedded', lan: false });
    expect(h.body.store.state).toBe('up');
  });
});

describe('timer events (leadville/timer/events)', () => {
  it('flat START, spelled T0 in nested form, become timer.start', async () => {
    await publish('mosquitto_pub', 'leadville/timer/events', {
      event_type: 'START',
      timestamp: '2025-06-01T10:00:00Z',
      source: 'timer',
      string_number: 7,
      device_id: 'tm-flat',
    });
    await publish('mqtt.js', 'leadville/timer/events', {
      event_type: 'T0',
      data: { string_number: 8, device_id: 'tm-nested' },
      timestamp: '2025-06-01T10:01:00Z',
    });
    const flat = await only('tm-flat', 'timer.start');
    expect(flat).toMatchObject({
      kind: 'timer.start',
      device_id: 'tm-flat',
      ts: '2025-06-01T10:00:00.000Z',
      topic: 'leadville/timer/events',
      data: { event_type: 'START', string_number: 7, source: 'timer' },
    });
    expect(typeof flat.id).toBe('number');
    expect(Date.parse(flat.received_at)).not.toBeNaN();
    const nested = await only('tm-nested', 'timer.start');
    expect(nested).toMatchObject({
      kind: 'timer.start',
      ts: '2025-06-01T10:01:00.000Z',
      data: { event_type: 'START', string_number: 8 },
    });
  });

  it('flat SHOT with seconds as floats gives integer time_ms / split_ms / first_shot_ms', async () => {
    await publish('mosquitto_pub', 'leadville/timer/events', {
      event_type: 'SHOT',
      timestamp: '2025-06-01T10:00:03.480Z',
      source: 'timer',
      device_id: 'tm-flat',
      string_number: 7,
      shot_number: 2,
      total_shots: 2,
      time: 3.48,
      split: 1.68,
      first_shot: 1.8,
    });
    const shot = await only('tm-flat', 'timer.shot');
    expect(shot.ts).toBe('2025-06-01T10:00:03.480Z');
    expect(shot.data).toMatchObject({
      event_type: 'SHOT',
      shot_number: 2,
      total_shots: 2,
      time_ms: 3480,
      split_ms: 1680,
      first_shot_ms: 1800,
    });
    expectIntegerMs(shot.data, 'time_ms', 'split_ms', 'first_shot_ms');
  });

  it('nested SHOT with centisecond integers gives integer milliseconds', async () => {
    await publish('mqtt.js', 'leadville/timer/events', {
      event_type: 'SHOT',
      data: {
        device_id: 'tm-nested',
        string_number: 8,
        shot_number: 1,
        total_shots: 1,
        time_since_start: 229,
        split_time: 229,
        first_shot_time: 229,
      },
      timestamp: '2025-06-01T10:01:02.290Z',
    });
    const shot = await only('tm-nested', 'timer.shot');
    expect(shot.data).toMatchObject({ shot_number: 1, time_ms: 2290, split_ms: 2290, first_shot_ms: 2290 });
    expectIntegerMs(shot.data, 'time_ms', 'split_ms', 'first_shot_ms');
  });

  it('STOP (flat, and nested with a lower-case event_type) becomes timer.stop', async () => {
    await publish('mosquitto_pub', 'leadville/timer/events', {
      event_type: 'STOP',
      device_id: 'tm-flat',
      string_number: 7,
      total_shots: 2,
      time: 3.48,
      timestamp: '2025-06-01T10:00:05Z',
    });
    await publish('mqtt.js', 'leadville/timer/events', {
      event_type: 'stop',
      data: { device_id: 'tm-nested', string_number: 8, total_shots: 1, time: 229 },
      timestamp: '2025-06-01T10:01:05Z',
    });
    expect((await only('tm-flat', 'timer.stop')).data).toMatchObject({
      event_type: 'STOP',
      total_shots: 2,
      time_ms: 3480,
    });
    expect((await only('tm-nested', 'timer.stop')).data).toMatchObject({ event_type: 'STOP', time_ms: 2290 });
  });

  it('the timer events of a device are listed newest first', async () => {
    // One client, so the broker delivers them in this order.
    for (const [event_type, ts] of [
      ['START', '2025-06-01T11:00:00Z'],
      ['SHOT', '2025-06-01T11:00:01Z'],
      ['STOP', '2025-06-01T11:00:03Z'],
    ]) {
      await publish('mqtt.js', 'leadville/timer/events', {
        event_type,
        device_id: 'tm-order',
        string_number: 1,
        shot_number: 1,
        total_shots: 1,
        time: 1.5,
        timestamp: ts,
      });
    }
    const all = await eventsOf('tm-order', 3);
    expect(all.map((e) => e.kind)).toEqual(['timer.stop', 'timer.shot', 'timer.start']);
  });

  // KNOWN BUG (reported): a seconds value that happens to be whole (Python sends 2.0) reaches JS as
  // the integer 2 and is read as 2 centiseconds = 20 ms. Remove `.fails` once the parser tells
  // "2.0" from "2" (e.g. by looking at the raw JSON text).
  it('a whole seconds float such as 2.0 is read as seconds, not centiseconds', async () => {
    await publish(
      'mosquitto_pub',
      'leadville/timer/events',
      '{"event_type":"SHOT","device_id":"tm-whole","shot_number":1,"time":2.0,"split":2.0}',
    );
    const shot = await only('tm-whole', 'timer.shot');
    expect(shot.data).toMatchObject({ time_ms: 2000, split_ms: 2000 });
  });

  it.each([
    ['naive ISO (treated as UTC)', '2025-06-01T10:00:00', '2025-06-01T10:00:00.000Z'],
    ['ISO with an offset', '2025-06-01T12:00:00+02:00', '2025-06-01T10:00:00.000Z'],
    ['ISO with a space and fractions', '2025-06-01 10:00:00.250', '2025-06-01T10:00:00.250Z'],
    ['epoch seconds', 1748772000, '2025-06-01T10:00:00.000Z'],
    ['epoch milliseconds', 1748772000123, '2025-06-01T10:00:00.123Z'],
  ])('timestamp as %s', async (name, timestamp, iso) => {
    const device_id = `tm-ts-${name.replace(/[^a-z]/g, '')}`.slice(0, 64);
    await publish('mqtt.js', 'leadville/timer/events', {
      event_type: 'SHOT',
      device_id,
      shot_number: 1,
      timestamp,
    });
    expect((await only(device_id)).ts).toBe(iso);
  });

  it('the tree without the leadville/ prefix is accepted too', async () => {
    await publish('mosquitto_pub', 'timer/events', {
      event_type: 'SHOT',
      device_id: 'tm-noprefix',
      shot_number: 1,
      time: 1.23,
    });
    const shot = await only('tm-noprefix', 'timer.shot');
    expect(shot.topic).toBe('timer/events');
    expect(shot.data).toMatchObject({ time_ms: 1230 });
  });
});

describe('AMG raw_hex frames (domain.md §2 vectors): the frame is the truth', () => {
  const vectors: {
    id: string;
    hex: string;
    event_type: string;
    kind: string;
    shot?: number;
    total?: number;
    time?: number;
    split?: number;
    first?: number;
    string: number;
    prevTotal?: number;
  }[] = [
    {
      id: 'amg-v1',
      hex: '0105000000000000000000000001',
      event_type: 'START',
      kind: 'timer.start',
      shot: 0,
      string: 1,
      prevTotal: 0,
    },
    {
      id: 'amg-v2',
      hex: '0103010100e500e500e500e50001',
      event_type: 'SHOT',
      kind: 'timer.shot',
      shot: 1,
      total: 1,
      time: 2290,
      split: 2290,
      first: 2290,
      string: 1,
    },
    {
      id: 'amg-v3',
      hex: '0108010100e500e500e500e50001',
      event_type: 'STOP',
      kind: 'timer.stop',
      shot: 1,
      total: 1,
      time: 2290,
      split: 2290,
      first: 2290,
      string: 1,
    },
    {
      id: 'amg-v4',
      hex: '010500010000000000e500e50002',
      event_type: 'START',
      kind: 'timer.start',
      shot: 0,
      string: 2,
      prevTotal: 1,
    },
    {
      id: 'amg-v5',
      hex: '0103010100b400b400b400b40002',
      event_type: 'SHOT',
      kind: 'timer.shot',
      shot: 1,
      total: 1,
      time: 1800,
      split: 1800,
      first: 1800,
      string: 2,
    },
    {
      id: 'amg-v6',
      hex: '01030202015c00a800b4015c0002',
      event_type: 'SHOT',
      kind: 'timer.shot',
      shot: 2,
      total: 2,
      time: 3480,
      split: 1680,
      first: 1800,
      string: 2,
    },
    {
      id: 'amg-v7',
      hex: '01080202015c00a800b4015c0002',
      event_type: 'STOP',
      kind: 'timer.stop',
      shot: 2,
      total: 2,
      time: 3480,
      split: 1680,
      first: 1800,
      string: 2,
    },
    {
      id: 'amg-v8',
      hex: '0103040400e5003d003a00e50003',
      event_type: 'SHOT',
      kind: 'timer.shot',
      shot: 4,
      total: 4,
      time: 2290,
      split: 610,
      first: 580,
      string: 3,
    },
    // Low byte 0x00 (256 cs): decoded plainly as 2.56 s, never the "+2.56 s" trap (5.12 s).
    {
      id: 'amg-trap',
      hex: '0103010101000100010001000001',
      event_type: 'SHOT',
      kind: 'timer.shot',
      shot: 1,
      total: 1,
      time: 2560,
      split: 2560,
      first: 2560,
      string: 1,
    },
  ];

  it.each(vectors)('$id $hex → $kind', async (v) => {
    // Contradicting JSON fields: the frame wins.
    await publish(
      v.id.endsWith('1') || v.id.endsWith('4') ? 'mosquitto_pub' : 'mqtt.js',
      'leadville/timer/events',
      {
        event_type: v.event_type,
        raw_hex: v.hex,
        device_id: v.id,
        time: 9.99,
        split: 9.99,
        string_number: 99,
        timestamp: '2025-06-01T11:00:00Z',
      },
    );
    const ev = await only(v.id);
    expect(ev.kind).toBe(v.kind);
    expect(ev.data.raw_hex).toBe(v.hex);
    expect(ev.data.string_number).toBe(v.string);
    expect(ev.data.shot_number).toBe(v.shot);
    if (v.kind === 'timer.start') {
      expect(ev.data.previous_total_shots).toBe(v.prevTotal);
      expect(ev.data.time_ms).toBeUndefined();
    } else {
      expect(ev.data).toMatchObject({
        total_shots: v.total,
        time_ms: v.time,
        split_ms: v.split,
        first_shot_ms: v.first,
      });
      expectIntegerMs(ev.data, 'time_ms', 'split_ms', 'first_shot_ms');
    }
  });

  it('raw_hex with spaces and upper case is accepted and normalized', async () => {
    await publish('mqtt.js', 'leadville/timer/events', {
      event_type: 'SHOT',
      raw_hex: '01 03 02 02 01 5C 00 A8 00 B4 01 5C 00 02',
      device_id: 'amg-spaced',
    });
    const ev = await only('amg-spaced');
    expect(ev.data).toMatchObject({ raw_hex: '01030202015c00a800b4015c0002', time_ms: 3480, split_ms: 1680 });
  });
});

describe('sensor telemetry (leadville/sensor/{id}/telemetry)', () => {
  it('a single sample is stored as sensor.sample, only returned when asked for by kind', async () => {
    await publish('mqtt.js', 'leadville/sensor/s-one/telemetry', {
      seq: 1,
      ts: '2025-06-01T10:00:00.500Z',
      x: 1.5,
      y: -2.25,
      z: 0.125,
      battery: 87,
      temperature: 24.5,
    });
    const samples = await eventsOf('s-one', 1, 'sensor.sample');
    expect(samples).toHaveLength(1);
    expect(samples[0]).toMatchObject({
      kind: 'sensor.sample',
      device_id: 's-one',
      ts: '2025-06-01T10:00:00.500Z',
      topic: 'leadville/sensor/s-one/telemetry',
      data: { sensor_id: 's-one', seq: 1, x: 1.5, y: -2.25, z: 0.125 },
    });
    // Without kind: nothing — battery and temperature inside telemetry update the sensor's health
    // (below) but are not stored as an event per sample.
    expect(await http.events({ device_id: 's-one' })).toEqual([]);
    const sensor = await waitFor(
      async () => (await http.sensors()).find((s) => s.sensor_id === 's-one' && s.battery === 87),
      's-one in /api/sensors',
    );
    expect(sensor).toMatchObject({ online: true, battery: 87, temperature_c: 24.5 });
    expect(sensor.last_seen).not.toBeNull();
  });

  it('a batch with t0 and rate_hz becomes samples spaced by the period with consecutive seq', async () => {
    await publish('mosquitto_pub', 'leadville/sensor/s-batch/telemetry', {
      seq: 100,
      t0: '2025-06-01T10:00:00Z',
      rate_hz: 50,
      samples: [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ],
    });
    const samples = (await eventsOf('s-batch', 3, 'sensor.sample')).slice().reverse();
    expect(samples.map((s) => s.ts)).toEqual([
      '2025-06-01T10:00:00.000Z',
      '2025-06-01T10:00:00.020Z',
      '2025-06-01T10:00:00.040Z',
    ]);
    expect(samples.map((s) => s.data.seq)).toEqual([100, 101, 102]);
    expect(samples.map((s) => [s.data.x, s.data.y, s.data.z])).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
  });

  // domain.md §3 vectors. The temperature rides on each record and shows as the sensor's health.
  const sensorWithTemperature = (id: string) =>
    waitFor(
      async () => (await http.sensors()).find((s) => s.sensor_id === id && s.temperature_c !== null),
      `${id} with a temperature in /api/sensors`,
    );
  const REC1 = '5561 1100 1600 0200 0200 0000 0100 e60a 4300 4700 0a00 2500 2500 2500';
  const REC2 = '5561040009000900170017001000bb085b007a006800000003000000';

  it('BT50 raw_hex with one record decodes velocity and temperature (§3 vector 1)', async () => {
    await publish('mqtt.js', 'leadville/sensor/bt50-a/telemetry', {
      seq: 10,
      ts: '2025-06-01T10:00:00Z',
      raw_hex: REC1,
    });
    const [s] = await eventsOf('bt50-a', 1, 'sensor.sample');
    expect(s!.data).toMatchObject({ seq: 10, x: 17, y: 22, z: 2 });
    expect(s!.ts).toBe('2025-06-01T10:00:00.000Z');
    expect((await sensorWithTemperature('bt50-a')).temperature_c).toBeCloseTo(27.9, 5);
  });

  it('a 128-byte BT50 notification yields all four records, newest at the timestamp', async () => {
    const pad = '00000000';
    const note = [REC1, pad, REC2, pad, REC2, pad, REC1, pad].join('').replace(/\s/g, '');
    expect(note.length).toBe(256);
    await publish('mosquitto_pub', 'leadville/sensor/bt50-b/telemetry', {
      seq: 20,
      ts: '2025-06-01T10:00:01Z',
      rate_hz: 50,
      raw_hex: note,
    });
    const samples = (await eventsOf('bt50-b', 4, 'sensor.sample')).slice().reverse();
    expect(samples).toHaveLength(4);
    expect(samples.map((s) => [s.data.x, s.data.y, s.data.z])).toEqual([
      [17, 22, 2],
      [4, 9, 9],
      [4, 9, 9],
      [17, 22, 2],
    ]);
    expect(samples.map((s) => s.data.seq)).toEqual([20, 21, 22, 23]);
    expect(samples.map((s) => s.ts)).toEqual([
      '2025-06-01T10:00:00.940Z',
      '2025-06-01T10:00:00.960Z',
      '2025-06-01T10:00:00.980Z',
      '2025-06-01T10:00:01.000Z',
    ]);
    // Temperature comes from the newest record (REC1: 27.90 °C), never read as an axis.
    expect((await sensorWithTemperature('bt50-b')).temperature_c).toBeCloseTo(27.9, 5);
    // Each record's other fields stay on its own sample: the four temperatures, angles
    // (raw × 180 / 32768), displacement (µm) and frequency (Hz).
    expect(samples.map((s) => s.data.temp_c)).toEqual([27.9, 22.35, 22.35, 27.9]);
    expect(samples[1]!.data).toMatchObject({
      angle_x: (23 * 180) / 32768,
      angle_y: (23 * 180) / 32768,
      angle_z: (16 * 180) / 32768,
      disp_x: 91,
      disp_y: 122,
      disp_z: 104,
      freq_x: 0,
      freq_y: 3,
      freq_z: 0,
    });
  });

  it('each BT50 record’s temperature reaches /live and telemetry.recent (with extra) too', async () => {
    const contract = await rawContract(serve.httpUrl);
    const ws = new WebSocket(`${serve.httpUrl.replace(/^http/, 'ws')}/live?kinds=sensor.sample`);
    const live: { device_id: string; data: Record<string, unknown> }[] = [];
    ws.on('message', (raw) => live.push(JSON.parse(String(raw)) as (typeof live)[number]));
    try {
      await new Promise<void>((res, rej) => {
        ws.once('open', () => res());
        ws.once('error', rej);
      });
      await new Promise<void>((res) => {
        ws.once('pong', () => res());
        ws.ping();
      });
      const note = [REC2, '00000000', REC1, '00000000'].join('').replace(/\s/g, '');
      await publish('mqtt.js', 'leadville/sensor/bt50-d/telemetry', { seq: 1, rate_hz: 50, raw_hex: note });
      const mine = await waitFor(() => {
        const m = live.filter((e) => e.device_id === 'bt50-d');
        return m.length === 2 ? m : undefined;
      }, 'both records on /live');
      expect(mine.map((e) => e.data.temp_c)).toEqual([22.35, 27.9]);
      expect(mine[1]!.data).toMatchObject({ disp_x: 67, disp_y: 71, disp_z: 10, freq_x: 37 });
      const recent = (await contract.call('telemetry.recent', {
        sensor_id: 'bt50-d',
        seconds: 600,
        extra: true,
      })) as { sensors: Record<string, number[][]>; extra: Record<string, { temp_c: number }[]> };
      expect(recent.sensors['bt50-d']!.map((t) => t.slice(1))).toEqual([
        [4, 9, 9],
        [17, 22, 2],
      ]);
      expect(recent.extra['bt50-d']!.map((e) => e.temp_c)).toEqual([22.35, 27.9]);
    } finally {
      ws.close();
      contract.close();
    }
  });

  it('BT50 vector 2 decodes to velocity 4, 9, 9 and 22.35 °C', async () => {
    await publish('mqtt.js', 'leadville/sensor/bt50-c/telemetry', { raw_hex: REC2 });
    const [s] = await eventsOf('bt50-c', 1, 'sensor.sample');
    expect(s!.data).toMatchObject({ x: 4, y: 9, z: 9 });
    expect((await sensorWithTemperature('bt50-c')).temperature_c).toBeCloseTo(22.35, 5);
  });
});

describe('retained status topics', () => {
  it('sensor status (nested, retained) → sensor.status and /api/sensors; a late subscriber still gets it', async () => {
    const payload = JSON.stringify({
      component: 'sensor',
      status: {
        connection: 'connected',
        rssi: -61,
        battery: 90,
        calibration: { baseline: [0, 0, 0], noise: 0.4 },
        errors: [],
        reconnect_attempts: 0,
      },
      timestamp: new Date().toISOString(),
    });
    await publish('mosquitto_pub', 'leadville/sensor/s-stat/status', payload, true);
    const ev = await only('s-stat', 'sensor.status');
    expect(ev.data).toMatchObject({
      state: 'connected',
      rssi: -61,
      battery: 90,
      calibrated: true,
      sensor_id: 's-stat',
      reconnect_attempts: 0,
    });
    const row = await waitFor(
      async () => (await http.sensors()).find((s) => s.sensor_id === 's-stat'),
      's-stat row',
    );
    expect(row).toMatchObject({ online: true, rssi: -61, battery: 90, calibrated: true });

    // The broker keeps retained messages: a subscriber that connects afterwards receives it.
    const sub = await mosquittoSub(target, 'leadville/sensor/s-stat/status');
    try {
      const [msg] = await sub.waitForMessages(1);
      expect(msg).toMatchObject({ retained: true, topic: 'leadville/sensor/s-stat/status', payload });
    } finally {
      await sub.stop();
    }
  });

  it('bridge status (nested with client_stats) → bridge.status', async () => {
    await publish(
      'mosquitto_pub',
      'leadville/bridge/status',
      {
        component: 'bridge',
        bridge_id: 'br-7',
        status: {
          timer: { connected: true, state: 'connected' },
          sensors: { 's-stat': 'connected' },
          detector: { P1: 'armed', P2: 'armed' },
          active_plates: ['P1', 'P2'],
        },
        client_stats: { messages_sent: 120, reconnects: 0 },
        timestamp: '2025-06-01T10:00:30Z',
      },
      true,
    );
    const ev = await only('br-7', 'bridge.status');
    expect(ev.ts).toBe('2025-06-01T10:00:30.000Z');
    expect(ev.data).toMatchObject({
      component: 'bridge',
      active_plates: ['P1', 'P2'],
      client_stats: { messages_sent: 120 },
    });
  });

  it('system health → system.health', async () => {
    await publish(
      'mqtt.js',
      'leadville/system/health',
      {
        bridge_id: 'br-7',
        cpu_percent: 12.5,
        memory: { used_mb: 512, total_mb: 2048 },
        disk_percent: 55.5,
        log_sizes: { 'bridge.log': 10240 },
        error_counts: { ble: 2 },
        timestamp: '2025-06-01T10:00:31Z',
      },
      true,
    );
    const ev = await only('br-7', 'system.health');
    expect(ev.data).toMatchObject({ cpu_percent: 12.5, disk_percent: 55.5, error_counts: { ble: 2 } });
  });

  it('timer status → timer.status with normalized rssi and battery', async () => {
    await publish(
      'mqtt.js',
      'leadville/timer/status',
      {
        timer_id: 'amg-ts',
        connection: 'connected',
        signal_strength: -58,
        battery: 76,
        config: { sensitivity: 5 },
        timestamp: '2025-06-01T10:00:32Z',
      },
      true,
    );
    const ev = await only('amg-ts', 'timer.status');
    expect(ev.data).toMatchObject({ state: 'connected', rssi: -58, battery: 76, config: { sensitivity: 5 } });
  });
});

describe('detections and runs', () => {
  it('flat HIT impact keeps plate, amplitudes, integer durations and the ns timestamp', async () => {
    await publish('mosquitto_pub', 'leadville/detection/impacts', {
      event_type: 'HIT',
      sensor_id: 's-imp',
      plate_id: 'P3',
      peak_amplitude: 42.5,
      duration_ms: 12.4,
      rms_amplitude: 10.25,
      t_rel_ms: 2530.6,
      timestamp_ns: '1748772000123456789',
    });
    const ev = await only('s-imp', 'impact');
    expect(ev.ts).toBe('2025-06-01T10:00:00.123Z');
    expect(ev.data).toEqual({
      sensor_id: 's-imp',
      source: 'bridge',
      plate_id: 'P3',
      peak_amplitude: 42.5,
      rms_amplitude: 10.25,
      duration_ms: 12,
      t_rel_ms: 2531,
      timestamp_ns: '1748772000123456789',
      amplitude_unit: 'raw/2048',
      t_rel_basis: 'last_t0',
    });
  });

  it('nested IMPACT with a numeric plate id', async () => {
    await publish('mqtt.js', 'leadville/detection/impacts', {
      event_type: 'IMPACT',
      data: { sensor_id: 's-imp2', plate_id: 4, peak_amplitude: 18, duration_ms: 8 },
      timestamp: '2025-06-01T10:00:05Z',
    });
    const ev = await only('s-imp2', 'impact');
    expect(ev.ts).toBe('2025-06-01T10:00:05.000Z');
    expect(ev.data).toMatchObject({ sensor_id: 's-imp2', plate_id: '4', peak_amplitude: 18, duration_ms: 8 });
  });

  it('detected shots (flat and nested) → shot.detected', async () => {
    await publish('mosquitto_pub', 'leadville/detection/shots', {
      event_type: 'SHOT',
      sensor_id: 's-imp',
      shot_number: 3,
      confidence: 0.92,
      timestamp: '2025-06-01T10:00:02Z',
    });
    await publish('mqtt.js', 'leadville/detection/shots', {
      event_type: 'SHOT',
      data: { device_id: 'det-2', shot_number: 1 },
      timestamp: '2025-06-01T10:00:03Z',
    });
    expect((await only('s-imp', 'shot.detected')).data).toMatchObject({ shot_number: 3, confidence: 0.92 });
    expect((await only('det-2', 'shot.detected')).ts).toBe('2025-06-01T10:00:03.000Z');
  });

  it('run events RUN_STARTED / STAGE_CHANGED / SCORE / RUN_ENDED and retained run status', async () => {
    const topic = 'leadville/run/run-42/events';
    await publish('mosquitto_pub', topic, {
      event_type: 'RUN_STARTED',
      shooter: 'Jane Doe',
      stage: 'SC-101',
      match: 'Spring 2025',
      timestamp: '2025-06-01T10:00:00Z',
    });
    await publish('mqtt.js', topic, {
      event_type: 'STAGE_CHANGED',
      data: { stage: 'SC-102' },
      timestamp: '2025-06-01T10:05:00Z',
    });
    await publish('mqtt.js', topic, {
      event_type: 'score',
      data: { score: 12.34, penalties: 1 },
      timestamp: '2025-06-01T10:06:00Z',
    });
    await publish('mosquitto_pub', topic, { event_type: 'RUN_ENDED', timestamp: '2025-06-01T10:07:00Z' });
    await publish(
      'mosquitto_pub',
      'leadville/run/run-42/status',
      {
        status: {
          stage: 'SC-102',
          targets: ['P1', 'P2', 'P3', 'P4', 'S'],
          shot_count: 5,
          time_remaining: 0,
          score: 12.34,
          penalties: 1,
        },
        timestamp: '2025-06-01T10:07:01Z',
      },
      true,
    );
    const runEvents = (await eventsOf('run-42', 4, 'run.event')).slice().reverse();
    expect(runEvents.map((e) => e.data.event_type)).toEqual([
      'RUN_STARTED',
      'STAGE_CHANGED',
      'SCORE',
      'RUN_ENDED',
    ]);
    expect(runEvents[0]!.data).toMatchObject({ run_id: 'run-42', shooter: 'Jane Doe', stage: 'SC-101' });
    expect(runEvents[1]!.data).toMatchObject({ stage: 'SC-102' });
    expect(runEvents[2]!.data).toMatchObject({ score: 12.34, penalties: 1 });
    const status = await only('run-42', 'run.status');
    expect(status.data).toMatchObject({ run_id: 'run-42', stage: 'SC-102', shot_count: 5, penalties: 1 });
  });

  it('the devices seen appear in /api/devices', async () => {
    // Its own devices: a timer, a sensor and a bridge, each heard once.
    await publish('mqtt.js', 'leadville/timer/events', { event_type: 'START', device_id: 'tm-seen' });
    await publish('mqtt.js', 'leadville/sensor/s-seen/status', { sensor_id: 's-seen', online: true });
    await publish('mqtt.js', 'leadville/bridge/status', { component: 'bridge', bridge_id: 'br-seen' });
    const r = await waitFor(async () => {
      const res = await fetch(`${serve.httpUrl}/api/devices`);
      const body = (await res.json()) as { devices: { device_id: string; family: string }[] };
      const ids = body.devices.map((d) => d.device_id);
      return ['tm-seen', 's-seen', 'br-seen'].every((id) => ids.includes(id)) ? body : undefined;
    }, 'devices listed');
    for (const d of r.devices) expect(d.device_id).toMatch(/^[A-Za-z0-9._:-]{1,64}$/);
  });
});

describe('broker semantics', () => {
  it('a repeated payload on the same topic is stored once and counted as a duplicate', async () => {
    const payload = { event_type: 'SHOT', device_id: 'tm-dup', shot_number: 1, time: 1.11 };
    const before = await http.stats();
    await publish('mosquitto_pub', 'leadville/timer/events', payload);
    await publish('mosquitto_pub', 'leadville/timer/events', payload);
    await publish('mqtt.js', 'leadville/timer/events', payload);
    const after = await waitFor(async () => {
      const s = await http.stats();
      return s.duplicates >= before.duplicates + 2 ? s : undefined;
    }, 'duplicates counter');
    expect(after.duplicates - before.duplicates).toBe(2);
    expect(after.messages_in - before.messages_in).toBe(3);
    expect(after.events_stored - before.events_stored).toBe(1);
    expect(await http.events({ device_id: 'tm-dup' })).toHaveLength(1);
  });

  it('a topic outside the known families is routed but counted as unhandled, neither event nor reject', async () => {
    const sub = await mosquittoSub(target, 'venue/#');
    try {
      const before = await http.stats();
      const rejectsBefore = await http.rejects();
      await mosquittoPub(target, 'venue/lights/stage-1', '{"on":true}', { qos: 1 });
      // The console's own output topic is not ingested either.
      await mosquittoPub(target, 'leadville/timer/command', '{"command_id":"c1","command":"start"}', {
        qos: 1,
      });
      const [msg] = await sub.waitForMessages(1);
      expect(msg).toMatchObject({ topic: 'venue/lights/stage-1', payload: '{"on":true}', retained: false });
      const after = await waitFor(async () => {
        const s = await http.stats();
        return s.unhandled >= before.unhandled + 2 ? s : undefined;
      }, 'unhandled counter');
      expect(after.unhandled - before.unhandled).toBe(2);
      expect(after.events_stored).toBe(before.events_stored);
      expect(after.rejects).toBe(before.rejects);
      const events = await http.events({ limit: 10_000 });
      expect(events.filter((e) => e.topic.startsWith('venue/') || e.topic.endsWith('/command'))).toEqual([]);
      const rejects = await http.rejects(10_000);
      expect(rejects.total).toBe(rejectsBefore.total);
      expect(rejects.rejects.filter((r) => r.topic.startsWith('venue/'))).toEqual([]);
      const health = await http.health();
      expect(health.body.ingest.unhandled).toBe(after.unhandled);
    } finally {
      await sub.stop();
    }
  });
});

describe('sessions, QoS and wills', () => {
  it('a QoS 2 publish is stored exactly once', async () => {
    const before = await http.stats();
    await mosquittoPub(
      target,
      'leadville/timer/events',
      JSON.stringify({ event_type: 'SHOT', device_id: 'tm-qos2', shot_number: 1, time: 0.99 }),
      { qos: 2 },
    );
    await client.publishAsync(
      'leadville/timer/events',
      JSON.stringify({ event_type: 'SHOT', device_id: 'tm-qos2', shot_number: 2, time: 1.99 }),
      { qos: 2 },
    );
    const evs = await eventsOf('tm-qos2', 2);
    expect(evs.map((e) => e.data.time_ms)).toEqual([1990, 990]);
    expect((await http.stats()).duplicates).toBe(before.duplicates);
  });

  it('connected clients are counted and listed', async () => {
    const stats = await http.stats();
    expect(stats.clients_connected).toBeGreaterThanOrEqual(1);
    const res = await fetch(`${serve.httpUrl}/api/clients`);
    const body = (await res.json()) as { clients: { client_id: string }[] };
    expect(body.clients.map((c) => c.client_id)).toContain('it-embedded');
  });

  it("a sensor's last will is ingested: the sensor shows offline when its connection drops", async () => {
    const will = JSON.stringify({ connection: 'disconnected', reason: 'lwt' });
    const dev = await connectMqtt(serve.mqttUrl, {
      clientId: 's-will',
      will: { topic: 'leadville/sensor/s-will/status', payload: Buffer.from(will), qos: 1, retain: true },
    });
    dev.on('error', () => undefined);
    await dev.publishAsync(
      'leadville/sensor/s-will/status',
      JSON.stringify({ connection: 'connected', rssi: -70 }),
      {
        qos: 1,
        retain: true,
      },
    );
    await waitFor(
      async () => (await http.sensors()).find((x) => x.sensor_id === 's-will' && x.online),
      's-will online',
    );
    // Drop the TCP connection without DISCONNECT: the broker publishes the will.
    dev.stream.destroy();
    const evs = await eventsOf('s-will', 2, 'sensor.status');
    expect(evs[0]!.data).toMatchObject({ state: 'disconnected', reason: 'lwt' });
    const row = await waitFor(
      async () => (await http.sensors()).find((x) => x.sensor_id === 's-will' && !x.online),
      's-will offline',
    );
    expect(row.online).toBe(false);
    dev.end(true);
  });
});

describe('WS /live', () => {
  it('delivers a published shot as one JSON event with kind timer.shot (kinds filter honoured)', async () => {
    const url = `${serve.httpUrl.replace(/^http/, 'ws')}/live?kinds=timer.shot`;
    const ws = new WebSocket(url);
    const received: Record<string, unknown>[] = [];
    ws.on('message', (raw) => received.push(JSON.parse(String(raw)) as Record<string, unknown>));
    try {
      await new Promise<void>((res, rej) => {
        ws.once('open', () => res());
        ws.once('error', rej);
      });
      // A ping round trip: the server has finished setting the socket up.
      await new Promise<void>((res) => {
        ws.once('pong', () => res());
        ws.ping();
      });
      await publish('mqtt.js', 'leadville/timer/events', {
        event_type: 'START',
        device_id: 'tm-live',
        string_number: 1,
      });
      await publish('mqtt.js', 'leadville/timer/events', {
        event_type: 'SHOT',
        device_id: 'tm-live',
        shot_number: 1,
        time: 187,
      });
      const [first] = await waitFor(() => (received.length ? received : undefined), 'a /live message');
      expect(first).toMatchObject({
        kind: 'timer.shot',
        device_id: 'tm-live',
        topic: 'leadville/timer/events',
        data: { event_type: 'SHOT', shot_number: 1, time_ms: 1870 },
      });
      expect(typeof first!.id).toBe('number');
      expect(typeof first!.ts).toBe('string');
      expect(typeof first!.received_at).toBe('string');
    } finally {
      ws.close();
    }
  });

  it('?exclude=sensor.sample still carries events while samples are filtered out', async () => {
    const ws = new WebSocket(`${serve.httpUrl.replace(/^http/, 'ws')}/live?exclude=sensor.sample`);
    const received: Record<string, unknown>[] = [];
    ws.on('message', (raw) => received.push(JSON.parse(String(raw)) as Record<string, unknown>));
    try {
      await new Promise<void>((res, rej) => {
        ws.once('open', () => res());
        ws.once('error', rej);
      });
      await new Promise<void>((res) => {
        ws.once('pong', () => res());
        ws.ping();
      });
      await publish('mqtt.js', 'leadville/sensor/s-live/telemetry', { seq: 1, x: 1, y: 2, z: 3 });
      await publish('mqtt.js', 'leadville/detection/impacts', {
        event_type: 'HIT',
        sensor_id: 's-live',
        plate_id: 'P1',
      });
      await waitFor(() => received.some((e) => e.kind === 'impact'), 'the impact on /live');
      expect(received.filter((e) => e.kind === 'sensor.sample')).toEqual([]);
    } finally {
      ws.close();
    }
  });
});
