/**
 * Runs from real timer events through the real broker: the run lifecycle (start, shots, stop),
 * shot wall times anchored on the start frame, what the console publishes on
 * `leadville/run/{id}/…`, the squad order, implicit starts, lost frames, RO actions.
 * Timer frames are the domain.md §2 vectors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { cleanupServes, getJson, startServe, waitFor, type ServeHandle } from '../helpers/serve';
import { connectMqtt } from '../helpers/mqtt';
import type { MatchDetail, RunSummary } from '../../src-shared/contract/range';
import { Bridge, contract, run, runs, waitRun, type Contract } from './range-support';
import type { EventsPage, StatsBody } from '../helpers/serve';

let serve: ServeHandle;
let api: Contract;
let watcher: MqttClient;
const bridges: Bridge[] = [];
const published: { topic: string; body: Record<string, unknown>; retain: boolean }[] = [];

beforeAll(async () => {
  serve = await startServe();
  api = await contract(serve.httpUrl);
  watcher = await connectMqtt(serve.mqttUrl, { clientId: 'range-watcher' });
  watcher.on('message', (topic, payload, packet) =>
    published.push({
      topic,
      body: JSON.parse(payload.toString()) as Record<string, unknown>,
      retain: packet.retain,
    }),
  );
  await watcher.subscribeAsync(
    ['leadville/run/+/events', 'leadville/run/+/status', 'leadville/timer/command'],
    { qos: 1 },
  );
}, 60_000);

afterAll(async () => {
  api?.close();
  for (const b of bridges) await b.close();
  await watcher?.endAsync();
  await cleanupServes();
});

interface Station {
  timer: string;
  bridge: Bridge;
  match: MatchDetail;
  /** Waits until this timer's string `timerString` satisfies `pick`. */
  wait(timerString: number, pick: (r: RunSummary) => boolean, what: string): Promise<RunSummary>;
}

let stations = 0;

/**
 * Every test shoots on a station of its own: a match with Ann Able and Ben Baker in squad 1 on
 * SC-101 (5 strings), served by a timer no other test uses, so no test depends on what another
 * one shot before it. The server is shared: starting one per test would be slow.
 */
async function freshStation(): Promise<Station> {
  const timer = `amg-s${++stations}`;
  let match = await api.call('match.create', {
    name: `Club match ${stations}`,
    classifier_stages: ['SC-101'],
    timer_id: timer,
  });
  for (const [name, division] of [
    ['Ann Able', 'OPN'],
    ['Ben Baker', 'LTD'],
  ] as const) {
    await api.call('shooter.create', {
      match_id: match.match.match_id,
      name,
      division,
      class: 'A',
      squad: '1',
    });
  }
  match = await api.call('match.get', { match_id: match.match.match_id });
  await api.call('station.set', {
    timer_id: timer,
    match_id: match.match.match_id,
    stage_id: match.stages[0]!.stage_id,
    squad: '1',
  });
  const bridge = await Bridge.connect(serve.mqttUrl, timer);
  bridges.push(bridge);
  return {
    timer,
    bridge,
    match,
    wait: (n, pick, what) => waitRun(serve.httpUrl, n, pick, what, timer),
  };
}

const T0 = Date.parse('2026-03-14T09:00:00.000Z');

describe('a string from the timer’s own frames', () => {
  it('START opens a run for the shooter up; shots are anchored on the start frame; STOP closes it', async () => {
    const st = await freshStation();
    // domain.md §2: start of string 2 (previous string: 1 shot, 2.29 s).
    await st.bridge.publish('leadville/timer/events', {
      event_type: 'START',
      timer_id: st.timer,
      timestamp: new Date(T0).toISOString(),
      raw_hex: '010500010000000000e500e50002',
    });
    const opened = await st.wait(2, (r) => r.state === 'running', 'the run to open');
    expect(opened).toMatchObject({
      opened_by: 'timer',
      shooter_name: 'Ann Able',
      string_number: 1,
      stage_code: 'SC-101',
      timer_id: st.timer,
      started_at: new Date(T0).toISOString(),
    });

    // Shot 1 (1.80 s) arrives 95 ms late; shot 2 (3.48 s, split 1.68) 60 ms late. The JSON says
    // "STOP" but the frame is a shot: the frame is the truth.
    await st.bridge.publish('leadville/timer/events', {
      event_type: 'SHOT',
      timer_id: st.timer,
      timestamp: new Date(T0 + 1800 + 95).toISOString(),
      raw_hex: '0103010100b400b400b400b40002',
    });
    await st.bridge.publish('leadville/timer/events', {
      event_type: 'STOP',
      timer_id: st.timer,
      timestamp: new Date(T0 + 3480 + 60).toISOString(),
      raw_hex: '01030202015c00a800b4015c0002',
    });
    const running = await waitFor(async () => {
      const d = await run(serve.httpUrl, opened.run_id);
      return d.shots.length === 2 ? d : undefined;
    }, 'two shots');
    expect(running.state).toBe('running');
    expect(running.shots.map((s) => [s.shot_number, s.time_ms, s.split_ms, s.wall_at])).toEqual([
      [1, 1800, 1800, new Date(T0 + 1800).toISOString()],
      [2, 3480, 1680, new Date(T0 + 3480).toISOString()],
    ]);
    expect(running.shots[0]!.raw_hex).toBe('0103010100b400b400b400b40002');
    expect(running.current).toBeNull();

    await st.bridge.publish('leadville/timer/events', {
      event_type: 'STOP',
      timer_id: st.timer,
      timestamp: new Date(T0 + 5000).toISOString(),
      raw_hex: '01080202015c00a800b4015c0002',
    });
    const closed = await st.wait(2, (r) => r.state === 'review', 'the stop to close the run');
    expect(closed).toMatchObject({
      closed_by: 'timer',
      shot_count: 2,
      last_shot_ms: 3480,
      current: {
        raw_ms: 3480,
        misses: 0,
        stop_plate_hit: true,
        finished: true,
        approved: false,
        voided: false,
      },
      score: { status: 'scored', score_ms: 3480, penalties: 0 },
      stopped_at: new Date(T0 + 5000).toISOString(),
    });
    const detail = await run(serve.httpUrl, closed.run_id);
    expect(detail.base).toEqual(detail.current);

    // What the console published about it.
    await waitFor(
      () =>
        published.some(
          (p) => p.topic === `leadville/run/${closed.run_id}/events` && p.body.event_type === 'RUN_ENDED',
        ),
      'RUN_ENDED on MQTT',
    );
    const events = published
      .filter((p) => p.topic === `leadville/run/${closed.run_id}/events`)
      .map((p) => p.body);
    expect(events.map((e) => e.event_type)).toEqual(['RUN_STARTED', 'RUN_ENDED']);
    expect(events[0]).toMatchObject({
      run_id: closed.run_id,
      shooter: 'Ann Able',
      stage: 'SC-101',
      string_number: 1,
      source: 'marshal',
    });
    expect(events[1]).toMatchObject({ time_ms: 3480, shot_count: 2, closed_by: 'timer' });
    const status = await waitFor(
      () =>
        published
          .filter((p) => p.topic === `leadville/run/${closed.run_id}/status`)
          .map((p) => p.body)
          .find((b) => b.state === 'review'),
      'a review status',
    );
    expect(status).toMatchObject({
      shot_count: 2,
      raw_ms: 3480,
      score_ms: 3480,
      shooter: 'Ann Able',
      stage: 'SC-101',
    });

    // Retained: a screen that connects later still sees it.
    const late = await connectMqtt(serve.mqttUrl, { clientId: 'late-screen' });
    const got = new Promise<Record<string, unknown>>((res) =>
      late.on('message', (_t, p, packet) => {
        if (packet.retain) res(JSON.parse(p.toString()) as Record<string, unknown>);
      }),
    );
    await late.subscribeAsync(`leadville/run/${closed.run_id}/status`, { qos: 1 });
    expect(await got).toMatchObject({ run_id: closed.run_id, state: 'review' });
    await late.endAsync();

    // Run events are stored (and on /live) once, even though they are also published.
    const stored = await getJson<EventsPage>(
      `${serve.httpUrl}/api/events?kind=run.event&device_id=${closed.run_id}`,
    );
    expect(stored.body.events.map((e) => e.data.event_type).sort()).toEqual(['RUN_ENDED', 'RUN_STARTED']);
    const stats = await getJson<StatsBody>(`${serve.httpUrl}/api/stats`);
    expect(stats.body.runs).toBeGreaterThanOrEqual(1);
  });

  it('a repeated frame (QoS 1 redelivery, a bridge retry) adds no shot', async () => {
    const st = await freshStation();
    const base = T0 + 60_000;
    await st.bridge.string(3, base, [229]);
    const r = await st.wait(3, (x) => x.state === 'review', 'string 3 to close');
    // The same shot frame again, byte for byte.
    await st.bridge.shot('shot', 3, 1, 229, 229, 229, base + 229 * 10 + 40);
    // Published after it by the same client: once string 4 is closed, the repeat was handled.
    await st.bridge.string(4, base + 20_000, [200], true);
    await st.wait(4, (x) => x.state === 'review', 'string 4 to close');
    expect((await run(serve.httpUrl, r.run_id)).shot_count).toBe(1);
  });
});

describe('frames that were lost', () => {
  it('shots from a timer that never sent a START open no run (runs begin with a START or the RO)', async () => {
    const solo = await Bridge.connect(serve.mqttUrl, 'solo-timer');
    await solo.shot('shot', 1, 1, 150, 150, 150, T0 + 90_000);
    // Published after it by the same client, so processed after it: once this run exists, the
    // lone shot has been handled.
    await solo.publish('leadville/timer/events', {
      event_type: 'START',
      timer_id: 'marker-timer',
      timestamp: new Date(T0 + 90_500).toISOString(),
      string_number: 1,
    });
    await waitRun(serve.httpUrl, 1, () => true, 'the marker run', 'marker-timer');
    expect(await runs(serve.httpUrl, '?timer=solo-timer')).toEqual([]);
    await solo.close();
  });

  it('a SHOT with no START opens the run anchored on that shot; a STOP brings back a lost last shot', async () => {
    const st = await freshStation();
    const base = T0 + 120_000;
    // The timer has had a string here before (a timer that never did opens nothing, see above).
    await st.bridge.string(4, base - 60_000, [229]);
    await st.wait(4, (x) => x.state === 'review', 'string 4 to close');
    // String 5's START never arrives; shot 1 at 2.00 s arrives at base + 2000 + 40.
    await st.bridge.shot('shot', 5, 1, 200, 200, 200, base + 2040);
    const r = await st.wait(5, (x) => x.shot_count === 1, 'an implicit run');
    expect(r.opened_by).toBe('timer-implicit');
    expect(r.flags).toContain('implicit_start');
    expect(r.started_at).toBe(new Date(base + 40).toISOString());
    // Shot 2 (2.50 s) is lost; the STOP repeats it.
    await st.bridge.shot('stop', 5, 2, 250, 50, 200, base + 4000);
    const closed = await st.wait(5, (x) => x.state === 'review', 'the stop');
    expect(closed.shot_count).toBe(2);
    expect(closed.current?.raw_ms).toBe(2500);
  });

  it('a new START while a string is open closes it (no stop frame) and opens the next', async () => {
    const st = await freshStation();
    const base = T0 + 180_000;
    await st.bridge.string(6, base, [210, 260], false);
    await st.wait(6, (x) => x.shot_count === 2, 'string 6 shots');
    await st.bridge.start(7, base + 20_000);
    const superseded = await st.wait(6, (x) => x.state === 'review', 'string 6 closed');
    expect(superseded.closed_by).toBe('superseded');
    expect(superseded.flags).toContain('no_stop_frame');
    expect(superseded.current?.raw_ms).toBe(2600);
    await st.wait(7, (x) => x.state === 'running', 'string 7 running');
    await st.bridge.shot('stop', 7, 1, 300, 300, 300, base + 25_000);
    await st.wait(7, (x) => x.state === 'review', 'string 7 closed');
  });
});

describe('the squad and the RO', () => {
  it('the station moves on to the next shooter when one has shot all strings', async () => {
    const st = await freshStation();
    // Ann is up first and SC-101 has 5 strings: timer strings 1…5 are hers, 6 is Ben's first.
    for (let n = 1; n <= 6; n++) {
      await st.bridge.string(n, T0 + 300_000 + n * 30_000, [250 + n]);
      await st.wait(n, (x) => x.state === 'review', `timer string ${n} to close`);
    }
    const list = await runs(serve.httpUrl, `?timer=${st.timer}&limit=50`);
    const byTimerString = new Map(list.map((r) => [r.timer_string, r]));
    expect([1, 2, 3, 4, 5].map((n) => byTimerString.get(n)?.shooter_name)).toEqual(Array(5).fill('Ann Able'));
    expect([1, 2, 3, 4, 5].map((n) => byTimerString.get(n)?.string_number)).toEqual([1, 2, 3, 4, 5]);
    expect(byTimerString.get(6)).toMatchObject({ shooter_name: 'Ben Baker', string_number: 1 });
    const stations = await api.call('station.list', {});
    const row = stations.stations.find((s) => s.timer_id === st.timer)!;
    expect(row.up).toMatchObject({ name: 'Ben Baker', string_number: 2 });
    expect(row.next).toMatchObject({ name: 'Ben Baker', string_number: 3 });
  });

  it('a reshoot frees the string number; an assignment can be corrected, audited', async () => {
    const st = await freshStation();
    await st.bridge.string(1, T0 + 600_000, [280]);
    const first = await st.wait(1, (x) => x.state === 'review', 'string 1');
    expect(first).toMatchObject({ shooter_name: 'Ann Able', string_number: 1 });
    await api.call('score.change', {
      run_id: first.run_id,
      field: 'voided',
      new: true,
      reason: 'reshoot',
      who: 'Rita RO',
      role: 'RO',
      note: 'timer failed to pick up shots',
    });
    const station = (await api.call('ro.state', { timer_id: st.timer })).station;
    expect(station.up).toMatchObject({ name: 'Ann Able', string_number: 1 });
    expect((await runs(serve.httpUrl, `?state=void`)).map((r) => r.run_id)).toContain(first.run_id);

    await st.bridge.string(2, T0 + 640_000, [300]);
    const reshot = await st.wait(2, (x) => x.state === 'review', 'the reshoot');
    expect(reshot).toMatchObject({ shooter_name: 'Ann Able', string_number: 1 });

    const ben = st.match.shooters.find((s) => s.name === 'Ben Baker')!;
    const ann = st.match.shooters.find((s) => s.name === 'Ann Able')!;
    const fixed = await api.call('run.assign', {
      run_id: reshot.run_id,
      shooter_id: ben.shooter_id,
      string_number: 5,
      who: 'Rita RO',
      note: 'wrong shooter on the line',
    });
    expect(fixed).toMatchObject({ shooter_name: 'Ben Baker', string_number: 5 });
    expect(fixed.history.filter((h) => h.kind === 'assign').map((h) => [h.field, h.old, h.new])).toEqual([
      ['shooter_id', ann.shooter_id, ben.shooter_id],
      ['string_number', 1, 5],
    ]);
    expect(await api.fail('run.assign', { run_id: reshot.run_id, string_number: 9, who: 'x' })).toMatch(
      /5 strings/,
    );
  });

  it('the RO opens and stops a string by hand; a string without shots is a DNF', async () => {
    const opened = await api.call('run.start', { timer_id: 'amg-02', who: 'Rita RO' });
    expect(opened).toMatchObject({ state: 'running', opened_by: 'ro', timer_id: 'amg-02' });
    expect(await api.fail('run.start', { timer_id: 'amg-02' })).toMatch(/already running/);
    const stopped = await api.call('run.stop', { run_id: opened.run_id, who: 'Rita RO' });
    expect(stopped).toMatchObject({
      state: 'review',
      closed_by: 'ro',
      score: { status: 'dnf', score_ms: 30000 },
    });
    expect(await api.fail('run.stop', { run_id: opened.run_id })).toMatch(/not running/);
    const notFound = await getJson(`${serve.httpUrl}/api/runs/run-99999`);
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ error: 'unknown run run-99999' });
  });

  it('remote start sends COM START to the timer', async () => {
    const st = await freshStation();
    // The console knows the timer once it has reported: here, a whole string.
    await st.bridge.string(1, T0 + 700_000, [240]);
    await st.wait(1, (x) => x.state === 'review', 'string 1');
    const res = await api.call('run.remote_start', { timer_id: st.timer, who: 'Rita RO' });
    expect(res.command_id).toBeTruthy();
    const cmd = await waitFor(
      () => published.find((p) => p.topic === 'leadville/timer/command' && p.body.device_id === st.timer),
      'a command on leadville/timer/command',
    );
    expect(cmd.body).toMatchObject({ command: 'remote_start', text: 'COM START', device_id: st.timer });
  });
});
