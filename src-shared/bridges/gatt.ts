/**
 * The transport-agnostic GATT interface every BLE driver is written against. BlueZ over D-Bus
 * (Linux, main process), Electron's Web Bluetooth (the renderer does the radio work, the main
 * process decides) and the fake transport in tests all implement it, so everything above it —
 * drivers, reconnects, ingest — is the same code whatever carries the bytes.
 */

/** One advertisement seen while scanning. */
export interface BleAdvertisement {
  /** Transport-specific stable id: the MAC address under BlueZ, the chooser's id under Electron. */
  address: string;
  name: string | null;
  rssi: number | null;
  /** Advertised service UUIDs, full 128-bit lower case. */
  serviceUuids: string[];
}

export type GattWriteMode = 'request' | 'command';

/** A live link to one device. */
export interface GattConnection {
  readonly address: string;
  /** Enables notifications; `onValue` gets each value with its receive time (epoch ms). */
  subscribe(
    service: string,
    characteristic: string,
    onValue: (value: Uint8Array, at: number) => void,
  ): Promise<void>;
  /** `request` waits for the device's write response; `command` is write-without-response. */
  write(service: string, characteristic: string, value: Uint8Array, mode?: GattWriteMode): Promise<void>;
  read(service: string, characteristic: string): Promise<Uint8Array>;
  /** Called once when the link drops or is closed (by us or by the device). */
  onDisconnect(listener: (reason: string) => void): void;
  disconnect(): Promise<void>;
}

export interface GattAvailability {
  ok: boolean;
  /** Why not, for the operator (no adapter, adapter off, no D-Bus, no renderer agent...). */
  reason?: string;
}

/** Raised by transports for outcomes the bridge treats specially. */
export class GattError extends Error {
  constructor(
    readonly code: 'busy' | 'not-found' | 'needs-permission' | 'unavailable' | 'timeout' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

export interface GattTransport {
  readonly name: string;
  available(): Promise<GattAvailability>;
  /** Starts discovery; returns the function that stops it. */
  startScan(onDevice: (adv: BleAdvertisement) => void): Promise<() => Promise<void>>;
  /** Connects and resolves the services the driver needs; rejects with GattError. */
  connect(address: string, opts: { services: string[]; timeoutMs?: number }): Promise<GattConnection>;
  /** Releases the transport (bus connections, agents). */
  close?(): Promise<void>;
}

const BASE_UUID_TAIL = '-0000-1000-8000-00805f9b34fb';

/**
 * Normalizes a UUID to its full 128-bit lower-case form: `180f`, `0x180F`, `2a19` and
 * `0000180f-0000-1000-8000-00805f9b34fb` all become the last.
 */
export function fullUuid(uuid: string): string {
  const u = uuid.trim().toLowerCase().replace(/^0x/, '');
  if (/^[0-9a-f]{4}$/.test(u)) return `0000${u}${BASE_UUID_TAIL}`;
  if (/^[0-9a-f]{8}$/.test(u)) return `${u}${BASE_UUID_TAIL}`;
  return u;
}

export function sameUuid(a: string, b: string): boolean {
  return fullUuid(a) === fullUuid(b);
}

/** The standard Battery service and Battery Level characteristic (one byte, percent). */
export const BATTERY_SERVICE_UUID = fullUuid('180f');
export const BATTERY_LEVEL_UUID = fullUuid('2a19');

/** A BLE address as BlueZ reports it (`AA:BB:CC:DD:EE:FF`). */
export const MAC_ADDRESS = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;
