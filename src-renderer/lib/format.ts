/** Display helpers. Pure: every function takes `now` where time matters, so tests can pin it. */

/** Integer milliseconds → seconds with two decimals ("2.29"), without float drift. */
export function formatSeconds(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const negative = ms < 0;
  const cs = Math.round(Math.abs(ms) / 10);
  const whole = Math.floor(cs / 100);
  const frac = cs % 100;
  return `${negative ? '-' : ''}${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

export function parseIso(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

/** "just now", "12 s ago", "3 min ago", "2 h ago", "4 d ago"; "—" when unknown. */
export function formatRelative(iso: string | null | undefined, now: number): string {
  const t = parseIso(iso);
  if (t == null) return '—';
  const s = Math.round((now - t) / 1000);
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Local wall-clock time with milliseconds: "14:03:22.481". */
export function formatClockTime(iso: string | null | undefined): string {
  const t = parseIso(iso);
  if (t == null) return '—';
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

export function formatInt(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '—';
  return Math.round(n).toLocaleString('en-US');
}

export function formatMaybe(n: number | null | undefined, digits: number, unit: string): string {
  if (n == null || !Number.isFinite(n)) return '—';
  return `${n.toFixed(digits)}${unit}`;
}

/** Pretty-prints JSON when the text parses as JSON; otherwise returns the text unchanged. */
export function prettyPayload(text: string): { text: string; json: boolean } {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { text, json: false };
  const first = trimmed[0];
  if (first !== '{' && first !== '[' && first !== '"') {
    // Bare numbers/literals parse as JSON too, but there is nothing to pretty-print in them.
    return { text, json: false };
  }
  try {
    return { text: JSON.stringify(JSON.parse(trimmed), null, 2), json: true };
  } catch {
    return { text, json: false };
  }
}

export type Tone = 'ok' | 'warn' | 'bad' | 'idle';

/** Component state → tone and a word (status is never shown by colour alone). */
export function componentTone(state: string | null | undefined): { tone: Tone; label: string } {
  switch (state) {
    case 'up':
      return { tone: 'ok', label: 'up' };
    case 'starting':
      return { tone: 'warn', label: 'starting' };
    case 'degraded':
      return { tone: 'warn', label: 'degraded' };
    case 'down':
      return { tone: 'bad', label: 'down' };
    default:
      return { tone: 'idle', label: state ?? 'unknown' };
  }
}

export function batteryTone(pct: number | null | undefined): Tone {
  if (pct == null) return 'idle';
  if (pct < 10) return 'bad';
  if (pct < 25) return 'warn';
  return 'ok';
}

/** RSSI in dBm: better than −70 is fine, −70..−85 marginal, below −85 poor. */
export function rssiTone(dbm: number | null | undefined): Tone {
  if (dbm == null) return 'idle';
  if (dbm < -85) return 'bad';
  if (dbm < -70) return 'warn';
  return 'ok';
}
