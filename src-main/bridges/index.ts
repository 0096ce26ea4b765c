/**
 * The serial and BLE bridges capability: devices that do not speak MQTT reach the console through
 * the main process — USB serial (newline-delimited JSON) and BLE (AMG Commander timers, BT50
 * sensors) over BlueZ/D-Bus or Electron's Web Bluetooth, never noble. Their messages enter the
 * ingest pipeline in their family's own wire format, so they look like any other device.
 *
 * Service provided: `bridges` (BridgesService: `canSend(deviceId)`, `send(deviceId, command,
 * args, meta)`) — the commands module routes commands for bridged devices through it.
 */
import { randomUUID } from 'node:crypto';
import { defaultDrivers } from '../../src-shared/families/bridged';
import {
  DriverCommandError,
  realClock,
  type Clock,
  type DriverRegistry,
} from '../../src-shared/bridges/driver';
import { GattError, type GattTransport } from '../../src-shared/bridges/gatt';
import { topicProblem } from '../../src-shared/bridges/serial';
import { ContractError, type Handlers } from '../../src-shared/contract';
import type { BleDeviceRow, BridgesSettings, BridgesState } from '../../src-shared/contract/bridges';
import { toIso } from '../../src-shared/events/time';
import { isValidDeviceId } from '../../src-shared/ids';
import type { CoreModule, ModuleContext, ModuleFactory, Plugin } from '../core/module';
import type { ContractRoute } from '../core/routes';
import type { BridgesService } from '../core/services';
import { BleBridge, type TransportChoice } from './ble/ble-bridge';
import { BluezTransport, dbusNextClient } from './ble/bluez';
import { RendererGattTransport, webBluetoothSelector, type WebBluetoothSelector } from './ble/web-bluetooth';
import { BridgeConfigStore, type BleDeviceConfig, type SerialPortConfig } from './config';
import { SerialBridge } from './serial/serial-bridge';
import { BridgeSink } from './sink';

import { bridgesMigrations } from './migrations';

/** A configured bridge counts as failing for health only after this long (brief reconnects do not). */
export const HEALTH_GRACE_MS = 10_000;

export interface BridgesModuleOptions {
  /** A fixed BLE transport (tests: the fake GATT transport); otherwise BlueZ or Web Bluetooth. */
  transport?: GattTransport;
  drivers?: DriverRegistry;
  clock?: Clock;
  selector?: WebBluetoothSelector;
  ble?: { reconnectBaseMs?: number; reconnectMaxMs?: number; pollMs?: number; connectTimeoutMs?: number };
  serial?: { retryBaseMs?: number; retryMaxMs?: number; watchMs?: number };
  /** How long a configured bridge may fail before health reports it (default HEALTH_GRACE_MS). */
  healthGraceMs?: number;
}

function commandError(err: unknown): ContractError {
  if (err instanceof ContractError) return err;
  if (err instanceof DriverCommandError) {
    const status =
      err.code === 'unknown_command' || err.code === 'invalid_args' || err.code === 'not_now' ? 400 : 503;
    return new ContractError(err.message, status);
  }
  if (err instanceof GattError) return new ContractError(err.message, 503);
  return new ContractError((err as Error).message, 503);
}

/**
 * Every bridges command fails with a status of its own: a driver or transport fault is the
 * device's (503), never the console's (500), whichever transport asked.
 */
function withBridgeErrors(handlers: Partial<Handlers>): Partial<Handlers> {
  const out: Record<string, (req: unknown) => unknown> = {};
  for (const [name, fn] of Object.entries(handlers) as [string, (req: unknown) => unknown][]) {
    out[name] = async (req) => {
      try {
        return await fn(req);
      } catch (err) {
        throw commandError(err);
      }
    };
  }
  return out as Partial<Handlers>;
}

const objectBody = (b: unknown) => (b && typeof b === 'object' && !Array.isArray(b) ? b : {});

/** The bridges HTTP API (product.md), each route one command; changes pass the mutation guard. */
export const bridgesContractRoutes: readonly ContractRoute[] = [
  { path: '/api/bridges', command: 'bridges.list' },
  { path: '/api/bridges/serial/available', command: 'bridges.serial.available' },
  {
    method: 'POST',
    path: '/api/bridges/serial',
    command: 'bridges.serial.save',
    request: ({ body }) => body ?? {},
    status: 201,
  },
  {
    method: 'DELETE',
    path: '/api/bridges/serial/:id',
    command: 'bridges.serial.remove',
    request: ({ params }) => ({ id: params.id }),
  },
  {
    method: 'POST',
    path: '/api/bridges/ble/scan',
    command: 'bridges.ble.scan',
    request: ({ body }) => objectBody(body),
  },
  {
    method: 'POST',
    path: '/api/bridges/ble/devices',
    command: 'bridges.ble.save',
    request: ({ body }) => body ?? {},
    status: 201,
  },
  {
    method: 'DELETE',
    path: '/api/bridges/ble/devices/:address',
    command: 'bridges.ble.remove',
    request: ({ params }) => ({ address: params.address }),
  },
  ...(['connect', 'disconnect'] as const).map((action): ContractRoute => ({
    method: 'POST',
    path: `/api/bridges/ble/devices/:address/${action}`,
    command: `bridges.ble.${action}`,
    request: ({ params }) => ({ address: params.address }),
  })),
  {
    method: 'POST',
    path: '/api/bridges/command',
    command: 'bridges.command',
    request: ({ body }) => body ?? {},
  },
  {
    method: 'PUT',
    path: '/api/bridges/settings',
    command: 'bridges.settings.set',
    request: ({ body }) => body ?? {},
  },
];

/** `/dev/ttyUSB0` → `ttyUSB0`; `/dev/serial/by-id/usb-FTDI…` → a valid id from its tail. */
export function portIdFromPath(path: string): string {
  const base = path.split(/[\\/]/).filter(Boolean).pop() ?? 'serial';
  const id = base.replace(/[^A-Za-z0-9._:-]/g, '-').slice(-64);
  return isValidDeviceId(id) ? id : 'serial';
}

export function createBridgesModule(options: BridgesModuleOptions = {}): ModuleFactory {
  return (ctx: ModuleContext): CoreModule => {
    const configStore = new BridgeConfigStore(ctx.store.db);
    let settings: BridgesSettings = configStore.settings();
    const sink = new BridgeSink(ctx, () => settings);
    const drivers = options.drivers ?? defaultDrivers();
    const clock = options.clock ?? realClock;
    const selector = options.selector ?? webBluetoothSelector;

    const serial = new SerialBridge({
      sink,
      parse: { rangePrefix: ctx.config.rangePrefix, maxPayloadBytes: ctx.config.maxPayloadBytes },
      ...options.serial,
    });

    const encoder = new TextEncoder();
    const renderer = new RendererGattTransport((batch) => ctx.emit('bridges.gatt', batch), selector, {
      onGrant: (address, name) => {
        ble.seen({ address, name, rssi: null, serviceUuids: [] });
        ble.kick(address);
        updateWanted();
      },
    });

    let bluez: BluezTransport | null = null;
    const tryBluez = async (): Promise<TransportChoice> => {
      if (process.platform !== 'linux') return { transport: null, reason: 'BlueZ is Linux only' };
      if (bluez) return { transport: bluez, reason: null };
      const client = await dbusNextClient();
      const t = new BluezTransport(client);
      const a = await t.available();
      if (a.ok) return { transport: (bluez = t), reason: null };
      client.close();
      return { transport: null, reason: a.reason ?? 'BlueZ is not available' };
    };
    const tryWeb = async (): Promise<TransportChoice> => {
      const a = await renderer.available();
      return a.ok ? { transport: renderer, reason: null } : { transport: null, reason: a.reason ?? null };
    };
    const resolveTransport = async (): Promise<TransportChoice> => {
      if (options.transport) return { transport: options.transport, reason: null };
      switch (settings.ble_transport) {
        case 'off':
          return { transport: null, reason: 'BLE is switched off in the bridge settings' };
        case 'bluez':
          return tryBluez();
        case 'web-bluetooth':
          return tryWeb();
        default: {
          const b = await tryBluez().catch((err: unknown) => ({
            transport: null,
            reason: (err as Error).message,
          }));
          if (b.transport) return b;
          const w = await tryWeb();
          if (w.transport) return w;
          return { transport: null, reason: `${b.reason}; Web Bluetooth: ${w.reason}` };
        }
      }
    };

    const ble = new BleBridge({
      drivers,
      clock,
      resolveTransport,
      ...options.ble,
      emit: (m, address) =>
        sink.ingest(sink.rangeTopic(m.path), encoder.encode(JSON.stringify(m.payload)), {
          clientId: `bridge:ble:${address}`,
          receivedAt: m.at,
          retain: m.retain,
        }),
      onChange: () => updateWanted(),
    });

    /** The Web Bluetooth chooser picks enabled devices that have no grant yet. */
    function updateWanted(): void {
      selector.setWanted(
        configStore
          .bleDevices()
          .filter((d) => d.enabled && !renderer.granted(d.address))
          .map((d) => d.address),
      );
    }

    const state = (): BridgesState => ({
      serial: { ports: serial.rows() },
      ble: {
        ...ble.transportState(),
        ...(() => {
          const s = ble.scanning();
          return { scanning: s.scanning, scan_until: s.until };
        })(),
        devices: ble.rows(),
        discovered: ble.discoveredRows(),
        drivers: ble.drivers(),
      },
      settings,
    });

    const service: BridgesService = {
      canSend: (deviceId) => ble.canSend(deviceId) || serial.canSend(deviceId),
      async send(deviceId, command, args = {}, meta = {}) {
        if (ble.serves(deviceId)) {
          const r = await ble.command(deviceId, command, args);
          return {
            ok: true,
            transport: 'ble',
            acknowledged: r.acknowledged,
            sent: r.sent,
            ...(r.reply ? { reply: r.reply } : {}),
          };
        }
        if (serial.serves(deviceId)) {
          const line = await serial.send({
            command_id: meta.command_id ?? randomUUID(),
            device_id: deviceId,
            command,
            args,
            issued_at: toIso(Date.now()),
          });
          // The device acknowledges on its own family's ack topic, if it does.
          return { ok: true, transport: 'serial', acknowledged: false, sent: [line] };
        }
        throw new ContractError(`no serial port or BLE device serves ${deviceId}`, 404);
      },
    };
    ctx.services.provide('bridges', service);

    const saveSerial = (req: Parameters<Handlers['bridges.serial.save']>[0]) => {
      const ports = configStore.serialPorts();
      const byPath = ports.find((p) => p.path === req.path);
      let id = req.id ?? byPath?.id ?? portIdFromPath(req.path);
      if (!req.id && !byPath) {
        const base = id;
        for (let n = 2; ports.some((p) => p.id === id); n++) id = `${base.slice(0, 60)}-${n}`;
      }
      if (byPath && byPath.id !== id) {
        throw new ContractError(`${req.path} is already configured as port ${byPath.id}`, 400);
      }
      const existing = ports.find((p) => p.id === id);
      const defaultTopic =
        req.default_topic === undefined
          ? (existing?.default_topic ?? null)
          : req.default_topic?.trim() || null;
      if (defaultTopic !== null) {
        const problem = topicProblem(defaultTopic);
        if (problem) throw new ContractError(`default_topic: ${problem}`, 400);
      }
      const cfg: SerialPortConfig = {
        id,
        path: req.path,
        baud_rate: req.baud_rate,
        enabled: req.enabled ?? existing?.enabled ?? true,
        default_topic: defaultTopic,
        device_id: req.device_id === undefined ? (existing?.device_id ?? null) : req.device_id,
        max_line_bytes: req.max_line_bytes ?? existing?.max_line_bytes ?? 64 * 1024,
      };
      configStore.saveSerialPort(cfg);
      return serial.configure(cfg);
    };

    const saveBle = (req: Parameters<Handlers['bridges.ble.save']>[0]): BleDeviceRow => {
      const existing = configStore.bleDevices().find((d) => d.address === req.address);
      const seen = ble.discoveredRows().find((d) => d.address === req.address);
      const driverId = req.driver ?? existing?.driver ?? seen?.driver;
      if (!driverId) {
        throw new ContractError(
          `no driver recognizes ${req.address}; give one of ${drivers
            .list()
            .map((d) => d.id)
            .join(', ')}`,
          400,
        );
      }
      const driver = drivers.get(driverId);
      if (!driver) {
        throw new ContractError(
          `unknown driver ${JSON.stringify(driverId)}; known: ${drivers
            .list()
            .map((d) => d.id)
            .join(', ')}`,
          400,
        );
      }
      const deviceId = req.device_id ?? existing?.device_id ?? driver.defaultDeviceId(req.address);
      const clash = configStore
        .bleDevices()
        .find((d) => d.device_id === deviceId && d.address !== req.address);
      if (clash) throw new ContractError(`device id ${deviceId} is already used by ${clash.address}`, 400);
      const cfg: BleDeviceConfig = {
        address: req.address,
        driver: driver.id,
        device_id: deviceId,
        name: req.name === undefined ? (existing?.name ?? seen?.name ?? null) : req.name,
        enabled: req.enabled ?? existing?.enabled ?? true,
      };
      configStore.saveBleDevice(cfg);
      const row = ble.configure(cfg);
      updateWanted();
      return row;
    };

    const setEnabled = (address: string, enabled: boolean): BleDeviceRow => {
      const existing = configStore.bleDevices().find((d) => d.address === address);
      if (!existing && !enabled) throw new ContractError(`unknown BLE device ${address}`, 404);
      return saveBle({ address, enabled });
    };

    const handlers: Partial<Handlers> = {
      'bridges.list': () => state(),
      'bridges.settings.set': async (req) => {
        const next: BridgesSettings = { ...settings, ...req };
        const transportChanged = next.ble_transport !== settings.ble_transport;
        settings = next;
        configStore.saveSettings(settings);
        if (transportChanged) {
          bluez = null;
          await ble.resetTransport();
        }
        return settings;
      },
      'bridges.serial.available': async () => ({ ports: await serial.available() }),
      'bridges.serial.save': (req) => saveSerial(req),
      'bridges.serial.remove': (req) => {
        if (!configStore.removeSerialPort(req.id))
          throw new ContractError(`unknown serial port ${req.id}`, 404);
        serial.remove(req.id);
        return { ok: true };
      },
      'bridges.ble.scan': async (req) => {
        try {
          const s = await ble.scan(req?.seconds ?? 10);
          return { scanning: s.scanning, until: s.until };
        } catch (err) {
          throw commandError(err);
        }
      },
      'bridges.ble.save': (req) => saveBle(req),
      'bridges.ble.remove': (req) => {
        if (!configStore.removeBleDevice(req.address))
          throw new ContractError(`unknown BLE device ${req.address}`, 404);
        ble.remove(req.address);
        updateWanted();
        return { ok: true };
      },
      'bridges.ble.connect': (req) => setEnabled(req.address, true),
      'bridges.ble.disconnect': (req) => setEnabled(req.address, false),
      'bridges.command': async (req) => {
        if (!ble.serves(req.device_id) && !serial.serves(req.device_id)) {
          throw new ContractError(`no serial port or BLE device serves ${req.device_id}`, 404);
        }
        try {
          return await service.send(req.device_id, req.command, req.args ?? {});
        } catch (err) {
          throw commandError(err);
        }
      },
      'bridges.gatt.agent': (req) => {
        renderer.setAgent(req.available, req.reason ?? null);
        ble.refreshTransport();
        const services = new Set<string>();
        for (const d of drivers.list()) for (const s of d.services) services.add(s);
        return { ok: true, services: [...services] };
      },
      'bridges.gatt.reply': (req) => {
        renderer.reply(req);
        return { ok: true };
      },
      'bridges.gatt.events': (req) => {
        renderer.events(req.events);
        return { ok: true };
      },
    };

    return {
      name: 'bridges',
      handlers: withBridgeErrors(handlers),
      contractRoutes: bridgesContractRoutes,
      start() {
        serial.start(configStore.serialPorts());
        for (const d of configStore.bleDevices()) {
          if (!drivers.get(d.driver)) continue;
          ble.configure(d);
        }
        updateWanted();
      },
      async stop() {
        serial.stop();
        await ble.stop();
      },
      health(h) {
        const grace = options.healthGraceMs ?? HEALTH_GRACE_MS;
        const s = serial.health(grace);
        const b = ble.health(grace);
        const count = s.configured + b.configured;
        const failing = [...s.failing, ...b.failing];
        h.bridges = {
          state: count === 0 || failing.length === 0 ? 'up' : failing.length >= count ? 'down' : 'degraded',
          count,
        };
        Object.assign(h.bridges, {
          serial_open: serial.rows().filter((p) => p.state === 'open').length,
          ble_connected: ble.rows().filter((d) => d.state === 'connected').length,
          ...(failing.length ? { failing: failing.slice(0, 10) } : {}),
          ...(sink.lastError ? { error: sink.lastError } : {}),
        });
      },
    };
  };
}

/** The bridges capability with options (tests: a fake GATT transport, a manual clock). */
export function createBridgesPlugin(options: BridgesModuleOptions = {}): Plugin {
  return { name: 'bridges', migrations: bridgesMigrations, create: createBridgesModule(options) };
}

export const bridgesPlugin: Plugin = createBridgesPlugin();
