import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HealthSnapshot } from '../../src-shared/contract/types';
import type { ConnectionStatus } from '../state/model';
import { createBridge, wsUrlFor } from './index';
import { backoffDelay, createWsBridge, type SocketLike } from './wsBridge';

class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  closedWith: [number | undefined, string | undefined] | null = null;
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.readyState = 3;
  }
  // Test helpers: what the server/network does.
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }
  drop(reason = ''): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code: 1006, reason });
  }
  frames(): Array<{ t: string; id: number; name: string; req?: unknown }> {
    return this.sent.map((s) => JSON.parse(s));
  }
}

const latest = () => FakeSocket.all[FakeSocket.all.length - 1] as FakeSocket;

function make(opts: Partial<Parameters<typeof createWsBridge>[0]> = {}) {
  const states: ConnectionStatus[] = [];
  const bridge = createWsBridge({
    url: 'ws://host:8000/ws',
    createSocket: (url) => new FakeSocket(url),
    random: () => 0.5,
    now: () => 0,
    ...opts,
  });
  bridge.connection.subscribe((s) => states.push(s));
  return { bridge, states };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WebSocket bridge framing', () => {
  it('queues calls until open, then sends numbered call frames', async () => {
    const { bridge } = make();
    const p1 = bridge.call('sensors.list', undefined);
    const p2 = bridge.call('events.list', { kind: 'timer.shot', limit: 5 });
    const sock = latest();
    expect(sock.url).toBe('ws://host:8000/ws');
    expect(sock.sent).toEqual([]);
    sock.open();
    const frames = sock.frames();
    expect(frames).toEqual([
      { t: 'call', id: 1, name: 'sensors.list' },
      { t: 'call', id: 2, name: 'events.list', req: { kind: 'timer.shot', limit: 5 } },
    ]);
    // Answers may come in any order; each resolves its own call.
    sock.receive({ t: 'result', id: 2, ok: true, res: { events: [], next: null } });
    sock.receive({ t: 'result', id: 1, ok: true, res: { sensors: [{ sensor_id: 's1' }] } });
    await expect(p1).resolves.toEqual({ sensors: [{ sensor_id: 's1' }] });
    await expect(p2).resolves.toEqual({ events: [], next: null });
  });

  it('rejects a call with the server error and its status', async () => {
    const { bridge } = make();
    latest().open();
    const p = bridge.call('telemetry.recent', { sensor_id: 's1' });
    latest().receive({
      t: 'result',
      id: 1,
      ok: false,
      status: 400,
      error: 'invalid telemetry.recent request',
    });
    await expect(p).rejects.toMatchObject({
      name: 'BridgeCallError',
      message: 'invalid telemetry.recent request',
      status: 400,
      command: 'telemetry.recent',
    });
  });

  it('dispatches push frames to listeners of that name only, and unsubscribes', () => {
    const { bridge } = make();
    latest().open();
    const health = vi.fn();
    const events = vi.fn();
    const off = bridge.on('health', health);
    bridge.on('events', events);
    const snapshot = { ok: true } as unknown as HealthSnapshot;
    latest().receive({ t: 'push', name: 'health', payload: snapshot });
    expect(health).toHaveBeenCalledWith(snapshot);
    expect(events).not.toHaveBeenCalled();
    off();
    latest().receive({ t: 'push', name: 'health', payload: snapshot });
    expect(health).toHaveBeenCalledTimes(1);
  });

  it('survives garbage frames and a throwing listener', () => {
    const { bridge } = make();
    latest().open();
    const good = vi.fn();
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    bridge.on('rejects', () => {
      throw new Error('bad listener');
    });
    bridge.on('rejects', good);
    latest().receive('not json');
    latest().receive({ t: 'weird' });
    latest().receive({ t: 'result', id: 999, ok: true, res: 1 });
    latest().receive({ t: 'push', name: 'rejects', payload: [] });
    expect(good).toHaveBeenCalledWith([]);
    err.mockRestore();
    warn.mockRestore();
  });

  it('times out a call that gets no answer', async () => {
    const { bridge } = make({ callTimeoutMs: 1000 });
    latest().open();
    const p = bridge.call('stats.get', undefined);
    const assertion = expect(p).rejects.toThrow('no answer');
    vi.advanceTimersByTime(1001);
    await assertion;
  });
});

describe('WebSocket bridge reconnect', () => {
  it('reports connected, then reconnecting with backoff, and reconnects', () => {
    const { bridge, states } = make({ backoffInitialMs: 100, backoffMaxMs: 1000 });
    expect(bridge.connection.get().state).toBe('connecting');
    latest().open();
    expect(states.at(-1)).toMatchObject({ state: 'connected', everConnected: true });

    latest().drop();
    expect(states.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 1, retryAt: 100 });
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(99);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);

    // Second failure without ever opening: the delay doubles.
    latest().drop();
    expect(states.at(-1)).toMatchObject({ state: 'reconnecting', attempt: 2, retryAt: 200 });
    vi.advanceTimersByTime(200);
    expect(FakeSocket.all).toHaveLength(3);
    latest().open();
    expect(states.at(-1)).toMatchObject({ state: 'connected', attempt: 0 });
  });

  it('rejects calls that were on the wire when the socket dropped, and resends queued ones', async () => {
    const { bridge } = make({ backoffInitialMs: 10 });
    latest().open();
    const inFlight = bridge.call('devices.list', undefined);
    const assertion = expect(inFlight).rejects.toThrow('connection to the core lost');
    latest().drop();
    await assertion;

    const queued = bridge.call('clients.list', undefined);
    vi.advanceTimersByTime(10);
    const sock = latest();
    sock.open();
    expect(sock.frames()).toEqual([{ t: 'call', id: 2, name: 'clients.list' }]);
    sock.receive({ t: 'result', id: 2, ok: true, res: { clients: [] } });
    await expect(queued).resolves.toEqual({ clients: [] });
  });

  it('keeps push listeners across reconnects (the server pushes to every socket)', () => {
    const { bridge } = make({ backoffInitialMs: 10 });
    const listener = vi.fn();
    bridge.on('monitor', listener);
    latest().open();
    latest().drop();
    vi.advanceTimersByTime(10);
    latest().open();
    latest().receive({ t: 'push', name: 'monitor', payload: { messages: [], skipped: 3 } });
    expect(listener).toHaveBeenCalledWith({ messages: [], skipped: 3 });
  });

  it('ignores events from a stale socket', () => {
    const { bridge } = make({ backoffInitialMs: 10 });
    const listener = vi.fn();
    bridge.on('health', listener);
    const first = latest();
    first.open();
    first.drop();
    vi.advanceTimersByTime(10);
    first.receive({ t: 'push', name: 'health', payload: {} });
    expect(listener).not.toHaveBeenCalled();
  });

  it('retries when the socket constructor throws', () => {
    let fail = true;
    const { bridge } = make({
      backoffInitialMs: 10,
      createSocket: (url) => {
        if (fail) throw new Error('bad url');
        return new FakeSocket(url);
      },
    });
    expect(bridge.connection.get()).toMatchObject({ state: 'reconnecting', error: 'bad url' });
    fail = false;
    vi.advanceTimersByTime(10);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('close() stops reconnecting and rejects pending calls', async () => {
    const { bridge } = make({ backoffInitialMs: 10 });
    const p = bridge.call('health.get', undefined);
    const assertion = expect(p).rejects.toThrow('bridge closed');
    bridge.close();
    await assertion;
    expect(latest().closedWith).toEqual([1000, 'closed']);
    vi.advanceTimersByTime(10_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('caps the backoff and applies jitter', () => {
    expect(backoffDelay(1, 250, 5000, () => 0.5)).toBe(250);
    expect(backoffDelay(3, 250, 5000, () => 0.5)).toBe(1000);
    expect(backoffDelay(20, 250, 5000, () => 0.5)).toBe(5000);
    expect(backoffDelay(1, 1000, 5000, () => 0)).toBe(800);
    expect(backoffDelay(1, 1000, 5000, () => 1)).toBe(1200);
  });
});

describe('createBridge', () => {
  it('uses window.api when the preload exposes it', async () => {
    const unsubscribe = vi.fn();
    const api = {
      'health.get': vi.fn(async () => ({ ok: true, res: { ok: true } })),
      'match.get': vi.fn(async () => ({ ok: false, status: 404, error: 'no match m1' })),
      subscribe: vi.fn(() => unsubscribe),
    };
    const bridge = createBridge({ api, location: { protocol: 'file:', host: '' } }, () => {
      throw new Error('must not open a socket');
    });
    expect(bridge.features).toMatchObject({ webBluetooth: true, link: 'IPC' });
    expect(bridge.features.spectatorUrl).toBeUndefined();
    expect(bridge.connection.get().state).toBe('connected');
    await expect(bridge.call('health.get', undefined)).resolves.toEqual({ ok: true });
    expect(api['health.get']).toHaveBeenCalledWith(undefined);
    const listener = () => {};
    const off = bridge.on('events', listener);
    expect(api.subscribe).toHaveBeenCalledWith('events', listener);
    off();
    expect(unsubscribe).toHaveBeenCalled();
    await expect(bridge.call('stats.get', undefined)).rejects.toThrow('not available');
    // The status crosses the preload as data: contextBridge would drop it from an Error.
    await expect(bridge.call('match.get', { match_id: 'm1' })).rejects.toMatchObject({
      message: 'no match m1',
      status: 404,
    });
  });

  it('falls back to a WebSocket on the page host', () => {
    const bridge = createBridge(
      { location: { protocol: 'https:', host: 'range.local:8443' } },
      (url) => new FakeSocket(url),
    );
    expect(bridge.features).toEqual({ spectatorUrl: '/leaderboard', webBluetooth: false, link: 'WebSocket' });
    expect(latest().url).toBe('wss://range.local:8443/ws');
    expect(wsUrlFor({ protocol: 'http:', host: '127.0.0.1:8000' })).toBe('ws://127.0.0.1:8000/ws');
  });
});
