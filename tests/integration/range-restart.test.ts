/**
 * A restart mid-string loses nothing: the console is killed (SIGKILL) while a string runs, started
 * again on the same data directory, and the run goes on — more shots, then the timer's stop closes
 * it, with shot times still anchored on the original start frame. An event committed just before
 * the crash but not yet applied to the run is applied at start. Detection resumes on the stored
 * calibration, without recalibrating.
 */
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import {
  cleanupServes,
  makeTempDir,
  removeDir,
  startServe,
  waitFor,
  type ServeHandle,
} from '../helpers/serve';
import { Bridge, contract, run, waitRun } from './range-support';

const dataDir = makeTempDir('marshal-range-restart-');
const T = Date.parse('2026-07-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

afterAll(async () => {
  await cleanupServes();
  removeDir(dataDir);
});

async function quiet(
  bridge: Bridge,
  sensor: string,
  from: number,
  n: number,
  burstAt?: number,
): Promise<void> {
  const samples: number[][] = [];
  for (let k = 0; k < n; k++) {
    const t = from + k * 10;
    samples.push(burstAt !== undefined && t >= burstAt && t < burstAt + 30 ? [35, 0, 0] : [0.2, -0.1, 0.05]);
  }
  for (let i = 0; i < samples.length; i += 25) {
    const chunk = samples.slice(i, i + 25);
    await bridge.publish(
      `leadville/sensor/${sensor}/telemetry`,
      { ts: iso(from + (i + chunk.length - 1) * 10), rate_hz: 100, samples: chunk },
      1,
    );
  }
}

describe('restart mid-string', () => {
  let first: ServeHandle;
  let second: ServeHandle;

  it('the run survives SIGKILL and the stop after the restart closes it', async () => {
    first = await startServe({ dataDir });
    let api = await contract(first.httpUrl);
    const m = await api.call('match.create', { name: 'Restart' });
    const stage = await api.call('stage.create', {
      match_id: m.match.match_id,
      preset: 'SC-105',
      timer_id: 'amg-01',
      targets: [
        { plate_id: 'P1', role: 'primary', sensor_id: 'rs-1' },
        { plate_id: 'P5', role: 'stop', sensor_id: null },
      ],
    });
    await api.call('shooter.create', {
      match_id: m.match.match_id,
      name: 'Rae Start',
      division: 'CO',
      class: 'C',
    });
    await api.call('station.set', { timer_id: 'amg-01', stage_id: stage.stage_id });
    let bridge = await Bridge.connect(first.mqttUrl);
    // The plate's sensor calibrates (its baseline is stored) before the string.
    await quiet(bridge, 'rs-1', T - 5000, 150);
    await waitFor(async () => {
      const d = (await api.call('detector.list', {})).detectors.find((x) => x.sensor_id === 'rs-1');
      return d?.calibrated_at ? d : undefined;
    }, 'rs-1 calibrated and stored');

    await bridge.start(11, T);
    await bridge.shot('shot', 11, 1, 185, 185, 185, T + 1850 + 50);
    await bridge.shot('shot', 11, 2, 240, 55, 185, T + 2400 + 50);
    const running = await waitRun(first.httpUrl, 11, (r) => r.shot_count === 2, 'two shots before the crash');
    expect(running.state).toBe('running');
    api.close();
    await bridge.close();
    await first.kill9();

    // The crash window: shot 3 was committed to the event log, but the console died before it
    // reached the run (written here as the ingest would have).
    const db = new Database(join(dataDir, 'marshal.sqlite'));
    const data = {
      event_type: 'SHOT',
      string_number: 11,
      shot_number: 3,
      time_ms: 2950,
      split_ms: 550,
      first_shot_ms: 1850,
    };
    db.prepare(
      'INSERT INTO events (kind, device_id, ts, received_at, topic, message_id, data) VALUES (?, ?, ?, ?, ?, NULL, ?)',
    ).run('timer.shot', 'amg-01', T + 2950 + 50, Date.now(), 'leadville/timer/events', JSON.stringify(data));
    db.close();

    second = await startServe({ dataDir });
    api = await contract(second.httpUrl);
    const resumed = await run(second.httpUrl, running.run_id);
    expect(resumed).toMatchObject({
      state: 'running',
      shooter_name: 'Rae Start',
      string_number: 1,
      started_at: iso(T),
    });
    expect(resumed.shots.map((s) => [s.shot_number, s.time_ms, s.wall_at])).toEqual([
      [1, 1850, iso(T + 1850)],
      [2, 2400, iso(T + 2400)],
      [3, 2950, iso(T + 2950)],
    ]);
    // Detection resumes on the stored baseline: no calibration samples this time.
    const det = (await api.call('detector.list', {})).detectors.find((x) => x.sensor_id === 'rs-1')!;
    expect(det.phase).toBe('armed');

    bridge = await Bridge.connect(second.mqttUrl);
    await bridge.shot('shot', 11, 4, 330, 35, 185, T + 3300 + 50);
    // A hit on P1 460 ms after shot 4, then the stop.
    await quiet(bridge, 'rs-1', T + 3000, 120, T + 3760);
    await bridge.shot('stop', 11, 4, 330, 35, 185, T + 5000);
    const closed = await waitRun(
      second.httpUrl,
      11,
      (r) => r.state === 'review',
      'the stop to close the resumed run',
    );
    expect(closed).toMatchObject({
      run_id: running.run_id,
      closed_by: 'timer',
      shot_count: 4,
      current: { raw_ms: 3300 },
    });
    const d = await waitFor(async () => {
      const x = await run(second.httpUrl, closed.run_id);
      return x.impacts.length ? x : undefined;
    }, 'the hit on P1');
    expect(d.impacts.map((i) => [i.plate_id, i.source, i.t_ms, i.shot_number, i.delay_ms])).toEqual([
      ['P1', 'console', 3760, 4, 460],
    ]);
    // Exactly one run for the string, and the station moved on to string 2.
    const all = await api.call('run.list', { timer_id: 'amg-01' });
    expect(all.runs.filter((r) => r.timer_string === 11)).toHaveLength(1);
    expect((await api.call('ro.state', { timer_id: 'amg-01' })).station.up).toMatchObject({
      name: 'Rae Start',
      string_number: 2,
    });
    api.close();
    await bridge.close();
  });
});
