import { describe, expect, it } from 'vitest';
import { decodeAmgFrame, hexToBytes, type AmgShotFrame } from '../../../src-shared/decoders/amg';
import { decodeBt50Notification } from '../../../src-shared/decoders/bt50';
import { recordScenario, type RecordedMessage } from '../record';
import { findScenario, scenarioNames, UnknownScenarioError } from '.';
import { mixedShape, sensorId } from './range';

type Json = Record<string, unknown>;
const parse = (m: RecordedMessage): Json => JSON.parse(m.payload) as Json;
const fieldsOf = (p: Json): Json => (p.data && typeof p.data === 'object' ? (p.data as Json) : p);
const ms = (iso: unknown): number => Date.parse(String(iso));

/** Every telemetry sample of a sensor, whatever the payload shape: [tMs, x, y, z]. */
function samplesOf(
  messages: RecordedMessage[],
  topic: string,
  periodMs: number,
): Array<[number, number, number, number]> {
  const out: Array<[number, number, number, number]> = [];
  for (const m of messages.filter((x) => x.topic === topic)) {
    const p = parse(m);
    if (typeof p.raw_hex === 'string') {
      const rs = decodeBt50Notification(hexToBytes(p.raw_hex));
      const end = ms(p.ts);
      rs.forEach((r, k) => out.push([end - (rs.length - 1 - k) * periodMs, r.vx, r.vy, r.vz]));
    } else if (Array.isArray(p.samples)) {
      const end = ms(p.ts);
      const n = p.samples.length;
      (p.samples as number[][]).forEach((v, k) =>
        out.push([end - (n - 1 - k) * periodMs, v[0]!, v[1]!, v[2]!]),
      );
    } else {
      out.push([ms(p.ts), p.x as number, p.y as number, p.z as number]);
    }
  }
  return out;
}

describe('range scenario (virtual time, no broker)', () => {
  const rec = recordScenario({ seed: 2024, durationS: 120, rateHz: 100, sensors: 4 });
  const { messages } = rec;

  it('publishes exactly the domain.md §1 topics', () => {
    const topics = new Set(messages.map((m) => m.topic));
    const expected = new Set([
      'leadville/bridge/status',
      'leadville/system/health',
      'leadville/timer/status',
      'leadville/timer/events',
      'leadville/detection/impacts',
      ...[1, 2, 3, 4].flatMap((k) => [
        `leadville/sensor/bt50-0${k}/status`,
        `leadville/sensor/bt50-0${k}/telemetry`,
      ]),
    ]);
    expect(topics).toEqual(expected);
  });

  it('status topics are retained QoS 1 every 30 s; telemetry QoS 0 by default; events QoS 1', () => {
    for (const m of messages) {
      if (m.topic.endsWith('/status') || m.topic.endsWith('/health')) {
        expect(m.retain).toBe(true);
        expect(m.qos).toBe(1);
      } else if (m.topic.endsWith('/telemetry')) {
        expect(m.qos).toBe(0);
        expect(m.retain).toBe(false);
      } else {
        expect(m.qos).toBe(1);
        expect(m.retain).toBe(false);
      }
    }
    const bridge = messages
      .filter((m) => m.topic === 'leadville/bridge/status')
      .map((m) => ms(parse(m).timestamp));
    expect(bridge.map((t) => t - rec.startMs)).toEqual([0, 30_000, 60_000, 90_000, 120_000]);
    const status = parse(messages.find((m) => m.topic === 'leadville/bridge/status')!);
    expect(status.component).toBe('bridge');
    expect((status.status as Json).timer).toBe('connected');
    expect((status.status as Json).active_plates).toEqual(['P1', 'P2', 'P3', 'P4']);
    expect(status.client_stats).toBeTypeOf('object');
    const health = parse(messages.find((m) => m.topic === 'leadville/system/health')!);
    expect(health).toMatchObject({ cpu_percent: expect.any(Number), memory_percent: expect.any(Number) });
    const sensor = parse(messages.find((m) => m.topic === 'leadville/sensor/bt50-01/status')!);
    expect(sensor).toMatchObject({ connection: 'connected', calibration: { calibrated: true } });
    expect(sensor.temperature_c).toBeTypeOf('number');
  });

  it('every device has a retained will saying it is offline', () => {
    expect(rec.wills.map((w) => w.topic).sort()).toEqual(
      [
        'leadville/bridge/status',
        'leadville/timer/status',
        ...[1, 2, 3, 4].map((k) => `leadville/sensor/bt50-0${k}/status`),
      ].sort(),
    );
    for (const w of rec.wills) expect(w).toMatchObject({ qos: 1, retain: true });
  });

  const timer = messages.filter((m) => m.topic === 'leadville/timer/events').map(parse);

  it('strings: START/T0, 5 SHOTs, STOP; string numbers increase; 8–15 s between strings', () => {
    const types = timer.map((p) => (p.event_type === 'T0' ? 'START' : p.event_type));
    const strings = types.join(',').split('START,').filter(Boolean);
    expect(strings.length).toBeGreaterThanOrEqual(5);
    for (const s of strings.slice(0, -1)) expect(s.replace(/,$/, '')).toBe('SHOT,SHOT,SHOT,SHOT,SHOT,STOP');
    const numbers = timer
      .filter((p) => ['START', 'T0'].includes(String(p.event_type)))
      .map((p) => fieldsOf(p).string_number);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    const stops = timer.filter((p) => p.event_type === 'STOP').map((p) => ms(p.timestamp));
    const starts = timer
      .filter((p) => ['START', 'T0'].includes(String(p.event_type)))
      .map((p) => ms(p.timestamp));
    stops.forEach((stop, i) => {
      const next = starts[i + 1];
      if (next === undefined) return;
      // Receive times carry 10–99 ms of notification delay on both ends.
      expect(next - stop).toBeGreaterThanOrEqual(8000 - 99);
      expect(next - stop).toBeLessThanOrEqual(15000 + 99);
    });
    // Both payload shapes and both start spellings show up over a long enough run.
    const long = recordScenario({ seed: 7, durationS: 600, rateHz: 10, sensors: 1 })
      .messages.filter((m) => m.topic === 'leadville/timer/events')
      .map(parse);
    expect(new Set(long.map((p) => (p.data ? 'nested' : 'flat')))).toEqual(new Set(['flat', 'nested']));
    expect(new Set(long.map((p) => p.event_type))).toEqual(new Set(['START', 'T0', 'SHOT', 'STOP']));
    expect(long.some((p) => 'time_cs' in fieldsOf(p))).toBe(true);
    expect(long.some((p) => 'time' in fieldsOf(p))).toBe(true);
  });

  it('raw_hex decodes to the same times as the JSON fields', () => {
    for (const p of timer) {
      const f = fieldsOf(p);
      const frame = decodeAmgFrame(hexToBytes(String(f.raw_hex)));
      expect(frame).not.toBeNull();
      expect(frame!.stringNumber).toBe(f.string_number);
      if (frame!.kind === 'start') continue;
      const shot = frame as AmgShotFrame;
      const timeCs = 'time_cs' in f ? f.time_cs : Math.round((f.time as number) * 100);
      const splitCs = 'split_cs' in f ? f.split_cs : Math.round((f.split as number) * 100);
      expect(shot.timeCs).toBe(timeCs);
      expect(shot.splitCs).toBe(splitCs);
      expect(shot.shotNumber).toBe(f.shot_number);
      expect(shot.totalShots).toBe(f.total_shots);
    }
  });

  it('each impact follows a shot by 300–700 ms on plate (shot − 1) mod sensors; ~10% of shots miss', () => {
    const impacts = messages.filter((m) => m.topic === 'leadville/detection/impacts').map(parse);
    let start = 0;
    const shots: Array<{ wallMs: number; shot: number }> = [];
    for (const p of timer) {
      const f = fieldsOf(p);
      if (p.event_type === 'START' || p.event_type === 'T0') start = ms(p.timestamp);
      if (p.event_type === 'SHOT') {
        const timeCs = 'time_cs' in f ? (f.time_cs as number) : Math.round((f.time as number) * 100);
        shots.push({ wallMs: start + timeCs * 10, shot: f.shot_number as number });
      }
    }
    expect(impacts.length).toBeGreaterThan(0);
    expect(impacts.length).toBeLessThanOrEqual(shots.length);
    for (const impact of impacts) {
      expect(impact.event_type).toBe('HIT');
      const onset = ms(impact.timestamp);
      // The shot wall time here is T0's receive time + shot time, so it is 10–99 ms late.
      const cause = shots.find((s) => onset - s.wallMs >= 300 - 99 && onset - s.wallMs <= 700);
      expect(cause, `impact at ${String(impact.timestamp)} has no shot 300–700 ms before it`).toBeDefined();
      const k = (cause!.shot - 1) % 4;
      expect(impact.sensor_id).toBe(sensorId(k, 4));
      expect(impact.plate_id).toBe(`P${k + 1}`);
      expect(impact.peak_amplitude as number).toBeGreaterThanOrEqual(20);
      expect(impact.peak_amplitude as number).toBeLessThanOrEqual(80);
      expect(Number.isInteger(impact.duration_ms)).toBe(true);
      expect(impact.t_rel_ms).toBeTypeOf('number');
    }
    // The sensor's own telemetry shows the burst at the impact's onset.
    for (const impact of impacts) {
      const id = String(impact.sensor_id);
      const samples = samplesOf(messages, `leadville/sensor/${id}/telemetry`, 10);
      const onset = ms(impact.timestamp);
      const at = samples.find((s) => Math.abs(s[0] - onset) < 1);
      expect(at, `no sample of ${id} at ${String(impact.timestamp)}`).toBeDefined();
      expect(Math.max(Math.abs(at![1]), Math.abs(at![2]), Math.abs(at![3]))).toBeGreaterThanOrEqual(10);
    }
    const long = recordScenario({ seed: 8, durationS: 1800, rateHz: 5, sensors: 4 });
    const c = long.counters;
    expect(c.misses! / c.shots!).toBeGreaterThan(0.03);
    expect(c.misses! / c.shots!).toBeLessThan(0.2);
  });

  it('telemetry: rate × duration samples per sensor, in the mixed shapes', () => {
    expect(mixedShape(0)).toBe('single');
    expect(mixedShape(1)).toBe('batch');
    expect(mixedShape(2)).toBe('raw');
    for (let k = 1; k <= 4; k++) {
      const topic = `leadville/sensor/bt50-0${k}/telemetry`;
      const samples = samplesOf(messages, topic, 10);
      // 120 s at 100 Hz = 12001 samples; batches and notifications hold back an incomplete tail.
      expect(samples.length).toBeGreaterThanOrEqual(12001 - 10);
      expect(samples.length).toBeLessThanOrEqual(12001);
      const times = samples.map((s) => s[0]);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(10);
    }
    const batch = parse(messages.find((m) => m.topic === 'leadville/sensor/bt50-02/telemetry')!);
    expect((batch.samples as unknown[]).length).toBe(10);
    const raw = parse(messages.find((m) => m.topic === 'leadville/sensor/bt50-03/telemetry')!);
    expect(hexToBytes(String(raw.raw_hex)).length).toBe(128);
  });

  it('seeded runs are reproducible, whatever the tick size', () => {
    const a = recordScenario({ seed: 99, durationS: 40, rateHz: 200, sensors: 3 });
    const b = recordScenario({ seed: 99, durationS: 40, rateHz: 200, sensors: 3 });
    expect(b.messages).toEqual(a.messages);
    expect(b.logs).toEqual(a.logs);
    // With 20 ms ticks messages batch up differently in time but their payloads are identical.
    const c = recordScenario({ seed: 99, durationS: 40, rateHz: 200, sensors: 3, tickMs: 20 });
    const byTopic = (r: typeof a): Map<string, string[]> => {
      const map = new Map<string, string[]>();
      for (const m of r.messages) map.set(m.topic, [...(map.get(m.topic) ?? []), m.payload]);
      return map;
    };
    expect(byTopic(c)).toEqual(byTopic(a));
    const d = recordScenario({ seed: 100, durationS: 40, rateHz: 200, sensors: 3 });
    expect(d.logs).not.toEqual(a.logs);
  });

  it('honours prefix, telemetry QoS and shape options', () => {
    const r = recordScenario({
      seed: 1,
      durationS: 2,
      rateHz: 50,
      sensors: 2,
      prefix: '',
      telemetryQos: 1,
      telemetryShape: 'raw',
    });
    const telemetry = r.messages.filter((m) => m.topic === 'sensor/bt50-01/telemetry');
    expect(telemetry.length).toBeGreaterThan(0);
    for (const m of telemetry) {
      expect(m.qos).toBe(1);
      expect(parse(m).raw_hex).toBeTypeOf('string');
    }
    expect(r.messages.every((m) => !m.topic.startsWith('leadville/') && !m.topic.startsWith('/'))).toBe(true);
  });

  it('logs one line per string, not per message', () => {
    expect(rec.logs.length).toBe(rec.counters.strings);
    expect(rec.logs[0]).toMatch(/^string 1: \d\.\d\d \+\d\.\d\d/);
  });
});

describe('scenario registry', () => {
  it('knows range and all; unknown names list the known ones', () => {
    expect(scenarioNames()[0]).toBe('range');
    expect(scenarioNames()).toEqual(expect.arrayContaining(['arcade', 'neurogame', 'gateway']));
    expect(scenarioNames().at(-1)).toBe('all');
    expect(findScenario('range').name).toBe('range');
    expect(findScenario('all').name).toBe('all');
    expect(() => findScenario('bowling')).toThrow(UnknownScenarioError);
    expect(() => findScenario('bowling')).toThrow(/known scenarios: range, .*\ball$/);
  });

  it('all runs every registered scenario', () => {
    const r = recordScenario({ scenario: 'all', seed: 3, durationS: 5, rateHz: 20, sensors: 2 });
    expect(r.messages.some((m) => m.topic === 'leadville/timer/events')).toBe(true);
  });
});
