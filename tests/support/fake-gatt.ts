/**
 * An in-memory GATT transport for tests: devices with services and characteristics, scanning,
 * one link per device (like the AMG, which lets only one client hold it), notifications pushed by
 * the test (replaying real captures), link drops, and a log of every write. Everything above the
 * GattTransport interface — drivers, the BLE bridge, ingest — runs unchanged on it.
 */
import {
  GattError,
  fullUuid,
  type BleAdvertisement,
  type GattAvailability,
  type GattConnection,
  type GattTransport,
  type GattWriteMode,
} from '../../src-shared/bridges/gatt';

export interface FakeCharacteristic {
  /** What a read returns (a function to compute it per read). */
  value?: Uint8Array | (() => Uint8Array);
  /** Called on each write; may answer with notifications through the transport. */
  onWrite?: (value: Uint8Array, mode: GattWriteMode) => void;
  /** Reads fail with this message. */
  readError?: string;
}

export interface FakeDeviceSpec {
  address: string;
  name: string | null;
  rssi?: number | null;
  advertised?: string[];
  /** service uuid → characteristic uuid → behaviour. */
  services: Record<string, Record<string, FakeCharacteristic>>;
}

export interface FakeWrite {
  address: string;
  service: string;
  characteristic: string;
  value: Uint8Array;
  mode: GattWriteMode;
  at: number;
}

interface FakeDevice extends FakeDeviceSpec {
  present: boolean;
  /** Another client holds the link (the AMG allows one). */
  heldElsewhere: boolean;
  conn: FakeConnection | null;
}

const key = (service: string, characteristic: string) => `${fullUuid(service)}|${fullUuid(characteristic)}`;

class FakeConnection implements GattConnection {
  readonly subscriptions = new Map<string, (value: Uint8Array, at: number) => void>();
  private disconnectListeners: ((reason: string) => void)[] = [];
  closed = false;

  constructor(
    private readonly transport: FakeGattTransport,
    private readonly device: FakeDevice,
  ) {}

  get address(): string {
    return this.device.address;
  }

  private char(service: string, characteristic: string): FakeCharacteristic {
    if (this.closed) throw new GattError('failed', 'not connected');
    const s = Object.entries(this.device.services).find(([u]) => fullUuid(u) === fullUuid(service));
    const c = s && Object.entries(s[1]).find(([u]) => fullUuid(u) === fullUuid(characteristic));
    if (!c) throw new GattError('not-found', `no characteristic ${characteristic} in service ${service}`);
    return c[1];
  }

  async subscribe(service: string, characteristic: string, onValue: (value: Uint8Array, at: number) => void) {
    this.char(service, characteristic);
    this.subscriptions.set(key(service, characteristic), onValue);
  }

  async write(service: string, characteristic: string, value: Uint8Array, mode: GattWriteMode = 'request') {
    const c = this.char(service, characteristic);
    this.transport.writes.push({
      address: this.device.address,
      service: fullUuid(service),
      characteristic: fullUuid(characteristic),
      value: value.slice(),
      mode,
      at: this.transport.now(),
    });
    c.onWrite?.(value.slice(), mode);
  }

  async read(service: string, characteristic: string): Promise<Uint8Array> {
    const c = this.char(service, characteristic);
    if (c.readError) throw new GattError('failed', c.readError);
    const v = typeof c.value === 'function' ? c.value() : c.value;
    if (!v) throw new GattError('failed', 'characteristic is not readable');
    return v.slice();
  }

  onDisconnect(listener: (reason: string) => void): void {
    this.disconnectListeners.push(listener);
  }

  /** The link ends (either side). */
  end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.device.conn === this) this.device.conn = null;
    for (const l of this.disconnectListeners.splice(0)) l(reason);
  }

  async disconnect(): Promise<void> {
    this.end('closed by the console');
  }
}

export class FakeGattTransport implements GattTransport {
  readonly name = 'fake';
  readonly writes: FakeWrite[] = [];
  connectAttempts = 0;
  isAvailable = true;
  private devices = new Map<string, FakeDevice>();
  private scanners = new Set<(adv: BleAdvertisement) => void>();

  constructor(readonly now: () => number = () => Date.now()) {}

  addDevice(spec: FakeDeviceSpec): void {
    this.devices.set(spec.address, { ...spec, present: true, heldElsewhere: false, conn: null });
    this.advertise(spec.address);
  }

  private device(address: string): FakeDevice {
    const d = this.devices.get(address);
    if (!d) throw new Error(`fake: no device ${address}`);
    return d;
  }

  private advertise(address: string): void {
    const d = this.devices.get(address);
    if (!d || !d.present || d.conn) return;
    const adv: BleAdvertisement = {
      address: d.address,
      name: d.name,
      rssi: d.rssi ?? null,
      serviceUuids: (d.advertised ?? []).map(fullUuid),
    };
    for (const s of this.scanners) s(adv);
  }

  /** In or out of radio range: out of range drops the link and refuses connects. */
  setPresent(address: string, present: boolean): void {
    const d = this.device(address);
    d.present = present;
    if (!present) d.conn?.end('link lost (out of range)');
    else this.advertise(address);
  }

  /** Another client (a phone app) holds the device's only link. */
  setHeldElsewhere(address: string, held: boolean): void {
    this.device(address).heldElsewhere = held;
  }

  /** The link drops as if the device went away for a moment. */
  drop(address: string, reason = 'link lost'): void {
    this.device(address).conn?.end(reason);
  }

  isConnected(address: string): boolean {
    return !!this.devices.get(address)?.conn;
  }

  /** Delivers a notification on (service, characteristic) of a connected device. */
  notify(
    address: string,
    service: string,
    characteristic: string,
    value: Uint8Array,
    at = this.now(),
  ): boolean {
    const conn = this.devices.get(address)?.conn;
    const fn = conn?.subscriptions.get(key(service, characteristic));
    if (!fn) return false;
    fn(value.slice(), at);
    return true;
  }

  async available(): Promise<GattAvailability> {
    return this.isAvailable ? { ok: true } : { ok: false, reason: 'fake transport switched off' };
  }

  async startScan(onDevice: (adv: BleAdvertisement) => void): Promise<() => Promise<void>> {
    if (!this.isAvailable) throw new GattError('unavailable', 'fake transport switched off');
    this.scanners.add(onDevice);
    queueMicrotask(() => {
      for (const address of this.devices.keys()) if (this.scanners.has(onDevice)) this.advertise(address);
    });
    return async () => {
      this.scanners.delete(onDevice);
    };
  }

  async connect(address: string, opts: { services: string[] }): Promise<GattConnection> {
    this.connectAttempts++;
    if (!this.isAvailable) throw new GattError('unavailable', 'fake transport switched off');
    const d = this.devices.get(address);
    if (!d || !d.present) throw new GattError('not-found', `device ${address} is not in range`);
    if (d.heldElsewhere || d.conn) {
      throw new GattError('busy', `device ${address} is busy: another client holds its only link`);
    }
    for (const s of opts.services) {
      if (!Object.keys(d.services).some((u) => fullUuid(u) === fullUuid(s))) {
        throw new GattError('not-found', `device ${address} has no service ${s}`);
      }
    }
    const conn = new FakeConnection(this, d);
    d.conn = conn;
    return conn;
  }
}
