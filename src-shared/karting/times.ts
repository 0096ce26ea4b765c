/**
 * Lap and gap times as timing feeds display them. Apex cells are display strings in every form
 * the real feeds use (`1:04.500`, `59.123`, a running timer truncated to `1:18.`, tenths above a
 * minute `1:00.6`, hours in endurance `1:02:03.456`); RMonitor sends `HH:MM:SS.DDD`.
 */

const TIME_RE = /^(?:(\d{1,3}):)?(?:(\d{1,2}):)?(\d{1,2})(?:\.(\d{0,3}))?$/;

/** Milliseconds of a displayed time, or null when the text is not a time (blank, `--`, words). */
export function parseDisplayTime(text: string | null | undefined): number | null {
  if (text == null) return null;
  const s = text.trim().replace(/^\+/, '');
  if (!s || s.includes('--')) return null;
  const m = TIME_RE.exec(s);
  if (!m) return null;
  const [, a, b, sec, frac] = m;
  let hours = 0;
  let minutes = 0;
  if (a !== undefined && b !== undefined) {
    hours = Number(a);
    minutes = Number(b);
  } else if (a !== undefined) minutes = Number(a);
  const seconds = Number(sec);
  if ((a !== undefined || b !== undefined) && seconds >= 60) return null;
  if (b !== undefined && minutes >= 60) return null;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  return ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms;
}

/** A lap time: a displayed time that is positive (a `0:00.000` placeholder is no lap). */
export function parseLapTime(text: string | null | undefined): number | null {
  const ms = parseDisplayTime(text);
  return ms !== null && ms > 0 ? ms : null;
}

/** `HH:MM:SS.DDD` (RMonitor); `00:00:00.000` and `00:59:59.999` placeholders are still times. */
export function parseRmTime(text: string | null | undefined): number | null {
  if (text == null) return null;
  const m = /^\s*(\d{1,3}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?\s*$/.exec(text);
  if (!m) return null;
  const ms = m[4] ? Math.round(Number(`0.${m[4]}`) * 1000) : 0;
  return (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000 + ms;
}

/** `1:04.500` / `59.123`: the one stable form Marshal writes (the app compares strings). */
export function formatLapMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return '';
  const total = Math.round(ms);
  const minutes = Math.floor(total / 60000);
  const rest = total - minutes * 60000;
  const sec = Math.floor(rest / 1000);
  const milli = String(rest % 1000).padStart(3, '0');
  return minutes > 0 ? `${minutes}:${String(sec).padStart(2, '0')}.${milli}` : `${sec}.${milli}`;
}

/** A gap as shown on a board: `+1.234`, or `1 Lap` / `3 Laps`. */
export function formatGap(gapMs: number | null, gapLaps: number | null): string {
  if (gapLaps != null && gapLaps > 0) return `${gapLaps} ${gapLaps === 1 ? 'Lap' : 'Laps'}`;
  if (gapMs == null) return '';
  return formatLapMs(gapMs);
}

const LAP_WORDS = 'tours?|laps?|giri|giro|voltas?|varv|vueltas?|kolo|kola|kol|runde[n]?|rondes?|vuelta';

/**
 * What a gap cell says. The leader's cell counts laps (`Tour 9`, `Lap 23/1`, `Varv 1`: the leader
 * is on lap 9); the others a time behind or laps down (`9 Tours`, `1 Lap`, `+2 Giri`).
 */
export function parseGapCell(
  text: string | null | undefined,
): { leader_lap: number } | { laps_down: number } | { gap_ms: number } | null {
  if (text == null) return null;
  const s = text.trim();
  if (!s) return null;
  const leader = new RegExp(`^(?:${LAP_WORDS})\\s*(\\d+)(?:\\s*/\\s*\\d+)?$`, 'i').exec(s);
  if (leader) return { leader_lap: Number(leader[1]) };
  const down = new RegExp(`^\\+?\\s*(\\d+)\\s*(?:${LAP_WORDS})\\.?$`, 'i').exec(s);
  if (down) return { laps_down: Number(down[1]) };
  const ms = parseDisplayTime(s);
  return ms === null ? null : { gap_ms: ms };
}
