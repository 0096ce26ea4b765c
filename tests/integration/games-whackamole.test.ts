/**
 * Whack-a-mole cabinets through the real broker and HTTP (domain.md §6, product.md): a hello is
 * answered with the cabinet's config (retained), status and last will drive online state,
 * sessions are stored once per (device, session) however often they arrive, the leaderboard
 * ranks 1, 2, 2, 4 with its filters, bad payloads are rejects with reasons, commands are
 * acknowledged, sessions.csv is formula-safe, the spectator page is served under the CSP, and
 * the `arcade` simulator plays against all of it.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../src-main/simulator';
import { connectMqtt, mosquittoPub, mosquittoSub, targetFromUrl } from '../helpers/mqtt';
import { api, cleanupServes, getJson, startServe, waitFor, type ServeHandle } from '../helpers/serve';
import type { SessionLeaderboardRow } from '../../src-shared/contract/games';
import type { DeviceRow } from '../../src-shared/contract/types';
import type { CommandRecord } from '../../src-shared/contract/devices';

let serve: ServeHandle;
let http: ReturnType<typeof api>;
const clients: MqttClient[] = [];

beforeAll(async () => {
  serve = await startServe();
  http = api(serve.httpUrl);
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  await cleanupServes();
});

async function mqttClient(opts: Parameters<typeof connectMqtt>[1] = {}): Promise<MqttClient> {
  const c = await connectMqtt(serve.mqttUrl, opts);
  clients.push(c);
  return c;
}

const pub = (topic: string, body: unknown, opts: { retain?: boolean } = {}) =>
  mosquittoPub(
    targetFromUrl(serve.mqttUrl),
    topic,
    typeof body === 'string' ? body : JSON.stringify(body),
    opts,
  );

function session(over: Record<string, unknown> = {}) {
  return {
    device_id: 'cab-1',
    session_id: '7f1c1a8e-1d0a-4c61-9a43-7b1f0e2d3c4b',
    player: 'Ada',
    difficulty: 'normal',
    started_at: '2026-02-17T12:00:00Z',
    ended_at: '2026-02-17T12:01:00Z',
    score: 120,
    hits: 12,
    misses: 3,
    wrong_hits: 1,
    reaction_ms: [410, 388, 502],
    complete: true,
    ...over,
  };
}

/** The product's shape (a test that drifts from it does not compile). */
type Entry = SessionLeaderboardRow;

async function board(query = ''): Promise<Entry[]> {
  // The original backend's shape: a bare array.
  const r = await getJson<Entry[]>(`${serve.httpUrl}/api/leaderboard${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

describe('whack-a-mole cabinets', () => {
  it('answers a hello with the cabinet config, retained for later subscribers', async () => {
    const cab = await mqttClient({ clientId: 'cab-hello' });
    const got: { topic: string; body: Record<string, unknown> }[] = [];
    cab.on('message', (topic, payload) => got.push({ topic, body: JSON.parse(payload.toString()) }));
    await cab.subscribeAsync('whackamole/cab-hello/config', { qos: 1 });
    await cab.publishAsync(
      'whackamole/cab-hello/hello',
      JSON.stringify({ device_id: 'cab-hello', firmware: 'wam-2.4.1', timestamp: '2026-02-17T11:59:00Z' }),
      { qos: 1 },
    );
    const [config] = await waitFor(() => (got.length ? got : undefined), 'the config after hello');
    expect(config!.topic).toBe('whackamole/cab-hello/config');
    for (const key of [
      'difficulty',
      'game_duration_s',
      'mole_up_ms',
      'spawn_interval_ms',
      'volume',
      'version',
    ]) {
      expect(config!.body).toHaveProperty(key);
    }
    // A cabinet that subscribes later (after a reboot) still finds it: it is retained.
    const sub = await mosquittoSub(targetFromUrl(serve.mqttUrl), 'whackamole/cab-hello/config');
    try {
      const [m] = await sub.waitForMessages(1);
      expect(m!.retained).toBe(true);
      expect(JSON.parse(m!.payload)).toEqual(config!.body);
    } finally {
      await sub.stop();
    }
    const hello = await http.waitForEvents(
      { kind: 'device.hello', device_id: 'cab-hello' },
      (e) => e.length === 1,
      'hello event',
    );
    expect(hello[0]!.data).toMatchObject({ firmware: 'wam-2.4.1' });
  });

  it('tracks online state from the retained status and the last will', async () => {
    const will = { device_id: 'cab-will', online: false, state: 'idle', timestamp: '2026-02-17T12:00:00Z' };
    const cab = await mqttClient({
      clientId: 'cab-will',
      will: {
        topic: 'whackamole/cab-will/status',
        payload: Buffer.from(JSON.stringify(will)),
        qos: 1,
        retain: true,
      },
    });
    await cab.publishAsync(
      'whackamole/cab-will/status',
      JSON.stringify({
        device_id: 'cab-will',
        online: true,
        state: 'playing',
        battery: 81,
        rssi: -60,
        timestamp: new Date().toISOString(),
      }),
      { qos: 1, retain: true },
    );
    const device = async () => {
      const r = await getJson<{
        devices: { device_id: string; family: string; online: boolean; battery: number | null }[];
      }>(`${serve.httpUrl}/api/devices`);
      return r.body.devices.find((d) => d.device_id === 'cab-will' && d.family === 'whackamole');
    };
    expect(
      await waitFor(async () => (await device())?.online === true && (await device()), 'cabinet online'),
    ).toMatchObject({
      battery: 81,
    });
    // The cabinet drops off without a DISCONNECT: the broker publishes its will.
    cab.stream.destroy();
    await waitFor(async () => (await device())?.online === false, 'cabinet offline after its will');
  });

  it('stores a session once per (device, session), however it is repeated', async () => {
    const before = (await http.stats()).sessions;
    await pub('whackamole/cab-1/session', session());
    await pub('whackamole/cab-1/session', session()); // QoS 1 redelivery: the same bytes
    // The same session with another envelope (upper-case UUID, fields reordered, a new field).
    const { player, ...rest } = session({
      session_id: '7F1C1A8E-1D0A-4C61-9A43-7B1F0E2D3C4B',
      firmware_extra: 1,
    });
    await pub('whackamole/cab-1/session', { player, ...rest });
    // The same session id on another cabinet is another session.
    await pub('whackamole/cab-2/session', session({ device_id: 'cab-2', player: 'Bob', score: 90 }));
    await waitFor(async () => (await http.stats()).sessions === before + 2, 'two sessions counted');
    const events = await http.events({ kind: 'game.session', device_id: 'cab-1' });
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({
      session_id: '7f1c1a8e-1d0a-4c61-9a43-7b1f0e2d3c4b',
      score: 120,
      duration_ms: 60_000,
    });
    const list = await getJson<{ sessions: unknown[]; total: number }>(
      `${serve.httpUrl}/api/sessions?device_id=cab-1`,
    );
    expect(list.body.total).toBe(1);
  });

  it('ranks players 1, 2, 2, 4 with game, difficulty, device and minimum-session filters', async () => {
    const s = (device: string, id: number, p: string, score: number, difficulty = 'hard', min = 10) =>
      pub(
        `whackamole/${device}/session`,
        session({
          device_id: device,
          session_id: id,
          player: p,
          score,
          difficulty,
          started_at: `2026-03-01T10:${String(min).padStart(2, '0')}:00Z`,
          ended_at: `2026-03-01T10:${String(min + 1).padStart(2, '0')}:00Z`,
        }),
      );
    await s('rank-a', 1, 'Petra', 300, 'hard', 10);
    await s('rank-a', 2, 'Quinn', 250, 'hard', 12);
    await s('rank-b', 1, 'Rosa', 250, 'hard', 11); // ties Quinn, reached earlier
    await s('rank-b', 2, 'Sol', 200, 'hard', 13);
    await s('rank-b', 3, 'Sol', 100, 'hard', 14);
    await s('rank-a', 3, 'Petra', 999, 'easy', 15);
    await waitFor(async () => (await board('?difficulty=hard&game=whackamole')).length >= 4, 'hard board');
    const hard = (await board('?game=whackamole&difficulty=hard')).filter((e) =>
      ['Petra', 'Quinn', 'Rosa', 'Sol'].includes(e.player),
    );
    expect(hard.map((e) => [e.rank, e.player, e.best_score, e.sessions])).toEqual([
      [1, 'Petra', 300, 1],
      [2, 'Rosa', 250, 1],
      [2, 'Quinn', 250, 1],
      [4, 'Sol', 200, 2],
    ]);
    expect(hard[3]!.last_played).toBe('2026-03-01T10:15:00.000Z');
    expect(
      (await board('?device_id=rank-a')).map((e) => [e.rank, e.player, e.best_score, e.sessions]),
    ).toEqual([
      [1, 'Petra', 999, 2],
      [2, 'Quinn', 250, 1],
    ]);
    expect((await board('?device_id=rank-b&min_sessions=2')).map((e) => e.player)).toEqual(['Sol']);
    expect((await board('?device_id=rank-b&min_sessions=3')).map((e) => e.player)).toEqual([]);
    expect(await board('?device_id=rank-b&limit=1')).toHaveLength(1);
    for (const bad of [
      '?limit=abc',
      '?limit=0',
      '?min_sessions=-1',
      '?device_id=%3Cscript%3E',
      '?limit=99999',
    ]) {
      const r = await getJson<{ error: string }>(`${serve.httpUrl}/api/leaderboard${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.error).toEqual(expect.any(String));
    }
  });

  it('keeps bad session payloads as rejects with a reason and stores nothing from them', async () => {
    const before = await http.rejects(500);
    const bad = (over: Record<string, unknown>) => session({ device_id: 'cab-bad', ...over });
    const cases: [unknown, RegExp][] = [
      [bad({ session_id: 'bad-1', player: undefined }), /player/],
      [bad({ session_id: 'bad-2', ended_at: '2026-02-17T11:00:00Z' }), /ended_at is before started_at/],
      [bad({ session_id: 'bad id!' }), /session_id/],
      [bad({ session_id: 'bad-4', device_id: 'someone-else' }), /device_id does not match/],
      [bad({ session_id: 'bad-5', score: 'lots' }), /score/],
      ['{"session_id": 1,', /malformed JSON/],
    ];
    for (const [body] of cases) await pub('whackamole/cab-bad/session', body);
    const after = await waitFor(async () => {
      const r = await http.rejects(500);
      return r.total >= before.total + cases.length ? r : undefined;
    }, 'the rejects');
    const reasons = after.rejects
      .filter((r) => r.topic === 'whackamole/cab-bad/session')
      .map((r) => r.reason);
    for (const [, reason] of cases)
      expect(
        reasons.some((r) => reason.test(r)),
        `${String(reason)} in ${reasons.join(' | ')}`,
      ).toBe(true);
    expect(await http.events({ kind: 'game.session', device_id: 'cab-bad' })).toEqual([]);
  });

  it('sends a command to a cabinet as its one byte, QoS 2, not retained, and ends it delivered', async () => {
    const cab = await mqttClient({ clientId: 'bridge-cab-cmd' });
    await cab.publishAsync(
      'whac/cab-cmd/state',
      JSON.stringify({ device_id: 'cab-cmd', ts: 1, status: 'online' }),
      {
        qos: 2,
      },
    );
    const got: { payload: string; qos: number; retain: boolean }[] = [];
    cab.on('message', (topic, payload, packet) => {
      if (topic === 'whac/cab-cmd/commands')
        got.push({ payload: payload.toString(), qos: packet.qos, retain: packet.retain });
    });
    await cab.subscribeAsync('whac/cab-cmd/commands', { qos: 2 });
    await waitFor(async () => {
      const r = await getJson<{ devices: DeviceRow[] }>(`${serve.httpUrl}/api/devices`);
      return r.body.devices.some((d) => d.device_id === 'cab-cmd' && d.online);
    }, 'cabinet online');
    const res = await fetch(`${serve.httpUrl}/api/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ device_id: 'cab-cmd', command: 'pause' }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const done = await waitFor(async () => {
      const r = await getJson<CommandRecord>(`${serve.httpUrl}/api/commands/${id}`);
      return r.body.state === 'delivered' ? r.body : undefined;
    }, 'the command delivered');
    expect(done).toMatchObject({ device_id: 'cab-cmd', command: 'pause', topic: 'whac/cab-cmd/commands' });
    expect(await waitFor(async () => got[0], 'the byte')).toEqual({ payload: 'P', qos: 2, retain: false });
    // Never retained: a cabinet reconnecting later must not toggle pause again.
    const late = await mqttClient({ clientId: '' });
    const replayed: string[] = [];
    late.on('message', (_t, payload) => replayed.push(payload.toString()));
    await late.subscribeAsync('whac/cab-cmd/commands', { qos: 2 });
    await late.publishAsync(
      'whac/cab-cmd/state',
      JSON.stringify({ device_id: 'cab-cmd', ts: 2, status: 'online' }),
      {
        qos: 2,
      },
    );
    await http.waitForEvents(
      { kind: 'device.status', device_id: 'cab-cmd' },
      (e) => e.length >= 2,
      'the second state',
    );
    expect(replayed).toEqual([]);
  });

  it('exports sessions.csv formula-safe', async () => {
    await pub(
      'whackamole/cab-csv/session',
      session({ device_id: 'cab-csv', session_id: 'csv-1', player: '=HYPERLINK("http://x","y")', score: 5 }),
    );
    await waitFor(
      async () => (await http.events({ kind: 'game.session', device_id: 'cab-csv' })).length === 1,
      'csv session',
    );
    const res = await fetch(`${serve.httpUrl}/api/export/sessions.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="sessions\.csv"/);
    const text = await res.text();
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(
      'device_id,session_id,game,player,difficulty,score,hits,misses,wrong_hits,mean_reaction_ms,started_at,ended_at,duration_ms,complete,received_at',
    );
    const row = lines.find((l) => l.startsWith('cab-csv,'));
    // (410 + 388 + 502) / 3 = 433.3 → 433
    expect(row).toMatch(
      /^cab-csv,csv-1,whackamole,"'=HYPERLINK\(""http:\/\/x"",""y""\)",normal,5,12,3,1,433,2026-02-17T12:00:00\.000Z,2026-02-17T12:01:00\.000Z,60000,true,/,
    );
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('serves the spectator page as files under the CSP, with no inline script', async () => {
    const res = await fetch(`${serve.httpUrl}/leaderboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\/leaderboard\/spectator\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<(button|input|select|textarea|form)\b/);
    const js = await fetch(`${serve.httpUrl}/leaderboard/spectator.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    const source = await js.text();
    expect(source).toContain('/live?kinds=game.session,task.result');
    expect(source).not.toMatch(/innerHTML/);
    const css = await fetch(`${serve.httpUrl}/leaderboard/spectator.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });
});

describe('arcade simulator against the console', () => {
  it('plays: SEED cabinets get their config, sessions of both protocols land on their boards', async () => {
    const sim = await runScenario({
      scenario: 'arcade',
      brokerUrl: serve.mqttUrl,
      seed: 4,
      quiet: true,
      log: () => undefined,
    });
    try {
      await waitFor(
        () => (sim.stats().scenarioCounters.configs_received ?? 0) >= 2,
        'both SEED cabinets configured',
        {
          timeoutMs: 20_000,
        },
      );
      await waitFor(
        async () => (await http.events({ kind: 'game.session', device_id: 'cab-01' })).length >= 1,
        'a session from cab-01',
        {
          timeoutMs: 40_000,
        },
      );
      const r = await getJson<{ devices: DeviceRow[] }>(`${serve.httpUrl}/api/devices`);
      for (const id of ['cab-01', 'cab-02', 'cab-03']) {
        expect(r.body.devices.find((d) => d.device_id === id && d.family === 'whackamole')?.online, id).toBe(
          true,
        );
      }
      expect((await board('?device_id=cab-01')).length).toBeGreaterThanOrEqual(1);
      await waitFor(
        async () => (await board('?game=whackamole-head')).some((e) => e.player === 'cab-03'),
        'a HEAD session from cab-03 on its board',
        { timeoutMs: 40_000 },
      );
    } finally {
      await sim.stop();
    }
    const r = await http.rejects(500);
    expect(r.rejects.filter((x) => /^whac\/cab-0/.test(x.topic))).toEqual([]);
  }, 70_000);
});
