/**
 * Wire timestamps are ISO-8601 with `Z`, an offset, or naive (treated as UTC), or epoch numbers
 * (seconds or milliseconds). Returns epoch ms, or null when it cannot be read.
 */
/** Years 1970–2200: anything else is a broken clock or a hostile value, not a time. */
const MIN_MS = 0;
const MAX_MS = Date.UTC(2200, 0, 1);

function inRange(ms: number): number | null {
  return Number.isFinite(ms) && ms >= MIN_MS && ms < MAX_MS ? ms : null;
}

export function parseWireTime(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Seconds before ~2001-09 in ms would be < 1e12; treat small numbers as seconds.
    return inRange(value < 1e11 ? Math.round(value * 1000) : Math.round(value));
  }
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return null;
  const s = value.trim();
  const iso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s) ? `${s.replace(' ', 'T')}Z` : s;
  return inRange(Date.parse(iso));
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
