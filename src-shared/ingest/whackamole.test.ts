import { describe, expect, it } from 'vitest';
import type { ParseResult } from './result';
import { RejectError } from './result';
import {
  DEFAULT_WHACKAMOLE_CONFIG,
  buildWhackamoleCommand,
  mergeConfig,
  normalizeSessionId,
  parseWhackamole,
  sessionDedupKey,
  whackamoleConfigSchema,
  whackamoleTopic,
} from './whackamole';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const RX = Date.parse('2026-02-17T12:00:00.000Z');
/** Topics are written in full here and split the way the router will: levels after `whackamole`. */
const parse = (topic: string, payload: unknown) => {
  const [root, ...levels] = topic.split('/');
  expect(root).toBe('whackamole');
  return parseWhackamole(levels, payload instanceof Uint8Array ? payload : enc(payload), RX);
};

function events(r: ParseResult) {
  if (r.outcome !== 'events') throw new Error(`expected events, got ${JSON.stringify(r)}`);
  expect(r.family).toBe('whackamole');
  expect(r.samples).toEqual([]);
  return r.events;
}
function reject(r: ParseResult) {
  if (r.outcome !== 'reject') throw new Error(`expected a reject, got ${JSON.stringify(r)}`);
  expect(r.family).toBe('whackamole');
  return r;
}

const SESSION = {
  device_id: 'cab-1',
  session_id: '3F2504E0-4F89-41D3-9A0C-0305E82C3301',
  player: 'Alice',
  difficulty: 'hard',
  started_at: '2026-02-17T12:00:00Z',
  ended_at: '2026-02-17T12:01:00.500Z',
  score: 420,
  hits: 21,
  misses: 4,
  wrong_hits: 2,
  reaction_ms: [412, 388.6, 501],
  complete: true,
};

describe('topics', () => {
  it('leaves the console’s own output and unknown levels unhandled', () => {
    expect(parse('whackamole/cab-1/config', { difficulty: 'hard' })).toEqual({ outcome: 'unhandled' });
    expect(parse('whackamole/cab-1/command', { command_id: 'c1', command: 'start' })).toEqual({
      outcome: 'unhandled',
    });
    expect(parse('whackamole/cab-1/telemetry', {})).toEqual({ outcome: 'unhandled' });
    expect(parse('whackamole/cab-1', {})).toEqual({ outcome: 'unhandled' });
    expect(parse('whackamole/cab-1/session/extra', SESSION)).toEqual({ outcome: 'unhandled' });
  });

  it('rejects a device id in the topic that fails the id pattern', () => {
    for (const bad of ['cab 1', 'cab<script>', 'x'.repeat(65), '', 'cäb']) {
      const r = reject(parseWhackamole([bad, 'status'], enc({ online: true }), RX));
      expect(r.code).toBe('invalid_id');
      expect(r.reason).toContain('device id in topic');
    }
  });

  it('rejects a payload device_id that disagrees with the topic', () => {
    const r = reject(parse('whackamole/cab-1/status', { device_id: 'cab-2', online: true }));
    expect(r).toMatchObject({ code: 'schema', reason: 'device_id does not match topic' });
    expect(reject(parse('whackamole/cab-1/session', { ...SESSION, device_id: 7 })).reason).toBe(
      'device_id does not match topic',
    );
  });

  it('rejects malformed, binary and non-object payloads', () => {
    expect(reject(parse('whackamole/cab-1/status', '{"online": tru')).code).toBe('malformed_json');
    expect(reject(parse('whackamole/cab-1/status', new Uint8Array([0xff, 0xfe, 0x00]))).code).toBe('binary');
    expect(reject(parse('whackamole/cab-1/status', [1, 2])).code).toBe('not_an_object');
    expect(reject(parse('whackamole/cab-1/hello', 'null')).code).toBe('not_an_object');
  });
});

describe('hello', () => {
  it('maps to device.hello with the firmware and the device time', () => {
    const ev = events(
      parse('whackamole/cab-1/hello', {
        device_id: 'cab-1',
        firmware: '2.3.1',
        timestamp: '2026-02-17T11:59:58Z',
      }),
    );
    expect(ev).toEqual([
      {
        kind: 'device.hello',
        device_id: 'cab-1',
        ts: Date.parse('2026-02-17T11:59:58Z'),
        data: { device_id: 'cab-1', firmware: '2.3.1' },
      },
    ]);
  });

  it('uses the receive time without a timestamp and ignores extra fields', () => {
    const ev = events(parse('whackamole/cab-1/hello', { firmware: '2.3.1', board: 'esp32', ip: '10.0.0.5' }));
    expect(ev[0]!.ts).toBe(RX);
    expect(ev[0]!.data).toEqual({ device_id: 'cab-1', firmware: '2.3.1' });
  });

  it('rejects an unreadable timestamp naming the field', () => {
    const r = reject(parse('whackamole/cab-1/hello', { firmware: '2.3.1', timestamp: 'at boot' }));
    expect(r.code).toBe('schema');
    expect(r.reason).toContain('timestamp');
  });
});

describe('status', () => {
  it('maps to device.status for the whackamole family', () => {
    const ev = events(
      parse('whackamole/cab-1/status', {
        device_id: 'cab-1',
        online: true,
        state: 'playing',
        battery: 87,
        rssi: -61,
        timestamp: '2026-02-17T13:00:00+01:00',
      }),
    );
    expect(ev).toEqual([
      {
        kind: 'device.status',
        device_id: 'cab-1',
        ts: Date.parse('2026-02-17T12:00:00Z'),
        data: { family: 'whackamole', online: true, state: 'playing', battery: 87, rssi: -61 },
      },
    ]);
  });

  it('reads the last will: online false and nothing else', () => {
    const ev = events(parse('whackamole/cab-1/status', { device_id: 'cab-1', online: false }));
    expect(ev[0]).toEqual({
      kind: 'device.status',
      device_id: 'cab-1',
      ts: RX,
      data: { family: 'whackamole', online: false },
    });
  });

  it('takes a naive timestamp as UTC and upper-case states', () => {
    const ev = events(
      parse('whackamole/cab-1/status', { online: true, state: 'IDLE', timestamp: '2026-02-17T12:00:05' }),
    );
    expect(ev[0]!.ts).toBe(Date.parse('2026-02-17T12:00:05Z'));
    expect(ev[0]!.data.state).toBe('idle');
  });

  it('rejects wrong types, a missing online flag and an unknown state, naming the field', () => {
    expect(reject(parse('whackamole/cab-1/status', { online: 'yes' })).reason).toMatch(/^status: online: /);
    expect(reject(parse('whackamole/cab-1/status', { state: 'idle' })).reason).toMatch(/^status: online: /);
    expect(reject(parse('whackamole/cab-1/status', { online: true, state: 'dancing' })).reason).toMatch(
      /^status: state: /,
    );
    expect(reject(parse('whackamole/cab-1/status', { online: true, battery: '87%' })).reason).toMatch(
      /^status: battery: /,
    );
  });
});

describe('session', () => {
  it('maps a finished game to game.session with its dedup key', () => {
    const ev = events(parse('whackamole/cab-1/session', SESSION));
    expect(ev).toEqual([
      {
        kind: 'game.session',
        device_id: 'cab-1',
        ts: Date.parse('2026-02-17T12:01:00.500Z'),
        data: {
          game: 'whackamole',
          session_id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
          player: 'Alice',
          difficulty: 'hard',
          started_at: '2026-02-17T12:00:00.000Z',
          ended_at: '2026-02-17T12:01:00.500Z',
          duration_ms: 60_500,
          score: 420,
          hits: 21,
          misses: 4,
          wrong_hits: 2,
          reaction_ms: [412, 389, 501],
          complete: true,
          dedup_key: 'cab-1/3f2504e0-4f89-41d3-9a0c-0305e82c3301',
        },
      },
    ]);
  });

  it('turns a counter session id into a string, so a repeat has the same key', () => {
    const a = events(parse('whackamole/cab-1/session', { ...SESSION, session_id: 42 }))[0]!;
    const b = events(parse('whackamole/cab-1/session', { ...SESSION, session_id: '42' }))[0]!;
    expect(a.data.session_id).toBe('42');
    expect(a.data.dedup_key).toBe('cab-1/42');
    expect(b.data.dedup_key).toBe(a.data.dedup_key);
  });

  it('keys the same session id on two cabinets apart', () => {
    const a = events(
      parse('whackamole/cab-1/session', { ...SESSION, device_id: undefined, session_id: 7 }),
    )[0]!;
    const b = events(
      parse('whackamole/cab-2/session', { ...SESSION, device_id: undefined, session_id: 7 }),
    )[0]!;
    expect([a.data.dedup_key, b.data.dedup_key]).toEqual(['cab-1/7', 'cab-2/7']);
  });

  it('keeps hostile player names verbatim', () => {
    for (const player of [
      '<script>alert(1)</script>',
      "Robert'); DROP TABLE sessions;--",
      '=HYPERLINK("x")',
      'Zoë 🐹',
    ]) {
      expect(events(parse('whackamole/cab-1/session', { ...SESSION, player }))[0]!.data.player).toBe(player);
    }
  });

  it('reads offsets and naive times and a numeric difficulty; reaction_ms may be absent', () => {
    const { reaction_ms: _r, ...rest } = SESSION;
    const ev = events(
      parse('whackamole/cab-1/session', {
        ...rest,
        difficulty: 3,
        started_at: '2026-02-17T13:00:00+01:00',
        ended_at: '2026-02-17T12:00:30',
        complete: false,
      }),
    )[0]!;
    expect(ev.data).toMatchObject({
      difficulty: '3',
      started_at: '2026-02-17T12:00:00.000Z',
      ended_at: '2026-02-17T12:00:30.000Z',
      duration_ms: 30_000,
      reaction_ms: [],
      complete: false,
    });
  });

  it('rejects missing fields and wrong types, naming the field', () => {
    const without = (k: keyof typeof SESSION) => {
      const copy: Record<string, unknown> = { ...SESSION };
      delete copy[k];
      return copy;
    };
    for (const k of [
      'session_id',
      'player',
      'started_at',
      'ended_at',
      'score',
      'hits',
      'complete',
    ] as const) {
      const r = reject(parse('whackamole/cab-1/session', without(k)));
      expect(r.code).toBe('schema');
      expect(r.reason).toContain(`session: ${k}:`);
    }
    expect(reject(parse('whackamole/cab-1/session', { ...SESSION, score: '420' })).reason).toContain(
      'session: score:',
    );
    expect(reject(parse('whackamole/cab-1/session', { ...SESSION, hits: -1 })).reason).toContain(
      'session: hits:',
    );
    expect(reject(parse('whackamole/cab-1/session', { ...SESSION, hits: 2.5 })).reason).toContain(
      'session: hits:',
    );
    expect(
      reject(parse('whackamole/cab-1/session', { ...SESSION, reaction_ms: [300, 'fast'] })).reason,
    ).toContain('session: reaction_ms.1:');
    expect(reject(parse('whackamole/cab-1/session', { ...SESSION, complete: 'yes' })).reason).toContain(
      'session: complete:',
    );
    expect(reject(parse('whackamole/cab-1/session', { ...SESSION, ended_at: 'later' })).reason).toContain(
      'session: ended_at: not a timestamp',
    );
  });

  it('rejects a session that ends before it starts', () => {
    const r = reject(parse('whackamole/cab-1/session', { ...SESSION, ended_at: '2026-02-17T11:59:59Z' }));
    expect(r).toMatchObject({ code: 'schema', reason: 'session: ended_at is before started_at' });
  });

  it('caps the player name length', () => {
    expect(events(parse('whackamole/cab-1/session', { ...SESSION, player: 'p'.repeat(128) }))).toHaveLength(
      1,
    );
    expect(
      reject(parse('whackamole/cab-1/session', { ...SESSION, player: 'p'.repeat(129) })).reason,
    ).toContain('session: player:');
    expect(reject(parse('whackamole/cab-1/session', { ...SESSION, player: '' })).reason).toContain(
      'session: player:',
    );
  });

  it('rejects hostile or malformed session ids as invalid ids', () => {
    for (const session_id of ['../../etc', '<b>1</b>', 'a b', '', 's'.repeat(65), -1, 1.5]) {
      const r = reject(parse('whackamole/cab-1/session', { ...SESSION, session_id }));
      expect(r.code).toBe('invalid_id');
      expect(r.reason).toContain('session_id');
    }
  });
});

describe('ack', () => {
  it('maps to command.ack', () => {
    const ev = events(
      parse('whackamole/cab-1/ack', {
        device_id: 'cab-1',
        command_id: 'cmd-17',
        ok: false,
        error: 'busy: game running',
      }),
    );
    expect(ev).toEqual([
      {
        kind: 'command.ack',
        device_id: 'cab-1',
        ts: RX,
        data: { command_id: 'cmd-17', ok: false, error: 'busy: game running' },
      },
    ]);
    expect(events(parse('whackamole/cab-1/ack', { command_id: 'cmd-18', ok: true }))[0]!.data).toEqual({
      command_id: 'cmd-18',
      ok: true,
      error: null,
    });
  });

  it('rejects a missing ok, a non-boolean ok and a hostile command id', () => {
    expect(reject(parse('whackamole/cab-1/ack', { command_id: 'c1' })).reason).toContain('ack: ok:');
    expect(reject(parse('whackamole/cab-1/ack', { command_id: 'c1', ok: 1 })).reason).toContain('ack: ok:');
    expect(reject(parse('whackamole/cab-1/ack', { ok: true })).reason).toContain('ack: command_id:');
    expect(reject(parse('whackamole/cab-1/ack', { command_id: '<img src=x>', ok: true })).code).toBe(
      'invalid_id',
    );
  });
});

describe('helpers', () => {
  it('normalizes session ids and builds dedup keys', () => {
    expect(normalizeSessionId(0)).toBe('0');
    expect(normalizeSessionId('ABCDEF00-0000-4000-8000-00000000000A')).toBe(
      'abcdef00-0000-4000-8000-00000000000a',
    );
    expect(normalizeSessionId('Game-7')).toBe('Game-7');
    expect(sessionDedupKey('cab-1', '7')).toBe('cab-1/7');
  });

  it('names the console topics and refuses a bad id', () => {
    expect(whackamoleTopic('cab-1', 'config')).toBe('whackamole/cab-1/config');
    expect(whackamoleTopic('cab-1', 'command')).toBe('whackamole/cab-1/command');
    expect(() => whackamoleTopic('cab/#', 'config')).toThrow(RejectError);
  });
});

describe('config', () => {
  it('has valid defaults', () => {
    expect(whackamoleConfigSchema.parse(DEFAULT_WHACKAMOLE_CONFIG)).toEqual({
      difficulty: 'normal',
      game_duration_s: 60,
      mole_up_ms: 1000,
      spawn_interval_ms: 800,
      volume: 70,
      version: 1,
    });
  });

  it('merges overrides over the defaults, skipping unset ones', () => {
    expect(
      mergeConfig(DEFAULT_WHACKAMOLE_CONFIG, { difficulty: 'hard', volume: 0, mole_up_ms: undefined }),
    ).toEqual({
      difficulty: 'hard',
      game_duration_s: 60,
      mole_up_ms: 1000,
      spawn_interval_ms: 800,
      volume: 0,
      version: 1,
    });
    expect(mergeConfig(DEFAULT_WHACKAMOLE_CONFIG, null)).toEqual({ ...DEFAULT_WHACKAMOLE_CONFIG });
    expect(mergeConfig(DEFAULT_WHACKAMOLE_CONFIG, {})).not.toBe(DEFAULT_WHACKAMOLE_CONFIG);
  });

  it('rejects bad and unknown overrides with the field named', () => {
    expect(() => mergeConfig(DEFAULT_WHACKAMOLE_CONFIG, { volume: 101 })).toThrow(
      /config overrides: volume:/,
    );
    expect(() => mergeConfig(DEFAULT_WHACKAMOLE_CONFIG, { game_duration_s: 1.5 })).toThrow(/game_duration_s/);
    expect(() => mergeConfig(DEFAULT_WHACKAMOLE_CONFIG, { volumee: 5 } as never)).toThrow(/volumee/);
    expect(() => mergeConfig({ ...DEFAULT_WHACKAMOLE_CONFIG, mole_up_ms: -1 }, {})).toThrow(
      /config defaults: mole_up_ms:/,
    );
  });
});

describe('commands', () => {
  const ISSUED = Date.parse('2026-02-17T12:00:00Z');

  it('builds each command with its args', () => {
    expect(
      buildWhackamoleCommand({
        command_id: 'c-1',
        command: 'start',
        args: { player: 'Alice' },
        issued_at: ISSUED,
      }),
    ).toEqual({
      command_id: 'c-1',
      command: 'start',
      args: { player: 'Alice' },
      issued_at: '2026-02-17T12:00:00.000Z',
    });
    expect(buildWhackamoleCommand({ command_id: 'c-2', command: 'stop', issued_at: ISSUED }).args).toEqual(
      {},
    );
    expect(
      buildWhackamoleCommand({ command_id: 'c-3', command: 'reset', args: null, issued_at: ISSUED }).args,
    ).toEqual({});
    expect(
      buildWhackamoleCommand({
        command_id: 'c-4',
        command: 'set_difficulty',
        args: { difficulty: 'easy' },
        issued_at: ISSUED,
      }).args,
    ).toEqual({ difficulty: 'easy' });
    expect(
      buildWhackamoleCommand({
        command_id: 'c-5',
        command: 'identify',
        args: { duration_s: 10 },
        issued_at: ISSUED,
      }).args,
    ).toEqual({
      duration_s: 10,
    });
  });

  it('refuses unknown commands, bad or unknown args and bad ids', () => {
    expect(() => buildWhackamoleCommand({ command_id: 'c', command: 'explode', issued_at: ISSUED })).toThrow(
      /command/,
    );
    expect(() =>
      buildWhackamoleCommand({ command_id: 'c', command: 'set_difficulty', issued_at: ISSUED }),
    ).toThrow(/set_difficulty args: difficulty:/);
    expect(() =>
      buildWhackamoleCommand({ command_id: 'c', command: 'stop', args: { now: true }, issued_at: ISSUED }),
    ).toThrow(/now/);
    expect(() =>
      buildWhackamoleCommand({
        command_id: 'c',
        command: 'identify',
        args: { duration_s: 0 },
        issued_at: ISSUED,
      }),
    ).toThrow(/duration_s/);
    let err: unknown;
    try {
      buildWhackamoleCommand({ command_id: 'c 1', command: 'stop', issued_at: ISSUED });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RejectError);
    expect((err as RejectError).code).toBe('invalid_id');
    expect(() => buildWhackamoleCommand({ command_id: 'c', command: 'stop', issued_at: NaN })).toThrow(
      /issued_at/,
    );
  });
});
