import { familyOfTopic } from '../../src-shared/families';
import { devicesMigrations } from './migrations';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContractError } from '../../src-shared/contract';
import type { CommandRecord } from '../../src-shared/contract/devices';
import type { MarshalEvent } from '../../src-shared/events/model';
import { DeviceRegistry } from '../services/devices';
import { Store } from '../store/store';
import { CommandService } from './service';
import type { BridgesService as BridgesSender } from '../core/services';
import { CommandStore } from './store';

const T0 = Date.parse('2026-03-01T10:00:00Z');

let dir: string;
let store: Store;
let clock: number;
let published: { topic: string; payload: string; qos: number }[];
let publishFails: Error | null;
let emitted: CommandRecord[][];
let bridges: BridgesSender | undefined;
let users: Set<string>;
let registry: DeviceRegistry;
let seq = 0;

function ev(
  kind: MarshalEvent['kind'],
  device_id: string,
  topic: string,
  data: Record<string, unknown>,
): MarshalEvent {
  const at = new Date(clock).toISOString();
  const family = familyOfTopic(topic, { rangePrefix: 'leadville' }) ?? 'console';
  return { id: ++seq, kind, family, device_id, ts: at, received_at: at, topic, data };
}

const cabinetOnline = (id: string, online = true) =>
  ev('device.status', id, `whackamole/${id}/status`, { family: 'whackamole', online, state: 'idle' });
const gatewayOnline = (id: string, online = true) =>
  ev('device.status', id, `devices/${id}/status`, { family: 'gateway', online });
// Sensors behind a range bridge answer on their own ack topic, by command id: the lifecycle's
// acknowledged / failed / timed-out paths.
const sensorOnline = (id: string) =>
  ev('sensor.status', id, `leadville/sensor/${id}/status`, { state: 'connected' });
const ack = (id: string, commandId: string, ok: boolean, error: string | null = null) =>
  ev('command.ack', id, `leadville/sensor/${id}/command/ack`, { command_id: commandId, ok, error });

function service(): CommandService {
  return new CommandService({
    store: new CommandStore(store.db),
    devices: registry,
    rangePrefix: 'leadville',
    publish: async (topic, payload, opts) => {
      if (publishFails) throw publishFails;
      published.push({
        topic,
        payload: typeof payload === 'string' ? payload : Buffer.from(payload).toString('latin1'),
        qos: opts.qos,
      });
    },
    bridges: () => bridges,
    connectedUsers: () => users,
    emit: (records) => emitted.push(records),
    now: () => clock,
  });
}

/** Feeds events to the registry first (as the core does) and then to the service. */
function commit(svc: CommandService, events: MarshalEvent[]): void {
  registry.observeEvents(events);
  svc.onBatch(events);
}

const flushPromises = () => new Promise((r) => setImmediate(r));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-cmd-'));
  store = new Store(dir, undefined, devicesMigrations);
  registry = new DeviceRegistry(store.db);
  clock = T0;
  published = [];
  publishFails = null;
  emitted = [];
  bridges = undefined;
  users = new Set();
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('CommandService', () => {
  it('sends a cabinet command as its one raw byte at QoS 2 and ends it delivered', async () => {
    const svc = service();
    commit(svc, [cabinetOnline('cab-1')]);
    const rec = svc.send({ device_id: 'cab-1', command: 'set_level', args: { level: 3 }, who: 'operator' });
    expect(rec).toMatchObject({ state: 'sent', family: 'whackamole', target: 'cabinet', via: 'mqtt' });
    expect(published).toEqual([{ topic: 'whac/cab-1/commands', payload: '3', qos: 2 }]);
    await flushPromises();
    // Cabinets never answer: waiting for an ack would only ever end in a timeout.
    expect(svc.get(rec.id)).toMatchObject({ state: 'delivered', error: null });
    clock += 60_000;
    svc.tick();
    expect(svc.get(rec.id)!.state).toBe('delivered');
    svc.send({ device_id: 'cab-1', command: 'pause', who: 'operator' });
    expect(published[1]).toEqual({ topic: 'whac/cab-1/commands', payload: 'P', qos: 2 });
  });

  it('sends to an online sensor at once and records its acknowledgement', () => {
    const svc = service();
    commit(svc, [sensorOnline('s-1')]);
    const rec = svc.send({ device_id: 's-1', command: 'read_battery', who: 'operator' });
    expect(rec).toMatchObject({ state: 'sent', family: 'range', target: 'sensor', via: 'mqtt' });
    expect(published.map((p) => [p.topic, p.qos])).toEqual([['leadville/sensor/s-1/command', 1]]);
    clock += 120;
    commit(svc, [ack('s-1', rec.id, true)]);
    expect(svc.get(rec.id)).toMatchObject({
      state: 'acknowledged',
      acked_at: new Date(T0 + 120).toISOString(),
      error: null,
    });
  });

  it('records a refusal with the device’s reason', () => {
    const svc = service();
    commit(svc, [sensorOnline('s-1')]);
    const rec = svc.send({ device_id: 's-1', command: 'recalibrate', who: 'operator' });
    commit(svc, [ack('s-1', rec.id, false, 'sensor is calibrating')]);
    expect(svc.get(rec.id)).toMatchObject({ state: 'failed', error: 'sensor is calibrating' });
  });

  it('times out a silent device, and a late answer still counts', () => {
    const svc = service();
    commit(svc, [sensorOnline('s-1')]);
    const rec = svc.send({ device_id: 's-1', command: 'read_battery', who: 'operator', timeout_ms: 2000 });
    clock += 1999;
    svc.tick();
    expect(svc.get(rec.id)!.state).toBe('sent');
    clock += 1;
    svc.tick();
    expect(svc.get(rec.id)).toMatchObject({ state: 'timed_out', error: 'no acknowledgement within 2 s' });
    clock += 5000;
    commit(svc, [ack('s-1', rec.id, true)]);
    expect(svc.get(rec.id)!.state).toBe('acknowledged');
  });

  it('ignores an acknowledgement from another device’s topic', () => {
    const svc = service();
    commit(svc, [sensorOnline('s-1'), sensorOnline('s-2')]);
    const rec = svc.send({ device_id: 's-1', command: 'read_battery', who: 'operator' });
    commit(svc, [ack('s-2', rec.id, true)]);
    expect(svc.get(rec.id)!.state).toBe('sent');
  });

  it('queues for an offline device and delivers when it comes back, until it expires', () => {
    const svc = service();
    commit(svc, [gatewayOnline('gw-1', false)]);
    const rec = svc.send({
      device_id: 'gw-1',
      command: 'set_auto_mode',
      args: { enabled: true },
      who: 'api (127.0.0.1)',
      ttl_ms: 60_000,
    });
    expect(rec.state).toBe('queued');
    clock += 10_000;
    svc.tick();
    expect(published).toHaveLength(0);
    commit(svc, [gatewayOnline('gw-1', true)]);
    expect(svc.get(rec.id)).toMatchObject({ state: 'sent', sent_at: new Date(T0 + 10_000).toISOString() });
    expect(published.map((p) => p.topic)).toEqual(['devices/gw-1/commands']);
    expect(JSON.parse(published[0]!.payload)).toEqual({ command_type: 'set_auto_mode', enabled: true });

    const late = svc.send({
      device_id: 'gw-1',
      command: 'set_auto_mode',
      args: { enabled: true },
      who: 'operator',
      ttl_ms: 5000,
    });
    expect(late.state).toBe('sent');
    commit(svc, [gatewayOnline('gw-1', false)]);
    const stale = svc.send({
      device_id: 'gw-1',
      command: 'set_auto_mode',
      args: { enabled: true },
      who: 'operator',
      ttl_ms: 5000,
    });
    expect(stale.state).toBe('queued');
    clock += 5000;
    svc.tick();
    expect(svc.get(stale.id)).toMatchObject({ state: 'expired', error: 'not delivered before it expired' });
    commit(svc, [gatewayOnline('gw-1', true)]);
    expect(svc.get(stale.id)!.state).toBe('expired');
  });

  it('acknowledges a gateway switch when the matching actuator state arrives, in the room it resolves', () => {
    const svc = service();
    commit(svc, [gatewayOnline('gw-1')]);
    const state = (data: Record<string, unknown>, id = 'gw-1') =>
      ev('actuator.state', id, `devices/${id}/actuator_states`, data);
    const rec = svc.send({
      device_id: 'gw-1',
      command: 'set_actuator',
      args: { room: 'spawning', actuator: 'mist_maker', state: 'on' },
      who: 'operator',
      timeout_ms: 10_000,
    });
    expect(JSON.parse(published[0]!.payload)).toMatchObject({
      room: 'spawning',
      actuator: 'mist_maker',
      state: 'ON',
    });
    commit(svc, [
      state({ room: 'fruiting', actuator: 'mist_maker', state: 'off' }),
      state({ room: 'fruiting', actuator: 'led', state: 'on' }),
      state({ room: 'fruiting', actuator: 'mist_maker', state: 'on' }, 'gw-2'),
    ]);
    expect(svc.get(rec.id)!.state).toBe('sent');
    // The mist maker exists only in the fruiting room: that is where the gateway reports it.
    commit(svc, [state({ room: 'fruiting', actuator: 'mist_maker', state: 'on' })]);
    expect(svc.get(rec.id)!.state).toBe('acknowledged');

    const exhaust = svc.send({
      device_id: 'gw-1',
      command: 'set_actuator',
      args: { room: 'spawning', actuator: 'exhaust_fan', state: 'off' },
      who: 'operator',
      timeout_ms: 10_000,
    });
    commit(svc, [state({ room: 'fruiting', actuator: 'exhaust_fan', state: 'off' })]);
    expect(svc.get(exhaust.id)!.state).toBe('sent');
    clock += 10_000;
    svc.tick();
    expect(svc.get(exhaust.id)!.state).toBe('timed_out');
  });

  it('puts a command back in the queue when the broker does not take it', async () => {
    const svc = service();
    commit(svc, [cabinetOnline('cab-1')]);
    publishFails = new Error('broker not running');
    const rec = svc.send({ device_id: 'cab-1', command: 'identify', who: 'operator' });
    await flushPromises();
    expect(svc.get(rec.id)).toMatchObject({ state: 'queued', error: 'publish failed: broker not running' });
    publishFails = null;
    svc.tick();
    expect(svc.get(rec.id)).toMatchObject({ state: 'sent', attempts: 2, error: null });
  });

  it('refuses unknown devices (404), bad arguments and devices without commands (400)', () => {
    const svc = service();
    commit(svc, [
      cabinetOnline('cab-1'),
      ev('device.hello', 'u1', 'neurogame/u1/events', { family: 'neurogame' }),
    ]);
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as ContractError;
      }
      throw new Error('did not throw');
    };
    expect(err(() => svc.send({ device_id: 'ghost', command: 'stop', who: 'x' }))).toMatchObject({
      status: 404,
      message: 'unknown device "ghost"',
    });
    expect(
      err(() => svc.send({ device_id: 'cab-1', family: 'gateway', command: 'stop', who: 'x' })).status,
    ).toBe(404);
    const bad = err(() =>
      svc.send({ device_id: 'cab-1', command: 'set_level', args: { level: 9 }, who: 'x' }),
    );
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/level/);
    expect(err(() => svc.send({ device_id: 'u1', command: 'start', who: 'x' })).message).toMatch(
      /takes no commands/,
    );
    expect(published).toHaveLength(0);
  });

  it('asks for the family when an id is used by two families', () => {
    const svc = service();
    commit(svc, [cabinetOnline('unit-1'), gatewayOnline('unit-1')]);
    expect(() => svc.send({ device_id: 'unit-1', command: 'identify', who: 'x' })).toThrow(/give family/);
    const rec = svc.send({
      device_id: 'unit-1',
      family: 'gateway',
      command: 'set_auto_mode',
      args: { enabled: true },
      who: 'x',
    });
    expect(rec).toMatchObject({ family: 'gateway', state: 'sent' });
    expect(published[0]!.topic).toBe('devices/unit-1/commands');
  });

  it('addresses range timers and sensors through the bridge topics', () => {
    const svc = service();
    commit(svc, [
      ev('timer.status', 'amg-01', 'leadville/timer/status', { state: 'connected' }),
      ev('sensor.status', 'bt50-01', 'leadville/sensor/bt50-01/status', { state: 'connected' }),
    ]);
    const t = svc.send({ device_id: 'amg-01', command: 'remote_start', who: 'operator' });
    const s = svc.send({ device_id: 'bt50-01', command: 'read_battery', who: 'operator' });
    expect(published.map((p) => p.topic)).toEqual([
      'leadville/timer/command',
      'leadville/sensor/bt50-01/command',
    ]);
    commit(svc, [
      ev('command.ack', 'timer', 'leadville/timer/command/ack', { command_id: t.id, ok: true, error: null }),
      ev('command.ack', 'bt50-01', 'sensor/bt50-01/command/ack', { command_id: s.id, ok: true, error: null }),
    ]);
    expect(svc.get(t.id)!.state).toBe('acknowledged');
    expect(svc.get(s.id)!.state).toBe('acknowledged');
  });

  it('goes through a serial/BLE bridge when it can reach the device', async () => {
    const svc = service();
    commit(svc, [ev('timer.status', 'amg-ble', 'bridge/ble', { state: 'disconnected' })]);
    const calls: unknown[][] = [];
    let outcome: Error | null = null;
    bridges = {
      canSend: (id) => id === 'amg-ble',
      send: async (...args) => {
        calls.push(args);
        if (outcome) throw outcome;
        return { ok: true, transport: 'ble', acknowledged: true, sent: [] };
      },
    };
    const ok = svc.send({
      device_id: 'amg-ble',
      command: 'set_sensitivity',
      args: { level: 3 },
      who: 'operator',
    });
    expect(ok).toMatchObject({ state: 'sent', via: 'bridge', topic: null });
    await flushPromises();
    expect(calls).toEqual([['amg-ble', 'set_sensitivity', { level: 3 }, { command_id: ok.id }]]);
    expect(svc.get(ok.id)!.state).toBe('acknowledged');
    // Written, but not confirmed by the device: it waits for an ack event, or times out.
    let unconfirmed = true;
    bridges.send = async (...args) => {
      calls.push(args);
      if (outcome) throw outcome;
      return { ok: true, transport: 'ble', acknowledged: !unconfirmed, sent: [] };
    };
    const pending = svc.send({
      device_id: 'amg-ble',
      command: 'request_string',
      who: 'operator',
      timeout_ms: 1000,
    });
    await flushPromises();
    expect(svc.get(pending.id)!.state).toBe('sent');
    commit(svc, [ev('command.ack', 'amg-ble', 'serial/ttyUSB0', { command_id: pending.id, ok: true })]);
    expect(svc.get(pending.id)!.state).toBe('acknowledged');
    unconfirmed = false;
    outcome = new Error('not connected');
    const bad = svc.send({ device_id: 'amg-ble', command: 'remote_start', who: 'operator' });
    await flushPromises();
    expect(svc.get(bad.id)).toMatchObject({ state: 'failed', error: 'bridge: not connected' });
    expect(published).toHaveLength(0);
  });

  it('counts a connected MQTT client holding the device’s credential as reachable (LAN mode)', () => {
    const svc = service();
    commit(svc, [cabinetOnline('cab-1', false)]);
    const rec = svc.send({ device_id: 'cab-1', command: 'identify', who: 'operator' });
    expect(rec.state).toBe('queued');
    users.add('cab-1');
    svc.onBatch([], ['cab-1']);
    expect(svc.get(rec.id)!.state).toBe('sent');
  });

  it('cancels a queued command only', () => {
    const svc = service();
    commit(svc, [cabinetOnline('cab-1', false)]);
    const rec = svc.send({ device_id: 'cab-1', command: 'reset', who: 'operator' });
    expect(svc.cancel(rec.id, 'operator')).toMatchObject({ state: 'failed', error: 'cancelled by operator' });
    expect(() => svc.cancel(rec.id, 'operator')).toThrow(/only a queued command/);
    expect(() => svc.cancel('nope', 'operator')).toThrow(/unknown command/);
  });

  it('keeps commands across a restart and picks up where they were', () => {
    const first = service();
    commit(first, [cabinetOnline('cab-1', false)]);
    const queued = first.send({ device_id: 'cab-1', command: 'identify', who: 'api (10.0.0.5)' });
    const second = service();
    expect(second.get(queued.id)).toMatchObject({ state: 'queued', who: 'api (10.0.0.5)' });
    commit(second, [cabinetOnline('cab-1', true)]);
    expect(second.get(queued.id)!.state).toBe('sent');
    expect(second.list({ device_id: 'cab-1' }).map((c) => c.id)).toEqual([queued.id]);
  });

  it('pushes what changed once per tick', () => {
    const svc = service();
    commit(svc, [sensorOnline('s-1')]);
    const a = svc.send({ device_id: 's-1', command: 'read_battery', who: 'operator' });
    const b = svc.send({ device_id: 's-1', command: 'read_battery', who: 'operator' });
    commit(svc, [ack('s-1', a.id, true)]);
    expect(emitted).toHaveLength(0);
    svc.tick();
    expect(emitted).toHaveLength(1);
    expect(emitted[0]!.map((r) => [r.id, r.state]).sort()).toEqual(
      [
        [a.id, 'acknowledged'],
        [b.id, 'sent'],
      ].sort(),
    );
    svc.tick();
    expect(emitted).toHaveLength(1);
  });

  it('uses and keeps the settings', () => {
    const svc = service();
    expect(svc.settings()).toEqual({ ack_timeout_ms: 10_000, expiry_ms: 300_000 });
    svc.updateSettings({ ack_timeout_ms: 1500 });
    commit(svc, [cabinetOnline('cab-1')]);
    expect(svc.send({ device_id: 'cab-1', command: 'identify', who: 'x' }).timeout_ms).toBe(1500);
    expect(service().settings()).toEqual({ ack_timeout_ms: 1500, expiry_ms: 300_000 });
  });
});
