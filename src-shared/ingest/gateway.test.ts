import { describe, expect, it } from 'vitest';
import type { ParseResult } from './result';
import {
  DEFAULT_THRESHOLDS,
  EMPTY_THRESHOLD_STATE,
  GATEWAY_READING_KIND,
  consoleAlertEvent,
  evaluateThresholds,
  gatewayCommandTopic,
  parseGateway,
  parseThresholds,
  readingFromEvent,
  type GatewayReading,
  type Threshold,
  type ThresholdState,
} from './gateway';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const RX = Date.parse('2026-02-17T12:00:00.000Z');
const T = Date.parse('2026-02-17T11:59:30Z');
const parse = (topic: string, payload: unknown) => {
  const [root, ...levels] = topic.split('/');
  expect(root).toBe('devices');
  return parseGateway(levels, enc(payload), RX);
};
function events(r: ParseResult) {
  if (r.outcome !== 'events') throw new Error(`expected events, got ${JSON.stringify(r)}`);
  expect(r.family).toBe('gateway');
  return r.events;
}
function reject(r: ParseResult) {
  if (r.outcome !== 'reject') throw new Error(`expected a reject, got ${JSON.stringify(r)}`);
  expect(r.family).toBe('gateway');
  return r;
}

describe('topics', () => {
  it('leaves commands (the console’s output) and unknown levels unhandled', () => {
    expect(parse('devices/gw-1/commands', { id: 'c1', command: 'fan_on' })).toEqual({ outcome: 'unhandled' });
    expect(parse('devices/gw-1/commands/nack', { id: 'c1' })).toEqual({ outcome: 'unhandled' });
    expect(parse('devices/gw-1/logs', {})).toEqual({ outcome: 'unhandled' });
    expect(parse('devices/gw-1', {})).toEqual({ outcome: 'unhandled' });
    expect(parse('devices/gw-1/status/x', { online: true })).toEqual({ outcome: 'unhandled' });
  });

  it('rejects a bad device id in the topic and a disagreeing payload device_id', () => {
    expect(reject(parseGateway(['gw 1', 'status'], enc({ online: true }), RX)).code).toBe('invalid_id');
    expect(reject(parseGateway(['<gw>', 'commands', 'ack'], enc({ id: 'c', success: true }), RX)).code).toBe(
      'invalid_id',
    );
    expect(reject(parse('devices/gw-1/status', { device_id: 'gw-2', online: true }))).toMatchObject({
      code: 'schema',
      reason: 'device_id does not match topic',
    });
  });

  it('rejects malformed payloads', () => {
    expect(reject(parse('devices/gw-1/sensor_data', '{"fruiting": {')).code).toBe('malformed_json');
    expect(reject(parse('devices/gw-1/alerts', '"high"')).code).toBe('not_an_object');
  });

  it('names the command topic and refuses a bad id', () => {
    expect(gatewayCommandTopic('gw-1')).toBe('devices/gw-1/commands');
    expect(() => gatewayCommandTopic('gw/+')).toThrow(/not a valid id/);
  });
});

describe('sensor_data', () => {
  it('emits one gateway.reading per zone and metric, with units where known', () => {
    const ev = events(
      parse('devices/gw-1/sensor_data', {
        fruiting: { temp: 24.5, humidity: 85, co2: 800 },
        incubation: { temp: 27, weight_g: 1200 },
        timestamp: '2026-02-17T11:59:30Z',
      }),
    );
    expect(GATEWAY_READING_KIND).toBe('gateway.reading');
    expect(ev).toEqual([
      {
        kind: 'gateway.reading',
        device_id: 'gw-1',
        ts: T,
        data: { zone: 'fruiting', metric: 'temp', value: 24.5, unit: '°C' },
      },
      {
        kind: 'gateway.reading',
        device_id: 'gw-1',
        ts: T,
        data: { zone: 'fruiting', metric: 'humidity', value: 85, unit: '%' },
      },
      {
        kind: 'gateway.reading',
        device_id: 'gw-1',
        ts: T,
        data: { zone: 'fruiting', metric: 'co2', value: 800, unit: 'ppm' },
      },
      {
        kind: 'gateway.reading',
        device_id: 'gw-1',
        ts: T,
        data: { zone: 'incubation', metric: 'temp', value: 27, unit: '°C' },
      },
      {
        kind: 'gateway.reading',
        device_id: 'gw-1',
        ts: T,
        data: { zone: 'incubation', metric: 'weight_g', value: 1200 },
      },
    ]);
  });

  it('reads flat readings into the default zone and skips non-numbers; naive and offset times', () => {
    const ev = events(
      parse('devices/gw-1/sensor_data', {
        temp: 21,
        note: 'ok',
        fruiting: { co2: null, temp: 'n/a', rh: 90 },
        ts: '2026-02-17T12:59:30+01:00',
      }),
    );
    expect(ev.map((e) => e.data)).toEqual([
      { zone: 'default', metric: 'temp', value: 21, unit: '°C' },
      { zone: 'fruiting', metric: 'rh', value: 90, unit: '%' },
    ]);
    expect(ev[0]!.ts).toBe(T);
    expect(
      events(parse('devices/gw-1/sensor_data', { temp: 21, timestamp: '2026-02-17T11:59:30' }))[0]!.ts,
    ).toBe(T);
    expect(events(parse('devices/gw-1/sensor_data', { temp: 21 }))[0]!.ts).toBe(RX);
  });

  it('takes a top-level number as a reading only when it is a known metric', () => {
    const ev = events(
      parse('devices/gw-1/sensor_data', {
        id: 5,
        count: 12,
        uptime: 3600,
        humidity: 85.3,
        fruiting: { temp: 24.5 },
        timestamp: 1771329570,
      }),
    );
    expect(ev.map((e) => [e.data.zone, e.data.metric, e.data.value])).toEqual([
      ['default', 'humidity', 85.3],
      ['fruiting', 'temp', 24.5],
    ]);
    expect(reject(parse('devices/gw-1/sensor_data', { id: 5, timestamp: 1771329570 })).reason).toContain(
      'no numeric reading',
    );
  });

  it('keeps hostile zone names verbatim but caps their length', () => {
    expect(events(parse('devices/gw-1/sensor_data', { '<b>room</b>': { temp: 20 } }))[0]!.data.zone).toBe(
      '<b>room</b>',
    );
    expect(reject(parse('devices/gw-1/sensor_data', { ['z'.repeat(65)]: { temp: 20 } })).reason).toContain(
      'zone name',
    );
    expect(reject(parse('devices/gw-1/sensor_data', { room: { ['m'.repeat(65)]: 20 } })).reason).toContain(
      'metric name',
    );
  });

  it('rejects a message without readings, too many readings, or a bad timestamp', () => {
    expect(reject(parse('devices/gw-1/sensor_data', { timestamp: '2026-02-17T11:59:30Z' })).reason).toContain(
      'no numeric reading',
    );
    expect(reject(parse('devices/gw-1/sensor_data', { fruiting: { temp: '24' } })).reason).toContain(
      'no numeric reading',
    );
    const many = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`m${i}`, i]));
    expect(reject(parse('devices/gw-1/sensor_data', { zone: many })).reason).toContain(
      'more than 256 readings',
    );
    const max = Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`m${i}`, i]));
    expect(events(parse('devices/gw-1/sensor_data', { zone: max }))).toHaveLength(256);
    expect(reject(parse('devices/gw-1/sensor_data', { temp: 21, timestamp: 'now' })).reason).toContain(
      'timestamp: not a timestamp',
    );
  });

  it('turns a reading event back into a reading', () => {
    const [ev] = events(parse('devices/gw-1/sensor_data', { fruiting: { co2: 800 } }));
    expect(readingFromEvent(ev!)).toEqual({
      device_id: 'gw-1',
      ts: RX,
      zone: 'fruiting',
      metric: 'co2',
      value: 800,
      unit: 'ppm',
    });
    expect(readingFromEvent({ kind: 'alert', device_id: 'gw-1', ts: RX, data: {} })).toBeNull();
  });
});

describe('status', () => {
  it('maps to device.status for the gateway family, keeping extra scalar fields', () => {
    const ev = events(
      parse('devices/gw-1/status', {
        online: true,
        uptime: 3600,
        firmware: '1.4.0',
        rssi: -70,
        wifi: { ssid: 'x' },
        timestamp: '2026-02-17T11:59:30Z',
      }),
    );
    expect(ev).toEqual([
      {
        kind: 'device.status',
        device_id: 'gw-1',
        ts: T,
        data: { online: true, uptime: 3600, firmware: '1.4.0', rssi: -70, family: 'gateway' },
      },
    ]);
  });

  it('reads a last will with online false only', () => {
    expect(events(parse('devices/gw-1/status', { online: false }))[0]).toEqual({
      kind: 'device.status',
      device_id: 'gw-1',
      ts: RX,
      data: { online: false, family: 'gateway' },
    });
  });

  it('rejects a missing or mistyped online and a negative uptime', () => {
    expect(reject(parse('devices/gw-1/status', { uptime: 5 })).reason).toContain('status: online:');
    expect(reject(parse('devices/gw-1/status', { online: 'true' })).reason).toContain('status: online:');
    expect(reject(parse('devices/gw-1/status', { online: true, uptime: -1 })).reason).toContain(
      'status: uptime:',
    );
  });
});

describe('alerts', () => {
  it('maps a device alert, omitting fields that do not apply', () => {
    const ev = events(
      parse('devices/gw-1/alerts', {
        alert_type: 'high_co2',
        message: 'CO2 high in fruiting',
        severity: 'CRITICAL',
        timestamp: '2026-02-17T11:59:30Z',
      }),
    );
    expect(ev).toEqual([
      {
        kind: 'alert',
        device_id: 'gw-1',
        ts: T,
        data: {
          source: 'device',
          device_id: 'gw-1',
          alert_type: 'high_co2',
          severity: 'CRITICAL',
          message: 'CO2 high in fruiting',
        },
      },
    ]);
  });

  it('normalizes the severity case and keeps metric, value and threshold when sent', () => {
    const ev = events(
      parse('devices/gw-1/alerts', {
        alert_type: 'low_temp',
        severity: 'warning',
        metric: 'temp',
        value: 12,
        threshold: 15,
      }),
    );
    expect(ev[0]!.data).toEqual({
      source: 'device',
      device_id: 'gw-1',
      alert_type: 'low_temp',
      severity: 'WARNING',
      metric: 'temp',
      value: 12,
      threshold: 15,
    });
  });

  it('keeps a hostile message verbatim and rejects bad types', () => {
    const message = '<img src=x onerror=alert(1)>';
    expect(
      events(parse('devices/gw-1/alerts', { alert_type: 'x', severity: 'INFO', message }))[0]!.data.message,
    ).toBe(message);
    expect(reject(parse('devices/gw-1/alerts', { alert_type: 'x', severity: 'PANIC' })).reason).toContain(
      'alert: severity:',
    );
    expect(reject(parse('devices/gw-1/alerts', { severity: 'INFO' })).reason).toContain('alert: alert_type:');
    expect(reject(parse('devices/gw-1/alerts', { alert_type: 'x' })).reason).toContain('alert: severity:');
    expect(
      reject(parse('devices/gw-1/alerts', { alert_type: 'high co2<', severity: 'INFO' })).reason,
    ).toContain('alert: alert_type:');
    expect(
      reject(parse('devices/gw-1/alerts', { alert_type: 'x', severity: 'INFO', message: 'm'.repeat(1025) }))
        .reason,
    ).toContain('alert: message:');
  });
});

describe('commands/ack', () => {
  it('maps id → command_id and success → ok', () => {
    expect(
      events(parse('devices/gw-1/commands/ack', { id: 'cmd-9', success: true, message: 'fan on' }))[0],
    ).toEqual({
      kind: 'command.ack',
      device_id: 'gw-1',
      ts: RX,
      data: { command_id: 'cmd-9', ok: true, message: 'fan on', error: null },
    });
    expect(
      events(parse('devices/gw-1/commands/ack', { id: 12, success: false, message: 'relay stuck' }))[0]!.data,
    ).toEqual({
      command_id: '12',
      ok: false,
      message: 'relay stuck',
      error: 'relay stuck',
    });
  });

  it('rejects a missing success, a hostile id, a negative id', () => {
    expect(reject(parse('devices/gw-1/commands/ack', { id: 'c1' })).reason).toContain('ack: success:');
    expect(reject(parse('devices/gw-1/commands/ack', { success: true })).reason).toContain('ack: id:');
    expect(reject(parse('devices/gw-1/commands/ack', { id: 'c 1;drop', success: true })).code).toBe(
      'invalid_id',
    );
    expect(reject(parse('devices/gw-1/commands/ack', { id: -3, success: true })).reason).toContain(
      'ack: id:',
    );
  });
});

describe('thresholds', () => {
  const co2 = (value: number, ts: number, zone = 'fruiting', device_id = 'gw-1'): GatewayReading => ({
    device_id,
    ts,
    zone,
    metric: 'co2',
    value,
    unit: 'ppm',
  });

  it('has CO2 above 1,500 ppm as a CRITICAL default', () => {
    expect(DEFAULT_THRESHOLDS).toEqual([
      { metric: 'co2', above: 1500, severity: 'CRITICAL', hysteresis: 100 },
    ]);
    expect(parseThresholds(DEFAULT_THRESHOLDS)).toEqual(DEFAULT_THRESHOLDS);
  });

  it('raises once, stays silent while high, clears past the hysteresis, then can raise again', () => {
    // 1500 is not above 1500; 1501 is. Clears at ≤ 1400 (1500 − 100).
    const steps: [number, 'raise' | 'clear' | null][] = [
      [1500, null],
      [1501, 'raise'],
      [1800, null],
      [1450, null], // back under 1500 but not under 1400: still active
      [1600, null],
      [1400, 'clear'],
      [1450, null],
      [1620, 'raise'],
    ];
    let state: ThresholdState = EMPTY_THRESHOLD_STATE;
    steps.forEach(([value, expected], i) => {
      const r = evaluateThresholds([co2(value, RX + i * 1000)], DEFAULT_THRESHOLDS, state);
      const got = r.alerts.length ? 'raise' : r.cleared.length ? 'clear' : null;
      expect([value, got]).toEqual([value, expected]);
      expect(r.alerts.length + r.cleared.length).toBeLessThanOrEqual(1);
      state = r.state;
    });
    expect(Object.keys(state.active)).toHaveLength(1);
  });

  it('builds the console alert and its event', () => {
    const r = evaluateThresholds([co2(1620, RX)], DEFAULT_THRESHOLDS);
    const alert = {
      source: 'console',
      device_id: 'gw-1',
      alert_type: 'high_co2',
      zone: 'fruiting',
      metric: 'co2',
      value: 1620,
      threshold: 1500,
      severity: 'CRITICAL',
      message: 'co2 in fruiting is 1620 ppm, above the 1500 ppm threshold',
    };
    expect(r.alerts).toEqual([{ ...alert, ts: RX }]);
    expect(consoleAlertEvent(r.alerts[0]!)).toEqual({
      kind: 'alert',
      device_id: 'gw-1',
      ts: RX,
      data: alert,
    });
    expect(Object.values(r.state.active)).toEqual([
      {
        device_id: 'gw-1',
        zone: 'fruiting',
        metric: 'co2',
        direction: 'above',
        threshold: 1500,
        severity: 'CRITICAL',
        alert_type: 'high_co2',
        since: RX,
      },
    ]);
  });

  it('does not modify the state it was given', () => {
    const first = evaluateThresholds([co2(2000, RX)], DEFAULT_THRESHOLDS);
    const snapshot = JSON.stringify(first.state);
    const second = evaluateThresholds([co2(1000, RX + 1)], DEFAULT_THRESHOLDS, first.state);
    expect(second.cleared).toHaveLength(1);
    expect(second.cleared[0]).toMatchObject({ value: 1000, cleared_at: RX + 1, since: RX });
    expect(JSON.stringify(first.state)).toBe(snapshot);
    expect(second.state.active).toEqual({});
  });

  it('starts afresh on each call that is given no state', () => {
    expect(evaluateThresholds([co2(1600, RX), co2(1700, RX + 1)], DEFAULT_THRESHOLDS).alerts).toHaveLength(1);
    expect(evaluateThresholds([co2(1600, RX)], DEFAULT_THRESHOLDS).alerts).toHaveLength(1);
    expect(evaluateThresholds([co2(1700, RX + 1)], DEFAULT_THRESHOLDS).alerts).toHaveLength(1);
  });

  it('keeps conditions apart per device and zone', () => {
    const r = evaluateThresholds(
      [
        co2(1600, RX, 'fruiting'),
        co2(1600, RX, 'incubation'),
        co2(1600, RX, 'fruiting', 'gw-2'),
        co2(1700, RX + 1),
      ],
      DEFAULT_THRESHOLDS,
    );
    expect(r.alerts.map((a) => `${a.device_id}/${a.zone}`)).toEqual([
      'gw-1/fruiting',
      'gw-1/incubation',
      'gw-2/fruiting',
    ]);
  });

  it('handles below thresholds, zone filters, levels of severity and metric case', () => {
    const thresholds: Threshold[] = parseThresholds([
      { metric: 'temp', below: 18, severity: 'warning', hysteresis: 0.5 },
      { metric: 'temp', above: 30, severity: 'WARNING', zone: 'incubation', alert_type: 'overheat' },
      { metric: 'CO2', above: 1200, severity: 'WARNING' },
      { metric: 'co2', above: 1500, severity: 'CRITICAL' },
    ]);
    const temp = (value: number, zone: string): GatewayReading => ({
      device_id: 'gw-1',
      ts: RX,
      zone,
      metric: 'temp',
      value,
    });
    let r = evaluateThresholds(
      [temp(31, 'fruiting'), temp(17.9, 'fruiting'), temp(31, 'incubation')],
      thresholds,
    );
    expect(r.alerts.map((a) => [a.alert_type, a.zone, a.severity, a.threshold])).toEqual([
      ['low_temp', 'fruiting', 'WARNING', 18],
      ['overheat', 'incubation', 'WARNING', 30],
    ]);
    expect(r.alerts[0]!.message).toBe('temp in fruiting is 17.9 °C, below the 18 °C threshold');
    // 18.2 is back above 18 but not by 0.5: still active. 18.5 clears.
    r = evaluateThresholds([temp(18.2, 'fruiting')], thresholds, r.state);
    expect(r.cleared).toEqual([]);
    r = evaluateThresholds([temp(18.5, 'fruiting')], thresholds, r.state);
    expect(r.cleared.map((c) => [c.alert_type, c.value])).toEqual([['low_temp', 18.5]]);

    // CO2 climbs: WARNING at 1300, CRITICAL at 1600, nothing new at 1700.
    let s = EMPTY_THRESHOLD_STATE;
    const raised: string[] = [];
    for (const v of [1100, 1300, 1600, 1700]) {
      const e = evaluateThresholds(
        [{ device_id: 'gw-1', ts: RX, zone: 'z', metric: 'Co2', value: v }],
        thresholds,
        s,
      );
      raised.push(...e.alerts.map((a) => `${v}:${a.severity}`));
      s = e.state;
    }
    expect(raised).toEqual(['1300:WARNING', '1600:CRITICAL']);
  });

  it('ignores metrics without a threshold and non-finite values', () => {
    const r = evaluateThresholds(
      [
        { device_id: 'gw-1', ts: RX, zone: 'z', metric: 'humidity', value: 100 },
        { device_id: 'gw-1', ts: RX, zone: 'z', metric: 'co2', value: NaN },
      ],
      DEFAULT_THRESHOLDS,
    );
    expect(r).toEqual({ alerts: [], cleared: [], state: { active: {} } });
  });

  it('rejects thresholds without a limit or with a bad severity', () => {
    expect(() => parseThresholds([{ metric: 'co2', severity: 'CRITICAL' }])).toThrow(/above.*below/);
    expect(() => parseThresholds([{ metric: 'co2', above: 1, severity: 'LOUD' }])).toThrow(/severity/);
    expect(() => parseThresholds([{ metric: 'co2', above: 1, severity: 'INFO', hysteresis: -1 }])).toThrow(
      /hysteresis/,
    );
  });
});
