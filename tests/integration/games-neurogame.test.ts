/**
 * Cognitive-task telemetry against a real `serve`, as the game's own backend answered
 * (contracts/neurogame.md §2): a client left at its defaults works as is; a wrong key is 401
 * `invalid_api_key`; the original's checks, in its order, answer `{"detail": code}`, and nothing
 * it did not check is refused; event ids are idempotent within a batch, across batches and
 * across HTTP and MQTT; `/v1/leaderboard` ranks with the original's composite score and honours
 * `min_tasks` at its edge; `/v1/export/raw` pages in arrival order and needs the key;
 * `tasks.csv` is formula-safe; the `neurogame` simulator posts to it all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../src-main/simulator';
import { mosquittoPub, targetFromUrl } from '../helpers/mqtt';
import { api, cleanupServes, getJson, startServe, waitFor, type ServeHandle } from '../helpers/serve';
import type { OriginalBoardRow } from '../../src-shared/ranking/neuro-original';

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
  ok: boolean;
  rows: { event_id: string; user_id: string; event_ts: string; payload: Record<string, unknown> }[];
  count: number;
  limit: number;
  offset: number;
}

async function raw(query: string) {
  return getJson<RawPage & { error?: string }>(`${serve.httpUrl}/v1/export/raw${query}`);
}

type Entry = OriginalBoardRow;

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
    expect(await post(batch([ev('u', true, 500)], 'wrong-key'))).toEqual({
      status: 401,
      body: { detail: 'invalid_api_key' },
    });
    expect(await post({ events: [ev('u', true, 500)] })).toMatchObject({ status: 401 });
    // The key is never echoed.
    const r = await post(batch([], 'sekrit-attempt'));
    expect(JSON.stringify(r.body)).not.toContain('sekrit');
  });

  it('answers as the original: its checks in its order, and nothing else refused', async () => {
    const cases: [string | Buffer, number, unknown][] = [
      ['{"api_key": "dev-key-change-me", "events": [', 422, expect.any(Array)],
      ['[1, 2]', 422, expect.any(Array)],
      ['', 422, expect.any(Array)],
      [Buffer.from([0xff, 0xfe, 0x00]), 422, expect.any(Array)],
      // The key is checked before the events.
      [JSON.stringify({ events: 'not a list' }), 401, 'invalid_api_key'],
      [JSON.stringify(batch('not a list' as never)), 400, 'events_must_be_nonempty_list'],
      [JSON.stringify(batch([ev('u', true, 500), 7])), 400, 'event_1_must_be_object'],
      [
        JSON.stringify(batch([{ ...ev('u', true, 500), event_ts: undefined, payload: undefined }])),
        400,
        'event_0_missing_fields:event_ts,payload',
      ],
    ];
    for (const [raw, status, detail] of cases) {
      const r = await post(null, { raw });
      expect([r.status, r.body.detail], String(raw)).toEqual([status, detail]);
    }
    // No type checks the original did not make: 0/1 correctness, any time text, any user id.
    for (const e of [
      ev('u', 1, 500, { event_ts: 'yesterday' }),
      ev('u', 'yes', 500),
      ev('bad user!', true, 500),
      ev('u', true, 500, { payload: 'not an object' }),
    ]) {
      expect(await post(batch([e]))).toEqual({ status: 200, body: { ok: true } });
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
    // Every refusal but the wrong key is kept, and counted.
    expect(mine.length).toBeGreaterThanOrEqual(cases.length - 1);
    for (const r of mine) expect(r.payload_preview).not.toContain(DEFAULT_KEY);
  });

  it('refuses more than 500 events with batch_too_large, and a body over the limit with 413', async () => {
    const many = Array.from({ length: 501 }, (_, i) => ev('big', true, 500, { event_id: `big-${i}` }));
    expect(await post(batch(many))).toEqual({ status: 400, body: { detail: 'batch_too_large' } });
    const r3 = await post(null, {
      raw: JSON.stringify(batch([ev('big', true, 500, { pad: 'y'.repeat(1_100_000) })])),
    });
    expect(r3.status).toBe(413);
    // Nothing of them was stored; exactly 500 events is fine.
    const ok = Array.from({ length: 500 }, (_, i) => ev('big', true, 500, { event_id: `ok-${i}` }));
    expect(await post(batch(ok))).toEqual({ status: 200, body: { ok: true } });
    const page = await raw(`?api_key=${DEFAULT_KEY}&limit=5000`);
    expect(page.body.rows.filter((e) => e.event_id.startsWith('big-'))).toEqual([]);
    expect(page.body.rows.filter((e) => e.event_id.startsWith('ok-'))).toHaveLength(500);
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
        (await raw(`?api_key=${DEFAULT_KEY}&limit=5000`)).body.rows.some((e) => e.event_id === 'dup-c'),
      'dup-c',
    );
    const page = await raw(`?api_key=${DEFAULT_KEY}&limit=5000`);
    const dups = page.body.rows.filter((e) => e.user_id === 'dup');
    expect(dups.map((e) => e.event_id)).toEqual(['dup-a', 'dup-b', 'dup-c']);
    // The first copy of dup-a is kept, not the altered repeat.
    expect(dups[0]!.payload).toEqual({ correct: true, rt_ms: 400 });
  });
});

describe('GET /v1/leaderboard', () => {
  it('ranks with the original composite score, 1, 2, 3 on ties, and applies min_tasks at its edge', async () => {
    // A console of its own, so the board holds exactly these users.
    const own = await startServe();
    const postTo = (body: unknown) =>
      fetch(`${own.httpUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const boardOf = async (q: string) => {
      const r = await getJson<{ ok: boolean; rows: Entry[] }>(`${own.httpUrl}/v1/leaderboard${q}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.rows;
    };
    const end = (user: string, sid: string, p: Record<string, unknown>, type = 'session_end') =>
      ev(user, null, null, { event_type: type, session_id: sid, payload: { session_id: sid, ...p } });
    const events = [
      // 0.5·80 + 0.3·30 + 0.2·50 = 59
      end('lb-a', 's1', { total_tasks: 30, accuracy_total: 0.8, mean_rt: 1500, last_level: 3 }),
      // The same numbers: a tie, ranked after lb-a (first seen) with the next rank.
      end('lb-b', 's1', { total_tasks: 30, accuracy_total: 0.8, mean_rt: 1500, last_level: 3 }),
      // A partial then the final end of one run: only the final counts.
      end(
        'lb-c',
        's1',
        { total_tasks: 10, accuracy_total: 0.1, mean_rt: 2900, last_level: 1, is_partial: 1 },
        'session_end_partial',
      ),
      end('lb-c', 's1', { total_tasks: 40, accuracy_total: 1, mean_rt: 0, last_level: 5 }),
      // Only task results: a synthesized partial summary (2 tasks, 1 correct, 1000 ms mean, level 2).
      ev('lb-d', 1, null, { session_id: 's9', payload: { correct: 1, reaction_time: 800, level: 1 } }),
      ev('lb-d', 0, null, { session_id: 's9', payload: { correct: 0, reaction_time: 1200, level: 2 } }),
    ];
    expect((await postTo(batch(events))).status).toBe(200);
    // lb-c: 0.5·100 + 0.3·50 + 0.2·100 = 85.
    expect((await boardOf('')).map((r) => [r.rank, r.user_id, r.score])).toEqual([
      [1, 'lb-c', 85],
      [2, 'lb-a', 59],
      [3, 'lb-b', 59],
    ]);
    // lb-d: accuracy 50 %, level 2, mean RT 1000 → 25 + 6 + 0.2·(100 − 33.33…) = 44.33.
    expect((await boardOf('?min_tasks=2')).find((r) => r.user_id === 'lb-d')).toEqual({
      user_id: 'lb-d',
      score: 44.33,
      best_level: 2,
      accuracy_pct: 50,
      mean_rt_ms: 1000,
      sessions: 1,
      total_tasks: 2,
      partial_sessions: 1,
      rank: 4,
    });
    expect((await boardOf('?min_tasks=3')).map((r) => r.user_id)).not.toContain('lb-d');
    // Clamped as the original clamped them; a non-integer is FastAPI's 422.
    const r = await getJson<Record<string, unknown>>(`${own.httpUrl}/v1/leaderboard?limit=0&min_tasks=-5`);
    expect(r.body).toMatchObject({ ok: true, limit: 1, min_tasks: 0, count: 1 });
    expect((await getJson(`${own.httpUrl}/v1/leaderboard?limit=abc`)).status).toBe(422);
    await own.stop();
  });
});

describe('GET /v1/export/raw and tasks.csv', () => {
  it('needs the key, and pages in arrival order with event_ts as sent', async () => {
    const mine = ['pg-a', 'pg-b', 'pg-c', 'pg-d', 'pg-e', 'pg-f', 'pg-g'].map((u, i) =>
      ev(u, 1, 300 + i, { event_ts: `2026-02-19T07:12:0${i}.456789Z` }),
    );
    for (const e of mine) expect((await post(batch([e]))).status).toBe(200);
    expect((await raw('')).status).toBe(422);
    expect((await raw('?api_key=nope')).body).toEqual({ detail: 'invalid_api_key' });
    const all = await raw(`?api_key=${DEFAULT_KEY}&limit=5000`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ ok: true, limit: 5000, offset: 0, count: all.body.rows.length });
    const ids = all.body.rows.map((e) => e.event_id);
    const at = mine.map((e) => ids.indexOf(e.event_id));
    expect(at).not.toContain(-1);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(mine.map((e) => all.body.rows[ids.indexOf(e.event_id)]!.event_ts)).toEqual(
      mine.map((e) => e.event_ts),
    );
    const second = await raw(`?api_key=${DEFAULT_KEY}&limit=3&offset=3`);
    expect(second.body.rows.map((e) => e.event_id)).toEqual(ids.slice(3, 6));
    expect((await raw(`?api_key=${DEFAULT_KEY}&offset=${ids.length}`)).body).toMatchObject({
      rows: [],
      count: 0,
    });
    expect((await raw(`?api_key=${DEFAULT_KEY}&limit=0`)).body).toMatchObject({ limit: 1 });
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
    const before = (await raw(`?api_key=${DEFAULT_KEY}&limit=5000`)).body.count;
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
        (await raw(`?api_key=${DEFAULT_KEY}&limit=5000`)).body.count >=
        before + c.events_posted! + c.events_published!,
      'every simulated event stored',
    );
    expect((await http.rejects(500)).total).toBe(rejectsBefore);
  }, 60_000);
});
