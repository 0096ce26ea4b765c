/**
 * `POST /v1/events` as the cognitive-task game's own backend checks it (contracts/neurogame.md
 * §2.2): the same checks in the same order with the same `{"detail": code}` answers, and no
 * type checks it did not make. What a leaderboard counts is decided later, from the stored
 * events, never by refusing a batch.
 */
import { parseWireTime } from '../events/time';
import { GAME_EVENT_KIND, NEUROGAME_DEFAULTS, TASK_RESULT } from './neurogame';
import type { ParsedEvent } from './result';

export const ORIGINAL_BATCH_LIMIT = 500;
export const REQUIRED_EVENT_FIELDS = [
  'event_id',
  'event_type',
  'event_ts',
  'user_id',
  'session_id',
  'payload',
] as const;
const COLUMNS = ['event_id', 'event_type', 'event_ts', 'user_id', 'session_id'] as const;

export type OriginalBatchResult =
  | { ok: true; events: ParsedEvent[]; duplicates: number; unstorable: number; clientVersion: string }
  | { ok: false; status: 400 | 401; detail: string };

/** Python's `str()` of a JSON value, closely enough for the ids the original stored as text. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  return JSON.stringify(v);
}

/** The task's correctness as Marshal's rules read it: 1/0 (the game's) or a boolean. */
function correctness(v: unknown): boolean | null {
  if (v === true || v === 1) return true;
  if (v === false || v === 0) return false;
  return null;
}

function sameSecret(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length;
  const n = Math.max(given.length, expected.length);
  for (let i = 0; i < n; i++) diff |= (given.charCodeAt(i) | 0) ^ (expected.charCodeAt(i) | 0);
  return diff === 0;
}

/** The original's key check: an empty key (or an unset server key) is always wrong. */
export function originalKeyOk(given: unknown, expected: string): boolean {
  const key = given === undefined ? '' : pyStr(given);
  return key !== '' && expected !== '' && sameSecret(key, expected);
}

export function checkOriginalBatch(
  body: Record<string, unknown>,
  apiKey: string,
  receivedAt: number,
  deviceId: string = NEUROGAME_DEFAULTS.httpDeviceId,
): OriginalBatchResult {
  if (!originalKeyOk(body.api_key, apiKey)) return { ok: false, status: 401, detail: 'invalid_api_key' };
  const events = body.events;
  if (!Array.isArray(events) || events.length === 0) {
    return { ok: false, status: 400, detail: 'events_must_be_nonempty_list' };
  }
  if (events.length > ORIGINAL_BATCH_LIMIT) return { ok: false, status: 400, detail: 'batch_too_large' };
  for (let i = 0; i < events.length; i++) {
    const e: unknown = events[i];
    if (e === null || typeof e !== 'object' || Array.isArray(e)) {
      return { ok: false, status: 400, detail: `event_${i}_must_be_object` };
    }
    const missing = REQUIRED_EVENT_FIELDS.filter((k) => !Object.prototype.hasOwnProperty.call(e, k));
    if (missing.length)
      return { ok: false, status: 400, detail: `event_${i}_missing_fields:${missing.join(',')}` };
  }
  const clientVersion = body.client_version === undefined ? 'unknown' : pyStr(body.client_version);
  const seen = new Set<string>();
  const out: ParsedEvent[] = [];
  let duplicates = 0;
  let unstorable = 0;
  for (const raw of events as Record<string, unknown>[]) {
    // The original's NOT NULL columns silently skipped such an event (and still answered ok).
    if (COLUMNS.some((k) => raw[k] === null)) {
      unstorable++;
      continue;
    }
    const eventId = pyStr(raw.event_id);
    if (seen.has(eventId)) {
      duplicates++;
      continue;
    }
    seen.add(eventId);
    const p = raw.payload;
    const payload =
      p !== null && typeof p === 'object' && !Array.isArray(p)
        ? (p as Record<string, unknown>)
        : { raw_payload: p };
    const eventType = pyStr(raw.event_type);
    const eventTs = pyStr(raw.event_ts);
    const data: Record<string, unknown> = {
      event_id: eventId,
      event_type: eventType,
      event_ts: eventTs,
      user_id: pyStr(raw.user_id),
      session_id: pyStr(raw.session_id),
      model_version:
        raw.model_version === undefined || raw.model_version === null ? null : pyStr(raw.model_version),
      client_version: clientVersion,
      payload,
      dedup_key: eventId,
    };
    let kind: ParsedEvent['kind'] = GAME_EVENT_KIND;
    if (eventType === TASK_RESULT) {
      kind = 'task.result';
      data.correct = correctness(payload.correct);
      const rt = typeof payload.reaction_time === 'number' ? payload.reaction_time : payload.rt_ms;
      data.rt_ms = typeof rt === 'number' && Number.isFinite(rt) ? rt : null;
    }
    out.push({ kind, device_id: deviceId, ts: parseWireTime(raw.event_ts) ?? receivedAt, data });
  }
  return { ok: true, events: out, duplicates, unstorable, clientVersion };
}
