import { describe, expect, it } from 'vitest';
import { countsForLeaderboard, taskFromEvent, taskLeaderboard, type TaskEventLike } from './tasks';

let seq = 0;
const t = (
  user_id: string,
  correct: unknown,
  rt_ms: unknown,
  over: Partial<TaskEventLike> = {},
): TaskEventLike => ({
  user_id,
  correct,
  rt_ms,
  event_id: `e${++seq}`,
  ...over,
});
/** `n` answers of one kind for one user. */
const many = (user_id: string, n: number, correct: boolean, rt_ms: number) =>
  Array.from({ length: n }, () => t(user_id, correct, rt_ms));

describe('taskLeaderboard', () => {
  it('ranks by accuracy, then faster mean RT of correct answers, then more tasks; ties share a rank', () => {
    const events = [
      // u1: 3 of 4 correct, mean (300 + 500 + 400) / 3 = 400 (the wrong answer's 900 is not in it).
      t('u1', true, 300),
      t('u1', true, 500),
      t('u1', true, 400),
      t('u1', false, 900),
      // u2: 3 of 4, mean 350.
      ...many('u2', 3, true, 350),
      t('u2', false, 200),
      // u3: 4 of 4, mean 1000.
      ...many('u3', 4, true, 1000),
      // u4: the same keys as u1.
      ...many('u4', 3, true, 400),
      t('u4', false, 150),
      // u5: 6 of 8 = 0.75, mean 400, more tasks than u1 and u4.
      ...many('u5', 6, true, 400),
      ...many('u5', 2, false, 400),
      // u6: 2 of 4.
      ...many('u6', 2, true, 250),
      ...many('u6', 2, false, 250),
    ];
    expect(taskLeaderboard(events, { min_tasks: 1 })).toEqual([
      { rank: 1, user_id: 'u3', tasks: 4, correct: 4, accuracy: 1, mean_rt_ms: 1000 },
      { rank: 2, user_id: 'u2', tasks: 4, correct: 3, accuracy: 0.75, mean_rt_ms: 350 },
      { rank: 3, user_id: 'u5', tasks: 8, correct: 6, accuracy: 0.75, mean_rt_ms: 400 },
      { rank: 4, user_id: 'u1', tasks: 4, correct: 3, accuracy: 0.75, mean_rt_ms: 400 },
      { rank: 4, user_id: 'u4', tasks: 4, correct: 3, accuracy: 0.75, mean_rt_ms: 400 },
      { rank: 6, user_id: 'u6', tasks: 4, correct: 2, accuracy: 0.5, mean_rt_ms: 250 },
    ]);
  });

  it('gives the 1, 2, 2, 4 pattern for equal keys', () => {
    const events = [
      ...many('a', 2, true, 300),
      ...many('b', 2, true, 400),
      ...many('c', 2, true, 400),
      ...many('d', 2, true, 500),
    ];
    expect(taskLeaderboard(events, { min_tasks: 2 }).map((e) => [e.rank, e.user_id])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [2, 'c'],
      [4, 'd'],
    ]);
  });

  it('includes a user with exactly min_tasks and leaves out one with one fewer', () => {
    const events = [...many('exact', 3, true, 500), ...many('short', 2, true, 200)];
    expect(taskLeaderboard(events, { min_tasks: 3 }).map((e) => e.user_id)).toEqual(['exact']);
    expect(taskLeaderboard(events, { min_tasks: 2 }).map((e) => e.user_id)).toEqual(['short', 'exact']);
  });

  it('defaults to min_tasks 30 and limit 100', () => {
    const events = [...many('thirty', 30, true, 500), ...many('twentynine', 29, true, 500)];
    expect(taskLeaderboard(events).map((e) => e.user_id)).toEqual(['thirty']);
    const crowd = Array.from({ length: 101 }, (_, i) => t(`user${String(i).padStart(3, '0')}`, true, 500));
    const board = taskLeaderboard(crowd, { min_tasks: 1 });
    expect(board).toHaveLength(100);
    expect(board.every((e) => e.rank === 1)).toBe(true);
    expect(board[0]!.user_id).toBe('user000');
    expect(taskLeaderboard(crowd, { min_tasks: 1, limit: 3 })).toHaveLength(3);
  });

  it('drops anticipations (< 100 ms) and non-numeric reaction times from tasks, accuracy and RT', () => {
    const events = [
      t('u', true, 100), // the boundary counts
      t('u', false, 700),
      t('u', true, 99), // anticipation
      t('u', false, 40), // anticipation
      t('u', true, '350'), // text, not a number
      t('u', true, null),
      t('u', false, undefined),
      t('u', true, NaN),
    ];
    expect(taskLeaderboard(events, { min_tasks: 1 })).toEqual([
      { rank: 1, user_id: 'u', tasks: 2, correct: 1, accuracy: 0.5, mean_rt_ms: 100 },
    ]);
    // The dropped events also do not help reach min_tasks.
    expect(taskLeaderboard(events, { min_tasks: 3 })).toEqual([]);
  });

  it('skips non-boolean correctness, other event types and repeated event ids', () => {
    const events = [
      t('u', true, 400, { event_id: 'same' }),
      t('u', false, 400, { event_id: 'same' }),
      t('u', 'yes', 400),
      t('u', 1, 400),
      t('u', true, 400, { event_type: 'session_start' }),
      t('u', false, 600, { event_type: 'task_result' }),
    ];
    expect(taskLeaderboard(events, { min_tasks: 1 })).toEqual([
      { rank: 1, user_id: 'u', tasks: 2, correct: 1, accuracy: 0.5, mean_rt_ms: 400 },
    ]);
  });

  it('rounds the mean RT to whole ms and ranks on the rounded value', () => {
    const events = [
      // (300 + 301 + 300) / 3 = 300.33… → 300: ties with b.
      t('a', true, 300),
      t('a', true, 301),
      t('a', true, 300),
      ...many('b', 3, true, 300),
      // (300 + 301) / 2 = 300.5 → 301.
      t('c', true, 300),
      t('c', true, 301),
      t('c', false, 300),
    ];
    expect(taskLeaderboard(events, { min_tasks: 2 })).toEqual([
      { rank: 1, user_id: 'a', tasks: 3, correct: 3, accuracy: 1, mean_rt_ms: 300 },
      { rank: 1, user_id: 'b', tasks: 3, correct: 3, accuracy: 1, mean_rt_ms: 300 },
      { rank: 3, user_id: 'c', tasks: 3, correct: 2, accuracy: 2 / 3, mean_rt_ms: 301 },
    ]);
  });

  it('puts users with nothing correct last, with no mean RT, ordered by tasks', () => {
    const events = [
      ...many('none3', 3, false, 500),
      ...many('none5', 5, false, 500),
      t('one', true, 800),
      t('one', false, 800),
    ];
    expect(taskLeaderboard(events, { min_tasks: 1 })).toEqual([
      { rank: 1, user_id: 'one', tasks: 2, correct: 1, accuracy: 0.5, mean_rt_ms: 800 },
      { rank: 2, user_id: 'none5', tasks: 5, correct: 0, accuracy: 0, mean_rt_ms: null },
      { rank: 3, user_id: 'none3', tasks: 3, correct: 0, accuracy: 0, mean_rt_ms: null },
    ]);
  });

  it('treats equal accuracies from different counts as equal (2/4 = 3/6)', () => {
    const events = [
      ...many('x', 2, true, 500),
      ...many('x', 2, false, 500),
      ...many('y', 3, true, 500),
      ...many('y', 3, false, 500),
    ];
    expect(taskLeaderboard(events, { min_tasks: 1 }).map((e) => [e.rank, e.user_id, e.accuracy])).toEqual([
      [1, 'y', 0.5],
      [2, 'x', 0.5],
    ]);
  });
});

describe('taskFromEvent and countsForLeaderboard', () => {
  it('reads a task.result event as normalized by the neurogame ingest', () => {
    const ev = {
      kind: 'task.result',
      data: {
        event_id: 'e1',
        event_type: 'task_result',
        user_id: 'u_42',
        correct: true,
        rt_ms: 1260,
        payload: { correct: true, rt_ms: 1260 },
      },
    };
    const row = taskFromEvent(ev);
    expect(row).toEqual({
      user_id: 'u_42',
      correct: true,
      rt_ms: 1260,
      event_id: 'e1',
      event_type: 'task_result',
    });
    expect(countsForLeaderboard(row!)).toBe(true);
    expect(taskFromEvent({ kind: 'game.event', data: ev.data })).toBeNull();
  });

  it('falls back to the raw payload when rt_ms was not numeric at ingest', () => {
    const row = taskFromEvent({
      kind: 'task.result',
      data: { user_id: 'u', correct: false, rt_ms: null, payload: { correct: false, rt_ms: 'slow' } },
    });
    expect(row).toMatchObject({ rt_ms: 'slow' });
    expect(countsForLeaderboard(row!)).toBe(false);
  });
});
