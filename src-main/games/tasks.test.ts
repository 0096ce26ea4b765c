import { GAMES_MIGRATIONS } from './migrations';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseNeurogameBody } from '../../src-shared/ingest/neurogame';
import { taskFromEvent, taskLeaderboard } from '../../src-shared/ranking';
import { Store } from '../store/store';
import { HTTP_EVENTS_TOPIC, TaskEvents } from './tasks';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-tasks-'));
  store = new Store(dir, undefined, GAMES_MIGRATIONS);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const ev = (
  user_id: string,
  correct: unknown,
  rt_ms: unknown,
  event_type = 'task_result',
  event_id?: string,
) => ({
  event_id: event_id ?? `e${++n}`,
  event_type,
  event_ts: '2026-02-17T12:05:11Z',
  user_id,
  session_id: `s_${user_id}`,
  payload: { correct, rt_ms },
});

/** Stores a batch as `POST /v1/events` would (through the real parser). */
function post(events: unknown[]) {
  const batch = parseNeurogameBody({ api_key: 'k', client_version: '1.0.0', events }, { requireApiKey: 'k' });
  return store.appendEvents(batch.events, HTTP_EVENTS_TOPIC);
}

describe('TaskEvents', () => {
  it('ranks by accuracy, then mean RT of correct answers, then tasks; 1, 2, 2, 4', () => {
    post([
      ...[300, 300].map((rt) => ev('a', true, rt)),
      ...[400, 400].map((rt) => ev('b', true, rt)),
      ...[400, 400].map((rt) => ev('c', true, rt)),
      ...[500, 500].map((rt) => ev('d', true, rt)),
    ]);
    const t = new TaskEvents(store.db);
    expect(t.leaderboard({ min_tasks: 2 }).map((e) => [e.rank, e.user_id])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [2, 'c'],
      [4, 'd'],
    ]);
  });

  it('applies min_tasks at the edge: exactly min_tasks is in, one fewer is out; 0 means 1', () => {
    post([
      ...Array.from({ length: 3 }, () => ev('exact', true, 500)),
      ...Array.from({ length: 2 }, () => ev('short', true, 200)),
    ]);
    const t = new TaskEvents(store.db);
    expect(t.leaderboard({ min_tasks: 3 }).map((e) => e.user_id)).toEqual(['exact']);
    expect(t.leaderboard({ min_tasks: 2 }).map((e) => e.user_id)).toEqual(['short', 'exact']);
    expect(t.leaderboard({ min_tasks: 0 }).map((e) => e.user_id)).toEqual(['short', 'exact']);
    // The default is 30.
    expect(t.leaderboard()).toEqual([]);
  });

  it('keeps anticipations and non-numeric RTs raw but out of the leaderboard', () => {
    post([
      ev('u', true, 100), // the boundary counts
      ev('u', false, 700),
      ev('u', true, 99), // anticipation
      ev('u', true, 'slow'), // not a number
      ev('u', true, null),
      ev('u', false, 600, 'session_end'),
    ]);
    const t = new TaskEvents(store.db);
    expect(t.leaderboard({ min_tasks: 1 })).toEqual([
      { rank: 1, user_id: 'u', tasks: 2, correct: 1, accuracy: 0.5, mean_rt_ms: 100 },
    ]);
    expect(t.total()).toBe(6);
    expect(t.raw(10, 0).map((e) => e.event_type)).toEqual([
      'task_result',
      'task_result',
      'task_result',
      'task_result',
      'task_result',
      'session_end',
    ]);
  });

  it('stores an event id once, within a batch and across batches', () => {
    post([ev('u', true, 400, 'task_result', 'same'), ev('u', false, 900, 'task_result', 'same')]);
    post([ev('u', false, 900, 'task_result', 'same'), ev('u', true, 500, 'task_result', 'other')]);
    const t = new TaskEvents(store.db);
    expect(t.total()).toBe(2);
    expect(t.leaderboard({ min_tasks: 1 })).toEqual([
      { rank: 1, user_id: 'u', tasks: 2, correct: 2, accuracy: 1, mean_rt_ms: 450 },
    ]);
  });

  it('pages the raw export in arrival order', () => {
    post([ev('a', true, 300, 'task_result', 'x1'), ev('b', true, 300, 'task_result', 'x2')]);
    post([ev('c', true, 300, 'session_start', 'x3')]);
    const t = new TaskEvents(store.db);
    expect(t.raw(2, 0).map((e) => e.event_id)).toEqual(['x1', 'x2']);
    expect(t.raw(2, 2).map((e) => e.event_id)).toEqual(['x3']);
    expect(t.raw(2, 3)).toEqual([]);
    expect(t.raw(1, 0)[0]).toMatchObject({
      event_id: 'x1',
      event_type: 'task_result',
      event_ts: '2026-02-17T12:05:11.000Z',
      user_id: 'a',
      session_id: 's_a',
      client_version: '1.0.0',
      payload: { correct: true, rt_ms: 300 },
      client_id: 'neurogame',
      transport: 'http',
    });
  });

  it('agrees with the pure taskLeaderboard on a random set', () => {
    let seed = 11;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % k;
    };
    const events = Array.from({ length: 4000 }, () =>
      ev(`u${rnd(60)}`, rnd(4) !== 0, rnd(20) === 0 ? 50 + rnd(49) : 200 + rnd(30) * 10),
    );
    for (let i = 0; i < events.length; i += 500) post(events.slice(i, i + 500));
    const t = new TaskEvents(store.db);
    const stored = store.listEvents({ kind: 'task.result', limit: 10_000 });
    const pure = stored.map((e) => taskFromEvent(e)!);
    for (const min_tasks of [1, 30, 70, 80]) {
      expect(t.leaderboard({ min_tasks, limit: 1000 })).toEqual(
        taskLeaderboard(pure, { min_tasks, limit: 1000 }),
      );
    }
  });

  it('exports task results as formula-safe CSV with whether each counts', () => {
    post([
      ev('@SUM', true, 300, 'task_result', 'c1'),
      ev('v', false, 50, 'task_result', 'c2'),
      ev('v', true, 1, 'other', 'c3'),
    ]);
    const { csv, rows } = new TaskEvents(store.db).csv();
    expect(rows).toBe(2);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'event_id,user_id,session_id,correct,rt_ms,counted,event_ts,received_at,model_version,client_version,client_id',
    );
    expect(lines[1]).toMatch(
      /^c1,'@SUM,s_@SUM,true,300,true,2026-02-17T12:05:11\.000Z,[^,]+,,1\.0\.0,neurogame$/,
    );
    expect(lines[2]).toMatch(/^c2,v,s_v,false,50,false,/);
  });
});
