/**
 * Cognitive-task games, domain.md §7: batches of events over HTTP (`POST /v1/events`, with an
 * `api_key`) or MQTT (`neurogame/{client_id}/events`, the same body without it).
 */
import { z } from 'zod';
import { isValidDeviceId } from '../ids';
import { parseWireTime } from '../events/time';
import { parseJsonObject, validate } from './payload';
import { RejectError, type ParseResult, type ParsedEvent } from './result';

export const NEUROGAME_FAMILY = 'neurogame';
/** The event type the leaderboard is computed from. */
export const TASK_RESULT = 'task_result';
/**
 * Proposed kind for every other event type (session start, level up, …): not yet in
 * EVENT_KINDS, hence the cast; the value is right at run time.
 */
export const GAME_EVENT_KIND = 'game.event' as ParsedEvent['kind'];

export const NEUROGAME_DEFAULTS = {
  maxEvents: 500,
  /** Serialized UTF-8 size of one event's `payload` object. */
  maxEventPayloadBytes: 16 * 1024,
  /** `device_id` of events that came over HTTP, which names no client. */
  httpDeviceId: 'neurogame',
} as const;

/** event_id, user_id, session_id: printable id characters (also `@`, for e-mail-like user ids). */
export const NEUROGAME_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
const ID_RULE = '[A-Za-z0-9._:@-]{1,128}';
const TOKEN_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** A wrong or missing `api_key`: HTTP 401, unlike a RejectError (400 / 413). */
export class NeurogameAuthError extends Error {
  readonly code = 'unauthorized' as const;
  constructor(message = 'missing or wrong api_key') {
    super(message);
    this.name = 'NeurogameAuthError';
  }
}

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const idField = z.string().regex(NEUROGAME_ID_PATTERN, `expected an id (${ID_RULE})`);
const looseObject = z.record(z.string(), z.unknown());

const wireTimestamp = z.union([z.string().max(64), finite]).transform((v, ctx) => {
  const ms = parseWireTime(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `not a timestamp: ${JSON.stringify(v).slice(0, 64)}` });
    return z.NEVER;
  }
  return ms;
});

export const neurogameEventSchema = z.object({
  event_id: idField,
  event_type: z.string().regex(TOKEN_PATTERN, 'expected an event type ([A-Za-z0-9._:-]{1,64})'),
  event_ts: wireTimestamp,
  user_id: idField,
  session_id: idField,
  model_version: z.string().max(64).optional().nullable(),
  payload: looseObject.optional().nullable(),
});

/** The MQTT body. */
export const neurogameMqttBodySchema = z.object({
  client_version: z.string().max(32).optional().nullable(),
  events: z.array(z.unknown()),
});

/** The HTTP body: the MQTT body plus the key (checked separately, so a wrong one is a 401). */
export const neurogameHttpBodySchema = neurogameMqttBodySchema.extend({ api_key: z.string().max(256) });

/**
 * `payload` of a `task_result`: `correct` a boolean or the game's own 0/1; the reaction time
 * (`reaction_time`, the game's, or `rt_ms`) is kept whatever it is.
 */
const taskPayloadSchema = z.object({ correct: z.union([z.boolean(), z.literal(0), z.literal(1)]) });

export interface NeurogameBodyOptions {
  /** Set for HTTP: the body's `api_key` must equal it, else NeurogameAuthError. */
  requireApiKey?: string;
  maxEvents?: number;
  maxEventPayloadBytes?: number;
  /** `device_id` of the events: the MQTT client id, else NEUROGAME_DEFAULTS.httpDeviceId. */
  deviceId?: string;
}

export interface NeurogameBatch {
  events: ParsedEvent[];
  /** Events whose event_id repeated an earlier one in the same batch (dropped: ids are idempotent). */
  duplicates: number;
}

/** Compares without an early exit on the first differing character. */
function sameSecret(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length;
  const n = Math.max(given.length, expected.length);
  for (let i = 0; i < n; i++) diff |= (given.charCodeAt(i) | 0) ^ (expected.charCodeAt(i) | 0);
  return diff === 0;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Validates a batch and maps each event to a ParsedEvent: `task_result` → `task.result`, any
 * other type → `game.event`. Throws NeurogameAuthError for a wrong or missing key (only when
 * `requireApiKey` is set), RejectError for anything else, with a reason naming the field.
 * A batch is accepted or refused whole.
 */
export function parseNeurogameBody(body: unknown, opts: NeurogameBodyOptions = {}): NeurogameBatch {
  const maxEvents = opts.maxEvents ?? NEUROGAME_DEFAULTS.maxEvents;
  const maxPayload = opts.maxEventPayloadBytes ?? NEUROGAME_DEFAULTS.maxEventPayloadBytes;
  const deviceId = opts.deviceId ?? NEUROGAME_DEFAULTS.httpDeviceId;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RejectError('not_an_object', 'body must be a JSON object');
  }
  const obj = body as Record<string, unknown>;
  if (opts.requireApiKey !== undefined) {
    // The key is never echoed in a reason.
    if (typeof obj.api_key !== 'string' || !sameSecret(obj.api_key, opts.requireApiKey)) {
      throw new NeurogameAuthError();
    }
  }
  const b = validate(neurogameMqttBodySchema, obj, 'body');
  if (b.events.length > maxEvents) {
    throw new RejectError(
      'too_large',
      `events: ${b.events.length} events exceed the ${maxEvents}-event batch limit`,
    );
  }
  const clientVersion = b.client_version ?? null;
  const seen = new Set<string>();
  const events: ParsedEvent[] = [];
  let duplicates = 0;
  b.events.forEach((raw, i) => {
    const where = `events.${i}`;
    const e = validate(neurogameEventSchema, raw, `body: ${where}`);
    const payload = e.payload ?? {};
    const size = utf8Length(JSON.stringify(payload));
    if (size > maxPayload) {
      throw new RejectError(
        'too_large',
        `${where}.payload: ${size} bytes exceed the ${maxPayload}-byte limit`,
      );
    }
    if (seen.has(e.event_id)) {
      duplicates++;
      return;
    }
    seen.add(e.event_id);
    const data: Record<string, unknown> = {
      event_id: e.event_id,
      event_type: e.event_type,
      user_id: e.user_id,
      session_id: e.session_id,
      model_version: e.model_version ?? null,
      client_version: clientVersion,
      payload,
      dedup_key: e.event_id,
    };
    let kind: ParsedEvent['kind'] = GAME_EVENT_KIND;
    if (e.event_type === TASK_RESULT) {
      const t = validate(taskPayloadSchema, payload, `body: ${where}.payload`);
      kind = 'task.result';
      data.correct = t.correct === true || t.correct === 1;
      // Kept whatever it is (§7: keep the raw events); the leaderboard drops what it cannot use.
      const rt = typeof payload.reaction_time === 'number' ? payload.reaction_time : payload.rt_ms;
      data.rt_ms = typeof rt === 'number' && Number.isFinite(rt) ? rt : null;
    }
    events.push({ kind, device_id: deviceId, ts: e.event_ts, data });
  });
  return { events, duplicates };
}

/** `levels` are the topic levels after `neurogame`: `[client_id, events]`. */
export function parseNeurogame(
  levels: string[],
  payload: Uint8Array,
  _receivedAt: number,
  opts: Omit<NeurogameBodyOptions, 'requireApiKey' | 'deviceId'> = {},
): ParseResult {
  const family = NEUROGAME_FAMILY;
  const [clientId, leaf] = levels;
  if (levels.length !== 2 || leaf !== 'events') return { outcome: 'unhandled' };
  try {
    if (!isValidDeviceId(clientId)) {
      throw new RejectError(
        'invalid_id',
        'client id in topic is not a valid id (allowed: [A-Za-z0-9._:-]{1,64})',
      );
    }
    const obj = parseJsonObject(payload);
    const { events } = parseNeurogameBody(obj, { ...opts, deviceId: clientId });
    return { outcome: 'events', family, events, samples: [] };
  } catch (err) {
    if (err instanceof RejectError) return { outcome: 'reject', family, code: err.code, reason: err.message };
    throw err;
  }
}
