import { describe, expect, it } from 'vitest';
import type { HealthSnapshot } from '../../src-shared/contract/types';
import { HEALTH_STALE_MS, healthView, REJECTS_RECENT_MS } from './healthView';

const snapshot = {
  ok: false,
  started_at: '2026-02-17T09:00:00Z',
  broker: { state: 'up', mode: 'embedded', urls: ['mqtt://127.0.0.1:1883'], clients: 1, lan: true },
  store: { state: 'down', path: 'x', size_bytes: 0, error: 'disk full' },
  ingest: {
    messages_in: 10,
    events_stored: 5,
    samples_stored: 0,
    duplicates: 0,
    rejects: 2,
    unhandled: 0,
    rejects_by_reason: {},
    rate_per_s: 12.4,
  },
  bridges: { state: 'up', count: 0 },
  sync: { state: 'up', pending: 0, last_sync: null },
} as HealthSnapshot;

const base = {
  connection: 'connected' as const,
  link: 'WebSocket',
  healthAt: 1000,
  rejectsGrewAt: null,
  now: 2000,
};

describe('healthView', () => {
  it('maps component states to tones and words', () => {
    const v = healthView(snapshot, base);
    expect(v.core).toEqual({ tone: 'ok', label: 'connected (WebSocket)' });
    expect(v.broker).toMatchObject({ tone: 'ok', label: 'up', mode: 'embedded', lan: true, clients: 1 });
    expect(v.store).toEqual({ tone: 'bad', label: 'down', error: 'disk full' });
    expect(v.ratePerS).toBe(12.4);
    expect(v.rejects).toEqual({ tone: 'ok', count: 2, rising: false });
  });

  it('marks rejects as rising for a while after the counter grew', () => {
    expect(healthView(snapshot, { ...base, rejectsGrewAt: 1500 }).rejects).toEqual({
      tone: 'warn',
      count: 2,
      rising: true,
    });
    expect(
      healthView(snapshot, { ...base, rejectsGrewAt: 1500, now: 1500 + REJECTS_RECENT_MS }).rejects.rising,
    ).toBe(false);
  });

  it('flags stale health while connected', () => {
    expect(healthView(snapshot, { ...base, now: 1000 + HEALTH_STALE_MS + 1 }).core).toEqual({
      tone: 'warn',
      label: 'stale (WebSocket)',
    });
  });

  it('greys the last snapshot when the core is unreachable', () => {
    const v = healthView(snapshot, { ...base, connection: 'reconnecting' });
    expect(v.core).toEqual({ tone: 'bad', label: 'lost — reconnecting' });
    expect(v.broker.tone).toBe('idle');
    expect(v.broker.label).toBe('up (last known)');
    expect(v.rejects.tone).toBe('idle');
    expect(v.offline).toBe(true);
  });

  it('survives an empty or partial snapshot', () => {
    const v = healthView({ ok: true } as HealthSnapshot, base);
    expect(v.broker).toMatchObject({ tone: 'idle', label: 'unknown', urls: [], clients: null, mode: '—' });
    expect(v.ratePerS).toBeNull();
    const none = healthView(null, { ...base, connection: 'connecting' });
    expect(none.core).toEqual({ tone: 'warn', label: 'connecting' });
    expect(none.broker.label).toBe('waiting');
  });
});
