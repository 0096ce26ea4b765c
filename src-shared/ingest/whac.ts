/**
 * Whack-a-mole cabinets on their real tree, `whac/<device_id>/...` (contracts/whackamole.md).
 * Two protocols share it:
 * - SEED (the `cloud/` backend and its fake device): `events` (one finished game), `game_events`
 *   (one pop), `status`, `telemetry/<sensor…>`, `config_request` (answered with the retained
 *   config on `commands`);
 * - HEAD (real cabinets through the UART↔MQTT agent): `state` (heartbeat and will) and
 *   `game_events` carrying `event_type` (`session_start`, `pop_result`, `lvl_complete`,
 *   `session_end`, `identify`); the console assembles the sessions (games capability).
 * `commands` is the console's own output and never parsed. As in the original worker, the topic
 * names the device and a `device_id` inside the payload wins.
 */
import { z } from 'zod';
import { isValidDeviceId } from '../ids';
import { parseWireTime, toIso } from '../events/time';
import { parseJsonObject, validate } from './payload';
import { RejectError, type ParseResult, type ParsedEvent } from './result';

export const WHAC_ROOT = 'whac';
export const WHAC_FAMILY = 'whackamole';
export const WHAC_GAME = 'whackamole';
/** HEAD sessions carry no player: they rank under the device id, on a board of their own. */
export const WHAC_HEAD_GAME = 'whackamole-head';

const ID_RULE = '[A-Za-z0-9._:-]{1,64}';
const MAX_REACTIONS = 4096;

/** pydantic's lax int: integers, integral floats and numeric strings. */
const laxInt = z.union([z.number(), z.string().regex(/^\s*-?\d+(\.0*)?\s*$/)]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: 'expected an integer' });
    return z.NEVER;
  }
  return n;
});
const nonNeg = laxInt.refine((n) => n >= 0, 'expected a non-negative integer');

/** ISO-8601 (`Z`, offset or naive = UTC) or unix number → epoch ms. */
const wireTime = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseWireTime(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `not a timestamp: ${JSON.stringify(v).slice(0, 64)}` });
    return z.NEVER;
  }
  return ms;
});

const reactionEvent = z.object({
  mole: laxInt.refine((n) => n >= 0 && n <= 7, 'expected a mole 0..7'),
  hit: z.boolean(),
  reaction_ms: nonNeg.nullish(),
  score_delta: laxInt.optional(),
  ts: wireTime,
});

const gameSession = z.object({
  session_id: z.union([z.string().min(1), z.number().int().min(0)]),
  player: z.string().nullish(),
  difficulty: z.string().nullish(),
  duration_ms: nonNeg.nullish(),
  started_at: wireTime.optional(),
  ended_at: wireTime.nullish(),
  total_score: laxInt.optional(),
  events: z.array(reactionEvent).max(MAX_REACTIONS).optional(),
});

const popEvent = z.object({
  pop: nonNeg,
  level: nonNeg,
  outcome: z.string().max(32),
  reaction_ms: nonNeg,
  lives_left: nonNeg,
  ts: nonNeg,
});

const statusMessage = z.object({
  state: z.string().max(32),
  level: nonNeg,
  pop_index: nonNeg,
  lives_left: nonNeg,
  ts: nonNeg,
});

const telemetryBatch = z.object({ samples: z.array(z.unknown()).max(100_000), ts: nonNeg });

const headState = z.object({ status: z.string().max(32), ts: nonNeg.optional() });

const HEAD_EVENTS = ['session_start', 'pop_result', 'lvl_complete', 'session_end', 'identify'] as const;
const headEvent = z.object({ event_type: z.string().max(64), ts: nonNeg.optional() });
const popResult = z.object({
  mole_id: laxInt.optional(),
  outcome: z.string().max(32),
  reaction_ms: nonNeg,
  lives: nonNeg.optional(),
  lvl: nonNeg,
  pop: nonNeg.optional(),
  pops_total: nonNeg.optional(),
});
const sessionEnd = z.object({ win: z.union([z.boolean(), z.string()]).optional() });

function deviceIdOf(topicId: string | undefined, obj: Record<string, unknown>): string {
  const v = obj.device_id ?? topicId;
  if (typeof v !== 'string' || !isValidDeviceId(v)) {
    throw new RejectError('invalid_id', `device id is not a valid id (allowed: ${ID_RULE})`);
  }
  return v;
}

/** FNV-1a, twice with different offsets: enough to tell one resend's content from another's. */
function contentHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 + 2) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** The original's score for one HEAD pop: hits only, faster and later levels worth more. */
export function headPopScore(outcome: string, lvl: number, reactionMs: number): number {
  if (outcome !== 'hit') return 0;
  return Math.trunc(100 * lvl * Math.max(0.5, 2 - reactionMs / 1000));
}

function session(deviceId: string, obj: Record<string, unknown>, receivedAt: number): ParsedEvent {
  const p = validate(gameSession, obj, 'session');
  const sessionId = String(p.session_id);
  if (!isValidDeviceId(sessionId)) {
    throw new RejectError('invalid_id', `session_id is not a valid id (allowed: ${ID_RULE})`);
  }
  const started = p.started_at ?? receivedAt;
  const ended = p.ended_at ?? started;
  const events = p.events ?? [];
  const hits = events.filter((e) => e.hit);
  const data: Record<string, unknown> = {
    game: WHAC_GAME,
    protocol: 'seed',
    session_id: sessionId,
    player: p.player ? p.player : 'anon',
    difficulty: p.difficulty ?? 'normal',
    started_at: toIso(started),
    ended_at: p.ended_at === undefined || p.ended_at === null ? null : toIso(p.ended_at),
    duration_ms: p.duration_ms ?? Math.max(0, Math.round(ended - started)),
    score: p.total_score ?? 0,
    hits: hits.length,
    misses: events.length - hits.length,
    wrong_hits: 0,
    reaction_ms: hits.flatMap((e) =>
      e.reaction_ms === undefined || e.reaction_ms === null ? [] : [e.reaction_ms],
    ),
    complete: true,
    // A resent session_id replaces the stored one (the original upserts); an identical resend
    // is a repeat. So the key holds the content as well as (device, session).
    dedup_key: `${deviceId}/${sessionId}/${contentHash(JSON.stringify(obj))}`,
  };
  return { kind: 'game.session', device_id: deviceId, ts: ended, data };
}

function gameEvent(deviceId: string, obj: Record<string, unknown>, receivedAt: number): ParsedEvent {
  if (obj.event_type === undefined) {
    const p = validate(popEvent, obj, 'game_event');
    const data: Record<string, unknown> = { protocol: 'seed', event_type: 'pop', ...p };
    return { kind: 'game.event', device_id: deviceId, ts: p.ts, data };
  }
  const h = validate(headEvent, obj, 'game_event');
  const type = h.event_type;
  const data: Record<string, unknown> = { protocol: 'head', event_type: type, ts: h.ts ?? receivedAt };
  if (type === 'pop_result') {
    const p = validate(popResult, obj, 'pop_result');
    Object.assign(data, p, { score: headPopScore(p.outcome, p.lvl, p.reaction_ms) });
  } else if (type === 'lvl_complete') {
    data.lvl = validate(z.object({ lvl: nonNeg }), obj, 'lvl_complete').lvl;
  } else if (type === 'session_end') {
    const w = validate(sessionEnd, obj, 'session_end').win;
    // The firmware sends a boolean; the original dashboard compared it with "true".
    data.win = w === true || w === 'true';
  } else if (!(HEAD_EVENTS as readonly string[]).includes(type)) {
    data.unknown = true;
  }
  return { kind: 'game.event', device_id: deviceId, ts: h.ts ?? receivedAt, data };
}

function seedStatus(deviceId: string, obj: Record<string, unknown>): ParsedEvent {
  const p = validate(statusMessage, obj, 'status');
  const data: Record<string, unknown> = { family: WHAC_FAMILY, protocol: 'seed', online: true, ...p };
  return { kind: 'device.status', device_id: deviceId, ts: p.ts, data };
}

function headStatus(deviceId: string, obj: Record<string, unknown>, receivedAt: number): ParsedEvent {
  const p = validate(headState, obj, 'state');
  const data: Record<string, unknown> = {
    family: WHAC_FAMILY,
    protocol: 'head',
    online: p.status !== 'offline',
    status: p.status,
  };
  // The will's ts is frozen when the agent started: the receive time says when it went away.
  const ts = p.status === 'offline' ? receivedAt : (p.ts ?? receivedAt);
  return { kind: 'device.status', device_id: deviceId, ts, data };
}

function telemetry(deviceId: string, sensor: string, obj: Record<string, unknown>): ParsedEvent {
  const p = validate(telemetryBatch, obj, 'telemetry');
  const data: Record<string, unknown> = { protocol: 'seed', event_type: 'telemetry', sensor, ...p };
  return { kind: 'game.event', device_id: deviceId, ts: p.ts, data };
}

/** `levels` are the topic levels after `whac`: `[device_id, leaf, …]`. */
export function parseWhac(levels: string[], payload: Uint8Array, receivedAt: number): ParseResult {
  const family = WHAC_FAMILY;
  const [id, leaf, ...rest] = levels;
  const known =
    (levels.length === 2 &&
      (leaf === 'events' ||
        leaf === 'game_events' ||
        leaf === 'status' ||
        leaf === 'state' ||
        leaf === 'config_request')) ||
    (leaf === 'telemetry' && rest.length > 0 && rest.every((l) => l.length > 0));
  // `commands` is the console's own output; other suffixes the original ignored too.
  if (!known) return { outcome: 'unhandled' };
  try {
    if (leaf === 'config_request') {
      // Anything at all asks for the config (the fake device sends an empty payload).
      const deviceId = deviceIdOf(id, {});
      const data = { device_id: deviceId, firmware: null, protocol: 'seed' };
      return {
        outcome: 'events',
        family,
        events: [{ kind: 'device.hello', device_id: deviceId, ts: receivedAt, data }],
        samples: [],
      };
    }
    const obj = parseJsonObject(payload);
    const deviceId = deviceIdOf(id, obj);
    const event =
      leaf === 'events'
        ? session(deviceId, obj, receivedAt)
        : leaf === 'game_events'
          ? gameEvent(deviceId, obj, receivedAt)
          : leaf === 'status'
            ? seedStatus(deviceId, obj)
            : leaf === 'state'
              ? headStatus(deviceId, obj, receivedAt)
              : telemetry(deviceId, rest.join('/'), obj);
    return { outcome: 'events', family, events: [event], samples: [] };
  } catch (err) {
    if (err instanceof RejectError) return { outcome: 'reject', family, code: err.code, reason: err.message };
    throw err;
  }
}

export function whacTopic(deviceId: string, leaf: 'commands'): string {
  if (!isValidDeviceId(deviceId))
    throw new RejectError('invalid_id', `device id is not a valid id (allowed: ${ID_RULE})`);
  return `${WHAC_ROOT}/${deviceId}/${leaf}`;
}

/** The SEED worker's DEFAULT_CONFIG, in its key order. */
export const SEED_DEFAULT_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  difficulty: 'normal',
  game_duration_ms: 60000,
  mole_up_ms: 1200,
  send_events: true,
  set_level: null,
  set_lives: null,
  set_pop_duration: null,
  pause: false,
  resume: false,
  sensor_config: {},
});

/** The reply to `config_request`, in the SEED worker's shape `{device_id, config}`. */
export function seedConfigMessage(deviceId: string, overrides?: Record<string, unknown> | null): string {
  return JSON.stringify({ device_id: deviceId, config: { ...SEED_DEFAULT_CONFIG, ...(overrides ?? {}) } });
}

/** HEAD commands: one ASCII byte each, forwarded to the cabinet's UART by its agent. */
export const HEAD_COMMAND_BYTES = {
  start: 'S',
  reset: 'R',
  pause: 'P',
  identify: 'I',
  disconnect: 'D',
} as const;

/** The byte for a command (`set_level` takes `level` 1..8); throws a RejectError otherwise. */
export function headCommandByte(command: string, args: Record<string, unknown>): Uint8Array {
  if (command === 'set_level') {
    const level = args.level;
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 1 || level > 8) {
      throw new RejectError('schema', 'set_level: level must be a whole number 1..8');
    }
    return new TextEncoder().encode(String(level));
  }
  const byte = (HEAD_COMMAND_BYTES as Record<string, string>)[command];
  if (!byte) throw new RejectError('schema', `unknown cabinet command ${JSON.stringify(command)}`);
  return new TextEncoder().encode(byte);
}
