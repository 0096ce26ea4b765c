import { describe, expect, it } from 'vitest';
import { parseMessage } from '.';
import { headPopScore } from './whac';

const T = Date.parse('2025-12-06T11:08:30Z');
const opts = { rangePrefix: 'leadville', maxPayloadBytes: 262_144 };
const enc = (o: unknown) => new TextEncoder().encode(typeof o === 'string' ? o : JSON.stringify(o));
const parse = (topic: string, body: unknown) => parseMessage(topic, enc(body), T, opts);

describe('whac/ tree, SEED protocol', () => {
  it('reads a finished game as the fake device builds it', () => {
    const r = parse('whac/fake-board-01/events', {
      session_id: '1',
      device_id: 'fake-board-01',
      player: 'demo',
      difficulty: 'normal',
      duration_ms: 60000,
      started_at: '2025-12-06T11:08:28.123456+00:00',
      ended_at: '2025-12-06T11:08:28.123501+00:00',
      total_score: 12,
      events: [
        { mole: 3, hit: true, reaction_ms: 420, score_delta: 1, ts: '2025-12-06T11:08:28.123400+00:00' },
        { mole: 6, hit: false, reaction_ms: null, score_delta: 0, ts: '2025-12-06T11:08:28.123450+00:00' },
      ],
      sensors: { heart_rate_bpm: 95 },
    });
    expect(r).toMatchObject({
      outcome: 'events',
      family: 'whackamole',
      events: [
        {
          kind: 'game.session',
          device_id: 'fake-board-01',
          data: { session_id: '1', player: 'demo', score: 12, hits: 1, misses: 1, reaction_ms: [420] },
        },
      ],
    });
  });

  it('defaults the player to anon and keys a changed resend apart from an identical one', () => {
    const key = (body: unknown) => {
      const r = parse('whac/b1/events', body);
      if (r.outcome !== 'events') throw new Error(JSON.stringify(r));
      return r.events[0]!.data;
    };
    const a = key({ session_id: '7', total_score: 3 });
    expect(a.player).toBe('anon');
    expect(key({ session_id: '7', total_score: 3 }).dedup_key).toBe(a.dedup_key);
    expect(key({ session_id: '7', total_score: 4 }).dedup_key).not.toBe(a.dedup_key);
  });

  it('reads pops, status, telemetry and a config request; the payload id wins', () => {
    expect(
      parse('whac/b1/game_events', {
        pop: 3,
        level: 2,
        outcome: 'HIT',
        reaction_ms: 420,
        lives_left: 4,
        ts: 1717156255123,
      }),
    ).toMatchObject({ outcome: 'events', events: [{ kind: 'game.event', device_id: 'b1' }] });
    expect(
      parse('whac/b1/status', { state: 'playing', level: 2, pop_index: 7, lives_left: 4, ts: 1717156255123 }),
    ).toMatchObject({ events: [{ kind: 'device.status', data: { online: true, state: 'playing' } }] });
    expect(
      parse('whac/b1/telemetry/accel', { samples: [[0.01, 0.02, 1.01]], ts: 1717156255123 }),
    ).toMatchObject({ events: [{ kind: 'game.event', data: { sensor: 'accel' } }] });
    expect(parse('whac/b1/config_request', '')).toMatchObject({
      events: [{ kind: 'device.hello', device_id: 'b1', data: { protocol: 'seed' } }],
    });
    expect(
      parse('whac/b1/status', {
        state: 'idle',
        level: 0,
        pop_index: 0,
        lives_left: 5,
        ts: 1,
        device_id: 'b2',
      }),
    ).toMatchObject({ events: [{ device_id: 'b2' }] });
  });

  it('rejects what the original rejected, with a reason, and leaves its own output alone', () => {
    expect(
      parse('whac/b1/game_events', {
        pop: 1,
        level: 1,
        outcome: 'HIT',
        reaction_ms: null,
        lives_left: 1,
        ts: 1,
      }),
    ).toMatchObject({ outcome: 'reject', code: 'schema' });
    expect(parse('whac/b1/status', { state: 'idle' })).toMatchObject({ outcome: 'reject' });
    expect(parse('whac/b1/commands', 'P').outcome).toBe('unhandled');
    expect(parse('whac/b1/whatever', {}).outcome).toBe('unhandled');
  });
});

describe('whac/ tree, HEAD protocol', () => {
  it('reads the agent state, its will and the game event stream', () => {
    expect(
      parse('whac/a1b2c3d4e5/state', { device_id: 'a1b2c3d4e5', ts: 1766070000123, status: 'online' }),
    ).toMatchObject({ events: [{ kind: 'device.status', data: { online: true, status: 'online' } }] });
    expect(
      parse('whac/a1b2c3d4e5/state', { device_id: 'a1b2c3d4e5', ts: 1, status: 'offline' }),
    ).toMatchObject({
      events: [{ kind: 'device.status', ts: T, data: { online: false } }],
    });
    expect(
      parse('whac/a1b2c3d4e5/game_events', {
        event_type: 'pop_result',
        mole_id: 3,
        outcome: 'hit',
        reaction_ms: 245,
        lives: 5,
        lvl: 1,
        pop: 4,
        pops_total: 10,
        device_id: 'a1b2c3d4e5',
        ts: 1766070000123,
      }),
    ).toMatchObject({ events: [{ kind: 'game.event', data: { protocol: 'head', score: 175 } }] });
    expect(
      parse('whac/a1b2c3d4e5/game_events', { event_type: 'session_end', win: false, ts: 2 }),
    ).toMatchObject({
      events: [{ data: { event_type: 'session_end', win: false } }],
    });
  });

  it('scores a pop as the original dashboard: hits only, 100 × level × max(0.5, 2 − s)', () => {
    expect(headPopScore('hit', 1, 245)).toBe(175);
    expect(headPopScore('hit', 3, 1900)).toBe(150);
    expect(headPopScore('late', 3, 1000)).toBe(0);
    expect(headPopScore('miss', 3, 100)).toBe(0);
  });
});
