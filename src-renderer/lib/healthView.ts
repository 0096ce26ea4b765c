/**
 * What the health bar shows, derived from the last snapshot with defaults for anything missing
 * (an older or partial core must not crash the shell).
 */
import type { HealthSnapshot } from '../../src-shared/contract/types';
import { componentTone, type Tone } from './format';
import type { ConnectionState } from '../state/model';

export const HEALTH_STALE_MS = 10_000;
export const REJECTS_RECENT_MS = 30_000;

export interface HealthView {
  core: { tone: Tone; label: string };
  broker: {
    tone: Tone;
    label: string;
    mode: string;
    lan: boolean;
    urls: string[];
    clients: number | null;
    error: string | null;
  };
  store: { tone: Tone; label: string; error: string | null };
  ratePerS: number | null;
  messagesIn: number | null;
  rejects: { tone: Tone; count: number | null; rising: boolean };
  offline: boolean;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export function healthView(
  health: HealthSnapshot | null,
  input: {
    connection: ConnectionState;
    /** How the bridge names its link to the core. */
    link: string;
    healthAt: number | null;
    rejectsGrewAt: number | null;
    now: number;
  },
): HealthView {
  const { connection, link, healthAt, rejectsGrewAt, now } = input;
  const offline = connection !== 'connected';
  const stale = health !== null && healthAt !== null && !offline && now - healthAt > HEALTH_STALE_MS;
  const core: HealthView['core'] = !offline
    ? { tone: stale ? 'warn' : 'ok', label: `${stale ? 'stale' : 'connected'} (${link})` }
    : connection === 'connecting'
      ? { tone: 'warn', label: 'connecting' }
      : { tone: 'bad', label: 'lost — reconnecting' };

  // While the core is unreachable the last snapshot is greyed and labelled, never shown as live.
  const component = (state: unknown) => {
    const c = health
      ? componentTone(typeof state === 'string' ? state : undefined)
      : { tone: 'idle' as Tone, label: 'waiting' };
    return offline && health ? { tone: 'idle' as Tone, label: `${c.label} (last known)` } : c;
  };

  const b = (health?.broker ?? {}) as Partial<HealthSnapshot['broker']>;
  const st = (health?.store ?? {}) as Partial<HealthSnapshot['store']>;
  const ingest = (health?.ingest ?? {}) as Partial<HealthSnapshot['ingest']>;
  const count = num(ingest.rejects);
  const rising = count !== null && rejectsGrewAt !== null && now - rejectsGrewAt < REJECTS_RECENT_MS;

  return {
    core,
    broker: {
      ...component(b.state),
      mode: str(b.mode) ?? '—',
      lan: b.lan === true,
      urls: Array.isArray(b.urls) ? b.urls.filter((u): u is string => typeof u === 'string') : [],
      clients: num(b.clients),
      error: str(b.error),
    },
    store: { ...component(st.state), error: str(st.error) },
    ratePerS: num(ingest.rate_per_s),
    messagesIn: num(ingest.messages_in),
    rejects: { tone: count === null || offline ? 'idle' : rising ? 'warn' : 'ok', count, rising },
    offline,
  };
}
