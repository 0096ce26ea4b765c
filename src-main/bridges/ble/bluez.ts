/**
 * BlueZ over the system D-Bus (Linux, main process, no noble): a thin GattTransport on top of a
 * minimal D-Bus client interface. `dbusNextClient()` implements that interface with dbus-next;
 * everything BlueZ-specific (object paths, interfaces, properties) lives in BluezTransport.
 *
 *   org.bluez /org/bluez/hciN              Adapter1: StartDiscovery, StopDiscovery, SetDiscoveryFilter
 *   org.bluez /org/bluez/hciN/dev_AA_BB_…  Device1: Connect, Disconnect; Connected, ServicesResolved, RSSI
 *   …/serviceXXXX/charYYYY                 GattCharacteristic1: StartNotify, ReadValue, WriteValue; Value
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

export const BLUEZ = 'org.bluez';
const OBJECT_MANAGER = 'org.freedesktop.DBus.ObjectManager';
const PROPERTIES = 'org.freedesktop.DBus.Properties';
const ADAPTER = 'org.bluez.Adapter1';
const DEVICE = 'org.bluez.Device1';
const GATT_SERVICE = 'org.bluez.GattService1';
const GATT_CHAR = 'org.bluez.GattCharacteristic1';

/** A D-Bus variant to send (the client wraps it in its library's Variant type). */
export class DbusVariant {
  constructor(
    readonly signature: string,
    readonly value: unknown,
  ) {}
}

export interface DbusSignal {
  path: string;
  iface: string;
  member: string;
  body: unknown[];
}

/** The few D-Bus operations the BlueZ transport needs; values arrive with variants unwrapped. */
export interface DbusClient {
  call(
    dest: string,
    path: string,
    iface: string,
    member: string,
    signature: string,
    body: unknown[],
  ): Promise<unknown[]>;
  addMatch(rule: string): Promise<void>;
  onSignal(listener: (signal: DbusSignal) => void): () => void;
  close(): void;
}

type Props = Record<string, unknown>;
type ManagedObjects = Record<string, Record<string, Props>>;

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function devicePath(adapterPath: string, address: string): string {
  return `${adapterPath}/dev_${address.toUpperCase().replace(/:/g, '_')}`;
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  return new Uint8Array(0);
}

class BluezConnection implements GattConnection {
  private listeners: ((reason: string) => void)[] = [];
  private offs: (() => void)[] = [];
  private closed = false;
  /** `service|char` → characteristic object path. */
  private chars = new Map<string, string>();

  constructor(
    private readonly t: BluezTransport,
    readonly address: string,
    private readonly path: string,
    objects: ManagedObjects,
  ) {
    this.index(objects);
    this.offs.push(
      t.dbus.onSignal((s) => {
        if (s.path !== this.path || s.iface !== PROPERTIES || s.member !== 'PropertiesChanged') return;
        const [iface, changed] = s.body as [string, Props];
        if (iface === DEVICE && changed.Connected === false) this.end('link lost');
      }),
    );
  }

  private index(objects: ManagedObjects): void {
    const services = new Map<string, string>();
    for (const [p, ifaces] of Object.entries(objects)) {
      const s = ifaces[GATT_SERVICE];
      if (p.startsWith(`${this.path}/`) && s && str(s.UUID)) services.set(p, fullUuid(str(s.UUID)!));
    }
    for (const [p, ifaces] of Object.entries(objects)) {
      const c = ifaces[GATT_CHAR];
      if (!c || !p.startsWith(`${this.path}/`)) continue;
      const service = services.get(str(c.Service) ?? '');
      const uuid = str(c.UUID);
      if (!service || !uuid) continue;
      this.chars.set(`${service}|${fullUuid(uuid)}`, p);
      // Also by characteristic alone, for devices that file a characteristic under another service.
      if (!this.chars.has(`*|${fullUuid(uuid)}`)) this.chars.set(`*|${fullUuid(uuid)}`, p);
    }
  }

  hasService(service: string): boolean {
    const want = `${fullUuid(service)}|`;
    for (const k of this.chars.keys()) if (k.startsWith(want)) return true;
    return false;
  }

  private charPath(service: string, characteristic: string): string {
    if (this.closed) throw new GattError('failed', 'not connected');
    const p =
      this.chars.get(`${fullUuid(service)}|${fullUuid(characteristic)}`) ??
      this.chars.get(`*|${fullUuid(characteristic)}`);
    if (!p) throw new GattError('not-found', `no characteristic ${characteristic} in service ${service}`);
    return p;
  }

  async subscribe(service: string, characteristic: string, onValue: (value: Uint8Array, at: number) => void) {
    const p = this.charPath(service, characteristic);
    this.offs.push(
      this.t.dbus.onSignal((s) => {
        if (s.path !== p || s.iface !== PROPERTIES || s.member !== 'PropertiesChanged') return;
        const [iface, changed] = s.body as [string, Props];
        if (iface === GATT_CHAR && changed.Value !== undefined) onValue(toBytes(changed.Value), Date.now());
      }),
    );
    await this.t.dbus.call(BLUEZ, p, GATT_CHAR, 'StartNotify', '', []);
  }

  async write(service: string, characteristic: string, value: Uint8Array, mode: GattWriteMode = 'request') {
    const p = this.charPath(service, characteristic);
    await this.t.dbus.call(BLUEZ, p, GATT_CHAR, 'WriteValue', 'aya{sv}', [
      Buffer.from(value),
      { type: new DbusVariant('s', mode) },
    ]);
  }

  async read(service: string, characteristic: string): Promise<Uint8Array> {
    const p = this.charPath(service, characteristic);
    const [value] = await this.t.dbus.call(BLUEZ, p, GATT_CHAR, 'ReadValue', 'a{sv}', [{}]);
    return toBytes(value);
  }

  onDisconnect(listener: (reason: string) => void): void {
    this.listeners.push(listener);
  }

  end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs.splice(0)) off();
    this.t.released(this.address);
    for (const l of this.listeners.splice(0)) l(reason);
  }

  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.end('closed by the console');
    await this.t.dbus.call(BLUEZ, this.path, DEVICE, 'Disconnect', '', []).catch(() => undefined);
  }
}

export class BluezTransport implements GattTransport {
  readonly name = 'bluez';
  private adapter: string | null = null;
  private matched = false;
  private connected = new Set<string>();

  constructor(readonly dbus: DbusClient) {}

  private async objects(): Promise<ManagedObjects> {
    const [objs] = await this.dbus.call(BLUEZ, '/', OBJECT_MANAGER, 'GetManagedObjects', '', []);
    return (objs ?? {}) as ManagedObjects;
  }

  private async match(): Promise<void> {
    if (this.matched) return;
    await this.dbus.addMatch(`type='signal',sender='${BLUEZ}'`);
    this.matched = true;
  }

  async available(): Promise<GattAvailability> {
    try {
      const [has] = await this.dbus.call(
        'org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus',
        'NameHasOwner',
        's',
        [BLUEZ],
      );
      if (has !== true) return { ok: false, reason: 'BlueZ (bluetoothd) is not running' };
      const objs = await this.objects();
      const adapters = Object.entries(objs).filter(([, i]) => i[ADAPTER]);
      if (!adapters.length) return { ok: false, reason: 'no Bluetooth adapter' };
      const powered = adapters.find(([, i]) => i[ADAPTER]!.Powered === true);
      if (!powered) return { ok: false, reason: 'the Bluetooth adapter is powered off' };
      this.adapter = powered[0];
      await this.match();
      return { ok: true };
    } catch (err) {
      const msg = (err as Error).message;
      if (/ENOENT|ECONNREFUSED/.test(msg))
        return { ok: false, reason: 'no system D-Bus (BlueZ needs dbus and bluetoothd)' };
      return { ok: false, reason: `D-Bus: ${msg}` };
    }
  }

  private async adapterPath(): Promise<string> {
    if (this.adapter) return this.adapter;
    const a = await this.available();
    if (!a.ok || !this.adapter) throw new GattError('unavailable', a.reason ?? 'no Bluetooth adapter');
    return this.adapter;
  }

  private advertisement(props: Props): BleAdvertisement | null {
    const address = str(props.Address);
    if (!address) return null;
    const uuids = Array.isArray(props.UUIDs)
      ? (props.UUIDs as unknown[]).filter((u): u is string => typeof u === 'string')
      : [];
    return {
      address,
      name: str(props.Name) ?? str(props.Alias),
      rssi: typeof props.RSSI === 'number' ? props.RSSI : null,
      serviceUuids: uuids.map(fullUuid),
    };
  }

  async startScan(onDevice: (adv: BleAdvertisement) => void): Promise<() => Promise<void>> {
    const adapter = await this.adapterPath();
    const known = new Map<string, Props>();
    const report = (path: string, props: Props) => {
      const merged = { ...(known.get(path) ?? {}), ...props };
      known.set(path, merged);
      const adv = this.advertisement(merged);
      if (adv) onDevice(adv);
    };
    const off = this.dbus.onSignal((s) => {
      if (s.iface === OBJECT_MANAGER && s.member === 'InterfacesAdded') {
        const [path, ifaces] = s.body as [string, Record<string, Props>];
        if (ifaces[DEVICE] && path.startsWith(`${adapter}/`)) report(path, ifaces[DEVICE]);
      } else if (
        s.iface === PROPERTIES &&
        s.member === 'PropertiesChanged' &&
        s.path.startsWith(`${adapter}/dev_`)
      ) {
        const [iface, changed] = s.body as [string, Props];
        if (iface === DEVICE && known.has(s.path)) report(s.path, changed);
      }
    });
    for (const [path, ifaces] of Object.entries(await this.objects())) {
      if (ifaces[DEVICE] && path.startsWith(`${adapter}/`)) report(path, ifaces[DEVICE]);
    }
    await this.dbus
      .call(BLUEZ, adapter, ADAPTER, 'SetDiscoveryFilter', 'a{sv}', [
        { Transport: new DbusVariant('s', 'le') },
      ])
      .catch(() => undefined);
    await this.dbus.call(BLUEZ, adapter, ADAPTER, 'StartDiscovery', '', []);
    return async () => {
      off();
      await this.dbus.call(BLUEZ, adapter, ADAPTER, 'StopDiscovery', '', []).catch(() => undefined);
    };
  }

  released(address: string): void {
    this.connected.delete(address);
  }

  private async waitResolved(path: string, timeoutMs: number): Promise<void> {
    const objs = await this.objects();
    if (objs[path]?.[DEVICE]?.ServicesResolved === true) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new GattError('timeout', 'services were not resolved in time'));
      }, timeoutMs);
      const off = this.dbus.onSignal((s) => {
        if (s.path !== path || s.iface !== PROPERTIES || s.member !== 'PropertiesChanged') return;
        const [iface, changed] = s.body as [string, Props];
        if (iface !== DEVICE) return;
        if (changed.ServicesResolved === true) {
          clearTimeout(timer);
          off();
          resolve();
        } else if (changed.Connected === false) {
          clearTimeout(timer);
          off();
          reject(new GattError('failed', 'the device disconnected while connecting'));
        }
      });
    });
  }

  async connect(address: string, opts: { services: string[]; timeoutMs?: number }): Promise<GattConnection> {
    const adapter = await this.adapterPath();
    if (this.connected.has(address)) throw new GattError('busy', `${address} is already connected`);
    const path = devicePath(adapter, address);
    let objs = await this.objects();
    if (!objs[path]?.[DEVICE]) {
      // BlueZ only connects devices it has seen: look for it briefly.
      const stop = await this.startScan(() => undefined);
      const deadline = Date.now() + 10_000;
      for (;;) {
        objs = await this.objects();
        if (objs[path]?.[DEVICE] || Date.now() >= deadline) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      await stop();
      if (!objs[path]?.[DEVICE]) throw new GattError('not-found', `${address} is not in range`);
    }
    try {
      await this.dbus.call(BLUEZ, path, DEVICE, 'Connect', '', []);
    } catch (err) {
      const msg = (err as Error).message;
      if (/InProgress|Busy|AlreadyConnected/i.test(msg)) throw new GattError('busy', msg);
      throw new GattError('failed', `connect: ${msg}`);
    }
    this.connected.add(address);
    try {
      await this.waitResolved(path, opts.timeoutMs ?? 20_000);
      const conn = new BluezConnection(this, address, path, await this.objects());
      const missing = opts.services.filter((s) => !conn.hasService(s));
      // Battery is optional; the driver's own service is not.
      if (missing.length === opts.services.length && missing.length > 0) {
        throw new GattError('not-found', `${address} has none of the services ${opts.services.join(', ')}`);
      }
      return conn;
    } catch (err) {
      this.connected.delete(address);
      await this.dbus.call(BLUEZ, path, DEVICE, 'Disconnect', '', []).catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.dbus.close();
  }
}

/** BlueZ answers most calls at once; Connect can take a while (it waits for the link). */
const CALL_TIMEOUT_MS = 35_000;

/** The D-Bus client over dbus-next's system bus (loaded lazily: only when BLE is wanted). */
export async function dbusNextClient(): Promise<DbusClient> {
  const dbus = await import('dbus-next');
  const bus = dbus.systemBus();
  let failed: Error | null = null;
  // A call made before the bus connection fails would never settle: race it against the failure.
  const failures = new Set<(err: Error) => void>();
  bus.on('error', (err: Error) => {
    failed = err;
    for (const f of failures) f(err);
  });
  const unwrap = (v: unknown): unknown => {
    if (v instanceof dbus.Variant) return unwrap(v.value);
    if (Buffer.isBuffer(v)) return new Uint8Array(v);
    if (Array.isArray(v)) return v.map(unwrap);
    if (v && typeof v === 'object' && (v as object).constructor === Object) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = unwrap(x);
      return out;
    }
    return v;
  };
  const wrap = (v: unknown): unknown => {
    if (v instanceof DbusVariant) return new dbus.Variant(v.signature, wrap(v.value));
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) return v;
    if (Array.isArray(v)) return v.map(wrap);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = wrap(x);
      return out;
    }
    return v;
  };
  const listeners = new Set<(s: DbusSignal) => void>();
  bus.on('message', (msg) => {
    if (msg.type !== dbus.MessageType.SIGNAL) return;
    const signal: DbusSignal = {
      path: msg.path,
      iface: msg.interface,
      member: msg.member,
      body: (msg.body ?? []).map(unwrap),
    };
    for (const l of listeners) l(signal);
  });
  const call = async (
    dest: string,
    path: string,
    iface: string,
    member: string,
    signature: string,
    body: unknown[],
  ): Promise<unknown[]> => {
    if (failed) throw failed;
    let fail: (err: Error) => void = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    const failure = new Promise<never>((_, reject) => {
      fail = reject;
      failures.add(fail);
      timer = setTimeout(() => reject(new Error(`${iface}.${member} timed out`)), CALL_TIMEOUT_MS);
    });
    try {
      const reply = await Promise.race([
        bus.call(
          new dbus.Message({
            destination: dest,
            path,
            interface: iface,
            member,
            signature,
            body: body.map(wrap),
          }),
        ),
        failure,
      ]);
      return (reply?.body ?? []).map(unwrap);
    } finally {
      failures.delete(fail);
      clearTimeout(timer);
    }
  };
  return {
    call,
    async addMatch(rule) {
      await call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'AddMatch', 's', [
        rule,
      ]);
    },
    onSignal(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      bus.disconnect();
    },
  };
}
