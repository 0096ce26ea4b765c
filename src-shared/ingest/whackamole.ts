/**
 * Whack-a-mole cabinets, domain.md §6: MQTT tree `whackamole/{device_id}/...`.
 * In: hello, status (retained, also the last will), session (QoS 1), ack.
 * Out (the console's own publications, never parsed as events): config (retained), command.
 */
import { z } from 'zod';
import { isValidDeviceId } from '../ids';
import { parseWireTime, toIso } from '../events/time';
import { parseJsonObject, validate } from './payload';
import { RejectError, type ParseResult, type ParsedEvent } from './result';

export const WHACKAMOLE_FAMILY = 'whackamole';
export const WHACKAMOLE_GAME = 'whackamole';

const ID_RULE = '[A-Za-z0-9._:-]{1,64}';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** More reaction times than any real game can hold: a cap, not a rule. */
const MAX_REACTIONS = 4096;

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const count = z.number().int().min(0).max(1_000_000);

/** ISO-8601 (`Z`, offset or naive = UTC) or epoch number → epoch ms; a readable issue otherwise. */
const wireTimestamp = z.union([z.string().max(64), finite]).transform((v, ctx) => {
  const ms = parseWireTime(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `not a timestamp: ${JSON.stringify(v).slice(0, 64)}` });
    return z.NEVER;
  }
  return ms;
});

/** Difficulty is a short label (`easy`, `normal`, `hard`, `3`, …); numbers become strings. */
const difficultyText = z.union([z.string().min(1).max(32), finite.transform((n) => String(n))]);

function idFromTopic(level: string | undefined): string {
  if (!isValidDeviceId(level)) {
    throw new RejectError('invalid_id', `device id in topic is not a valid id (allowed: ${ID_RULE})`);
  }
  return level;
}

/** The payload's `device_id` is optional (the topic names the device) but may not disagree with it. */
function checkPayloadDeviceId(obj: Record<string, unknown>, deviceId: string): void {
  const v = obj.device_id;
  if (v === undefined || v === null) return;
  if (v !== deviceId) throw new RejectError('schema', 'device_id does not match topic');
}

function eventTime(obj: Record<string, unknown>, receivedAt: number, key = 'timestamp'): number {
  const v = obj[key];
  if (v === undefined || v === null) return receivedAt;
  const ms = parseWireTime(v);
  if (ms === null)
    throw new RejectError('schema', `${key}: not a timestamp: ${JSON.stringify(v).slice(0, 64)}`);
  return ms;
}

/**
 * A session id is a UUID or an incrementing counter; both become a string. UUIDs are
 * case-insensitive, so they are lower-cased: the same session always yields the same key.
 */
export function normalizeSessionId(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RejectError('invalid_id', 'session_id: a numeric session id must be a non-negative integer');
    }
    return String(value);
  }
  if (!isValidDeviceId(value)) {
    throw new RejectError(
      'invalid_id',
      `session_id is not a valid id (allowed: a UUID, a counter, or ${ID_RULE})`,
    );
  }
  return UUID.test(value) ? value.toLowerCase() : value;
}

/** The dedup key of a session, `(device_id, session_id)`: neither part can hold a `/`. */
export function sessionDedupKey(deviceId: string, sessionId: string): string {
  return `${deviceId}/${sessionId}`;
}

const helloSchema = z.object({
  firmware: z
    .union([z.string().max(64), finite.transform((n) => String(n))])
    .optional()
    .nullable(),
});

const statusSchema = z.object({
  online: z.boolean(),
  state: z
    .string()
    .max(32)
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['idle', 'playing']))
    .optional()
    .nullable(),
  battery: finite.optional().nullable(),
  rssi: finite.optional().nullable(),
});

const sessionSchema = z.object({
  session_id: z.union([z.string(), z.number()]),
  player: z.string().min(1).max(128),
  difficulty: difficultyText,
  started_at: wireTimestamp,
  ended_at: wireTimestamp,
  score: finite,
  hits: count,
  misses: count,
  wrong_hits: count,
  reaction_ms: z
    .array(finite.refine((n) => n >= 0, 'expected a non-negative number'))
    .max(MAX_REACTIONS)
    .optional()
    .nullable(),
  complete: z.boolean(),
});

const ackSchema = z.object({
  command_id: z.string(),
  ok: z.boolean(),
  error: z.string().max(1024).optional().nullable(),
});

function hello(deviceId: string, obj: Record<string, unknown>, receivedAt: number): ParsedEvent {
  const p = validate(helloSchema, obj, 'hello');
  const data: Record<string, unknown> = { device_id: deviceId, firmware: p.firmware ?? null };
  return { kind: 'device.hello', device_id: deviceId, ts: eventTime(obj, receivedAt), data };
}

function status(deviceId: string, obj: Record<string, unknown>, receivedAt: number): ParsedEvent {
  const p = validate(statusSchema, obj, 'status');
  const data: Record<string, unknown> = { family: WHACKAMOLE_FAMILY, online: p.online };
  if (p.state !== undefined && p.state !== null) data.state = p.state;
  if (p.battery !== undefined && p.battery !== null) data.battery = p.battery;
  if (p.rssi !== undefined && p.rssi !== null) data.rssi = p.rssi;
  return { kind: 'device.status', device_id: deviceId, ts: eventTime(obj, receivedAt), data };
}

function session(deviceId: string, obj: Record<string, unknown>): ParsedEvent {
  const p = validate(sessionSchema, obj, 'session');
  const sessionId = normalizeSessionId(p.session_id);
  if (p.ended_at < p.started_at) throw new RejectError('schema', 'session: ended_at is before started_at');
  const data: Record<string, unknown> = {
    game: WHACKAMOLE_GAME,
    session_id: sessionId,
    player: p.player,
    difficulty: p.difficulty,
    started_at: toIso(p.started_at),
    ended_at: toIso(p.ended_at),
    duration_ms: Math.round(p.ended_at - p.started_at),
    score: p.score,
    hits: p.hits,
    misses: p.misses,
    wrong_hits: p.wrong_hits,
    reaction_ms: (p.reaction_ms ?? []).map((n) => Math.round(n)),
    complete: p.complete,
    dedup_key: sessionDedupKey(deviceId, sessionId),
  };
  return { kind: 'game.session', device_id: deviceId, ts: p.ended_at, data };
}

function ack(deviceId: string, obj: Record<string, unknown>, receivedAt: number): ParsedEvent {
  const p = validate(ackSchema, obj, 'ack');
  if (!isValidDeviceId(p.command_id)) {
    throw new RejectError('invalid_id', `command_id is not a valid id (allowed: ${ID_RULE})`);
  }
  const data: Record<string, unknown> = { command_id: p.command_id, ok: p.ok, error: p.error ?? null };
  return { kind: 'command.ack', device_id: deviceId, ts: eventTime(obj, receivedAt), data };
}

/** `levels` are the topic levels after `whackamole`: `[device_id, hello|status|session|ack]`. */
export function parseWhackamole(levels: string[], payload: Uint8Array, receivedAt: number): ParseResult {
  const family = WHACKAMOLE_FAMILY;
  const [id, leaf] = levels;
  if (
    levels.length !== 2 ||
    (leaf !== 'hello' && leaf !== 'status' && leaf !== 'session' && leaf !== 'ack')
  ) {
    // `config` and `command` are the console's own output; anything else is outside the tree.
    return { outcome: 'unhandled' };
  }
  try {
    const deviceId = idFromTopic(id);
    const obj = parseJsonObject(payload);
    checkPayloadDeviceId(obj, deviceId);
    const event =
      leaf === 'hello'
        ? hello(deviceId, obj, receivedAt)
        : leaf === 'status'
          ? status(deviceId, obj, receivedAt)
          : leaf === 'session'
            ? session(deviceId, obj)
            : ack(deviceId, obj, receivedAt);
    return { outcome: 'events', family, events: [event], samples: [] };
  } catch (err) {
    if (err instanceof RejectError) return { outcome: 'reject', family, code: err.code, reason: err.message };
    throw err;
  }
}

/** The console's topics for one cabinet (the id is checked: it is about to become a topic level). */
export function whackamoleTopic(deviceId: string, leaf: 'config' | 'command'): string {
  if (!isValidDeviceId(deviceId))
    throw new RejectError('invalid_id', `device id is not a valid id (allowed: ${ID_RULE})`);
  return `whackamole/${deviceId}/${leaf}`;
}

// ---------------------------------------------------------------------------------------------
// Configuration (out, retained): the defaults merged with the device's overrides.

export const whackamoleConfigSchema = z.object({
  difficulty: z.string().min(1).max(32),
  game_duration_s: z.number().int().min(5).max(3600),
  mole_up_ms: z.number().int().min(50).max(60_000),
  spawn_interval_ms: z.number().int().min(50).max(60_000),
  /** Percent, 0 (mute) to 100. */
  volume: z.number().int().min(0).max(100),
  /** The config revision the cabinet reports back; the console bumps it when the config changes. */
  version: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

export type WhackamoleConfig = z.infer<typeof whackamoleConfigSchema>;

/** Per-device overrides: any subset of the fields; an unknown key is an error (a typo, surely). */
export const whackamoleConfigOverridesSchema = whackamoleConfigSchema.partial().strict();

export type WhackamoleConfigOverrides = z.infer<typeof whackamoleConfigOverridesSchema>;

export const DEFAULT_WHACKAMOLE_CONFIG: Readonly<WhackamoleConfig> = Object.freeze({
  difficulty: 'normal',
  game_duration_s: 60,
  mole_up_ms: 1000,
  spawn_interval_ms: 800,
  volume: 70,
  version: 1,
});

/**
 * The config published to a cabinet: `defaults` with each override that is set (not undefined or
 * null) taking its place. Both are validated at run time (they may come from JSON); a bad value
 * throws a RejectError('schema') naming the field.
 */
export function mergeConfig(
  defaults: Readonly<WhackamoleConfig>,
  overrides: Readonly<WhackamoleConfigOverrides> | null | undefined,
): WhackamoleConfig {
  const base = validate(whackamoleConfigSchema, defaults, 'config defaults');
  const set: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(overrides ?? {})) if (v !== undefined && v !== null) set[k] = v;
  const over = validate(whackamoleConfigOverridesSchema, set, 'config overrides');
  return validate(whackamoleConfigSchema, { ...base, ...over }, 'config');
}

// ---------------------------------------------------------------------------------------------
// Commands (out, QoS 1).

export const WHACKAMOLE_COMMANDS = ['start', 'stop', 'reset', 'set_difficulty', 'identify'] as const;
export type WhackamoleCommandName = (typeof WHACKAMOLE_COMMANDS)[number];

/** The arguments each command takes; unknown arguments are refused so a typo never goes out. */
export const whackamoleCommandArgs = {
  start: z
    .object({
      player: z.string().min(1).max(128).optional(),
      difficulty: z.string().min(1).max(32).optional(),
    })
    .strict(),
  stop: z.object({}).strict(),
  reset: z.object({}).strict(),
  set_difficulty: z.object({ difficulty: z.string().min(1).max(32) }).strict(),
  identify: z.object({ duration_s: z.number().int().min(1).max(300).optional() }).strict(),
} satisfies Record<WhackamoleCommandName, z.ZodType>;

export interface WhackamoleCommand {
  command_id: string;
  command: WhackamoleCommandName;
  args: Record<string, unknown>;
  /** ISO-8601 UTC. */
  issued_at: string;
}

/**
 * Builds the body published on `whackamole/{device_id}/command`. Throws a RejectError naming
 * what is wrong: an invalid command id (`invalid_id`), an unknown command or bad args (`schema`).
 */
export function buildWhackamoleCommand(input: {
  command_id: string;
  command: string;
  args?: unknown;
  /** Epoch ms. */
  issued_at: number;
}): WhackamoleCommand {
  if (!isValidDeviceId(input.command_id)) {
    throw new RejectError('invalid_id', `command_id is not a valid id (allowed: ${ID_RULE})`);
  }
  const command = validate(z.enum(WHACKAMOLE_COMMANDS), input.command, 'command');
  const args = validate(
    whackamoleCommandArgs[command] as z.ZodType<Record<string, unknown>>,
    input.args ?? {},
    `${command} args`,
  );
  if (!Number.isFinite(input.issued_at))
    throw new RejectError('schema', 'issued_at: expected epoch milliseconds');
  return { command_id: input.command_id, command, args, issued_at: toIso(input.issued_at) };
}
