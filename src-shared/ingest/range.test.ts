import { describe, expect, it } from 'vitest';
import { parseMessage, type ParseResult } from './index';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const RX = Date.parse('2026-02-17T12:00:00.000Z');
const opts = { rangePrefix: 'leadville', maxPayloadBytes: 256 * 1024 };
const parse = (topic: string, payload: unknown) => parseMessage(topic, enc(payload), RX, opts);

function events(r: ParseResult) {
  if (r.outcome !== 'events') throw new Error(`expected events, got ${JSON.stringify(r)}`);
  return r;
}
function reject(r: ParseResult) {
  if (r.outcome !== 'reject') throw new Error(`expected a reject, got ${JSON.stringify(r)}`);
  return r;
}

describe('timer events', () => {
  it('reads a flat shot with seconds as floats', () => {
    const r = events(
      parse('leadville/timer/events', {
        event_type: 'SHOT',
        timestamp: '2026-02-17T12:05:11.250Z',
        source: 'timer',
        string_number: 3,
        shot_number: 2,
        total_shots: 2,
        time: 3.48,
        split: 1.68,
        first_shot: 1.8,
      }),
    );
    expect(r.events).toEqual([
      {
        kind: 'timer.shot',
        device_id: 'timer',
        ts: Date.parse('2026-02-17T12:05:11.250Z'),
        data: {
          event_type: 'SHOT',
          string_number: 3,
          shot_number: 2,
          total_shots: 2,
          time_ms: 3480,
          split_ms: 1680,
          first_shot_ms: 1800,
          source: 'timer',
        },
      },
    ]);
  });

  it('rejects a shot whose time is there but not a number, with the field in the reason', () => {
    for (const time of ['NaN', 'Infinity', '-Infinity', 'abc', '']) {
      const r = reject(parse('leadville/timer/events', { event_type: 'SHOT', time }));
      expect(r.code).toBe('schema');
      expect(r.reason).toContain('time');
    }
    // JSON has no NaN, but an overflowing literal parses to Infinity.
    expect(reject(parse('leadville/timer/events', '{"event_type": "SHOT", "time": 1e999}')).reason).toContain(
      'time',
    );
    expect(
      reject(parse('leadville/timer/events', { event_type: 'SHOT', time: 2.5, split: 'NaN' })).reason,
    ).toContain('split');
    expect(
      reject(parse('leadville/timer/events', { event_type: 'SHOT', data: { shot_time_ms: 'Infinity' } }))
        .reason,
    ).toContain('shot_time_ms');
  });

  it('still accepts a shot with no time at all (the MAIN tree sends none) and ignores broken JSON times beside a frame', () => {
    const plain = events(
      parse('timer/events', { event_type: 'SHOT', source: 'timer', sequence: 2, shot_number: 1 }),
    );
    expect(plain.events[0]!.data.time_ms).toBeUndefined();
    const framed = events(
      parse('leadville/timer/events', {
        event_type: 'SHOT',
        raw_hex: '01030202015c00a800b4015c0002',
        time: 'NaN',
      }),
    );
    expect(framed.events[0]!.data).toMatchObject({ time_ms: 3480, split_ms: 1680 });
  });

  it('reads a nested shot with centiseconds as integers', () => {
    const r = events(
      parse('leadville/timer/events', {
        event_type: 'SHOT',
        data: { shot_number: 1, time: 229, split: 229 },
        timestamp: '2026-02-17T12:05:11Z',
      }),
    );
    expect(r.events[0]!.data).toMatchObject({ shot_number: 1, time_ms: 2290, split_ms: 2290 });
  });

  it('takes explicit unit suffixes over the bare-number rule', () => {
    const r = events(parse('leadville/timer/events', { event_type: 'SHOT', time_ms: 1234, split_s: 0.5 }));
    expect(r.events[0]!.data).toMatchObject({ time_ms: 1234, split_ms: 500 });
  });

  it('maps T0 to a start and lower-case event types', () => {
    expect(
      events(parse('leadville/timer/events', { event_type: 'T0', string_number: 4 })).events[0]!.kind,
    ).toBe('timer.start');
    expect(events(parse('leadville/timer/events', { event_type: 'stop' })).events[0]!.kind).toBe(
      'timer.stop',
    );
  });

  it('treats raw_hex as the truth over the JSON fields', () => {
    const r = events(
      parse('leadville/timer/events', {
        event_type: 'START',
        time: 9.99,
        raw_hex: '01030202015c00a800b4015c0002',
      }),
    );
    expect(r.events[0]!.kind).toBe('timer.shot');
    expect(r.events[0]!.data).toMatchObject({
      shot_number: 2,
      total_shots: 2,
      time_ms: 3480,
      split_ms: 1680,
      first_shot_ms: 1800,
      string_number: 2,
    });
  });

  it('decodes a start frame carrying the previous string', () => {
    const r = events(
      parse('leadville/timer/events', { event_type: 'START', raw_hex: '010500010000000000e500e50002' }),
    );
    expect(r.events[0]!.kind).toBe('timer.start');
    expect(r.events[0]!.data).toMatchObject({ string_number: 2, shot_number: 0, previous_total_shots: 1 });
    expect(r.events[0]!.data.time_ms).toBeUndefined();
  });

  it('does not add 2.56 s to times whose low byte is zero', () => {
    // 0x0100 cs = 2.56 s exactly.
    const r = events(
      parse('leadville/timer/events', { event_type: 'SHOT', raw_hex: '0103010101000100010001000001' }),
    );
    expect(r.events[0]!.data.time_ms).toBe(2560);
  });

  it('rejects an unknown event type, a bad frame and a bad timestamp with reasons', () => {
    expect(reject(parse('leadville/timer/events', { event_type: 'BANG' })).code).toBe('schema');
    expect(reject(parse('leadville/timer/events', { event_type: 'SHOT', raw_hex: 'zz' })).code).toBe(
      'bad_frame',
    );
    expect(reject(parse('leadville/timer/events', { event_type: 'SHOT', raw_hex: '0103' })).code).toBe(
      'bad_frame',
    );
    const r = reject(parse('leadville/timer/events', { event_type: 'SHOT', timestamp: 'yesterday' }));
    expect(r.reason).toContain('timestamp');
  });

  it('accepts naive timestamps as UTC and offsets', () => {
    expect(
      events(parse('leadville/timer/events', { event_type: 'STOP', timestamp: '2026-02-17T12:05:11' }))
        .events[0]!.ts,
    ).toBe(Date.parse('2026-02-17T12:05:11Z'));
    expect(
      events(parse('leadville/timer/events', { event_type: 'STOP', timestamp: '2026-02-17T13:05:11+01:00' }))
        .events[0]!.ts,
    ).toBe(Date.parse('2026-02-17T12:05:11Z'));
  });
});

describe('sensor telemetry', () => {
  it('reads one sample with battery and temperature', () => {
    const r = events(
      parse('leadville/sensor/bt50-01/telemetry', {
        seq: 7,
        ts: '2026-02-17T12:00:01Z',
        x: 1.5,
        y: -2,
        z: 0,
        battery: 88,
        temperature: 21.5,
      }),
    );
    expect(r.samples).toEqual([
      {
        sensor_id: 'bt50-01',
        ts: Date.parse('2026-02-17T12:00:01Z'),
        seq: 7,
        x: 1.5,
        y: -2,
        z: 0,
        extra: { temp_c: 21.5 },
      },
    ]);
    // Health inside telemetry feeds the device registry; it is not a stored event per sample.
    expect(r.events).toEqual([]);
    expect(r.statuses).toEqual([
      { device_id: 'bt50-01', data: { sensor_id: 'bt50-01', battery: 88, temperature_c: 21.5 } },
    ]);
  });

  it('spaces a batch by the sample period from t0', () => {
    const r = events(
      parse('leadville/sensor/s2/telemetry', {
        seq: 100,
        t0: '2026-02-17T12:00:00Z',
        rate_hz: 50,
        samples: [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ],
      }),
    );
    const t0 = Date.parse('2026-02-17T12:00:00Z');
    expect(r.samples.map((s) => [s.ts, s.seq, s.x])).toEqual([
      [t0, 100, 1],
      [t0 + 20, 101, 4],
      [t0 + 40, 102, 7],
    ]);
  });

  it('takes the battery and temperature a batch carries as the sensor’s health', () => {
    const r = events(
      parse('leadville/sensor/s2/telemetry', {
        rate_hz: 100,
        samples: [[0, 0, 0]],
        battery: 64,
        temperature: 19.5,
      }),
    );
    expect(r.statuses).toEqual([
      { device_id: 's2', data: { sensor_id: 's2', battery: 64, temperature_c: 19.5 } },
    ]);
    expect(r.events).toEqual([]);
  });

  it('ends a batch without t0 at the receive time, newest last', () => {
    const r = events(
      parse('leadville/sensor/s2/telemetry', {
        rate_hz: 100,
        samples: [
          [0, 0, 0],
          [1, 1, 1],
        ],
      }),
    );
    expect(r.samples.map((s) => s.ts)).toEqual([RX - 10, RX]);
  });

  it('decodes every BT50 record in a raw_hex notification', () => {
    const rec1 = '5561110016000200020000000100e60a430047000a00250025002500';
    const rec2 = '5561040009000900170017001000bb085b007a006800000003000000';
    const pad = '00000000';
    const hex = rec1 + pad + rec2 + pad + rec1 + pad + rec2 + pad;
    const r = events(
      parse('leadville/sensor/bt50-03/telemetry', {
        seq: 1,
        ts: '2026-02-17T12:00:00Z',
        rate_hz: 50,
        raw_hex: hex,
      }),
    );
    expect(r.samples.map((s) => [s.x, s.y, s.z])).toEqual([
      [17, 22, 2],
      [4, 9, 9],
      [17, 22, 2],
      [4, 9, 9],
    ]);
    expect(r.samples.at(-1)!.ts).toBe(Date.parse('2026-02-17T12:00:00Z'));
    expect(r.statuses![0]!.data).toMatchObject({ temperature_c: 22.35 });
  });

  it('keeps everything else each BT50 record holds on its sample', () => {
    // Two hand-decoded records (domain.md §3): angle = raw × 180 / 32768, temperature = raw / 100.
    const rec1 = '5561110016000200020000000100e60a430047000a00250025002500';
    const rec2 = '5561040009000900170017001000bb085b007a006800000003000000';
    const pad = '00000000';
    const r = events(
      parse('leadville/sensor/bt50-03/telemetry', {
        ts: '2026-02-17T12:00:00Z',
        rate_hz: 50,
        raw_hex: rec1 + pad + rec2 + pad + rec1 + pad + rec2 + pad,
      }),
    );
    const deg = (raw: number) => (raw * 180) / 32768;
    const first = {
      temp_c: 27.9,
      angle_x: deg(2),
      angle_y: 0,
      angle_z: deg(1),
      disp_x: 67,
      disp_y: 71,
      disp_z: 10,
      freq_x: 37,
      freq_y: 37,
      freq_z: 37,
    };
    const second = {
      temp_c: 22.35,
      angle_x: deg(23),
      angle_y: deg(23),
      angle_z: deg(16),
      disp_x: 91,
      disp_y: 122,
      disp_z: 104,
      freq_x: 0,
      freq_y: 3,
      freq_z: 0,
    };
    expect(r.samples.map((s) => s.extra)).toEqual([first, second, first, second]);
    // The notification's four temperatures, one per record.
    expect(r.samples.map((s) => s.extra?.temp_c)).toEqual([27.9, 22.35, 27.9, 22.35]);
  });

  it('rejects wrong types, missing axes, bad ids and raw_hex without records', () => {
    expect(reject(parse('leadville/sensor/s1/telemetry', { x: 'a', y: 1, z: 2 })).code).toBe('schema');
    expect(reject(parse('leadville/sensor/s1/telemetry', { x: 1, y: 2 })).reason).toContain('z');
    expect(reject(parse('leadville/sensor/bad id/telemetry', { x: 1, y: 2, z: 3 })).code).toBe('invalid_id');
    expect(reject(parse(`leadville/sensor/${'a'.repeat(65)}/telemetry`, { x: 1, y: 2, z: 3 })).code).toBe(
      'invalid_id',
    );
    expect(reject(parse('leadville/sensor/s1/telemetry', { raw_hex: '00ff00ff' })).code).toBe('bad_frame');
    expect(reject(parse('leadville/sensor/s1/telemetry', { rate_hz: 50, samples: [[1, 2]] })).code).toBe(
      'schema',
    );
  });
});

describe('statuses, impacts, shots and runs', () => {
  it('flattens a nested bridge status', () => {
    const r = events(
      parse('leadville/bridge/status', {
        component: 'bridge',
        status: { timer: 'connected', connection: 'online' },
        client_stats: { sent: 3 },
        timestamp: '2026-02-17T12:00:00Z',
      }),
    );
    expect(r.events[0]).toMatchObject({
      kind: 'bridge.status',
      device_id: 'bridge',
      data: { timer: 'connected', state: 'online', client_stats: { sent: 3 } },
    });
  });

  it('normalizes a sensor status', () => {
    const r = events(
      parse('leadville/sensor/bt50-02/status', {
        connection: 'connected',
        rssi: -61,
        battery: 77,
        calibration: { calibrated: true, baseline: { x: 0 } },
        temperature: 23.1,
      }),
    );
    expect(r.events[0]).toMatchObject({
      kind: 'sensor.status',
      device_id: 'bt50-02',
      data: {
        state: 'connected',
        rssi: -61,
        battery: 77,
        calibrated: true,
        temperature_c: 23.1,
        sensor_id: 'bt50-02',
      },
    });
  });

  it('drops numbers JSON cannot hold (an overflowing 1e999) from free-form fields, keeping the rest', () => {
    const status = events(
      parse(
        'leadville/sensor/bt50-02/status',
        '{"battery": 1e999, "temperature": -1e999, "rssi": -61, "fw": "1.2"}',
      ),
    ).events[0]!.data;
    expect(status).toEqual({ rssi: -61, fw: '1.2', sensor_id: 'bt50-02' });
    const run = events(
      parse('leadville/run/r1/events', '{"event_type": "SCORE", "score": 1e999, "hits": 3}'),
    );
    expect(run.events[0]!.data).toEqual({ event_type: 'SCORE', hits: 3, run_id: 'r1' });
    const t0 = events(
      parse('leadville/detection/shots', '{"event_type": "T0", "data": {"timestamp_ns": 1e999}}'),
    );
    expect(t0.events[0]).toMatchObject({ kind: 'timer.start', data: { event_type: 'START', t0: true } });
    expect(t0.events[0]!.data).not.toHaveProperty('timestamp_ns');
  });

  it('reads timer status and system health', () => {
    expect(events(parse('leadville/timer/status', { connected: true, battery: 90 })).events[0]).toMatchObject(
      { kind: 'timer.status', data: { state: 'connected' } },
    );
    expect(events(parse('leadville/system/health', { cpu: 12, memory: 40 })).events[0]!.kind).toBe(
      'system.health',
    );
  });

  it('reads impacts as HIT or IMPACT and keeps hostile strings as data', () => {
    const r = events(
      parse('leadville/detection/impacts', {
        event_type: 'HIT',
        sensor_id: 'bt50-01',
        plate_id: '<img src=x onerror=alert(1)>',
        peak_amplitude: 42.5,
        duration_ms: 18,
        t_rel_ms: 2310.4,
      }),
    );
    expect(r.events[0]).toMatchObject({
      kind: 'impact',
      device_id: 'bt50-01',
      data: {
        sensor_id: 'bt50-01',
        plate_id: '<img src=x onerror=alert(1)>',
        peak_amplitude: 42.5,
        duration_ms: 18,
        t_rel_ms: 2310,
        source: 'bridge',
      },
    });
    expect(
      events(parse('leadville/detection/impacts', { event_type: 'impact', sensor_id: 's9' })).events[0]!.kind,
    ).toBe('impact');
    expect(
      reject(parse('leadville/detection/impacts', { event_type: 'HIT', sensor_id: '../etc' })).code,
    ).toBe('invalid_id');
    expect(reject(parse('leadville/detection/impacts', { event_type: 'HIT' })).code).toBe('schema');
  });

  it('reads detected shots, run events and run status', () => {
    expect(events(parse('leadville/detection/shots', { shot_number: 1 })).events[0]!.kind).toBe(
      'shot.detected',
    );
    const run = events(
      parse('leadville/run/r-42/events', {
        event_type: 'RUN_STARTED',
        data: { shooter: 'Ann', stage: 'SC-101' },
      }),
    );
    expect(run.events[0]).toMatchObject({
      kind: 'run.event',
      device_id: 'r-42',
      data: { event_type: 'RUN_STARTED', shooter: 'Ann', run_id: 'r-42' },
    });
    expect(events(parse('leadville/run/r-42/status', { shot_count: 3 })).events[0]!.kind).toBe('run.status');
    expect(reject(parse('leadville/run/r-42/events', { shooter: 'Ann' })).code).toBe('schema');
  });

  it('accepts the tree without the prefix', () => {
    expect(events(parse('timer/events', { event_type: 'SHOT', time: 1.0 })).events[0]!.kind).toBe(
      'timer.shot',
    );
  });
});

describe('limits and unknown topics', () => {
  it('leaves topics outside the tree unhandled', () => {
    expect(parse('other/thing', 'x').outcome).toBe('unhandled');
    expect(parse('leadville/timer/command', { command: 'x' }).outcome).toBe('unhandled');
    expect(parse('leadville/sensor/a/b/c', {}).outcome).toBe('unhandled');
  });

  it('rejects oversized, binary, malformed and non-object payloads', () => {
    const big = new Uint8Array(256 * 1024 + 1).fill(0x20);
    expect(reject(parseMessage('leadville/timer/events', big, RX, opts)).code).toBe('too_large');
    expect(
      reject(parseMessage('leadville/timer/events', new Uint8Array([0xff, 0xfe, 0x00, 0x81]), RX, opts)).code,
    ).toBe('binary');
    expect(reject(parse('leadville/timer/events', '{"event_type":')).code).toBe('malformed_json');
    expect(reject(parse('leadville/timer/events', '[1,2]')).code).toBe('not_an_object');
    expect(reject(parse('leadville/timer/events', 'null')).code).toBe('not_an_object');
  });

  it('ignores extra fields so firmware can evolve', () => {
    const r = events(
      parse('leadville/timer/events', { event_type: 'SHOT', time: 1.5, future_field: { deep: true } }),
    );
    expect(r.events[0]!.data).not.toHaveProperty('future_field');
  });
});

describe('hostile shapes and clocks', () => {
  it('reads a whole seconds float written as 2.0 as seconds', () => {
    const r = events(
      parseMessage('leadville/timer/events', enc('{"event_type":"SHOT","time":2.0,"split":150}'), RX, opts),
    );
    expect(r.events[0]!.data).toMatchObject({ time_ms: 2000, split_ms: 1500 });
  });

  it('refuses JSON nested deeper than 32 levels', () => {
    const deep = `{"a":${'['.repeat(40)}${']'.repeat(40)}}`;
    expect(reject(parse('leadville/bridge/status', deep)).code).toBe('too_deep');
  });

  it('refuses times outside 1970–2200', () => {
    expect(reject(parse('leadville/timer/events', { event_type: 'SHOT', timestamp: 1e20 })).code).toBe(
      'schema',
    );
    expect(reject(parse('leadville/sensor/s1/telemetry', { ts: -5e15, x: 1, y: 1, z: 1 })).code).toBe(
      'schema',
    );
    expect(
      reject(parse('leadville/detection/impacts', { event_type: 'HIT', sensor_id: 's1', timestamp_ns: 1e30 }))
        .code,
    ).toBe('schema');
  });
});

describe("the console's own messages", () => {
  it('leaves run messages the console published (source marshal) unhandled', () => {
    expect(parse('leadville/run/r-1/status', { source: 'marshal', shot_count: 2 }).outcome).toBe('unhandled');
    expect(parse('leadville/run/r-1/events', { source: 'marshal', event_type: 'SCORE' }).outcome).toBe(
      'unhandled',
    );
    expect(parse('leadville/run/r-1/status', { source: 'bridge', shot_count: 2 }).outcome).toBe('events');
  });
});

describe('the message-bus envelopes (nested) and the unprefixed flat tree', () => {
  it('reads a T0 on detection/shots as a start marked t0, whatever the inner frame says', () => {
    const r = events(
      parse(
        'leadville/detection/shots',
        '{"event_type":"T0","data":{"source":"AMG_Commander","timestamp_ns":1234567890000,"event_type":"START"},"timestamp":"2025-09-13T20:34:17.5Z"}',
      ),
    );
    expect(r.events).toEqual([
      {
        kind: 'timer.start',
        device_id: 'timer',
        ts: Date.parse('2025-09-13T20:34:17.500Z'),
        data: {
          event_type: 'START',
          t0: true,
          source: 'AMG_Commander',
          timestamp_ns: '1234567890000',
          frame: 'START',
        },
      },
    ]);
  });

  it('reads nested telemetry: acceleration as the sample, battery and temperature as health', () => {
    const r = events(
      parse('leadville/sensor/BT50_01/telemetry', {
        sensor_id: 'BT50_01',
        telemetry: { acceleration: { x: 1.2, y: -0.5, z: 9.8 }, battery: 85, temperature: 23.5 },
        timestamp: '2025-09-13T20:34:17Z',
      }),
    );
    expect(r.samples).toEqual([
      {
        sensor_id: 'BT50_01',
        ts: Date.parse('2025-09-13T20:34:17Z'),
        seq: null,
        x: 1.2,
        y: -0.5,
        z: 9.8,
        extra: { temp_c: 23.5 },
      },
    ]);
    expect(r.statuses).toEqual([
      { device_id: 'BT50_01', data: { sensor_id: 'BT50_01', battery: 85, temperature_c: 23.5 } },
    ]);
    expect(
      reject(parse('leadville/sensor/BT50_01/telemetry', { telemetry: { acceleration: { x: 'a' } } })).code,
    ).toBe('schema');
  });

  it('takes the sensor id of sensor/status from inside the status', () => {
    const r = events(
      parse('leadville/sensor/status', {
        component: 'sensor',
        status: { sensor_id: 'Sensor_12E3', connected: false },
      }),
    );
    expect(r.events[0]).toMatchObject({
      kind: 'sensor.status',
      device_id: 'Sensor_12E3',
      data: { state: 'disconnected' },
    });
    expect(reject(parse('leadville/sensor/status', { status: { connected: true } })).code).toBe('schema');
    expect(reject(parse('leadville/sensor/status', { status: { sensor_id: '../x' } })).code).toBe(
      'invalid_id',
    );
  });

  it('reads mqtt/status as the bridge link, not the bridge status', () => {
    const r = events(
      parse('leadville/mqtt/status', {
        component: 'mqtt',
        status: { connected: true, broker: 'localhost:1883' },
      }),
    );
    expect(r.events[0]).toMatchObject({
      kind: 'system.health',
      device_id: 'bridge',
      data: { component: 'mqtt' },
    });
  });

  it('marks HIT amplitudes as raw/2048 and t_rel_ms as relative to the last T0', () => {
    const r = events(
      parse('leadville/detection/impacts', {
        event_type: 'HIT',
        data: { sensor_id: 'S1', peak_amplitude: 0.07, t_rel_ms: 62.0 },
        sensor_id: 'S1',
      }),
    );
    expect(r.events[0]!.data).toMatchObject({
      amplitude_unit: 'raw/2048',
      t_rel_basis: 'last_t0',
      t_rel_ms: 62,
    });
  });

  it('reads the flat tree: magnitude telemetry and device status', () => {
    const t = events(
      parse('sensor/BT50-001/telemetry', {
        magnitude: 194.9,
        raw_value: 1900.0,
        battery: 85,
        rssi: -45,
        timestamp: '2025-09-23T12:00:00.123456',
        sensor_id: 'BT50-001',
      }),
    );
    expect(t.events[0]).toMatchObject({
      kind: 'sensor.status',
      device_id: 'BT50-001',
      ts: Date.parse('2025-09-23T12:00:00.123Z'),
      data: { magnitude: 194.9, raw_value: 1900, battery: 85, rssi: -45 },
    });
    expect(events(parse('device/BT50-001/status', { connected: true })).events[0]).toMatchObject({
      kind: 'sensor.status',
      device_id: 'BT50-001',
    });
  });
});
