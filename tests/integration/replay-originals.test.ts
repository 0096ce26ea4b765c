/**
 * The originals' real clients, replayed byte for byte (fixtures written from their code, with the
 * source commits noted there) through a real `serve`: the broker and the HTTP host. Every
 * message must be accepted with its meaning, and every answer must be the one the original gave.
 * The per-family tallies (sent / accepted / rejected) are printed for the report.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMqtt } from '../helpers/mqtt';
import { api, cleanupServes, getJson, startServe, waitFor, type ServeHandle } from '../helpers/serve';
import * as WM from '../fixtures/originals/whackamole';
import * as NG from '../fixtures/originals/neurogame';
import type { CommandRecord } from '../../src-shared/contract/devices';

let serve: ServeHandle;
let http: ReturnType<typeof api>;
const tally: Record<string, { sent: number; accepted: number; rejected: number }> = {};

beforeAll(async () => {
  serve = await startServe();
  http = api(serve.httpUrl);
});
afterAll(async () => {
  console.log(`replayed originals: ${JSON.stringify(tally)}`);
  await cleanupServes();
});

async function rejectsOn(prefix: string): Promise<number> {
  const page = await http.rejects(1000);
  return page.rejects.filter((r) => r.topic.startsWith(prefix)).length;
}

describe('whack-a-mole originals on whac/', () => {
  it('SEED fake device: config_request answered with the retained config; sessions, pops, status, telemetry kept', async () => {
    // The SEED worker connects with a zero-length client id and a clean session.
    const worker = await connectMqtt(serve.mqttUrl, { clientId: '', clean: true, keepalive: 30 });
    const device = await connectMqtt(serve.mqttUrl, { clientId: 'fake-device-5b0c3a5e', keepalive: 30 });
    const replies: { payload: string; retain: boolean; qos: number }[] = [];
    device.on('message', (topic, payload, packet) => {
      if (topic === `whac/${WM.SEED_DEVICE}/commands`)
        replies.push({ payload: payload.toString(), retain: packet.retain, qos: packet.qos });
    });
    await device.subscribeAsync(`whac/${WM.SEED_DEVICE}/commands`, { qos: 1 });
    for (const m of WM.SEED_MESSAGES) await device.publishAsync(m.topic, m.payload, { qos: m.qos });

    const reply = await waitFor(async () => replies[0], 'the config reply');
    expect(JSON.parse(reply.payload)).toEqual(WM.SEED_CONFIG_REPLY);
    expect(reply.qos).toBe(1);
    // Retained: a device that subscribes later gets it too.
    const late = await connectMqtt(serve.mqttUrl, { clientId: '' });
    const retained = new Promise<{ payload: string; retain: boolean }>((resolve) =>
      late.on('message', (_t, payload, packet) =>
        resolve({ payload: payload.toString(), retain: packet.retain }),
      ),
    );
    await late.subscribeAsync(`whac/${WM.SEED_DEVICE}/commands`, { qos: 1 });
    expect(await retained).toEqual({ payload: reply.payload, retain: true });

    const events = await http.waitForEvents(
      { device_id: WM.SEED_DEVICE, limit: 100 },
      (es) => es.filter((e) => e.topic.startsWith('whac/')).length >= WM.SEED_MESSAGES.length,
      'every SEED message stored',
    );
    const mine = events.filter((e) => e.topic.startsWith('whac/'));
    expect(mine.map((e) => [e.topic, e.kind]).sort()).toEqual(
      [
        [`whac/${WM.SEED_DEVICE}/config_request`, 'device.hello'],
        [`whac/${WM.SEED_DEVICE}/events`, 'game.session'],
        [`whac/${WM.SEED_DEVICE}/events`, 'game.session'],
        [`whac/${WM.SEED_DEVICE}/game_events`, 'game.event'],
        [`whac/${WM.SEED_DEVICE}/status`, 'device.status'],
        [`whac/${WM.SEED_DEVICE}/telemetry/hr`, 'game.event'],
        [`whac/${WM.SEED_DEVICE}/telemetry/accel`, 'game.event'],
      ].sort(),
    );
    const board = await getJson<unknown[]>(`${serve.httpUrl}/api/leaderboard?limit=10`);
    expect(Array.isArray(board.body)).toBe(true);
    expect(board.body).toEqual([expect.objectContaining(WM.SEED_LEADERBOARD_ROW)]);
    const stats = await getJson<Record<string, unknown>>(`${serve.httpUrl}/api/stats`);
    expect(stats.body).toMatchObject({
      total_sessions: 1,
      total_players: 1,
      best_score: 17,
      average_score: 17,
    });
    const health = await getJson<Record<string, unknown>>(`${serve.httpUrl}/api/health`);
    expect(health.body).toMatchObject({ status: 'ok', sessions: 1 });
    expect(typeof health.body.server_time).toBe('string');

    const rejected = await rejectsOn(`whac/${WM.SEED_DEVICE}/`);
    tally.whackamole_seed = { sent: WM.SEED_MESSAGES.length, accepted: mine.length, rejected };
    expect(rejected).toBe(0);
    await Promise.all([worker.endAsync(), device.endAsync(), late.endAsync()]);
  });

  it('HEAD agent: state with its will, the game stream scored as the dashboard did, raw-byte commands delivered', async () => {
    const agent: MqttClient = await connectMqtt(serve.mqttUrl, {
      clientId: `bridge-${WM.HEAD_DEVICE}`,
      keepalive: 30,
      will: { topic: WM.HEAD_WILL.topic, payload: Buffer.from(WM.HEAD_WILL.payload), qos: 2, retain: false },
    });
    const commands: { payload: Buffer; qos: number; retain: boolean }[] = [];
    agent.on('message', (topic, payload, packet) => {
      if (topic === `whac/${WM.HEAD_DEVICE}/commands`)
        commands.push({ payload, qos: packet.qos, retain: packet.retain });
    });
    await agent.subscribeAsync(`whac/${WM.HEAD_DEVICE}/commands`, { qos: 2 });
    for (const m of WM.HEAD_MESSAGES) await agent.publishAsync(m.topic, m.payload, { qos: m.qos });

    const session = await http.waitForEvents(
      { kind: 'game.session', device_id: WM.HEAD_DEVICE },
      (es) => es.length > 0,
      'the assembled HEAD session',
    );
    expect(session[0]!.data).toMatchObject({
      game: 'whackamole-head',
      player: WM.HEAD_DEVICE,
      score: WM.HEAD_SESSION_SCORE,
      hits: 2,
      won: false,
    });
    const board = await getJson<Record<string, unknown>[]>(
      `${serve.httpUrl}/api/leaderboard?game=whackamole-head`,
    );
    expect(board.body).toEqual([
      expect.objectContaining({ player: WM.HEAD_DEVICE, best_score: WM.HEAD_SESSION_SCORE, sessions: 1 }),
    ]);

    // A command goes out as the one byte the agent forwards to the UART, at QoS 2, not retained,
    // and ends delivered: the cabinet never answers.
    const res = await fetch(`${serve.httpUrl}/api/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ device_id: WM.HEAD_DEVICE, command: 'set_level', args: { level: 4 } }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const got = await waitFor(async () => commands[0], 'the command byte');
    expect([got.payload.toString('latin1'), got.qos, got.retain]).toEqual(['4', 2, false]);
    const done = await waitFor(async () => {
      const r = await getJson<CommandRecord>(`${serve.httpUrl}/api/commands/${id}`);
      return r.body.state === 'delivered' ? r.body : undefined;
    }, 'the command delivered');
    expect(done.error).toBeNull();

    // The agent dies without a DISCONNECT: its will marks the cabinet offline.
    agent.stream.destroy();
    const offline = await http.waitForEvents(
      { kind: 'device.status', device_id: WM.HEAD_DEVICE },
      (es) => es.some((e) => e.data.online === false),
      'the will',
    );
    expect(offline.some((e) => e.data.status === 'offline')).toBe(true);

    const all = (await http.events({ device_id: WM.HEAD_DEVICE, limit: 100 })).filter((e) =>
      e.topic.startsWith(`whac/${WM.HEAD_DEVICE}/`),
    );
    const rejected = await rejectsOn(`whac/${WM.HEAD_DEVICE}/`);
    const sent = WM.HEAD_MESSAGES.length + 1; // + the will
    tally.whackamole_head = { sent, accepted: all.length, rejected };
    expect([all.length, rejected]).toEqual([sent, 0]);
  });
});

describe('cognitive-task game original client', () => {
  const origin = () => serve.httpUrl;
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${origin()}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('checks the connection, registers, logs in, drains its queue, and reads the board and export', async () => {
    let sent = 0;
    let accepted = 0;
    const count = <T>(r: T, ok: boolean): T => {
      sent++;
      if (ok) accepted++;
      return r;
    };
    // "Check connection": /health, then an empty batch must answer 400 events_must_be_nonempty_list.
    expect((await getJson(`${origin()}/health`)).body).toMatchObject({ ok: true });
    const probe = count(await post('/v1/events', NG.body([])), true);
    expect([probe.status, probe.body]).toEqual([400, { detail: 'events_must_be_nonempty_list' }]);
    const wrong = await post('/v1/events', { ...NG.body(NG.EVENTS), api_key: 'nope' });
    expect([wrong.status, wrong.body]).toEqual([401, { detail: 'invalid_api_key' }]);

    const creds = { api_key: NG.API_KEY, username: 'Pilot_01', password: 'secret' };
    const reg = count(await post('/v1/auth/register', creds), true);
    expect([reg.status, reg.body]).toEqual([200, { ok: true, user_id: 'pilot_01' }]);
    expect((await post('/v1/auth/register', creds)).body).toEqual({ detail: 'user_exists' });
    const login = count(await post('/v1/auth/login', { ...creds, username: ' Pilot_01 ' }), true);
    expect([login.status, login.body]).toEqual([200, { ok: true, user_id: 'pilot_01' }]);
    expect((await post('/v1/auth/login', { ...creds, password: 'wrong' })).body).toEqual({
      detail: 'invalid_password',
    });

    // The queue drains in batches of ≤100; each is dropped from the queue only on 200 {ok: true}.
    for (const batch of [NG.EVENTS.slice(0, 5), NG.EVENTS.slice(5)]) {
      const r = count(await post('/v1/events', NG.body(batch)), true);
      expect([r.status, r.body]).toEqual([200, { ok: true }]);
    }
    // A resend of an accepted batch (a lost reply) is answered ok and stored once.
    expect((await post('/v1/events', NG.body(NG.EVENTS.slice(5)))).body).toEqual({ ok: true });

    const board = await getJson<Record<string, unknown>>(`${origin()}/v1/leaderboard`);
    expect(board.body).toEqual({ ok: true, rows: [NG.BOARD_ROW], count: 1, limit: 100, min_tasks: 30 });

    // training/pipeline.py: pages on offset until a page is shorter than limit.
    const rows: Record<string, unknown>[] = [];
    for (let offset = 0; ;) {
      const page = await getJson<{
        ok: boolean;
        rows: Record<string, unknown>[];
        count: number;
        limit: number;
        offset: number;
      }>(`${origin()}/v1/export/raw?api_key=${NG.API_KEY}&limit=3&offset=${offset}`);
      expect(page.body).toMatchObject({ ok: true, limit: 3, offset, count: page.body.rows.length });
      rows.push(...page.body.rows);
      if (page.body.rows.length < 3) break;
      offset += page.body.rows.length;
    }
    expect(rows).toEqual(
      NG.EVENTS.map((e) => ({
        event_id: e.event_id,
        event_type: e.event_type,
        event_ts: e.event_ts,
        user_id: e.user_id,
        session_id: e.session_id,
        model_version: e.model_version,
        payload: e.payload,
      })),
    );
    const rejected = await rejectsOn('POST /v1/events');
    tally.neurogame = { sent, accepted, rejected: sent - accepted };
    tally.neurogame_events = { sent: NG.EVENTS.length, accepted: rows.length, rejected };
    // Nothing the game sent is kept as bad input, not even its connection probe.
    expect(rejected).toBe(0);
    expect(rows).toHaveLength(NG.EVENTS.length);
  });
});
