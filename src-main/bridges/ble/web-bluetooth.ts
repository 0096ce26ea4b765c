/**
 * Electron's Web Bluetooth, driven from the main process. The renderer's agent does the radio
 * work (navigator.bluetooth: requestDevice, GATT calls); the main process decides:
 *
 * - which device a `requestDevice` gets: Electron emits `select-bluetooth-device` with what it
 *   found and main.ts hands it to `webBluetoothSelector`, which picks the device the bridge
 *   wants (an enabled device not yet granted) or, while scanning, records every device seen and
 *   picks none;
 * - everything else: `RendererGattTransport` is a GattTransport whose calls go to the agent as
 *   pushed requests (`bridges.gatt`) and come back as replies and events (contract commands), so
 *   the same drivers and reconnect logic run on it as on BlueZ.
 *
 * requestDevice needs a user gesture, so the first grant of each device happens on a click in the
 * Bridges view; reconnects of a granted device need none.
 */
import {
  GattError,
  fullUuid,
  type BleAdvertisement,
  type GattAvailability,
  type GattConnection,
  type GattTransport,
  type GattWriteMode,
} from '../../../src-shared/bridges/gatt';
import { bytesToHex, hexToBytes } from '../../../src-shared/decoders/hex';
import type { GattAgentEvent, GattAgentRequest } from '../../../src-shared/contract/bridges';

export interface ChooserDevice {
  deviceId: string;
  deviceName: string;
}

/** How long a chooser is held open waiting for the wanted device when no scan asks for longer. */
const HOLD_MS = 15_000;

/**
 * The main process's side of `select-bluetooth-device`. One per process (main.ts and the core
 * live in the same one): the bridges module feeds it what it wants, main.ts feeds it what
 * Electron found.
 */
export class WebBluetoothSelector {
  private callback: ((deviceId: string) => void) | null = null;
  private holdTimer: NodeJS.Timeout | null = null;
  private devices: ChooserDevice[] = [];
  private wanted = new Set<string>();
  private scanUntil = 0;
  private scanListeners = new Set<(adv: BleAdvertisement) => void>();
  /** The device the last chooser returned (the agent's next grant is that device). */
  lastChosen: ChooserDevice | null = null;

  /** Addresses the bridge would like granted (enabled devices without a grant). */
  setWanted(addresses: Iterable<string>): void {
    this.wanted = new Set(addresses);
    this.tryChoose();
  }

  /** While scanning, choosers stay open this long and report every device. */
  scan(untilMs: number, onDevice: (adv: BleAdvertisement) => void): () => void {
    this.scanUntil = Math.max(this.scanUntil, untilMs);
    this.scanListeners.add(onDevice);
    for (const d of this.devices) onDevice(this.adv(d));
    return () => {
      this.scanListeners.delete(onDevice);
      if (this.scanListeners.size === 0) {
        this.scanUntil = 0;
        this.tryChoose();
        if (!this.wanted.size) this.finish('');
      }
    };
  }

  private adv(d: ChooserDevice): BleAdvertisement {
    return { address: d.deviceId, name: d.deviceName || null, rssi: null, serviceUuids: [] };
  }

  /** Electron's `select-bluetooth-device` (after event.preventDefault()). */
  onSelect(devices: ChooserDevice[], callback: (deviceId: string) => void): void {
    this.callback = callback;
    this.devices = devices;
    for (const d of devices) for (const l of this.scanListeners) l(this.adv(d));
    if (this.tryChoose()) return;
    if (!this.holdTimer) {
      const ms = Math.max(HOLD_MS, this.scanUntil - Date.now());
      this.holdTimer = setTimeout(() => this.finish(''), ms);
      this.holdTimer.unref();
    }
  }

  private tryChoose(): boolean {
    if (!this.callback) return false;
    const pick = this.devices.find((d) => this.wanted.has(d.deviceId));
    if (!pick) return false;
    this.lastChosen = pick;
    this.finish(pick.deviceId);
    return true;
  }

  /** Answers the open chooser: a device id, or '' to cancel. */
  finish(deviceId: string): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    const cb = this.callback;
    this.callback = null;
    this.devices = [];
    cb?.(deviceId);
  }
}

export const webBluetoothSelector = new WebBluetoothSelector();

const REQUEST_TIMEOUT_MS = 20_000;

interface Pending {
  resolve: (valueHex: string | undefined) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

class RendererConnection implements GattConnection {
  readonly subscriptions = new Map<string, (value: Uint8Array, at: number) => void>();
  private listeners: ((reason: string) => void)[] = [];
  closed = false;

  constructor(
    private readonly t: RendererGattTransport,
    readonly address: string,
    readonly webId: string,
  ) {}

  async subscribe(service: string, characteristic: string, onValue: (value: Uint8Array, at: number) => void) {
    this.subscriptions.set(`${fullUuid(service)}|${fullUuid(characteristic)}`, onValue);
    await this.t.request({
      op: 'subscribe',
      web_id: this.webId,
      service: fullUuid(service),
      characteristic: fullUuid(characteristic),
    });
  }

  async write(service: string, characteristic: string, value: Uint8Array, mode: GattWriteMode = 'request') {
    await this.t.request({
      op: 'write',
      web_id: this.webId,
      service: fullUuid(service),
      characteristic: fullUuid(characteristic),
      value_hex: bytesToHex(value),
      mode,
    });
  }

  async read(service: string, characteristic: string): Promise<Uint8Array> {
    const hex = await this.t.request({
      op: 'read',
      web_id: this.webId,
      service: fullUuid(service),
      characteristic: fullUuid(characteristic),
    });
    return hexToBytes(hex ?? '');
  }

  onDisconnect(listener: (reason: string) => void): void {
    this.listeners.push(listener);
  }

  end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.t.released(this);
    for (const l of this.listeners.splice(0)) l(reason);
  }

  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.end('closed by the console');
    await this.t.request({ op: 'disconnect', web_id: this.webId }).catch(() => undefined);
  }
}

type RequestBody = GattAgentRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/** GattTransport whose radio is the renderer's Web Bluetooth agent. */
export class RendererGattTransport implements GattTransport {
  readonly name = 'web-bluetooth';
  private agent: { available: boolean; reason: string | null } | null = null;
  /** address → the agent's device id (granted devices). */
  private grants = new Map<string, string>();
  private conns = new Map<string, RendererConnection>();
  private pending = new Map<number, Pending>();
  private outbox: GattAgentRequest[] = [];
  private flushScheduled = false;
  private seq = 0;

  constructor(
    private readonly push: (batch: GattAgentRequest[]) => void,
    private readonly selector: WebBluetoothSelector,
    private readonly hooks: { onGrant?: (address: string, name: string | null) => void } = {},
  ) {}

  /** The agent announced itself (or went away). */
  setAgent(available: boolean, reason: string | null): void {
    this.agent = { available, reason };
    if (!available) for (const c of [...this.conns.values()]) c.end('the window closed');
  }

  hasAgent(): boolean {
    return !!this.agent?.available;
  }

  granted(address: string): boolean {
    return this.grants.has(address);
  }

  async available(): Promise<GattAvailability> {
    if (this.agent?.available) return { ok: true };
    return { ok: false, reason: this.agent?.reason ?? 'no desktop window with Web Bluetooth is open' };
  }

  async startScan(onDevice: (adv: BleAdvertisement) => void): Promise<() => Promise<void>> {
    const stop = this.selector.scan(Date.now() + 60_000, onDevice);
    return async () => stop();
  }

  async connect(address: string, opts: { services: string[] }): Promise<GattConnection> {
    if (!this.agent?.available)
      throw new GattError('unavailable', 'no desktop window with Web Bluetooth is open');
    const webId = this.grants.get(address);
    if (!webId) {
      throw new GattError(
        'needs-permission',
        'press Connect in the Bridges view to grant access to this device',
      );
    }
    if (this.conns.has(webId)) throw new GattError('busy', `${address} is already connected`);
    const conn = new RendererConnection(this, address, webId);
    this.conns.set(webId, conn);
    try {
      await this.request({ op: 'connect', web_id: webId, services: opts.services.map(fullUuid) });
    } catch (err) {
      this.conns.delete(webId);
      throw err;
    }
    return conn;
  }

  released(conn: RendererConnection): void {
    if (this.conns.get(conn.webId) === conn) this.conns.delete(conn.webId);
  }

  request(body: RequestBody): Promise<string | undefined> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new GattError('timeout', `Web Bluetooth ${body.op} got no answer`));
      }, REQUEST_TIMEOUT_MS);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      this.outbox.push({ id, ...body } as GattAgentRequest);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          const batch = this.outbox;
          this.outbox = [];
          if (batch.length) this.push(batch);
        });
      }
    });
  }

  reply(r: { id: number; ok: boolean; error?: string; value_hex?: string }): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    clearTimeout(p.timer);
    if (r.ok) p.resolve(r.value_hex);
    else p.reject(new GattError('failed', r.error ?? 'Web Bluetooth request failed'));
  }

  events(events: GattAgentEvent[]): void {
    for (const e of events) {
      if (e.type === 'granted') {
        // The chooser's pick is the device just granted; without one (a browser's own chooser)
        // the agent's id is the address.
        const address = this.selector.lastChosen?.deviceId ?? e.web_id;
        this.selector.lastChosen = null;
        this.grants.set(address, e.web_id);
        this.hooks.onGrant?.(address, e.name);
      } else if (e.type === 'notify') {
        const conn = this.conns.get(e.web_id);
        const fn = conn?.subscriptions.get(`${fullUuid(e.service)}|${fullUuid(e.characteristic)}`);
        if (fn) fn(hexToBytes(e.value_hex), e.at);
      } else {
        this.conns.get(e.web_id)?.end(e.reason || 'link lost');
      }
    }
  }

  async close(): Promise<void> {
    for (const c of [...this.conns.values()]) await c.disconnect();
  }
}
