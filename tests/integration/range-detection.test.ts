/**
 * Impact detection in the console from raw telemetry through the real broker (domain.md §4), one
 * detector per sensor; impacts attributed to plates, correlated with shots; the bridge's own
 * reports used where there is no raw telemetry; the learnt delay after approval.
 * Expected values are worked out by hand in the comments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupServes, getJson, startServe, waitFor, type ServeHandle } from '../helpers/serve';
import type { MatchDetail } from '../../src-shared/contract/range';
import { Bridge, contract, run, waitRun, type Contract } from './range-support';
import type { EventsPage } from '../helpers/serve';

let serve: ServeHandle;
let api: Contract;
let bridge: Bridge;
let match: MatchDetail;

const T = Date.parse('2026-05-02T14:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
type V = [number, number, number];

/** Publishes samples (`[t, x, y, z]`, 100 Hz, in order) as batches ending at their last sample. */
async function telemetry(sensor: string, samples: [number, ...V][], size = 20): Promise<void> {
  for (let i = 0; i < samples.length; i += size) {
    const chunk = samples.slice(i, i + size);
    await bridge.publish(
      `leadville/sensor/${sensor}/telemetry`,
      { seq: i, ts: iso(chunk.at(-1)![0]), rate_hz: 100, samples: chunk.map((s) => s.slice(1)) },
      0,
    );
  }
}

/** 100 Hz samples at rest (0 mm/s) from `from` to `to` (exclusive) with bursts at given times. */
function series(from: number, to: number, bursts: Record<number, V[]> = {}): [number, ...V][] {
  const out: [number, ...V][] = [];
  const at = new Map<number, V>();
  for (const [start, values] of Object.entries(bursts))
    values.forEach((v, k) => at.set(Number(start) + k * 10, v));
  for (let t = from; t < to; t += 10) out.push([t, ...(at.get(t) ?? ([0, 0, 0] as V))]);
  return out;
}

const BURST: V[] = [
  [30, 4, -2],
  [-18, 3, 1],
  [11, -2, 0],
];

beforeAll(async () => {
  serve = await startServe();
  api = await contract(serve.httpUrl);
  bridge = await Bridge.connect(serve.mqttUrl);
  match = await api.call('match.create', { name: 'Detection', timer_id: 'amg-01' });
  const stage = await api.call('stage.create', {
    match_id: match.match.match_id,
    preset: 'SC-101',
    timer_id: 'amg-01',
    targets: [
      { plate_id: 'P1', role: 'primary', sensor_id: 's-1' },
      { plate_id: 'P2', role: 'primary', sensor_id: 's-2' },
      { plate_id: 'P3', role: 'primary', sensor_id: 's-3' },
      { plate_id: 'P4', role: 'primary', sensor_id: 's-4' },
      { plate_id: 'P5', role: 'stop', sensor_id: 's-5' },
    ],
  });
  await api.call('shooter.create', {
    match_id: match.match.match_id,
    name: 'Dee Tector',
    division: 'SS',
    class: 'B',
  });
  await api.call('station.set', { timer_id: 'amg-01', stage_id: stage.stage_id });
}, 60_000);

afterAll(async () => {
  api?.close();
  await bridge?.close();
  await cleanupServes();
});

describe('the console’s own detectors', () => {
  it('calibrate on a still plate, then find the §4 vector’s one impact (sample 2, peak 24.0)', async () => {
    const t0 = T - 60_000;
    // 100 still samples (baseline 0, noise 0), then the vector at 50 Hz (t0 + 20·i ms).
    const still = series(t0 - 1000, t0);
    await telemetry('vec-1', still);
    await waitFor(async () => {
      const d = (await api.call('detector.list', {})).detectors.find((x) => x.sensor_id === 'vec-1');
      return d?.phase === 'armed' ? d : undefined;
    }, 'vec-1 calibrated');
    const devs = [0.5, 1.2, 24.0, 3.0, 0.8, 12, 15, 2, 40, 1];
    await bridge.publish(
      'leadville/sensor/vec-1/telemetry',
      { ts: iso(t0 + 20 * (devs.length - 1)), rate_hz: 50, samples: devs.map((d) => [d, 0, 0]) },
      1,
    );
    const events = await waitFor(async () => {
      const r = await getJson<EventsPage>(`${serve.httpUrl}/api/events?kind=impact&device_id=vec-1`);
      return r.body.events.length ? r.body.events : undefined;
    }, 'the impact event');
    // Later spikes (12, 15 at 100–120 ms; 40 at 160 ms) fall inside the 1 s debounce. A quiet
    // sample published after them is the readiness signal: once it is stored, every earlier
    // sample went through the detector.
    await bridge.publish(
      'leadville/sensor/vec-1/telemetry',
      { ts: iso(t0 + 20 * devs.length), rate_hz: 50, samples: [[0, 0, 0]] },
      1,
    );
    await waitFor(async () => {
      const r = await getJson<EventsPage>(
        `${serve.httpUrl}/api/events?kind=sensor.sample&device_id=vec-1&limit=10000`,
      );
      return r.body.events.some((e) => e.ts === iso(t0 + 20 * devs.length)) || undefined;
    }, 'the quiet sample after the spikes');
    const again = await getJson<EventsPage>(`${serve.httpUrl}/api/events?kind=impact&device_id=vec-1`);
    expect(again.body.events).toHaveLength(1);
    expect(events[0]!.ts).toBe(iso(t0 + 40));
    expect(events[0]!.data).toMatchObject({
      source: 'console',
      sensor_id: 'vec-1',
      peak_amplitude: 24,
      duration_samples: 1,
    });
  });

  it('attributes hits to plates, pairs them with shots, calls out the miss and the stray hit', async () => {
    // Shots at 1.90, 2.50, 3.10, 3.70, 4.30 s. Hits: P1 450 ms after shot 1, P2 500 after shot 2,
    // P3 550 after shot 3, nothing on P4 (shot 4 missed), the stop plate 450 after shot 5 (its
    // sensor s-5 sends no raw telemetry: the bridge's report is used). A stray knock on P2 at 0.50 s.
    await bridge.start(21, T);
    const shotsCs = [190, 250, 310, 370, 430];
    for (const [i, t] of shotsCs.entries()) {
      await bridge.shot('shot', 21, i + 1, t, i ? t - shotsCs[i - 1]! : t, 190, T + t * 10 + 30);
    }
    await telemetry('s-1', series(T - 2000, T + 6000, { [T + 2350]: BURST }));
    await telemetry('s-2', series(T - 2000, T + 6000, { [T + 500]: BURST, [T + 3000]: BURST }));
    await telemetry('s-3', series(T - 2000, T + 6000, { [T + 3650]: BURST }));
    await telemetry('s-4', series(T - 2000, T + 6000));
    // The bridge reports what its own detectors saw: P1 (duplicate of ours) and the stop plate.
    for (const [sensor, plate, onset] of [
      ['s-1', 'P1', T + 2350],
      ['s-5', 'P5', T + 4750],
    ] as const) {
      await bridge.publish('leadville/detection/impacts', {
        event_type: 'HIT',
        sensor_id: sensor,
        plate_id: plate,
        peak_amplitude: 28.5,
        duration_ms: 30,
        t_rel_ms: onset - T,
        timestamp: iso(onset),
      });
    }
    await bridge.shot('stop', 21, 5, 430, 60, 190, T + 6500);
    const r = await waitRun(serve.httpUrl, 21, (x) => x.state === 'review', 'the string to stop');
    const d = await waitFor(async () => {
      const x = await run(serve.httpUrl, r.run_id);
      return x.impacts.length >= 6 ? x : undefined;
    }, 'six impacts on the run');

    const counted = d.impacts.filter((i) => i.counted);
    expect(counted.map((i) => [i.plate_id, i.source, i.t_ms])).toEqual([
      ['P2', 'console', 500],
      ['P1', 'console', 2350],
      ['P2', 'console', 3000],
      ['P3', 'console', 3650],
      ['P5', 'bridge', 4750],
    ]);
    // The bridge's P1 report duplicates our detection: kept, not counted.
    expect(d.impacts.filter((i) => !i.counted).map((i) => [i.plate_id, i.source])).toEqual([
      ['P1', 'bridge'],
    ]);
    expect(counted.find((i) => i.plate_id === 'P1')!.peak_mm_s).toBe(30);

    expect(d.shots.map((s) => [s.shot_number, s.plate_id, s.delay_ms])).toEqual([
      [1, 'P1', 450],
      [2, 'P2', 500],
      [3, 'P3', 550],
      [4, null, null],
      [5, 'P5', 450],
    ]);
    expect(d.unmatched_shots).toEqual([4]);
    expect(d.unmatched_impacts).toEqual([counted[0]!.impact_id]);
    expect(d.plates_not_hit).toEqual(['P4']);
    expect(d.stop_plate_detected).toBe(true);
    expect(d.plates.map((p) => [p.plate_id, p.hits])).toEqual([
      ['P1', 1],
      ['P2', 2],
      ['P3', 1],
      ['P4', 0],
      ['P5', 1],
    ]);

    // Our detections are events too (on /live and /api/events), with their plate and run.
    const ev = await getJson<EventsPage>(`${serve.httpUrl}/api/events?kind=impact&device_id=s-3`);
    expect(ev.body.events[0]!.data).toMatchObject({
      source: 'console',
      plate_id: 'P3',
      run_id: r.run_id,
      t_rel_ms: 3650,
    });
  });

  it('approval confirms the pairs: each sensor’s expected delay moves toward what it saw', async () => {
    const r = await waitRun(serve.httpUrl, 21, () => true, 'string 21');
    await api.call('score.change', {
      run_id: r.run_id,
      field: 'misses',
      delta: 1,
      reason: 'penalty',
      who: 'RO',
      role: 'RO',
    });
    await api.call('score.approve', { run_id: r.run_id, who: 'Dee Tector', role: 'shooter' });
    const delays = Object.fromEntries(
      (await api.call('detector.list', {})).detectors.map((x) => [x.sensor_id, x.expected_delay_ms]),
    );
    // EMA with alpha 0.2 from 500: s-1 500 + 0.2·(450 − 500) = 490; s-2 500; s-3 510; s-5 490.
    expect(delays['s-1']).toBeCloseTo(490, 6);
    expect(delays['s-2']).toBeCloseTo(500, 6);
    expect(delays['s-3']).toBeCloseTo(510, 6);
    expect(delays['s-5']).toBeCloseTo(490, 6);
    expect(delays['s-4']).toBe(500);
    // Settings are per sensor.
    const row = await api.call('detector.configure', { sensor_id: 's-4', threshold: 25, debounce_ms: 500 });
    expect(row.settings).toMatchObject({ threshold: 25, debounce_ms: 500 });
    expect(row.plates).toEqual(['SC-101/P4']);
    expect(
      await api.fail('detector.configure', { sensor_id: 's-4', min_samples: 20, max_samples: 5 }),
    ).toMatch(/minSamples/);
  });
});
