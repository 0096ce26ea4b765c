import { describe, expect, it } from 'vitest';
import { sessionFromEvent, sessionLeaderboard, type LeaderboardSession } from './sessions';

const at = (minute: number) => `2026-02-17T12:${String(minute).padStart(2, '0')}:00.000Z`;
const s = (
  player: string,
  score: number,
  minute: number,
  over: Partial<LeaderboardSession> = {},
): LeaderboardSession => ({
  device_id: 'cab-1',
  game: 'whackamole',
  player,
  difficulty: 'normal',
  score,
  ended_at: at(minute),
  ...over,
});

// Carol 500; Bob 450 (reached at :02); Alice 450 (first reached at :03); Dave 200.
const SESSIONS = [
  s('Alice', 300, 1),
  s('Bob', 450, 2),
  s('Alice', 450, 3),
  s('Carol', 500, 4, { device_id: 'cab-2', difficulty: 'hard' }),
  s('Alice', 450, 5),
  s('Dave', 200, 6),
  s('Dave', 100, 7, { device_id: 'cab-2' }),
];

describe('sessionLeaderboard', () => {
  it('ranks by best score with shared ranks, earliest achiever first among equals', () => {
    expect(sessionLeaderboard(SESSIONS)).toMatchObject([
      { rank: 1, player: 'Carol', best_score: 500, sessions: 1, last_played: at(4) },
      { rank: 2, player: 'Bob', best_score: 450, sessions: 1, last_played: at(2) },
      { rank: 2, player: 'Alice', best_score: 450, sessions: 3, last_played: at(5) },
      { rank: 4, player: 'Dave', best_score: 200, sessions: 2, last_played: at(7) },
    ]);
  });

  it('orders equal scores reached at the same time by player name', () => {
    const r = sessionLeaderboard([s('zoe', 10, 1), s('amy', 10, 1), s('Max', 10, 1)]);
    expect(r.map((e) => [e.rank, e.player])).toEqual([
      [1, 'Max'],
      [1, 'amy'],
      [1, 'zoe'],
    ]);
  });

  it('filters by game, difficulty and device', () => {
    expect(sessionLeaderboard(SESSIONS, { difficulty: 'hard' }).map((e) => e.player)).toEqual(['Carol']);
    expect(sessionLeaderboard(SESSIONS, { device_id: 'cab-2' })).toMatchObject([
      { rank: 1, player: 'Carol', best_score: 500, sessions: 1, last_played: at(4) },
      { rank: 2, player: 'Dave', best_score: 100, sessions: 1, last_played: at(7) },
    ]);
    expect(sessionLeaderboard(SESSIONS, { game: 'pong' })).toEqual([]);
    expect(
      sessionLeaderboard([...SESSIONS, s('Eve', 999, 8, { game: 'pong' })], { game: 'whackamole' }),
    ).toHaveLength(4);
  });

  it('leaves out players under minSessions, re-ranking the rest', () => {
    expect(
      sessionLeaderboard(SESSIONS, { minSessions: 2 }).map((e) => [e.rank, e.player, e.sessions]),
    ).toMatchObject([
      [1, 'Alice', 3],
      [2, 'Dave', 2],
    ]);
    expect(sessionLeaderboard(SESSIONS, { minSessions: 3 }).map((e) => e.player)).toEqual(['Alice']);
    expect(sessionLeaderboard(SESSIONS, { minSessions: 4 })).toEqual([]);
  });

  it('cuts to the limit after ranking', () => {
    expect(sessionLeaderboard(SESSIONS, { limit: 2 }).map((e) => [e.rank, e.player])).toEqual([
      [1, 'Carol'],
      [2, 'Bob'],
    ]);
    expect(sessionLeaderboard(SESSIONS, { limit: 0 })).toEqual([]);
  });

  it('counts a repeated session once and keeps player names verbatim', () => {
    const rows = [
      s('<b>x</b>', 10, 1, { session_id: '7' }),
      s('<b>x</b>', 10, 1, { session_id: '7' }),
      s('<b>x</b>', 20, 2, { session_id: '7', device_id: 'cab-2' }),
      s('<b>x</b> ', 5, 3),
    ];
    expect(sessionLeaderboard(rows)).toMatchObject([
      { rank: 1, player: '<b>x</b>', best_score: 20, sessions: 2, last_played: at(2) },
      { rank: 2, player: '<b>x</b> ', best_score: 5, sessions: 1, last_played: at(3) },
    ]);
  });

  it('accepts epoch-ms end times and skips unreadable rows', () => {
    const r = sessionLeaderboard([
      s('a', 1, 0, { ended_at: Date.parse(at(9)) }),
      s('b', NaN, 1),
      s('c', 3, 1, { ended_at: 'soon' }),
    ]);
    expect(r).toMatchObject([{ rank: 1, player: 'a', best_score: 1, sessions: 1, last_played: at(9) }]);
  });
});

describe('sessionFromEvent', () => {
  it('reads a game.session event and refuses others', () => {
    const ev = {
      kind: 'game.session',
      device_id: 'cab-1',
      data: {
        game: 'whackamole',
        player: 'Alice',
        difficulty: 'hard',
        score: 420,
        ended_at: at(1),
        session_id: '42',
      },
    };
    expect(sessionFromEvent(ev)).toEqual({
      device_id: 'cab-1',
      game: 'whackamole',
      player: 'Alice',
      difficulty: 'hard',
      score: 420,
      ended_at: at(1),
      session_id: '42',
    });
    expect(sessionFromEvent({ ...ev, kind: 'alert' })).toBeNull();
    expect(sessionFromEvent({ ...ev, data: { ...ev.data, score: '420' } })).toBeNull();
  });
});
