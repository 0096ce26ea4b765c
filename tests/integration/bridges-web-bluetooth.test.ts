/**
 * The Electron Web Bluetooth path without Electron: a real console whose BLE transport is the
 * renderer agent (src-renderer/views/bridges/webBluetooth.ts) talking to it over the contract,
 * and a navigator.bluetooth stand-in built on the fake GATT transport that behaves like
 * Electron: requestDevice fires `select-bluetooth-device`, which the main process's selector
 * answers. The main process chooses the device; the renderer only carries the bytes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeTransport } from '../../src-shared/contract/fake';
import { FakeGattTransport } from '../support/fake-gatt';
import type { GattConnection } from '../../src-shared/bridges/gatt';
import {
  AMG_NOTIFY_CHARACTERISTIC_UUID,
  AMG_SERVICE_UUID,
  AMG_WRITE_CHARACTERISTIC_UUID,
  hexToBytes,
} from '../../src-shared/decoders/amg';
import type { BridgesState } from '../../src-shared/contract/bridges';
import { WebBluetoothSelector } from '../../src-main/bridges/ble/web-bluetooth';
import {
  WebBluetoothAgent,
  type WbBluetooth,
  type WbCharacteristic,
  type WbDevice,
  type WbServer,
} from '../../src-renderer/views/bridges/webBluetooth';
import { api, waitFor } from '../helpers/serve';
import { http, startConsole, type Console } from './bridges-harness';

const AMG = 'C4:5A:11:22:33:44';

/** navigator.bluetooth as Electron gives it, over the fake radio and the main-process selector. */
function electronBluetooth(
  gatt: FakeGattTransport,
  selector: WebBluetoothSelector,
): WbBluetooth & { opened: number } {
  const devices = new Map<string, WbDevice>();
  let seq = 0;
  const makeDevice = (address: string, name: string | null): WbDevice => {
    const listeners: (() => void)[] = [];
    let conn: GattConnection | null = null;
    const server: WbServer = {
      connected: false,
      async connect() {
        conn = await gatt.connect(address, { services: [] });
        server.connected = true;
        conn.onDisconnect(() => {
          server.connected = false;
          for (const l of listeners) l();
        });
        return server;
      },
      disconnect() {
        void conn?.disconnect();
      },
      async getPrimaryService(service) {
        if (!conn) throw new Error('NetworkError: not connected');
        const c = conn;
        return {
          async getCharacteristic(characteristic) {
            const handlers: ((e: { target: unknown }) => void)[] = [];
            const ch: WbCharacteristic = {
              value: null,
              async startNotifications() {
                await c.subscribe(service, characteristic, (value) => {
                  ch.value = new DataView(value.buffer, value.byteOffset, value.byteLength);
                  for (const h of handlers) h({ target: ch });
                });
              },
              writeValueWithResponse: (v) => c.write(service, characteristic, v, 'request'),
              writeValueWithoutResponse: (v) => c.write(service, characteristic, v, 'command'),
              async readValue() {
                const v = await c.read(service, characteristic);
                return new DataView(v.buffer, v.byteOffset, v.byteLength);
              },
              addEventListener: (_type, l) => handlers.push(l),
            };
            return ch;
          },
        };
      },
    };
    return {
      // Web Bluetooth ids are opaque, not the address.
      id: `wb${++seq}Zm9vYmFy==`,
      name,
      gatt: server,
      addEventListener: (_type, l) => listeners.push(l),
    };
  };
  const bt = {
    opened: 0,
    async requestDevice() {
      bt.opened++;
      // Electron discovers devices and fires select-bluetooth-device; main.ts hands it to the selector.
      const found: { deviceId: string; deviceName: string }[] = [];
      const stop = await gatt.startScan((adv) =>
        found.push({ deviceId: adv.address, deviceName: adv.name ?? '' }),
      );
      await new Promise((r) => setTimeout(r, 20));
      await stop();
      const picked = await new Promise<string>((resolve) => selector.onSelect(found, resolve));
      if (!picked)
        throw Object.assign(new Error('User cancelled the requestDevice() chooser.'), {
          name: 'NotFoundError',
        });
      let d = devices.get(picked);
      if (!d)
        devices.set(
          picked,
          (d = makeDevice(picked, found.find((f) => f.deviceId === picked)?.deviceName ?? null)),
        );
      return d;
    },
  };
  return bt;
}

describe('BLE over Electron Web Bluetooth (agent in the renderer, choice in the main process)', () => {
  let gatt: FakeGattTransport;
  let selector: WebBluetoothSelector;
  let c: Console;
  let agent: WebBluetoothAgent;
  let bluetooth: ReturnType<typeof electronBluetooth>;

  beforeEach(async () => {
    gatt = new FakeGattTransport();
    gatt.addDevice({
      address: AMG,
      name: 'AMG LAB COMM 0042',
      services: {
        [AMG_SERVICE_UUID]: { [AMG_NOTIFY_CHARACTERISTIC_UUID]: {}, [AMG_WRITE_CHARACTERISTIC_UUID]: {} },
      },
    });
    gatt.addDevice({ address: '11:22:33:44:55:66', name: 'Headphones', services: {} });
    selector = new WebBluetoothSelector();
    c = await startConsole({ selector, ble: { reconnectBaseMs: 100, reconnectMaxMs: 400 } });
    // The renderer's side of the contract (validated like IPC), with the core's pushes forwarded.
    const fake = createFakeTransport(c.core.handlers);
    c.core.onPush('bridges.gatt', (p) => fake.push('bridges.gatt', p));
    await fake.bridge.call('bridges.settings.set', { ble_transport: 'web-bluetooth' });
    bluetooth = electronBluetooth(gatt, selector);
    agent = new WebBluetoothAgent(bluetooth, fake.bridge, { flushMs: 10 });
    await agent.start();
  });

  afterEach(async () => {
    await agent.stop();
    await c.stop();
  });

  const device = async () =>
    (await http<BridgesState>(`${c.httpUrl}/api/bridges`)).body.ble.devices.find((d) => d.address === AMG);

  it('connects the device the main process picks, streams its frames, reconnects without a click', async () => {
    const url = c.httpUrl;
    await http(`${url}/api/bridges/ble/devices`, 'POST', {
      address: AMG,
      driver: 'amg-commander',
      device_id: 'amg-w',
    });
    // Never granted in this window: only a click can open the chooser.
    await waitFor(async () => (await device())?.state === 'needs-permission', 'needs-permission');

    const granted = await agent.requestAccess(); // the operator clicks Connect
    expect(granted).toMatchObject({ name: 'AMG LAB COMM 0042' });
    await waitFor(async () => (await device())?.state === 'connected', 'connected over Web Bluetooth');
    expect((await http<BridgesState>(`${url}/api/bridges`)).body.ble.transport).toBe('web-bluetooth');

    const T = Date.now();
    gatt.notify(
      AMG,
      AMG_SERVICE_UUID,
      AMG_NOTIFY_CHARACTERISTIC_UUID,
      hexToBytes('0105000000000000000000000001'),
      T,
    );
    gatt.notify(
      AMG,
      AMG_SERVICE_UUID,
      AMG_NOTIFY_CHARACTERISTIC_UUID,
      hexToBytes('0103010100e500e500e500e50001'),
      T + 2350,
    );
    const events = await api(url).waitForEvents(
      { device_id: 'amg-w', kind: 'timer.shot' },
      (e) => e.length === 1,
      'the shot through the agent',
    );
    expect(events[0]!.data).toMatchObject({ time_ms: 2290, raw_hex: '0103010100e500e500e500e50001' });
    // The agent stamps receive times; the shot is the start's receive time plus the timer's own time.
    const [start] = await api(url).events({ device_id: 'amg-w', kind: 'timer.start' });
    expect(Date.parse(events[0]!.ts) - Date.parse(start!.ts)).toBe(2290);

    // A command goes out through the agent's write.
    const cmd = await http(`${url}/api/bridges/command`, 'POST', {
      device_id: 'amg-w',
      command: 'remote_stop',
    });
    expect(cmd).toMatchObject({ status: 200, body: { transport: 'ble', sent: ['COM STOP'] } });
    expect(Buffer.from(gatt.writes.at(-1)!.value).toString('latin1')).toBe('COM STOP');

    // The link drops: the main process reconnects the granted device with no chooser.
    const opened = bluetooth.opened;
    gatt.drop(AMG, 'link lost');
    await waitFor(async () => (await device())?.state === 'reconnecting', 'reconnecting');
    await waitFor(async () => (await device())?.state === 'connected', 'connected again');
    expect(bluetooth.opened).toBe(opened);
    gatt.notify(
      AMG,
      AMG_SERVICE_UUID,
      AMG_NOTIFY_CHARACTERISTIC_UUID,
      hexToBytes('0108010100e500e500e500e50001'),
    );
    await api(url).waitForEvents(
      { device_id: 'amg-w', kind: 'timer.stop' },
      (e) => e.length === 1,
      'a stop after the reconnect',
    );
  });

  it('scans through the chooser: records what it saw and picks nothing', async () => {
    const url = c.httpUrl;
    expect((await http(`${url}/api/bridges/ble/scan`, 'POST', { seconds: 1 })).status).toBe(200);
    expect(await agent.requestAccess()).toBeNull();
    const s = (await http<BridgesState>(`${url}/api/bridges`)).body;
    expect(Object.fromEntries(s.ble.discovered.map((d) => [d.address, d.driver]))).toEqual({
      [AMG]: 'amg-commander',
      '11:22:33:44:55:66': null,
    });
  });

  it('reports the transport unavailable when no window runs the agent', async () => {
    await agent.stop();
    await http(`${c.httpUrl}/api/bridges/ble/devices`, 'POST', {
      address: AMG,
      driver: 'amg-commander',
      device_id: 'amg-w',
    });
    const d = await waitFor(async () => {
      const row = await device();
      return row?.state === 'unavailable' ? row : undefined;
    }, 'unavailable');
    expect(d.error).toMatch(/window closed/);
    await agent.start();
    await waitFor(
      async () => (await device())?.state === 'needs-permission',
      'needs-permission once the agent is back',
    );
  });
});
