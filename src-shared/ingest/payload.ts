import { z } from 'zod';
import { RejectError } from './result';
import { jsonErrorReason, redactSecrets } from './redact';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8');

/** Deeper JSON is refused: nothing in any family nests this far, and deep values break stringify. */
export const MAX_JSON_DEPTH = 32;

export function depthExceeds(value: unknown, max: number): boolean {
  // Iterative, so a hostile 100k-level payload cannot overflow the stack here either.
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Decodes a payload as a JSON object, or throws a RejectError naming what is wrong with it. */
export function parseJsonObject(payload: Uint8Array): Record<string, unknown> {
  return parseJsonObjectText(payload).value;
}

/** As parseJsonObject, also returning the text (some rules read a number's lexical form). */
export function parseJsonObjectText(payload: Uint8Array): { value: Record<string, unknown>; text: string } {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new RejectError('binary', 'payload is not UTF-8 text');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RejectError('malformed_json', `malformed JSON: ${jsonErrorReason(err)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RejectError(
      'not_an_object',
      `payload must be a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`,
    );
  }
  if (depthExceeds(value, MAX_JSON_DEPTH)) {
    throw new RejectError('too_deep', `JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return { value: value as Record<string, unknown>, text };
}

/**
 * Keys whose numbers are written with a fraction or exponent somewhere in the text (`"time": 2.0`
 * is seconds even though JSON.parse yields the integer 2).
 */
export function fractionalKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const m of text.matchAll(/"([A-Za-z0-9_]{1,64})"\s*:\s*-?\d+(\.\d+|[eE][+-]?\d+)/g)) keys.add(m[1]!);
  return keys;
}

/** zod parse with the first issue turned into a readable reject reason. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length ? issue.path.join('.') : what;
  throw new RejectError('schema', `${what}: ${path}: ${issue?.message ?? 'invalid'}`);
}

/**
 * Accepts the flat and the nested (`{"data": {...}}` or `{"status": {...}}`) shapes by lifting the
 * inner object's fields to the top; top-level fields win only where the inner object lacks them.
 */
export function flatten(obj: Record<string, unknown>, key: 'data' | 'status'): Record<string, unknown> {
  const inner = obj[key];
  if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
    const { [key]: _omit, ...rest } = obj;
    return { ...rest, ...(inner as Record<string, unknown>) };
  }
  return obj;
}

/**
 * A printable preview of a payload for rejects and the monitor: text when UTF-8, else hex; secrets
 * (an `api_key=…`, a `"password": …`) redacted either way.
 */
export function payloadPreview(payload: Uint8Array, max = 200): string {
  const head = payload.subarray(0, max * 4);
  let text: string;
  try {
    text = redactSecrets(utf8.decode(head));
  } catch {
    // Hex would spell out a secret sitting next to a stray byte: show such a payload as text.
    const lossy = lossyUtf8.decode(head);
    const redacted = redactSecrets(lossy);
    if (redacted !== lossy) return `${redacted.slice(0, max)}${redacted.length > max ? '…' : ''}`;
    const hex = Array.from(payload.subarray(0, Math.ceil(max / 2)), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('');
    return `0x${hex}${payload.length > max / 2 ? '…' : ''}`;
  }
  return text.length > max || payload.length > head.length ? `${text.slice(0, max)}…` : text;
}
