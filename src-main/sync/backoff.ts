/**
 * Retry timing for sync destinations: exponential backoff with full jitter, and the server's
 * `Retry-After` (delta seconds or an HTTP date), which wins over our own guess when it is later.
 */

export interface BackoffOptions {
  baseMs: number;
  factor: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, factor: 1.5, capMs: 60_000 };

/**
 * The ceiling of the `attempt`-th retry (0-based): base × factor^attempt, capped. Full jitter
 * picks uniformly below it so many consoles coming back together do not retry in lockstep.
 */
export function backoffCeiling(attempt: number, o: BackoffOptions = DEFAULT_BACKOFF): number {
  // Past ~60 attempts the power overflows to Infinity; the cap still applies.
  return Math.min(o.capMs, o.baseMs * Math.pow(o.factor, Math.max(0, attempt)));
}

export function backoffDelay(
  attempt: number,
  o: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(attempt, o));
}

/**
 * Milliseconds to wait from `now` as a `Retry-After` value says, or null when it is absent or
 * unreadable (then the backoff alone decides). A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Only the HTTP-date forms; Date.parse alone would accept "1.5" or "tomorrow"-like junk.
  if (!/[a-z]/i.test(v) || !/\d{4}|\d{2}:\d{2}/.test(v)) return null;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) return null;
  return Math.max(0, t - now);
}

/** The wait before the next try: the jittered backoff, at least what the server asked for. */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | null,
  o: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const own = backoffDelay(attempt, o, random);
  return retryAfterMs === null ? own : Math.max(own, retryAfterMs);
}
