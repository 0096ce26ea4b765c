import { describe, expect, it } from 'vitest';
import type { ParseResult } from './result';
import { RejectError } from './result';
import {
  GAME_EVENT_KIND,
  NeurogameAuthError,
  neurogameHttpBodySchema,
  parseNeurogame,
  parseNeurogameBody,
  type NeurogameBodyOptions,
} from './neurogame';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const RX = Date.parse('2026-02-17T12:10:00.000Z');
const KEY = 'dev-key-change-me';

/** The example body of domain.md §7. */
const EVENT = {
  event_id: '01HX0000000000000000000001',
  event_type: 'task_result',
  event_ts: '2026-02-17T12:05:11Z',
  user_id: 'u_42',
  session_id: 's_20260217_120000_u_42',
  model_version: 'baseline_v1',
  payload: { correct: true, rt_ms: 1260 },
};
const BODY = { api_key: KEY, client_version: '1.0.0', events: [EVENT] };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
function rejectOf(body: unknown, opts: NeurogameBodyOptions = { requireApiKey: KEY }): RejectError {
  const err = thrown(() => parseNeurogameBody(body, opts));
  expect(err).toBeInstanceOf(RejectError);
  return err as RejectError;
}
const withEvent = (over: Record<string, unknown>) => ({ ...BODY, events: [{ ...EVENT, ...over }] });

describe('parseNeurogameBody (HTTP)', () => {
  it('maps the documented example to one task.result', () => {
    expect(parseNeurogameBody(BODY, { requireApiKey: KEY })).toEqual({
      duplicates: 0,
      events: [
        {
          kind: 'task.result',
          device_id: 'neurogame',
          ts: Date.parse('2026-02-17T12:05:11Z'),
          data: {
            event_id: '01HX0000000000000000000001',
            event_type: 'task_result',
            user_id: 'u_42',
            session_id: 's_20260217_120000_u_42',
            model_version: 'baseline_v1',
            client_version: '1.0.0',
            payload: { correct: true, rt_ms: 1260 },
            dedup_key: '01HX0000000000000000000001',
            correct: true,
            rt_ms: 1260,
          },
        },
      ],
    });
  });

  it('maps other event types to game.event without task fields', () => {
    const { events } = parseNeurogameBody(
      withEvent({
        event_id: 'e2',
        event_type: 'session_start',
        payload: { level: 3 },
        model_version: undefined,
      }),
      { requireApiKey: KEY },
    );
    expect(GAME_EVENT_KIND).toBe('game.event');
    expect(events[0]).toMatchObject({
      kind: 'game.event',
      data: { event_type: 'session_start', payload: { level: 3 }, model_version: null },
    });
    expect(events[0]!.data).not.toHaveProperty('correct');
    expect(events[0]!.data).not.toHaveProperty('rt_ms');
  });

  it('keeps events whose reaction time is an anticipation or not a number (the leaderboard drops them)', () => {
    const { events } = parseNeurogameBody(
      {
        ...BODY,
        events: [
          { ...EVENT, event_id: 'a', payload: { correct: true, rt_ms: 40 } },
          { ...EVENT, event_id: 'b', payload: { correct: false, rt_ms: 'slow' } },
          { ...EVENT, event_id: 'c', payload: { correct: false } },
        ],
      },
      { requireApiKey: KEY },
    );
    expect(events.map((e) => [e.kind, e.data.rt_ms, e.data.correct])).toEqual([
      ['task.result', 40, true],
      ['task.result', null, false],
      ['task.result', null, false],
    ]);
    expect(events[1]!.data.payload).toEqual({ correct: false, rt_ms: 'slow' });
  });

  it('accepts offsets and naive event times, an empty batch, and ignores extra fields', () => {
    const { events } = parseNeurogameBody(
      {
        ...BODY,
        device: 'tablet-3',
        events: [
          { ...EVENT, event_id: 'x1', event_ts: '2026-02-17T13:05:11+01:00', extra: 1 },
          { ...EVENT, event_id: 'x2', event_ts: '2026-02-17T12:05:11' },
        ],
      },
      { requireApiKey: KEY },
    );
    expect(events.map((e) => e.ts)).toEqual([
      Date.parse('2026-02-17T12:05:11Z'),
      Date.parse('2026-02-17T12:05:11Z'),
    ]);
    expect(events[0]!.data).not.toHaveProperty('extra');
    expect(parseNeurogameBody({ ...BODY, events: [] }, { requireApiKey: KEY })).toEqual({
      events: [],
      duplicates: 0,
    });
  });

  it('stores a repeated event_id in one batch once', () => {
    const r = parseNeurogameBody(
      { ...BODY, events: [EVENT, { ...EVENT, payload: { correct: false, rt_ms: 900 } }] },
      { requireApiKey: KEY },
    );
    expect(r.duplicates).toBe(1);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]!.data.correct).toBe(true);
  });

  it('throws an unauthorized error for a wrong or missing key, never echoing it', () => {
    for (const body of [
      { ...BODY, api_key: 'guess' },
      { ...BODY, api_key: undefined },
      { ...BODY, api_key: 42 },
      { ...BODY, api_key: `${KEY}x` },
    ]) {
      const err = thrown(() => parseNeurogameBody(body, { requireApiKey: KEY }));
      expect(err).toBeInstanceOf(NeurogameAuthError);
      expect(err).not.toBeInstanceOf(RejectError);
      expect((err as NeurogameAuthError).code).toBe('unauthorized');
      expect((err as Error).message).not.toContain(KEY);
      expect((err as Error).message).not.toContain('guess');
    }
  });

  it('checks the key before the events, so a wrong key with a bad body is still a 401', () => {
    expect(
      thrown(() => parseNeurogameBody({ api_key: 'nope', events: 'x' }, { requireApiKey: KEY })),
    ).toBeInstanceOf(NeurogameAuthError);
  });

  it('rejects invalid bodies with a reason naming the field', () => {
    expect(rejectOf(null).code).toBe('not_an_object');
    expect(rejectOf([BODY]).code).toBe('not_an_object');
    expect(rejectOf({ api_key: KEY }).message).toContain('body: events:');
    expect(rejectOf({ ...BODY, events: {} }).message).toContain('body: events:');
    expect(rejectOf({ ...BODY, client_version: 1 }).message).toContain('body: client_version:');
    expect(rejectOf({ ...BODY, events: [EVENT, 'nope'] }).message).toContain('body: events.1:');
    for (const field of ['event_id', 'event_type', 'event_ts', 'user_id', 'session_id'] as const) {
      const ev: Record<string, unknown> = { ...EVENT };
      delete ev[field];
      const err = rejectOf({ ...BODY, events: [ev] });
      expect(err.code).toBe('schema');
      expect(err.message).toContain(`body: events.0: ${field}:`);
    }
    expect(rejectOf(withEvent({ event_ts: 'noon' })).message).toContain(
      'events.0: event_ts: not a timestamp',
    );
    expect(rejectOf(withEvent({ payload: 'correct' })).message).toContain('events.0: payload:');
    expect(rejectOf(withEvent({ payload: { rt_ms: 500 } })).message).toContain('events.0.payload: correct:');
    expect(rejectOf(withEvent({ payload: { correct: 'yes', rt_ms: 500 } })).message).toContain(
      'events.0.payload: correct:',
    );
  });

  it('rejects hostile ids', () => {
    for (const [field, value] of [
      ['event_id', '<script>'],
      ['event_id', 'e'.repeat(129)],
      ['user_id', 'u 42'],
      ['user_id', ''],
      ['session_id', '../x'],
      ['event_type', 'task result'],
    ] as const) {
      expect(rejectOf(withEvent({ [field]: value })).message).toContain(`events.0: ${field}:`);
    }
    expect(
      parseNeurogameBody(withEvent({ event_id: 'e'.repeat(128), user_id: 'ann@example.org' }), {
        requireApiKey: KEY,
      }).events,
    ).toHaveLength(1);
  });

  it('enforces the batch and payload limits', () => {
    const batch = (n: number) => ({
      ...BODY,
      events: Array.from({ length: n }, (_, i) => ({ ...EVENT, event_id: `e${i}` })),
    });
    expect(parseNeurogameBody(batch(500), { requireApiKey: KEY }).events).toHaveLength(500);
    const err = rejectOf(batch(501));
    expect(err.code).toBe('too_large');
    expect(err.message).toContain('501 events exceed the 500-event batch limit');
    expect(rejectOf(batch(3), { requireApiKey: KEY, maxEvents: 2 }).code).toBe('too_large');

    // {"correct":true,"note":"…"}: 26 bytes of JSON around the note.
    const note = (n: number) => withEvent({ payload: { correct: true, note: 'n'.repeat(n) } });
    expect(
      parseNeurogameBody(note(100 - 26), { requireApiKey: KEY, maxEventPayloadBytes: 100 }).events,
    ).toHaveLength(1);
    const big = rejectOf(note(100 - 25), { requireApiKey: KEY, maxEventPayloadBytes: 100 });
    expect(big.code).toBe('too_large');
    expect(big.message).toBe('events.0.payload: 101 bytes exceed the 100-byte limit');
    // Multi-byte characters count as their UTF-8 bytes: é is 2 bytes.
    expect(
      rejectOf(withEvent({ payload: { correct: true, note: 'é'.repeat(40) } }), {
        requireApiKey: KEY,
        maxEventPayloadBytes: 100,
      }).code,
    ).toBe('too_large');
  });

  it('needs no key when none is required, and documents the HTTP body', () => {
    const { api_key: _k, ...mqttBody } = BODY;
    expect(parseNeurogameBody(mqttBody).events[0]!.kind).toBe('task.result');
    expect(neurogameHttpBodySchema.safeParse(BODY).success).toBe(true);
    expect(neurogameHttpBodySchema.safeParse(mqttBody).success).toBe(false);
  });
});

describe('parseNeurogame (MQTT)', () => {
  const { api_key: _k, ...mqttBody } = BODY;
  const parse = (levels: string[], payload: unknown) => parseNeurogame(levels, enc(payload), RX);
  function events(r: ParseResult) {
    if (r.outcome !== 'events') throw new Error(`expected events, got ${JSON.stringify(r)}`);
    expect(r.family).toBe('neurogame');
    return r.events;
  }
  function reject(r: ParseResult) {
    if (r.outcome !== 'reject') throw new Error(`expected a reject, got ${JSON.stringify(r)}`);
    expect(r.family).toBe('neurogame');
    return r;
  }

  it('reads neurogame/{client_id}/events with the client id as device', () => {
    const ev = events(parse(['tablet-3', 'events'], mqttBody));
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({
      kind: 'task.result',
      device_id: 'tablet-3',
      data: { event_id: EVENT.event_id, user_id: 'u_42' },
    });
  });

  it('ignores an api_key sent over MQTT (the broker authenticates)', () => {
    expect(
      events(parse(['tablet-3', 'events'], { ...mqttBody, api_key: 'whatever' }))[0]!.data,
    ).not.toHaveProperty('api_key');
  });

  it('leaves other levels unhandled', () => {
    expect(parse(['tablet-3'], mqttBody)).toEqual({ outcome: 'unhandled' });
    expect(parse(['tablet-3', 'status'], mqttBody)).toEqual({ outcome: 'unhandled' });
    expect(parse(['tablet-3', 'events', 'x'], mqttBody)).toEqual({ outcome: 'unhandled' });
  });

  it('turns bad input into rejects', () => {
    expect(reject(parse(['tab 3', 'events'], mqttBody)).code).toBe('invalid_id');
    expect(reject(parse(['tablet-3', 'events'], '{"events": [')).code).toBe('malformed_json');
    expect(reject(parse(['tablet-3', 'events'], { events: [{ ...EVENT, user_id: 7 }] })).reason).toContain(
      'events.0: user_id:',
    );
    expect(reject(parseNeurogame(['tablet-3', 'events'], enc(mqttBody), RX, { maxEvents: 0 })).code).toBe(
      'too_large',
    );
  });
});
