/**
 * The BLE bridge's link handling over the fake GATT transport: connect, drop and reconnect with
 * backoff, a device another client holds, out of range and back, disable, polling, scanning,
 * command routing.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultDrivers } from '../../../src-shared/families/bridged';
import type { BridgeMessage } from '../../../src-shared/bridges/driver';
import { FakeGattTransport } from '../../../tests/support/fake-gatt';
import { BATTERY_LEVEL_UUID, BATTERY_SERVICE_UUID } from '../../../src-shared/bridges/gatt';
import { ManualClock } from '../../../src-shared/bridges/manual-clock';
import {
  AMG_NOTIFY_CHARACTERISTIC_UUID,
  AMG_SERVICE_UUID,
  AMG_WRITE_CHARACTERISTIC_UUID,
  hexToBytes,
} from '../../../src-shared/decoders/amg';
import { BleBridge } from './ble-bridge';

const AMG = 'C4:5A:11:22:33:44';

let clock: ManualClock;
let gatt: FakeGattTransport;
let out: { message: BridgeMessage; address: string }[];
let bridge: BleBridge;
let transportOk: boolean;

const statuses = () =>
  out.filter((o) => o.message.path === 'timer/status').map((o) => o.message.payload.connection as string);

beforeEach(() => {
  clock = new ManualClock();
  gatt = new FakeGattTransport(() => clock.now());
  gatt.addDevice({
    address: AMG,
    name: 'AMG LAB COMM 1',
    rssi: -58,
    services: {
      [AMG_SERVICE_UUID]: { [AMG_NOTIFY_CHARACTERISTIC_UUID]: {}, [AMG_WRITE_CHARACTERISTIC_UUID]: {} },
      [BATTERY_SERVICE_UUID]: { [BATTERY_LEVEL_UUID]: { value: Uint8Array.of(64) } },
    },
  });
  out = [];
  transportOk = true;
  bridge = new BleBridge({
    drivers: defaultDrivers(),
    clock,
    resolveTransport: async () =>
      transportOk ? { transport: gatt, reason: null } : { transport: null, reason: 'no adapter' },
    emit: (message, address) => out.push({ message, address }),
    reconnectBaseMs: 1000,
    reconnectMaxMs: 8000,
    pollMs: 30_000,
    connectTimeoutMs: 5000,
    unavailableRetryMs: 15_000,
  });
});

const cfg = (enabled = true) => ({
  address: AMG,
  driver: 'amg-commander',
  device_id: 'amg-1',
  name: 'AMG LAB COMM 1',
  enabled,
});

describe('BleBridge', () => {
  it('connects an enabled device and feeds its frames through the driver', async () => {
    bridge.configure(cfg());
    await clock.settle();
    expect(bridge.row(AMG)).toMatchObject({
      state: 'connected',
      battery: 64,
      device_id: 'amg-1',
      attempts: 0,
    });
    expect(bridge.canSend('amg-1')).toBe(true);
    expect(statuses()).toEqual(['connected']);
    gatt.notify(
      AMG,
      AMG_SERVICE_UUID,
      AMG_NOTIFY_CHARACTERISTIC_UUID,
      hexToBytes('0105000000000000000000000001'),
    );
    expect(out.at(-1)).toMatchObject({
      address: AMG,
      message: { path: 'timer/events', payload: { event_type: 'START' } },
    });
    expect(bridge.row(AMG)!.notifications).toBe(1);
  });

  it('reconnects after the link drops, with backoff, and frames flow again', async () => {
    bridge.configure(cfg());
    await clock.settle();
    gatt.drop(AMG, 'link lost');
    await clock.settle();
    expect(bridge.row(AMG)).toMatchObject({ state: 'reconnecting', error: 'link lost', attempts: 1 });
    expect(bridge.canSend('amg-1')).toBe(false);
    expect(statuses()).toEqual(['connected', 'disconnected']);
    await clock.advance(999);
    expect(gatt.isConnected(AMG)).toBe(false);
    await clock.advance(1);
    expect(bridge.row(AMG)).toMatchObject({ state: 'connected', attempts: 0 });
    expect(statuses()).toEqual(['connected', 'disconnected', 'connected']);
    expect(
      gatt.notify(
        AMG,
        AMG_SERVICE_UUID,
        AMG_NOTIFY_CHARACTERISTIC_UUID,
        hexToBytes('0105000000000000000000000001'),
      ),
    ).toBe(true);
    expect(out.at(-1)!.message.path).toBe('timer/events');
  });

  it('keeps retrying while another client holds the only link, backing off, then takes it', async () => {
    gatt.setHeldElsewhere(AMG, true);
    bridge.configure(cfg());
    await clock.settle();
    expect(bridge.row(AMG)).toMatchObject({ state: 'reconnecting', attempts: 1 });
    expect(bridge.row(AMG)!.error).toMatch(/another client holds its only link/);
    const before = gatt.connectAttempts;
    await clock.advance(1000); // attempt 2 fails; next in 2 s
    await clock.advance(2000); // attempt 3 fails; next in 4 s
    expect(gatt.connectAttempts - before).toBe(2);
    expect(bridge.row(AMG)!.attempts).toBe(3);
    gatt.setHeldElsewhere(AMG, false);
    await clock.advance(4000);
    expect(bridge.row(AMG)).toMatchObject({ state: 'connected' });
    // Backoff is capped.
    gatt.setPresent(AMG, false);
    for (let i = 0; i < 6; i++) await clock.advance(8000);
    expect(bridge.row(AMG)!.state).toBe('reconnecting');
    expect(Date.parse(bridge.row(AMG)!.next_retry_at!) - clock.now()).toBeLessThanOrEqual(8000);
    gatt.setPresent(AMG, true);
    await clock.advance(8000);
    expect(bridge.row(AMG)!.state).toBe('connected');
  });

  it('never opens a second link to the same device', async () => {
    bridge.configure(cfg());
    await clock.settle();
    bridge.configure({ ...cfg(), name: 'renamed' });
    bridge.kick(AMG);
    await clock.settle();
    expect(bridge.row(AMG)).toMatchObject({ state: 'connected', name: 'renamed' });
    expect(gatt.connectAttempts).toBe(1);
  });

  it('disconnects when disabled and says so', async () => {
    bridge.configure(cfg());
    await clock.settle();
    bridge.configure(cfg(false));
    await clock.settle();
    expect(gatt.isConnected(AMG)).toBe(false);
    expect(bridge.row(AMG)).toMatchObject({ state: 'disabled', enabled: false });
    expect(statuses()).toEqual(['connected', 'disconnected']);
    expect(bridge.health(0)).toEqual({ configured: 0, failing: [] });
  });

  it('refreshes battery and status while connected', async () => {
    bridge.configure(cfg());
    await clock.settle();
    await clock.advance(30_000);
    await clock.advance(30_000);
    expect(statuses()).toEqual(['connected', 'connected', 'connected']);
  });

  it('waits for a transport that is not there, and reports it failing after the grace period', async () => {
    transportOk = false;
    bridge.configure(cfg());
    await clock.settle();
    expect(bridge.row(AMG)).toMatchObject({ state: 'unavailable', error: 'no adapter' });
    expect(bridge.health(10_000).failing).toEqual([]);
    await clock.advance(10_000);
    expect(bridge.health(10_000)).toEqual({ configured: 1, failing: ['ble amg-1: no adapter'] });
    transportOk = true;
    await clock.advance(15_000);
    expect(bridge.row(AMG)!.state).toBe('connected');
    expect(bridge.health(10_000).failing).toEqual([]);
  });

  it('routes commands to the connected device and refuses them otherwise', async () => {
    bridge.configure(cfg());
    await clock.settle();
    const r = bridge.command('amg-1', 'remote_start', {});
    await clock.advance(200);
    await expect(r).resolves.toMatchObject({ acknowledged: true, sent: ['COM START'] });
    gatt.drop(AMG);
    await clock.settle();
    await expect(bridge.command('amg-1', 'remote_start', {})).rejects.toMatchObject({
      code: 'not_connected',
    });
    await expect(bridge.command('nope', 'remote_start', {})).rejects.toMatchObject({ code: 'not_connected' });
  });

  it('scans and names the driver of each device it sees', async () => {
    gatt.addDevice({ address: 'E8:CB:ED:5A:0B:50', name: 'WTVB01-BT50', rssi: -70, services: {} });
    gatt.addDevice({ address: '11:22:33:44:55:66', name: 'Headphones', services: {} });
    await bridge.scan(5);
    await clock.settle();
    expect(bridge.scanning().scanning).toBe(true);
    const rows = bridge.discoveredRows();
    expect(rows.map((r) => [r.address, r.driver]).sort()).toEqual([
      ['11:22:33:44:55:66', null],
      ['C4:5A:11:22:33:44', 'amg-commander'],
      ['E8:CB:ED:5A:0B:50', 'bt50'],
    ]);
    await clock.advance(5000);
    expect(bridge.scanning()).toEqual({ scanning: false, until: null });
  });
});
