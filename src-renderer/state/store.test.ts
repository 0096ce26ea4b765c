import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeTransport } from '../../src-shared/contract/fake';
import type { HealthSnapshot, MonitorMessage, RejectRow } from '../../src-shared/contract/types';
import type { EventKind, MarshalEvent } from '../../src-shared/events/model';
import { createConnectionSubject } from '../bridge/connection';
import {
  EVENTS_CAP,
  MONITOR_CAP,
  initialMonitor,
  pauseMonitor,
  reduceMonitor,
  reduceRejects,
  resumeMonitor,
  visibleMonitor,
  type ConnectionStatus,
} from './model';
import { createAppStore } from './store';
import { connectStore } from './sync';

function ev(
  id: number,
  kind: EventKind,
  data: Record<string, unknown> = {},
  device_id = 'timer-1',
): MarshalEvent {
  const at = new Date(1_770_000_000_000 + id).toISOString();
  return {
    id,
    kind,
    family: 'range',
    device_id,
    ts: at,
    received_at: at,
    topic: 'leadville/timer/events',
    data,
  };
}

function msg(topic: string, outcome: MonitorMessage['outcome'] = 'event'): MonitorMessage {
  return {
    topic,
    received_at: new Date().toISOString(),
    preview: '{}',
    bytes: 2,
    retained: false,
    qos: 1,
    outcome,
  };
}

function reject(id: number, reason = 'invalid json'): RejectRow {
  return {
    id,
    topic: 'leadville/timer/events',
    received_at: new Date().toISOString(),
    reason,
    payload_preview: '{',
  };
}

function health(rate = 10): HealthSnapshot {
  return {
    ok: true,
    status: 'ok',
    server_time: '2026-02-17T09:00:10.000Z',
    components: {},
    started_at: '2026-02-17T09:00:00.000Z',
    broker: { state: 'up', mode: 'embedded', urls: ['mqtt://127.0.0.1:1883'], clients: 2, lan: false },
    store: { state: 'up', path: '/tmp/x.sqlite', size_bytes: 1000 },
    ingest: {
      messages_in: 5,
      events_stored: 4,
      samples_stored: 0,
      duplicates: 0,
      rejects: 1,
      unhandled: 0,
      rejects_by_reason: { 'invalid json': 1 },
      rate_per_s: rate,
    },
    bridges: { state: 'up', count: 0 },
    sync: { state: 'up', pending: 0, last_sync: null },
  };
}

describe('store: one update per pushed batch', () => {
  it('applies an events batch with a single notification and caps the ring', () => {
    const store = createAppStore(() => 1000);
    const listener = vi.fn();
    store.subscribe(listener);
    const batch = Array.from({ length: EVENTS_CAP + 50 }, (_, i) => ev(i + 1, 'device.status'));
    store.getState().actions.applyEvents(batch);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.getState().events).toHaveLength(EVENTS_CAP);
    expect(store.getState().events[0]?.id).toBe(51);
  });

  it('does not notify for an empty batch', () => {
    const store = createAppStore();
    const listener = vi.fn();
    store.subscribe(listener);
    store.getState().actions.applyEvents([]);
    store.getState().actions.applyMonitor({ messages: [], skipped: 0 });
    store.getState().actions.applyRejects([]);
    expect(listener).not.toHaveBeenCalled();
  });

  it('groups timer events pushed in one batch into the current string', () => {
    const store = createAppStore(() => 5000);
    store
      .getState()
      .actions.applyEvents([
        ev(1, 'timer.start', { string_number: 3 }),
        ev(2, 'timer.shot', { shot_number: 1, time_ms: 1800, split_ms: 1800, string_number: 3 }),
      ]);
    const cur = store.getState().strings.current;
    expect(cur?.string_number).toBe(3);
    expect(cur?.shots).toHaveLength(1);
    expect(cur?.clock_origin).toBe(5000);
  });

  it('merges event history with pushes that arrived first, without duplicates', () => {
    const store = createAppStore(() => 9_999_999_999_999);
    const { actions } = store.getState();
    actions.applyEvents([
      ev(3, 'timer.shot', { shot_number: 2, time_ms: 3000, split_ms: 1000, string_number: 1 }),
    ]);
    // History arrives later, newest first, overlapping the push.
    actions.loadEventHistory([
      ev(3, 'timer.shot', { shot_number: 2, time_ms: 3000, split_ms: 1000, string_number: 1 }),
      ev(2, 'timer.shot', { shot_number: 1, time_ms: 2000, split_ms: 2000, string_number: 1 }),
      ev(1, 'timer.start', { string_number: 1 }),
    ]);
    const s = store.getState();
    expect(s.events.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(s.strings.current?.implicit).toBe(false);
    expect(s.strings.current?.shots.map((r) => r.shot_number)).toEqual([1, 2]);
    expect(s.strings.previous).toEqual([]);
    // A later push continues the same string.
    actions.applyEvents([ev(4, 'timer.stop', { time_ms: 3000, string_number: 1 })]);
    expect(store.getState().strings.current?.stopped).toBe(true);
  });

  it('keeps samples out of React state but counts the batch once', () => {
    const store = createAppStore(() => 42);
    const listener = vi.fn();
    store.subscribe(listener);
    store.getState().actions.applySamples({
      sensors: {
        s1: [
          [1, 1, 2, 3],
          [2, 4, 5, 6],
        ],
        s2: [[1, 0, 0, 0]],
      },
    });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.getState().samplesSeq).toBe(1);
    expect(store.getState().samples.get('s1')?.toTuples()).toEqual([
      [1, 1, 2, 3],
      [2, 4, 5, 6],
    ]);
  });

  it('deduplicates repeated error toasts and counts them', () => {
    const store = createAppStore();
    const { actions } = store.getState();
    actions.notifyError('sensors.list: boom');
    actions.notifyError('sensors.list: boom');
    actions.notifyError('devices.list: bang');
    const toasts = store.getState().toasts;
    expect(toasts.map((t) => [t.message, t.count])).toEqual([
      ['sensors.list: boom', 2],
      ['devices.list: bang', 1],
    ]);
    actions.dismissToast(toasts[0]!.id);
    expect(store.getState().toasts).toHaveLength(1);
  });
});

describe('monitor reducer', () => {
  it('caps the ring, numbers entries, and adds skipped counts', () => {
    let m = initialMonitor;
    m = reduceMonitor(m, {
      messages: Array.from({ length: MONITOR_CAP + 10 }, (_, i) => msg(`t/${i}`)),
      skipped: 7,
    });
    expect(m.messages).toHaveLength(MONITOR_CAP);
    expect(m.messages[0]?.topic).toBe('t/10');
    expect(m.messages.at(-1)?.seq).toBe(MONITOR_CAP + 10);
    expect(m.received).toBe(MONITOR_CAP + 10);
    expect(m.skipped).toBe(7);
  });

  it('freezes the view while paused and counts what arrived meanwhile', () => {
    let m = reduceMonitor(initialMonitor, { messages: [msg('a'), msg('b')], skipped: 0 });
    m = pauseMonitor(m);
    m = reduceMonitor(m, { messages: [msg('c'), msg('d'), msg('e')], skipped: 4 });
    expect(visibleMonitor(m).map((e) => e.topic)).toEqual(['a', 'b']);
    expect(m.arrivedWhilePaused).toBe(7);
    m = resumeMonitor(m);
    expect(visibleMonitor(m).map((e) => e.topic)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(m.arrivedWhilePaused).toBe(0);
  });

  it('returns the same state for an empty batch', () => {
    expect(reduceMonitor(initialMonitor, { messages: [], skipped: 0 })).toBe(initialMonitor);
  });
});

describe('rejects reducer', () => {
  it('merges listed and pushed rejects newest first without duplicates', () => {
    let r = reduceRejects({ rows: [], total: null }, [reject(3), reject(2), reject(1)], 3);
    r = reduceRejects(r, [reject(3), reject(4), reject(5)]);
    expect(r.rows.map((x) => x.id)).toEqual([5, 4, 3, 2, 1]);
    expect(r.total).toBe(3);
  });
});

describe('connectStore', () => {
  afterEach(() => vi.useRealTimers());

  function setup(initial: ConnectionStatus['state'] = 'connected') {
    const calls: string[] = [];
    const transport = createFakeTransport({
      'health.get': () => (calls.push('health.get'), health()),
      'events.list': (req) => {
        calls.push(`events.list:${req.kind}`);
        if (req.kind === 'timer.start')
          return { events: [ev(1, 'timer.start', { string_number: 1 })], next: null };
        if (req.kind === 'timer.shot')
          return {
            events: [
              ev(2, 'timer.shot', { shot_number: 1, time_ms: 1500, split_ms: 1500, string_number: 1 }),
            ],
            next: null,
          };
        return { events: [], next: null };
      },
      'rejects.list': () => (calls.push('rejects.list'), { rejects: [reject(1)], total: 1 }),
    });
    const connection = createConnectionSubject({
      state: initial,
      attempt: 0,
      retryAt: null,
      error: null,
      everConnected: initial === 'connected',
    });
    const store = createAppStore();
    const off = connectStore(transport.bridge, connection, store, { healthPollMs: 60_000 });
    return { transport, connection, store, off, calls };
  }

  const flush = () => new Promise((r) => setTimeout(r, 0));

  it('loads health, timer history and rejects, then follows pushes', async () => {
    const { transport, store, calls, off } = setup();
    await flush();
    expect(calls.sort()).toEqual(
      [
        'events.list:impact',
        'events.list:timer.shot',
        'events.list:timer.start',
        'events.list:timer.stop',
        'health.get',
        'rejects.list',
      ].sort(),
    );
    let s = store.getState();
    expect(s.health?.broker.state).toBe('up');
    expect(s.strings.current?.shots).toHaveLength(1);
    expect(s.rejects.rows).toHaveLength(1);

    transport.push('events', [
      ev(3, 'timer.shot', { shot_number: 2, time_ms: 2500, split_ms: 1000, string_number: 1 }),
    ]);
    transport.push('rejects', [reject(2, 'too large')]);
    transport.push('monitor', { messages: [msg('leadville/timer/events')], skipped: 2 });
    transport.push('health', health(4000));
    s = store.getState();
    expect(s.strings.current?.shots.map((r) => r.shot_number)).toEqual([1, 2]);
    expect(s.rejects.rows.map((r) => r.id)).toEqual([2, 1]);
    expect(s.monitor.messages).toHaveLength(1);
    expect(s.monitor.skipped).toBe(2);
    expect(s.health?.ingest.rate_per_s).toBe(4000);

    off();
    transport.push('events', [ev(4, 'timer.stop', { time_ms: 2500, string_number: 1 })]);
    expect(store.getState().strings.current?.stopped).toBe(false);
  });

  it('waits for the connection before loading, and reloads after a reconnect', async () => {
    const { connection, store, calls } = setup('connecting');
    await flush();
    expect(calls).toEqual([]);
    expect(store.getState().connection.state).toBe('connecting');

    connection.set({ state: 'connected', attempt: 0, retryAt: null, error: null, everConnected: true });
    await flush();
    expect(calls.filter((c) => c === 'health.get')).toHaveLength(1);

    connection.set({ state: 'reconnecting', attempt: 1, retryAt: 1, error: 'lost', everConnected: true });
    expect(store.getState().connection.state).toBe('reconnecting');
    connection.set({ state: 'connected', attempt: 0, retryAt: null, error: null, everConnected: true });
    await flush();
    expect(calls.filter((c) => c === 'health.get')).toHaveLength(2);
  });

  it('shows failed calls as toasts', async () => {
    const transport = createFakeTransport({
      'health.get': () => {
        throw new Error('store is down');
      },
    });
    const connection = createConnectionSubject({
      state: 'connected',
      attempt: 0,
      retryAt: null,
      error: null,
      everConnected: true,
    });
    const store = createAppStore();
    connectStore(transport.bridge, connection, store, { healthPollMs: 60_000 });
    await flush();
    const messages = store.getState().toasts.map((t) => t.message);
    expect(messages).toContain('Health: store is down');
    expect(messages.some((m) => m.startsWith('Rejects:'))).toBe(true);
  });
});

describe('health reducer: core restart', () => {
  it('drops id-keyed buffers when the core restarted, keeps them otherwise', () => {
    const store = createAppStore(() => 1);
    const { actions } = store.getState();
    const h1 = { ...health(), started_at: '2026-02-17T10:00:00.000Z' };
    actions.applyHealth(h1);
    actions.applyEvents([ev(7, 'timer.start', { string_number: 1 })]);
    actions.applyRejects([reject(3)]);
    actions.applyHealth({ ...h1 });
    expect(store.getState().strings.current).not.toBeNull();
    actions.applyHealth({ ...h1, started_at: '2026-02-17T11:00:00.000Z' });
    const s = store.getState();
    expect(s.events).toEqual([]);
    expect(s.strings.current).toBeNull();
    expect(s.rejects.rows).toEqual([]);
    // A fresh core numbers events from 1 again; they must not be ignored as duplicates.
    actions.applyEvents([ev(1, 'timer.start', { string_number: 1 })]);
    expect(store.getState().strings.current?.key).toBe(1);
  });
});

describe('health reducer', () => {
  it('remembers when the rejects counter grew', () => {
    let t = 1000;
    const store = createAppStore(() => t);
    const { actions } = store.getState();
    const h1 = health();
    actions.applyHealth(h1);
    expect(store.getState().rejectsGrewAt).toBeNull();
    t = 2000;
    actions.applyHealth({ ...h1, ingest: { ...h1.ingest, rejects: 3 } });
    expect(store.getState().rejectsGrewAt).toBe(2000);
    t = 3000;
    actions.applyHealth({ ...h1, ingest: { ...h1.ingest, rejects: 3 } });
    expect(store.getState().rejectsGrewAt).toBe(2000);
    expect(store.getState().healthAt).toBe(3000);
  });
});

describe('malformed pushes', () => {
  it('coerces or drops bad monitor messages and rejects instead of crashing views', () => {
    const m = reduceMonitor(initialMonitor, {
      messages: [
        { topic: 'a/b' } as unknown as MonitorMessage,
        { preview: 'no topic' } as unknown as MonitorMessage,
        null as unknown as MonitorMessage,
        { ...msg('c/d'), outcome: 'weird' as MonitorMessage['outcome'] },
      ],
      skipped: 0,
    });
    expect(m.messages.map((e) => [e.topic, e.preview, e.outcome, e.seq])).toEqual([
      ['a/b', '', 'unhandled', 1],
      ['c/d', '{}', 'unhandled', 2],
    ]);
    const r = reduceRejects({ rows: [], total: null }, [
      { id: 1 } as unknown as RejectRow,
      { topic: 'no id' } as unknown as RejectRow,
    ]);
    expect(r.rows).toEqual([{ id: 1, topic: '', received_at: '', reason: '', payload_preview: '' }]);
  });

  it('tolerates timer events without a data object', () => {
    const store = createAppStore(() => 1);
    const bad = { ...ev(1, 'timer.shot'), data: undefined } as unknown as MarshalEvent;
    store.getState().actions.applyEvents([bad]);
    expect(store.getState().strings.current?.shots[0]?.time_ms).toBeNull();
  });
});
