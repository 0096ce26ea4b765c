/**
 * The BLE bridge end to end, in a real console (store, broker, ingest, HTTP API, every module)
 * with the fake GATT transport replaying the real frames of domain.md §2–§3: scan, configure,
 * connect, every AMG vector and both BT50 vectors plus a 128-byte 4-record notification become
 * events and samples, battery and health, a dropped link reconnects and frames flow again, a bad
 * frame is a reject with its reason, commands go out through the bridge (directly and through
 * the commands module), and republishing into an external broker does not store anything twice.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGattTransport } from '../support/fake-gatt';
import { BATTERY_LEVEL_UUID, BATTERY_SERVICE_UUID } from '../../src-shared/bridges/gatt';
import {
  AMG_NOTIFY_CHARACTERISTIC_UUID,
  AMG_SERVICE_UUID,
  AMG_WRITE_CHARACTERISTIC_UUID,
  hexToBytes,
} from '../../src-shared/decoders/amg';
import {
  BT50_NOTIFY_CHARACTERISTIC_UUID,
  BT50_SERVICE_UUID,
  BT50_WRITE_CHARACTERISTIC_UUID,
  bytesToHex,
  encodeBt50Notification,
  type Bt50RecordInput,
} from '../../src-shared/decoders/bt50';
import type { BridgesState } from '../../src-shared/contract/bridges';
import { api, makeTempDir, removeDir, waitFor, type ApiEvent } from '../helpers/serve';
import { MosquittoBroker, mosquittoPasswd, mosquittoSub } from '../helpers/mqtt';
import { http, startConsole, type Console } from './bridges-harness';

const AMG = 'C4:5A:11:22:33:44';
const BT50 = 'E8:CB:ED:5A:0B:50';

const rec = (vx: number, vy: number, vz: number): Bt50RecordInput => ({
  vx,
  vy,
  vz,
  angleX: 0,
  angleY: 0,
  angleZ: 0,
  temperatureC: 24.5,
  dx: 0,
  dy: 0,
  dz: 0,
  fx: 0,
  fy: 0,
  fz: 0,
});

function fakeRadio(): FakeGattTransport {
  const gatt = new FakeGattTransport();
  gatt.addDevice({
    address: AMG,
    name: 'AMG LAB COMM 0042',
    rssi: -55,
    services: {
      [AMG_SERVICE_UUID]: { [AMG_NOTIFY_CHARACTERISTIC_UUID]: {}, [AMG_WRITE_CHARACTERISTIC_UUID]: {} },
      [BATTERY_SERVICE_UUID]: { [BATTERY_LEVEL_UUID]: { value: Uint8Array.of(91) } },
    },
  });
  gatt.addDevice({
    address: BT50,
    name: 'WTVB01-BT50',
    rssi: -67,
    services: {
      [BT50_SERVICE_UUID]: {
        [BT50_NOTIFY_CHARACTERISTIC_UUID]: {},
        [BT50_WRITE_CHARACTERISTIC_UUID]: {
          onWrite: (v) => {
            // Battery register 0x64 read: 3.95 V.
            if (bytesToHex(v) === 'ffaa276400') {
              const reply = Uint8Array.from([0x55, 0x71, 0x64, 0x00, 0x8b, 0x01, ...new Array(14).fill(0)]);
              setImmediate(() =>
                gatt.notify(BT50, BT50_SERVICE_UUID, BT50_NOTIFY_CHARACTERISTIC_UUID, reply),
              );
            }
          },
        },
      },
    },
  });
  return gatt;
}

async function bridgesState(url: string): Promise<BridgesState> {
  const r = await http<BridgesState>(`${url}/api/bridges`);
  expect(r.status).toBe(200);
  return r.body;
}

async function waitDevice(url: string, address: string, state: string) {
  return waitFor(async () => {
    const s = await bridgesState(url);
    const d = s.ble.devices.find((x) => x.address === address);
    return d?.state === state ? d : undefined;
  }, `${address} to be ${state}`);
}

const amgFrame = (gatt: FakeGattTransport, hex: string, at: number) =>
  expect(gatt.notify(AMG, AMG_SERVICE_UUID, AMG_NOTIFY_CHARACTERISTIC_UUID, hexToBytes(hex), at)).toBe(true);

describe('BLE bridge in a running console (fake GATT transport)', () => {
  let gatt: FakeGattTransport;
  let c: Console;

  beforeEach(async () => {
    gatt = fakeRadio();
    c = await startConsole({
      transport: gatt,
      ble: { reconnectBaseMs: 100, reconnectMaxMs: 400, pollMs: 60_000 },
      healthGraceMs: 300,
    });
  });

  afterEach(async () => {
    await c.stop();
  });

  it('scans, connects both devices, and turns every real frame into events and samples', async () => {
    const url = c.httpUrl;
    expect((await api(url).health()).body).toMatchObject({ bridges: { state: 'up', count: 0 } });

    const scan = await http(`${url}/api/bridges/ble/scan`, 'POST', { seconds: 2 });
    expect(scan).toMatchObject({ status: 200, body: { scanning: true } });
    const found = await waitFor(async () => {
      const s = await bridgesState(url);
      return s.ble.discovered.length >= 2 ? s.ble.discovered : undefined;
    }, 'the scan to find both devices');
    expect(Object.fromEntries(found.map((d) => [d.address, d.driver]))).toEqual({
      [AMG]: 'amg-commander',
      [BT50]: 'bt50',
    });

    // The drivers come from the scan; the operator names the devices.
    expect(
      await http(`${url}/api/bridges/ble/devices`, 'POST', { address: AMG, device_id: 'amg-1' }),
    ).toMatchObject({
      status: 201,
      body: { driver: 'amg-commander', device_id: 'amg-1', enabled: true },
    });
    expect(
      (await http(`${url}/api/bridges/ble/devices`, 'POST', { address: BT50, device_id: 'plate-1' })).status,
    ).toBe(201);
    await waitDevice(url, AMG, 'connected');
    await waitDevice(url, BT50, 'connected');

    // Every §2 vector, with receive times: the shots' wall times come from the start frame.
    const T = Date.now();
    amgFrame(gatt, '0105000000000000000000000001', T);
    amgFrame(gatt, '0103010100e500e500e500e50001', T + 2330);
    amgFrame(gatt, '0108010100e500e500e500e50001', T + 3000);
    amgFrame(gatt, '010500010000000000e500e50002', T + 10_000);
    amgFrame(gatt, '0103010100b400b400b400b40002', T + 11_850);
    amgFrame(gatt, '01030202015c00a800b4015c0002', T + 13_520);
    amgFrame(gatt, '01080202015c00a800b4015c0002', T + 14_000);
    amgFrame(gatt, '0103040400e5003d003a00e50003', T + 20_000);

    const events = await api(url).waitForEvents(
      { device_id: 'amg-1', limit: 100 },
      (e) => e.filter((x) => x.kind.startsWith('timer.') && x.kind !== 'timer.status').length === 8,
      'the 8 AMG frames as timer events',
    );
    const timer = events.filter((e) => e.kind !== 'timer.status').reverse();
    expect(timer.map((e) => e.kind)).toEqual([
      'timer.start',
      'timer.shot',
      'timer.stop',
      'timer.start',
      'timer.shot',
      'timer.shot',
      'timer.stop',
      'timer.shot',
    ]);
    expect(timer.every((e) => e.topic === 'leadville/timer/events')).toBe(true);
    const shots = timer.filter((e) => e.kind === 'timer.shot');
    expect(
      shots.map((e) => [e.data.time_ms, e.data.split_ms, e.data.first_shot_ms, e.data.string_number]),
    ).toEqual([
      [2290, 2290, 2290, 1],
      [1800, 1800, 1800, 2],
      [3480, 1680, 1800, 2],
      [2290, 610, 580, 3],
    ]);
    expect(shots.map((e) => Date.parse(e.ts) - T)).toEqual([2290, 11_800, 13_480, 20_000]);

    // BT50: both vectors as single-record notifications, then a live 128-byte notification.
    const notify = (bytes: Uint8Array) =>
      expect(gatt.notify(BT50, BT50_SERVICE_UUID, BT50_NOTIFY_CHARACTERISTIC_UUID, bytes)).toBe(true);
    notify(hexToBytes('5561 1100 1600 0200 0200 0000 0100 e60a 4300 4700 0a00 2500 2500 2500'));
    notify(hexToBytes('5561040009000900170017001000bb085b007a006800000003000000'));
    notify(encodeBt50Notification([rec(1, 2, 3), rec(4, 5, 6), rec(-7, 8, -9), rec(10, 0, -1)]));
    const samples = await api(url).waitForEvents(
      { kind: 'sensor.sample', device_id: 'plate-1', limit: 100 },
      (e) => e.length === 6,
      'six BT50 samples (1 + 1 + 4)',
    );
    expect(samples.reverse().map((s) => [s.data.x, s.data.y, s.data.z])).toEqual([
      [17, 22, 2],
      [4, 9, 9],
      [1, 2, 3],
      [4, 5, 6],
      [-7, 8, -9],
      [10, 0, -1],
    ]);

    // They look like any other device: registry, sensors, health.
    const sensors = await waitFor(async () => {
      const s = (await api(url).sensors()).find((x) => x.sensor_id === 'plate-1');
      return s?.battery === 90 ? s : undefined;
    }, 'plate-1 with its battery');
    expect(sensors).toMatchObject({ online: true, temperature_c: 24.5 });
    const devices = await waitFor(async () => {
      const r = await http<{
        devices: { device_id: string; online: boolean; battery: number | null; role: string }[];
      }>(`${url}/api/devices`);
      return r.body.devices.find((d) => d.device_id === 'amg-1');
    }, 'amg-1 in the device registry');
    expect(devices).toMatchObject({ family: 'range', role: 'timer', online: true, battery: 91 });
    expect((await api(url).health()).body).toMatchObject({
      ok: true,
      bridges: { state: 'up', count: 2, ble_connected: 2 },
    });
  });

  it('reconnects after the link drops and events flow again; health degrades while it cannot', async () => {
    const url = c.httpUrl;
    await http(`${url}/api/bridges/ble/devices`, 'POST', {
      address: AMG,
      driver: 'amg-commander',
      device_id: 'amg-1',
    });
    await http(`${url}/api/bridges/ble/devices`, 'POST', {
      address: BT50,
      driver: 'bt50',
      device_id: 'plate-1',
    });
    await waitDevice(url, AMG, 'connected');
    await waitDevice(url, BT50, 'connected');

    gatt.drop(AMG, 'link lost');
    await waitDevice(url, AMG, 'connected');
    const T = Date.now();
    amgFrame(gatt, '0105000000000000000000000001', T);
    await api(url).waitForEvents(
      { device_id: 'amg-1', kind: 'timer.start' },
      (e) => e.length === 1,
      'a start after the reconnect',
    );

    // Out of range: retried with backoff; one of two failing → degraded (not down), then back.
    gatt.setPresent(AMG, false);
    const degraded = await waitFor(async () => {
      const h = await api(url).health();
      return (h.body as unknown as { bridges: { state: string } }).bridges.state === 'degraded'
        ? h
        : undefined;
    }, 'health to show the bridges degraded');
    expect(degraded.status).toBe(200);
    const row = (await bridgesState(url)).ble.devices.find((d) => d.address === AMG)!;
    expect(row.state).toBe('reconnecting');
    expect(row.attempts).toBeGreaterThan(0);
    expect(row.error).toMatch(/not in range/);
    // The timer shows offline (its disconnect status) in the registry.
    const st = await api(url).events({ device_id: 'amg-1', kind: 'timer.status' });
    expect(st[0]!.data).toMatchObject({ state: 'disconnected' });

    gatt.setPresent(AMG, true);
    await waitDevice(url, AMG, 'connected');
    amgFrame(gatt, '0103010100e500e500e500e50001', T + 2300);
    await api(url).waitForEvents(
      { device_id: 'amg-1', kind: 'timer.shot' },
      (e) => e.length === 1,
      'a shot after coming back',
    );
    await waitFor(
      async () =>
        ((await api(url).health()).body as unknown as { bridges: { state: string } }).bridges.state === 'up',
      'health up again',
    );

    // Both failing: the bridges are down, but the console still ingests (product.md: 503 only
    // when the store or the broker is down).
    gatt.setPresent(AMG, false);
    gatt.setPresent(BT50, false);
    const down = await waitFor(async () => {
      const h = await api(url).health();
      const b = h.body as unknown as { bridges: { state: string } };
      return b.bridges.state === 'down' ? h : undefined;
    }, 'bridges down with every configured bridge failing');
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({
      ok: true,
      status: 'degraded',
      bridges: { state: 'down', count: 2 },
      components: { bridges: { state: 'down' }, broker: { state: 'up' }, store: { state: 'up' } },
    });
  });

  it('keeps a broken frame as a reject with its reason', async () => {
    const url = c.httpUrl;
    await http(`${url}/api/bridges/ble/devices`, 'POST', {
      address: AMG,
      driver: 'amg-commander',
      device_id: 'amg-1',
    });
    await waitDevice(url, AMG, 'connected');
    amgFrame(gatt, '0103010100e500e5', Date.now());
    const rejects = await waitFor(async () => {
      const r = await api(url).rejects();
      return r.rejects.length ? r.rejects : undefined;
    }, 'the reject');
    expect(rejects[0]).toMatchObject({
      topic: 'leadville/timer/events',
      reason: expect.stringMatching(/not a 14-byte AMG event frame/),
    });
  });

  it('sends commands through the bridge, directly and through the commands module', async () => {
    const url = c.httpUrl;
    await http(`${url}/api/bridges/ble/devices`, 'POST', {
      address: AMG,
      driver: 'amg-commander',
      device_id: 'amg-1',
    });
    await waitDevice(url, AMG, 'connected');

    const ascii = () =>
      gatt.writes.filter((w) => w.address === AMG).map((w) => Buffer.from(w.value).toString('latin1'));
    expect(
      await http(`${url}/api/bridges/command`, 'POST', {
        device_id: 'amg-1',
        command: 'set_sensitivity',
        args: { level: 7 },
      }),
    ).toEqual({
      status: 200,
      body: { ok: true, transport: 'ble', acknowledged: true, sent: ['SET SENSITIVITY 07'] },
    });
    amgFrame(gatt, '0105000000000000000000000001', Date.now());
    const refused = await http(`${url}/api/bridges/command`, 'POST', {
      device_id: 'amg-1',
      command: 'set_sensitivity',
      args: { level: 7 },
    });
    expect(refused).toEqual({
      status: 400,
      body: { error: 'settings are accepted only while the timer is stopped' },
    });
    expect(
      (await http(`${url}/api/bridges/command`, 'POST', { device_id: 'amg-1', command: 'warp' })).status,
    ).toBe(400);
    expect(
      (await http(`${url}/api/bridges/command`, 'POST', { device_id: 'nobody', command: 'remote_start' }))
        .status,
    ).toBe(404);

    // The commands module routes a command for a bridged device through the `bridges` service.
    await waitFor(async () => {
      const r = await http<{ devices: { device_id: string }[] }>(`${url}/api/devices`);
      return r.body.devices.some((d) => d.device_id === 'amg-1');
    }, 'amg-1 in the registry');
    const sent = await http<{ id: string }>(`${url}/api/commands`, 'POST', {
      device_id: 'amg-1',
      command: 'remote_stop',
      args: {},
    });
    expect(sent.status).toBe(201);
    const done = await waitFor(async () => {
      const r = await http<{ state: string; via: string }>(`${url}/api/commands/${sent.body.id}`);
      return r.body.state === 'acknowledged' ? r.body : undefined;
    }, 'the command to be acknowledged');
    expect(done).toMatchObject({ via: 'bridge' });
    expect(ascii()).toEqual(['SET SENSITIVITY 07', 'COM STOP']);
  });

  it('keeps its configuration across a restart and reconnects on its own', async () => {
    const dataDir = makeTempDir('marshal-bridges-restart-');
    try {
      const first = await startConsole({ transport: gatt }, { dataDir });
      await http(`${first.httpUrl}/api/bridges/ble/devices`, 'POST', {
        address: BT50,
        driver: 'bt50',
        device_id: 'plate-9',
      });
      await http(`${first.httpUrl}/api/bridges/settings`, 'PUT', { republish: true });
      await waitDevice(first.httpUrl, BT50, 'connected');
      await first.stop();
      expect(gatt.isConnected(BT50)).toBe(false);
      const second = await startConsole({ transport: gatt }, { dataDir });
      try {
        const d = await waitDevice(second.httpUrl, BT50, 'connected');
        expect(d).toMatchObject({ device_id: 'plate-9', driver: 'bt50', enabled: true });
        expect((await bridgesState(second.httpUrl)).settings).toEqual({
          republish: true,
          ble_transport: 'auto',
        });
      } finally {
        await second.stop();
      }
    } finally {
      removeDir(dataDir);
    }
  });
});

describe('republishing into an external broker', () => {
  let dir: string;
  let broker: MosquittoBroker;
  let c: Console | null = null;

  afterAll(async () => {
    await c?.stop();
    await broker?.stop();
    if (dir) removeDir(dir);
  });

  it('publishes bridged messages for other subscribers and stores the copy that comes back once', async () => {
    dir = makeTempDir('marshal-bridges-mosq-');
    const pw = join(dir, 'passwords');
    await mosquittoPasswd(pw, 'marshal', 'console-pw', true);
    await mosquittoPasswd(pw, 'watcher', 'watcher-pw', false);
    broker = new MosquittoBroker({ dir, passwordFile: pw });
    await broker.start();
    const gatt = fakeRadio();
    c = await startConsole(
      { transport: gatt },
      { args: ['--broker-url', `mqtt://marshal:console-pw@127.0.0.1:${broker.port}`] },
    );
    const url = c.httpUrl;
    await waitFor(
      async () => (await api(url).health()).body.broker.state === 'up',
      'the console to join mosquitto',
    );
    expect((await http(`${url}/api/bridges/settings`, 'PUT', { republish: true })).body).toEqual({
      republish: true,
      ble_transport: 'auto',
    });
    const sub = await mosquittoSub(
      { host: '127.0.0.1', port: broker.port, username: 'watcher', password: 'watcher-pw' },
      'leadville/#',
    );
    try {
      await http(`${url}/api/bridges/ble/devices`, 'POST', {
        address: AMG,
        driver: 'amg-commander',
        device_id: 'amg-7',
      });
      await waitDevice(url, AMG, 'connected');
      const dupBefore = (await api(url).stats()).duplicates;
      amgFrame(gatt, '0105000000000000000000000001', Date.now());
      amgFrame(gatt, '0103010100e500e500e500e50001', Date.now() + 2300);

      const seen = await sub.waitForMessages(3);
      const events = seen
        .filter((m) => m.topic === 'leadville/timer/events')
        .map((m) => JSON.parse(m.payload) as Record<string, unknown>);
      expect(events.map((e) => e.raw_hex)).toEqual([
        '0105000000000000000000000001',
        '0103010100e500e500e500e50001',
      ]);
      const status = seen.find((m) => m.topic === 'leadville/timer/status');
      expect(status && JSON.parse(status.payload)).toMatchObject({
        timer_id: 'amg-7',
        connection: 'connected',
      });

      // The console's own copies come back from mosquitto and are duplicates, not new events.
      await waitFor(
        async () => (await api(url).stats()).duplicates >= dupBefore + 2,
        'the returning copies to be duplicates',
      );
      const stored: ApiEvent[] = await api(url).events({ device_id: 'amg-7', limit: 100 });
      expect(stored.filter((e) => e.kind === 'timer.start')).toHaveLength(1);
      expect(stored.filter((e) => e.kind === 'timer.shot')).toHaveLength(1);
    } finally {
      await sub.stop();
    }
  });
});
