import { GAMES_MIGRATIONS } from './migrations';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sessionLeaderboard, sessionFromEvent } from '../../src-shared/ranking';
import type { ParsedEvent } from '../../src-shared/ingest';
import { Store } from '../store/store';
import { GameSessions } from './sessions';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-games-'));
  store = new Store(dir, undefined, GAMES_MIGRATIONS);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 1, 17, 12, 0, 0);

/** A game.session as the whack-a-mole parser makes it. */
function session(
  device_id: string,
  session_id: string,
  player: string,
  score: number,
  endedMin: number,
  difficulty = 'normal',
  extra: Record<string, unknown> = {},
): ParsedEvent {
  const ended = T0 + endedMin * 60_000;
  return {
    kind: 'game.session',
    device_id,
    ts: ended,
    data: {
      game: 'whackamole',
      session_id,
      player,
      difficulty,
      started_at: new Date(ended - 60_000).toISOString(),
      ended_at: new Date(ended).toISOString(),
      duration_ms: 60_000,
      score,
      hits: 10,
      misses: 2,
      wrong_hits: 1,
      reaction_ms: [400, 500],
      complete: true,
      dedup_key: `${device_id}/${session_id}`,
      ...extra,
    },
  };
}

describe('GameSessions', () => {
  it('ranks 1, 2, 2, 4 on equal best scores, the earlier best first among equals', () => {
    store.appendEvents(
      [
        session('cab-1', '1', 'Ada', 120, 1),
        session('cab-1', '2', 'Bob', 100, 2),
        session('cab-1', '3', 'Cy', 100, 1), // same best as Bob, reached earlier: shown first
        session('cab-1', '4', 'Dee', 80, 3),
        session('cab-1', '5', 'Bob', 90, 4),
      ],
      'whackamole/cab-1/session',
    );
    const s = new GameSessions(store.db);
    expect(s.leaderboard()).toMatchObject([
      { rank: 1, player: 'Ada', best_score: 120, sessions: 1, last_played: '2026-02-17T12:01:00.000Z' },
      { rank: 2, player: 'Cy', best_score: 100, sessions: 1, last_played: '2026-02-17T12:01:00.000Z' },
      { rank: 2, player: 'Bob', best_score: 100, sessions: 2, last_played: '2026-02-17T12:04:00.000Z' },
      { rank: 4, player: 'Dee', best_score: 80, sessions: 1, last_played: '2026-02-17T12:03:00.000Z' },
    ]);
    expect(s.count()).toBe(5);
  });

  it('stores a session once per (device, session), whoever stores it again', () => {
    const s = new GameSessions(store.db);
    store.appendEvents([session('cab-1', 'a', 'Ada', 50, 1)], 'whackamole/cab-1/session');
    // The same session again, with a different score (a firmware retry with a changed envelope).
    store.appendEvents([session('cab-1', 'a', 'Ada', 999, 2)], 'whackamole/cab-1/session');
    // The same session id on another cabinet is another session.
    store.appendEvents([session('cab-2', 'a', 'Ada', 60, 3)], 'whackamole/cab-2/session');
    s.refreshCount();
    expect(s.count()).toBe(2);
    expect(s.leaderboard()).toEqual([
      {
        rank: 1,
        player: 'Ada',
        best_score: 60,
        average_score: 55,
        sessions: 2,
        last_played: '2026-02-17T12:03:00.000Z',
      },
    ]);
  });

  it('filters by game, difficulty and device, with a minimum of sessions', () => {
    store.appendEvents(
      [
        session('cab-1', '1', 'Ada', 100, 1, 'hard'),
        session('cab-1', '2', 'Ada', 40, 2, 'easy'),
        session('cab-2', '1', 'Bob', 70, 1, 'hard'),
        session('cab-2', '2', 'Bob', 75, 2, 'hard'),
        session('cab-2', '3', 'Cy', 200, 3, 'easy'),
        session('cab-9', '1', 'Zed', 500, 3, 'hard', { game: 'pong' }),
      ],
      'test',
    );
    const s = new GameSessions(store.db);
    const names = (q: Parameters<GameSessions['leaderboard']>[0]) =>
      s.leaderboard(q).map((e) => [e.rank, e.player, e.best_score, e.sessions]);
    expect(names({ game: 'whackamole', difficulty: 'hard' })).toEqual([
      [1, 'Ada', 100, 1],
      [2, 'Bob', 75, 2],
    ]);
    expect(names({ device_id: 'cab-1' })).toEqual([[1, 'Ada', 100, 2]]);
    expect(names({ game: 'whackamole', min_sessions: 2 })).toEqual([
      [1, 'Ada', 100, 2],
      [2, 'Bob', 75, 2],
    ]);
    // Exactly at the minimum is in; one fewer is out.
    expect(names({ game: 'whackamole', difficulty: 'hard', min_sessions: 2 })).toEqual([[1, 'Bob', 75, 2]]);
    expect(names({ game: 'pong' })).toEqual([[1, 'Zed', 500, 1]]);
    expect(names({ limit: 2 })).toEqual([
      [1, 'Zed', 500, 1],
      [2, 'Cy', 200, 1],
    ]);
    expect(s.options()).toEqual({
      games: ['pong', 'whackamole'],
      difficulties: ['easy', 'hard'],
      devices: ['cab-1', 'cab-2', 'cab-9'],
    });
  });

  it('agrees with the pure sessionLeaderboard on a large random set', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const events: ParsedEvent[] = [];
    for (let i = 0; i < 3000; i++) {
      events.push(
        session(
          `cab-${rnd(4)}`,
          String(i),
          `p${rnd(150)}`,
          rnd(40) * 5,
          rnd(500),
          ['easy', 'normal', 'hard'][rnd(3)],
        ),
      );
    }
    const stored = store.appendEvents(events, 'test');
    const s = new GameSessions(store.db);
    const pure = stored.map((e) => sessionFromEvent(e)!);
    for (const q of [
      {},
      { difficulty: 'hard' },
      { device_id: 'cab-2', difficulty: 'easy' },
      { game: 'whackamole', min_sessions: 25 },
    ]) {
      const minSessions = (q as { min_sessions?: number }).min_sessions;
      expect(s.leaderboard({ ...q, limit: 10_000 })).toEqual(sessionLeaderboard(pure, { ...q, minSessions }));
    }
  });

  it('lists sessions newest first with a cursor, and exports them formula-safe', () => {
    store.appendEvents(
      [
        session('cab-1', '1', '=HYPERLINK("x")', 10, 1),
        session('cab-1', '2', 'Bob, Jr.', 20, 2, 'normal', { reaction_ms: [300, 401] }),
        session('cab-2', '3', 'Cy', 30, 3, 'hard', { complete: false }),
      ],
      'test',
    );
    const s = new GameSessions(store.db);
    const first = s.list({ limit: 2 });
    expect(first.total).toBe(3);
    expect(first.sessions.map((r) => r.session_id)).toEqual(['3', '2']);
    expect(first.sessions[0]).toMatchObject({ device_id: 'cab-2', complete: false, difficulty: 'hard' });
    const second = s.list({ limit: 2, before: first.next! });
    expect(second.sessions.map((r) => r.session_id)).toEqual(['1']);
    expect(second.next).toBeNull();
    expect(s.list({ device_id: 'cab-1' }).sessions).toHaveLength(2);

    const { csv, rows } = s.csv();
    expect(rows).toBe(3);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'device_id,session_id,game,player,difficulty,score,hits,misses,wrong_hits,mean_reaction_ms,started_at,ended_at,duration_ms,complete,received_at',
    );
    expect(lines[1]).toMatch(
      /^cab-1,1,whackamole,"'=HYPERLINK\(""x""\)",normal,10,10,2,1,450,2026-02-17T12:00:00\.000Z,2026-02-17T12:01:00\.000Z,60000,true,/,
    );
    // (300 + 401) / 2 = 350.5 → 351
    expect(lines[2]).toMatch(/^cab-1,2,whackamole,"Bob, Jr\.",normal,20,10,2,1,351,/);
    expect(lines[3]).toMatch(/^cab-2,3,whackamole,Cy,hard,30,.*,false,/);
    expect(lines[4]).toBe('');
  });

  it('skips a game.session whose data does not fit instead of failing the insert', () => {
    const bad: ParsedEvent = {
      kind: 'game.session',
      device_id: 'cab-1',
      ts: T0,
      data: { game: 'whackamole', session_id: 'x', player: 'Ada', score: 'lots', dedup_key: 'cab-1/x' },
    };
    const stored = store.appendEvents([bad, session('cab-1', 'y', 'Bob', 5, 1)], 'test');
    expect(stored).toHaveLength(2);
    const s = new GameSessions(store.db);
    expect(s.count()).toBe(1);
  });
});
