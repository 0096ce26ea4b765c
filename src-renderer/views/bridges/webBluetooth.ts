/**
 * The Web Bluetooth agent: under Electron (where BlueZ over D-Bus is not available to the main
 * process, e.g. on Windows or macOS) the renderer does the radio work for the main process's BLE
 * bridge. The main process decides everything — which device a chooser picks (Electron's
 * `select-bluetooth-device`), when to connect, what to subscribe to, what to write — and sends
 * those requests as `bridges.gatt` pushes; the agent executes them on navigator.bluetooth and
 * answers with `bridges.gatt.reply`, and streams notifications back in batches
 * (`bridges.gatt.events`), never one IPC call per notification.
 *
 * requestDevice needs a user gesture: `requestAccess()` is called from the Scan and Connect
 * buttons. Reconnecting a device granted once needs none.
 */
import type { Bridge } from '../../../src-shared/contract';
import type { GattAgentEvent, GattAgentRequest } from '../../../src-shared/contract/bridges';
import { bytesToHex, hexToBytes } from '../../../src-shared/decoders/hex';

/** The parts of Web Bluetooth the agent uses (lib.dom has no Web Bluetooth types). */
export interface WbCharacteristic {
  value?: DataView | null;
  startNotifications(): Promise<unknown>;
  writeValueWithResponse(value: Uint8Array): Promise<void>;
  writeValueWithoutResponse(value: Uint8Array): Promise<void>;
  readValue(): Promise<DataView>;
  addEventListener(type: 'characteristicvaluechanged', listener: (event: { target: unknown }) => void): void;
}

export interface WbService {
  getCharacteristic(uuid: string): Promise<WbCharacteristic>;
}

export interface WbServer {
  connected: boolean;
  connect(): Promise<WbServer>;
  disconnect(): void;
  getPrimaryService(uuid: string): Promise<WbService>;
}

export interface WbDevice {
  id: string;
  name?: string | null;
  gatt?: WbServer;
  addEventListener(type: 'gattserverdisconnected', listener: () => void): void;
}

export interface WbBluetooth {
  requestDevice(options: { acceptAllDevices: boolean; optionalServices: string[] }): Promise<WbDevice>;
}

/** navigator.bluetooth when this window has it. */
export function webBluetooth(): WbBluetooth | null {
  const nav = (globalThis as { navigator?: { bluetooth?: WbBluetooth } }).navigator;
  return nav?.bluetooth && typeof nav.bluetooth.requestDevice === 'function' ? nav.bluetooth : null;
}

const toHex = (v: DataView) => bytesToHex(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));

export class WebBluetoothAgent {
  private devices = new Map<string, WbDevice>();
  private chars = new Map<string, WbCharacteristic>();
  private listening = new WeakSet<object>();
  private outbox: GattAgentEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private services: string[] = [];
  private off: (() => void) | null = null;

  constructor(
    private readonly bluetooth: WbBluetooth,
    private readonly bridge: Bridge,
    private readonly opts: { flushMs?: number; now?: () => number } = {},
  ) {}

  /** Announces the agent to the main process and starts serving its requests. */
  async start(): Promise<void> {
    this.off = this.bridge.on('bridges.gatt', (requests) => {
      for (const r of requests) void this.handle(r);
    });
    const r = await this.bridge.call('bridges.gatt.agent', { available: true });
    this.services = r.services;
  }

  async stop(): Promise<void> {
    this.off?.();
    this.off = null;
    for (const d of this.devices.values()) if (d.gatt?.connected) d.gatt.disconnect();
    await this.bridge
      .call('bridges.gatt.agent', { available: false, reason: 'the window closed' })
      .catch(() => undefined);
  }

  /**
   * Opens the chooser (call it from a click). The main process picks the device it wants, or
   * records what it saw while scanning and picks none (then this resolves null).
   */
  async requestAccess(): Promise<{ web_id: string; name: string | null } | null> {
    let device: WbDevice;
    try {
      device = await this.bluetooth.requestDevice({
        acceptAllDevices: true,
        optionalServices: this.services,
      });
    } catch (err) {
      // Cancelled: nothing was picked (a scan, or the wanted device was not around).
      if ((err as { name?: string }).name === 'NotFoundError') return null;
      throw err;
    }
    if (!this.devices.has(device.id)) {
      device.addEventListener('gattserverdisconnected', () => {
        for (const k of [...this.chars.keys()]) if (k.startsWith(`${device.id}|`)) this.chars.delete(k);
        this.queue({ type: 'disconnected', web_id: device.id, reason: 'link lost' });
      });
    }
    this.devices.set(device.id, device);
    const name = device.name ?? null;
    this.queue({ type: 'granted', web_id: device.id, name });
    await this.flush();
    return { web_id: device.id, name };
  }

  private async handle(req: GattAgentRequest): Promise<void> {
    try {
      const value = await this.exec(req);
      await this.bridge.call('bridges.gatt.reply', {
        id: req.id,
        ok: true,
        ...(value ? { value_hex: value } : {}),
      });
    } catch (err) {
      await this.bridge
        .call('bridges.gatt.reply', {
          id: req.id,
          ok: false,
          error: String((err as Error).message ?? err).slice(0, 500),
        })
        .catch(() => undefined);
    }
  }

  private async characteristic(
    device: WbDevice,
    service: string,
    characteristic: string,
  ): Promise<WbCharacteristic> {
    const key = `${device.id}|${service}|${characteristic}`;
    const cached = this.chars.get(key);
    if (cached) return cached;
    const svc = await device.gatt!.getPrimaryService(service);
    const c = await svc.getCharacteristic(characteristic);
    this.chars.set(key, c);
    return c;
  }

  private async exec(req: GattAgentRequest): Promise<string | undefined> {
    const device = this.devices.get(req.web_id);
    if (!device?.gatt) throw new Error('this window has no grant for the device: press Connect again');
    const gatt = device.gatt;
    switch (req.op) {
      case 'connect': {
        await gatt.connect();
        // The driver's own service must be there; the others (battery) are optional.
        const [own] = req.services;
        if (own) await gatt.getPrimaryService(own);
        return undefined;
      }
      case 'disconnect':
        if (gatt.connected) gatt.disconnect();
        return undefined;
      case 'subscribe': {
        const c = await this.characteristic(device, req.service, req.characteristic);
        if (!this.listening.has(c)) {
          this.listening.add(c);
          c.addEventListener('characteristicvaluechanged', (event) => {
            const v = (event.target as WbCharacteristic | null)?.value;
            if (!v) return;
            this.queue({
              type: 'notify',
              web_id: device.id,
              service: req.service,
              characteristic: req.characteristic,
              value_hex: toHex(v),
              at: Math.round((this.opts.now ?? Date.now)()),
            });
          });
        }
        await c.startNotifications();
        return undefined;
      }
      case 'write': {
        const c = await this.characteristic(device, req.service, req.characteristic);
        const bytes = hexToBytes(req.value_hex);
        if (req.mode === 'command') await c.writeValueWithoutResponse(bytes);
        else await c.writeValueWithResponse(bytes);
        return undefined;
      }
      case 'read': {
        const c = await this.characteristic(device, req.service, req.characteristic);
        return toHex(await c.readValue());
      }
    }
  }

  private queue(event: GattAgentEvent): void {
    this.outbox.push(event);
    this.timer ??= setTimeout(() => void this.flush(), this.opts.flushMs ?? 50);
  }

  /** Sends what is queued in one call (notifications arrive at up to ~100 per second per sensor). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.outbox.length) {
      const events = this.outbox.splice(0, 2000);
      await this.bridge.call('bridges.gatt.events', { events }).catch(() => undefined);
    }
  }
}
