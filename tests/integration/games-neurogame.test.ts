/**
 * Cognitive-task telemetry against a real `serve` (domain.md §7, product.md): a game client left
 * at its defaults (`/v1/events`, `dev-key-change-me`) works as is; bad bodies get 400 with a
 * reason, a wrong key 401, an oversized batch or body 413; event ids are idempotent within a
 * batch, across batches and across HTTP and MQTT; `/v1/leaderboard` honours `min_tasks` at its
 * edge; `/v1/export/raw` pages in arrival order and needs the key; `tasks.csv` is formula-safe;
 * the `neurogame` simulator posts to it all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../src-main/simulator';
import { mosquittoPub, targetFromUrl } from '../helpers/mqtt';
import { api, cleanupServes, getJson, startServe, waitFor, type ServeHandle } from '../helpers/serve';
import type { TaskLeaderboardRow } from '../../src-shared/contract/games';

/** What game clients are configured with out of the box (domain.md §7). */
const DEFAULT_PATH = '/v1/events';
const DEFAULT_KEY = 'dev-key-change-me';

let serve: ServeHandle;
let http: ReturnType<typeof api>;

beforeAll(async () => {
  serve = await startServe();
  http = api(serve.httpUrl);
});
afterAll(() => cleanupServes());

let seq = 0;
function ev(user_id: string, correct: unknown, rt_ms: unknown, over: Record<string, unknown> = {}) {
  return {
    event_id: `it-${++seq}`,
    event_type: 'task_result',
    event_ts: '2026-02-17T12:05:11Z',
    user_id,
    session_id: `s_20260217_120000_${user_id}`,
    model_version: 'baseline_v1',
    payload: { correct, rt_ms },
    ...over,
  };
}

async function post(body: unknown, init: { raw?: string | Buffer; contentType?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (init.contentType !== null) headers['content-type'] = init.contentType ?? 'application/json';
  const res = await fetch(`${serve.httpUrl}${DEFAULT_PATH}`, {
    method: 'POST',
    headers,
    body: init.raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: json as Record<string, unknown> };
}

const batch = (events: unknown[], key = DEFAULT_KEY) => ({ api_key: key, client_version: '1.0.0', events });

interface RawPage {
  events: { event_id: string; user_id: string; transport: string; client_id: string }[];
  total: number;
  next_offset: number | null;
}

async function raw(query: string) {
  return getJson<RawPage & { error?: string }>(`${serve.httpUrl}/v1/export/raw${query}`);
}

/** The product's shape (a test that drifts from it does not compile). */
type Entry = TaskLeaderboardRow;

async function board(query: string): Promise<Entry[]> {
  const r = await getJson<{ entries: Entry[] }>(`${serve.httpUrl}/v1/leaderboard${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.entries;
}

describe('POST /v1/events', () => {
  it('accepts a batch from a client left at its defaults with exactly {"ok": true}', async () => {
    const r = await post({
      api_key: DEFAULT_KEY,
      client_version: '1.0.0',
      events: [
        {
          event_id: '01HX0000000000000000000001',
          event_type: 'task_result',
          event_ts: '2026-02-17T12:05:11Z',
          user_id: 'u_42',
          session_id: 's_20260217_120000_u_42',
          model_version: 'baseline_v1',
          payload: { correct: true, rt_ms: 1260 },
        },
      ],
    });
    expect(r).toEqual({ status: 200, body: { ok: true } });
    const events = await http.events({ kind: 'task.result' });
    expect(events.find((e) => e.data.event_id === '01HX0000000000000000000001')?.data).toMatchObject({
      user_id: 'u_42',
      correct: true,
      rt_ms: 1260,
    });
  });

  it('refuses a wrong or missing key with 401', async () => {
    expect(await post(batch([ev('u', true, 500)], 'wrong-key'))).toMatchObject({
      status: 401,
      body: { error: expect.any(String) },
    });
    expect(await post({ events: [ev('u', true, 500)] })).toMatchObject({ status: 401 });
    // The key is never echoed.
    const r = await post(batch([], 'sekrit-attempt'));
    expect(JSON.stringify(r.body)).not.toContain('sekrit');
  });

  it('answers an invalid body with 400 and a reason, and keeps it as a reject without the key', async () => {
    const cases: [string | Buffer, RegExp][] = [
      ['{"api_key": "dev-key-change-me", "events": [', /malformed JSON/],
      ['[1, 2]', /JSON object/],
      ['', /JSON object/],
      [Buffer.from([0xff, 0xfe, 0x00]), /UTF-8/],
      [JSON.stringify(batch('not a list' as never)), /events/],
      [JSON.stringify(batch([{ ...ev('u', true, 500), event_id: undefined }])), /event_id/],
      [JSON.stringify(batch([ev('u', true, 500, { event_ts: 'yesterday' })])), /event_ts/],
      [JSON.stringify(batch([ev('u', 'yes', 500)])), /correct/],
      [JSON.stringify(batch([ev('bad user!', true, 500)])), /user_id/],
    ];
    for (const [raw, reason] of cases) {
      const r = await post(null, { raw });
      expect(r.status, String(raw)).toBe(400);
      expect(String(r.body.error), String(raw)).toMatch(reason);
    }
    // Any content type: a client that sends text/plain gets the same answers.
    expect(await post(batch([ev('ct', true, 500)]), { contentType: 'text/plain' })).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect(await post(batch([ev('ct', true, 500)]), { contentType: null })).toEqual({
      status: 200,
      body: { ok: true },
    });

    const rejects = await http.rejects(500);
    const mine = rejects.rejects.filter((r) => r.topic === 'POST /v1/events');
    expect(mine.length).toBeGreaterThanOrEqual(cases.length);
    for (const r of mine) expect(r.payload_preview).not.toContain(DEFAULT_KEY);
  });

  it('answers a too-large batch or body with 413', async () => {
    const many = Array.from({ length: 501 }, (_, i) => ev('big', true, 500, { event_id: `big-${i}` }));
    const r1 = await post(batch(many));
    expect(r1.status).toBe(413);
    expect(String(r1.body.error)).toMatch(/500-event batch limit/);
    const huge = batch([
      ev('big', true, 500, { payload: { correct: true, rt_ms: 500, blob: 'x'.repeat(20_000) } }),
    ]);
    expect((await post(huge)).status).toBe(413);
    const r3 = await post(null, {
      raw: JSON.stringify(batch([ev('big', true, 500, { pad: 'y'.repeat(1_100_000) })])),
    });
    expect(r3.status).toBe(413);
    expect(r3.body).toEqual({ error: expect.stringMatching(/limit/) });
    // Nothing of them was stored; exactly 500 events is fine.
    const ok = Array.from({ length: 500 }, (_, i) => ev('big', true, 500, { event_id: `ok-${i}` }));
    expect(await post(batch(ok))).toEqual({ status: 200, body: { ok: true } });
    const page = await raw(`?api_key=${DEFAULT_KEY}&limit=10000`);
    expect(page.body.events.filter((e) => e.event_id.startsWith('big-'))).toEqual([]);
    expect(page.body.events.filter((e) => e.event_id.startsWith('ok-'))).toHaveLength(500);
  });

  it('stores each event_id once: twice in one batch, again in another batch, again over MQTT', async () => {
    const a = ev('dup', true, 400, { event_id: 'dup-a' });
    const b = ev('dup', false, 800, { event_id: 'dup-b' });
    expect(await post(batch([a, { ...a, payload: { correct: false, rt_ms: 1 } }, b]))).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect(await post(batch([b, a]))).toEqual({ status: 200, body: { ok: true } });
    await mosquittoPub(
      targetFromUrl(serve.mqttUrl),
      'neurogame/kiosk-9/events',
      JSON.stringify({ client_version: '1.0.0', events: [a, b] }),
    );
    const c = ev('dup', true, 300, { event_id: 'dup-c' });
    await mosquittoPub(
      targetFromUrl(serve.mqttUrl),
      'neurogame/kiosk-9/events',
      JSON.stringify({ client_version: '1.0.0', events: [c] }),
    );
    await waitFor(
      async () =>
        (await raw(`?api_key=${DEFAULT_KEY}&limit=10000`)).body.events.some((e) => e.event_id === 'dup-c'),
      'dup-c',
    );
    const page = await raw(`?api_key=${DEFAULT_KEY}&limit=10000`);
    const dups = page.body.events.filter((e) => e.user_id === 'dup');
    expect(dups.map((e) => [e.event_id, e.transport, e.client_id])).toEqual([
      ['dup-a', 'http', 'neurogame'],
      ['dup-b', 'http', 'neurogame'],
      ['dup-c', 'mqtt', 'kiosk-9'],
    ]);
    // The first copy of dup-a counts (correct, 400 ms), not the altered repeat.
    expect((await board('?min_tasks=1')).find((e) => e.user_id === 'dup')).toMatchObject({
      tasks: 3,
      correct: 2,
      mean_rt_ms: 350,
    });
  });
});

describe('GET /v1/leaderboard', () => {
  it('ranks by accuracy then mean RT then tasks, 1, 2, 2, 4, and applies min_tasks at its edge', async () => {
    // A console of its own, so the board holds exactly these users.
    const own = await startServe();
    const postTo = (body: unknown) =>
      fetch(`${own.httpUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const boardOf = async (q: string) => {
      const r = await getJson<{ entries: Entry[] }>(`${own.httpUrl}/v1/leaderboard${q}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.entries;
    };
    const events = [
      ...Array.from({ length: 4 }, () => ev('lb-a', true, 300)),
      ...Array.from({ length: 4 }, () => ev('lb-b', true, 400)),
      ...Array.from({ length: 4 }, () => ev('lb-c', true, 400)),
      ...Array.from({ length: 3 }, () => ev('lb-d', true, 500)),
      ev('lb-d', false, 500),
      ev('lb-e', true, 200),
      ev('lb-e', true, 50), // an anticipation: kept raw, not counted
      ev('lb-e', true, 'n/a'),
    ];
    expect((await postTo(batch(events))).status).toBe(200);
    // accuracy 1 (300 ms), 1 (400), 1 (400), 0.75: 1, 2, 2, 4.
    expect(await boardOf('?min_tasks=4')).toEqual([
      { rank: 1, user_id: 'lb-a', tasks: 4, correct: 4, accuracy: 1, mean_rt_ms: 300 },
      { rank: 2, user_id: 'lb-b', tasks: 4, correct: 4, accuracy: 1, mean_rt_ms: 400 },
      { rank: 2, user_id: 'lb-c', tasks: 4, correct: 4, accuracy: 1, mean_rt_ms: 400 },
      { rank: 4, user_id: 'lb-d', tasks: 4, correct: 3, accuracy: 0.75, mean_rt_ms: 500 },
    ]);
    // lb-e has one counted task: in at min_tasks=1, out at 2.
    expect((await boardOf('?min_tasks=1')).find((e) => e.user_id === 'lb-e')).toEqual({
      rank: 1,
      user_id: 'lb-e',
      tasks: 1,
      correct: 1,
      accuracy: 1,
      mean_rt_ms: 200,
    });
    expect((await boardOf('?min_tasks=2')).map((e) => e.user_id)).toEqual(['lb-a', 'lb-b', 'lb-c', 'lb-d']);
    // Default min_tasks is 30: nobody has that many.
    expect(await boardOf('')).toEqual([]);
    expect((await boardOf('?min_tasks=1&limit=2')).map((e) => e.user_id)).toEqual(['lb-e', 'lb-a']);
    for (const bad of ['?limit=abc', '?limit=0', '?min_tasks=-1', '?min_tasks=1.5']) {
      const r = await getJson<{ error: string }>(`${own.httpUrl}/v1/leaderboard${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.error).toEqual(expect.any(String));
    }
    await own.stop();
  });
});

describe('GET /v1/export/raw and tasks.csv', () => {
  it('needs the key, and pages in arrival order', async () => {
    // Its own events, so that there are pages to turn whatever ran before.
    const mine = ['pg-a', 'pg-b', 'pg-c', 'pg-d', 'pg-e', 'pg-f', 'pg-g'].map((u, i) => ev(u, true, 300 + i));
    for (const e of mine) expect((await post(batch([e]))).status).toBe(200);
    expect((await raw('')).status).toBe(401);
    expect((await raw('?api_key=nope')).status).toBe(401);
    const all = await raw(`?api_key=${DEFAULT_KEY}&limit=10000`);
    expect(all.status).toBe(200);
    const total = all.body.total;
    expect(all.body.events).toHaveLength(total);
    const ids = all.body.events.map((e) => e.event_id);
    expect(mine.map((e) => ids.indexOf(e.event_id))).not.toContain(-1);
    expect(mine.map((e) => ids.indexOf(e.event_id))).toEqual(
      mine.map((e) => ids.indexOf(e.event_id)).sort((a, b) => a - b),
    );
    const first = await raw(`?api_key=${DEFAULT_KEY}&limit=3&offset=0`);
    const second = await raw(`?api_key=${DEFAULT_KEY}&limit=3&offset=3`);
    expect(first.body.events.map((e) => e.event_id)).toEqual(
      all.body.events.slice(0, 3).map((e) => e.event_id),
    );
    expect(second.body.events.map((e) => e.event_id)).toEqual(
      all.body.events.slice(3, 6).map((e) => e.event_id),
    );
    expect(first.body.next_offset).toBe(3);
    expect((await raw(`?api_key=${DEFAULT_KEY}&offset=${total}`)).body).toMatchObject({
      events: [],
      next_offset: null,
    });
    expect((await raw(`?api_key=${DEFAULT_KEY}&limit=0`)).status).toBe(400);
    expect((await raw(`?api_key=${DEFAULT_KEY}&offset=-1`)).status).toBe(400);
  });

  it('exports task results formula-safe', async () => {
    expect(await post(batch([ev('@risky', true, 333, { event_id: '-csv-1' })]))).toEqual({
      status: 200,
      body: { ok: true },
    });
    const res = await fetch(`${serve.httpUrl}/api/export/tasks.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe(
      'event_id,user_id,session_id,correct,rt_ms,counted,event_ts,received_at,model_version,client_version,client_id',
    );
    expect(lines.find((l) => l.startsWith("'-csv-1,"))).toMatch(
      /^'-csv-1,'@risky,s_20260217_120000_@risky,true,333,true,2026-02-17T12:05:11\.000Z,[^,]+,baseline_v1,1\.0\.0,neurogame$/,
    );
  });
});

describe('neurogame simulator against the console', () => {
  it('posts to /v1/events and publishes on MQTT, all stored without a reject', async () => {
    const before = await raw(`?api_key=${DEFAULT_KEY}&limit=1`);
    const rejectsBefore = (await http.rejects(500)).total;
    const sim = await runScenario({
      scenario: 'neurogame',
      brokerUrl: serve.mqttUrl,
      eventsUrl: `${serve.httpUrl}${DEFAULT_PATH}`,
      seed: 12,
      quiet: true,
      log: () => undefined,
    });
    try {
      await waitFor(
        () => {
          const c = sim.stats().scenarioCounters;
          return (c.events_posted ?? 0) > 0 && (c.events_published ?? 0) > 0;
        },
        'posted and published events',
        { timeoutMs: 30_000 },
      );
    } finally {
      await sim.stop();
    }
    const c = sim.stats().scenarioCounters;
    expect(c.http_failures).toBe(0);
    expect(c.http_rejected).toBe(0);
    await waitFor(
      async () =>
        (await raw(`?api_key=${DEFAULT_KEY}&limit=1`)).body.total >=
        before.body.total + c.events_posted! + c.events_published!,
      'every simulated event stored',
    );
    expect((await http.rejects(500)).total).toBe(rejectsBefore);
  }, 60_000);
});
