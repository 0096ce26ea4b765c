/**
 * The range scenario as a whole match (devices/match.ts): squad order, stages, and the scripted
 * incidents, checked in virtual time with no broker.
 */
import { describe, expect, it } from 'vitest';
import { decodeBt50Notification } from '../../../src-shared/decoders/bt50';
import { hexToBytes } from '../../../src-shared/decoders/amg';
import { recordScenario, type RecordedMessage } from '../record';
import { DEMO_SQUAD, INCIDENTS, matchSlot } from '../../../src-shared/range/demo-match';
import { BETWEEN_STAGES_MS, DROPOUT_MS } from './range';

type Json = Record<string, unknown>;
const parse = (m: RecordedMessage): Json => JSON.parse(m.payload) as Json;
const fieldsOf = (p: Json): Json => (p.data && typeof p.data === 'object' ? (p.data as Json) : p);
const ms = (iso: unknown): number => Date.parse(String(iso));

/** The time of every sample a sensor sent, whatever the payload shape. */
function sampleTimes(messages: RecordedMessage[], topic: string, periodMs: number): number[] {
  const out: number[] = [];
  for (const m of messages.filter((x) => x.topic === topic)) {
    const p = parse(m);
    const n =
      typeof p.raw_hex === 'string'
        ? decodeBt50Notification(hexToBytes(p.raw_hex)).length
        : Array.isArray(p.samples)
          ? p.samples.length
          : 1;
    for (let k = 0; k < n; k++) out.push(ms(p.ts) - (n - 1 - k) * periodMs);
  }
  return out;
}

describe('match order', () => {
  it('walks the squad through every stage, 5 strings each (Outer Limits 4), then starts over', () => {
    expect(matchSlot(0)).toMatchObject({
      stageCode: 'SC-101',
      shooterIndex: 0,
      stringNumber: 1,
      firstOfStage: true,
    });
    expect(matchSlot(4)).toMatchObject({ stageCode: 'SC-101', shooterIndex: 0, stringNumber: 5 });
    expect(matchSlot(5)).toMatchObject({
      stageCode: 'SC-101',
      shooterIndex: 1,
      stringNumber: 1,
      firstOfStage: false,
    });
    expect(matchSlot(20)).toMatchObject({
      stageCode: 'SC-102',
      shooterIndex: 0,
      stringNumber: 1,
      firstOfStage: true,
    });
    // SC-101..103: 3 × 4 × 5 = 60 strings; SC-104 Outer Limits: 4 × 4 = 16.
    expect(matchSlot(60)).toMatchObject({ stageCode: 'SC-104', stringsPerStage: 4, stringNumber: 1 });
    expect(matchSlot(63)).toMatchObject({ stageCode: 'SC-104', shooterIndex: 0, stringNumber: 4 });
    expect(matchSlot(64)).toMatchObject({ stageCode: 'SC-104', shooterIndex: 1, stringNumber: 1 });
    // 7 stages × 20 + 16 = 156 strings per pass.
    expect(matchSlot(156)).toMatchObject({ round: 1, stageCode: 'SC-101', shooterIndex: 0, stringNumber: 1 });
  });
});

describe('range scenario shoots a match (virtual time)', () => {
  const rec = recordScenario({ seed: 42, durationS: 560, rateHz: 5, sensors: 5, tickMs: 20 });
  const timer = rec.messages.filter((m) => m.topic === 'leadville/timer/events').map(parse);
  const impacts = rec.messages.filter((m) => m.topic === 'leadville/detection/impacts').map(parse);
  // Timer events grouped per string.
  const strings: Json[][] = [];
  for (const p of timer) {
    if (p.event_type === 'START' || p.event_type === 'T0') strings.push([]);
    strings.at(-1)?.push(p);
  }
  const startMs = (k: number) => ms(strings[k]![0]!.timestamp);
  const stopMs = (k: number) => ms(strings[k]!.find((p) => p.event_type === 'STOP')!.timestamp);
  const impactsIn = (k: number) =>
    impacts.filter(
      (i) => ms(i.timestamp) > startMs(k) && (k + 1 >= strings.length || ms(i.timestamp) < startMs(k + 1)),
    );

  it('names each string’s shooter and stage, in squad order', () => {
    expect(rec.logs.length).toBeGreaterThanOrEqual(21);
    DEMO_SQUAD.forEach((s, i) => {
      for (let n = 1; n <= 5; n++)
        expect(rec.logs[i * 5 + n - 1]).toContain(`${s.name} · SC-101 5 To Go ${n}/5`);
    });
    expect(rec.logs[20]).toContain(`${DEMO_SQUAD[0]!.name} · SC-102 Showdown 1/5`);
    // Every line still starts like the plain range scenario's.
    for (const l of rec.logs) expect(l).toMatch(/^string \d+: \d\.\d\d \+\d\.\d\d/);
  });

  it('the 2nd shooter’s string 2 misses the stop plate: no hit on P5 in that string', () => {
    const k = 5 + 1; // 0-based: shooter 1, string 2
    expect(INCIDENTS.find((i) => i.incident === 'missed-stop-plate')).toMatchObject({
      shooter: 1,
      string: 2,
    });
    expect(rec.logs[k]).toContain('stop plate missed');
    expect(strings[k]!.filter((p) => p.event_type === 'SHOT')).toHaveLength(5);
    expect(impactsIn(k).some((i) => i.plate_id === 'P5')).toBe(false);
    expect(rec.counters.stop_plate_misses).toBe(1);
  });

  it('the 3rd shooter’s string 4 records an echo: a sixth shot after the stop plate, with no impact', () => {
    const k = 10 + 3;
    const shots = strings[k]!.filter((p) => p.event_type === 'SHOT').map(fieldsOf);
    expect(shots.map((s) => s.shot_number)).toEqual([1, 2, 3, 4, 5, 6]);
    const cs = (f: Json) =>
      'split_cs' in f ? (f.split_cs as number) : Math.round((f.split as number) * 100);
    expect(cs(shots[5]!)).toBeGreaterThanOrEqual(18);
    expect(cs(shots[5]!)).toBeLessThanOrEqual(45);
    const stop = fieldsOf(strings[k]!.find((p) => p.event_type === 'STOP')!);
    expect(stop.shot_number).toBe(6);
    expect(impactsIn(k).length).toBeLessThanOrEqual(5);
    // Every other string of the stage has five shots.
    for (let j = 0; j < 20; j++) {
      if (j !== k) expect(strings[j]!.filter((p) => p.event_type === 'SHOT')).toHaveLength(5);
    }
    expect(rec.logs[k]).toContain('echo recorded after the stop plate');
  });

  it('the 4th shooter’s string 1: bt50-03 drops out for 20 s, says so, and comes back', () => {
    const k = 15;
    const beep = startMs(k);
    const samples = sampleTimes(rec.messages, 'leadville/sensor/bt50-03/telemetry', 200);
    const gaps = samples.slice(1).map((t, i) => ({ from: samples[i]!, to: t, len: t - samples[i]! }));
    const big = gaps.filter((g) => g.len > 1000);
    expect(big).toHaveLength(1);
    // Off the air from 0.5 s after the beep for 20 s (samples every 200 ms at 5 Hz; the beep's
    // timestamp is its receive time, 10–99 ms after the beep).
    expect(big[0]!.from).toBeGreaterThanOrEqual(beep + 500 - 99 - 200);
    expect(big[0]!.from).toBeLessThan(beep + 500);
    expect(big[0]!.len).toBeGreaterThanOrEqual(DROPOUT_MS);
    expect(big[0]!.len).toBeLessThanOrEqual(DROPOUT_MS + 200);
    // Before and after: every 200 ms.
    for (const g of gaps) if (g !== big[0]) expect(g.len).toBe(200);
    const statuses = rec.messages
      .filter((m) => m.topic === 'leadville/sensor/bt50-03/status')
      .map(parse)
      .filter((p) => ms(p.timestamp) > beep && ms(p.timestamp) <= big[0]!.to)
      .map((p) => p.connection);
    // The periodic status may fall inside the outage too: it says disconnected as well.
    expect(statuses.filter((x, i) => x !== statuses[i - 1])).toEqual(['disconnected', 'connected']);
    expect(
      impacts.some(
        (i) => i.sensor_id === 'bt50-03' && ms(i.timestamp) > big[0]!.from && ms(i.timestamp) < big[0]!.to,
      ),
    ).toBe(false);
    expect(rec.counters.dropouts).toBe(1);
  });

  it('the squad takes 30–60 s to walk to the next stage', () => {
    const gap = startMs(20) - stopMs(19);
    // Both ends carry 10–99 ms of notification delay.
    expect(gap).toBeGreaterThanOrEqual(BETWEEN_STAGES_MS.min - 99);
    expect(gap).toBeLessThanOrEqual(BETWEEN_STAGES_MS.max + 99);
  });
});
