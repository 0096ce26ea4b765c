/**
 * Pluggable BLE device drivers. A driver turns one device's GATT traffic into messages in the
 * range tree's own wire format (domain.md §1) — `timer/events`, `timer/status`,
 * `sensor/{id}/telemetry`, `sensor/{id}/status` — so the console ingests a bridged device exactly
 * as it ingests the same device behind a LeadVille bridge. Drivers are pure: time and timers come
 * from the host, bytes from a GattConnection.
 */
import type { CommandDef } from '../commands/catalogue';
import type { BleAdvertisement, GattConnection } from './gatt';
import { fullUuid } from './gatt';

/** One message for the ingest pipeline, in the family's own format. */
export interface BridgeMessage {
  /** Topic inside the range tree, without the prefix: `timer/events`, `sensor/bt50-1/telemetry`. */
  path: string;
  payload: Record<string, unknown>;
  /** Status topics are retained on the wire (only matters when republishing). */
  retain?: boolean;
  /** Receive time (epoch ms) of the bytes this message came from. */
  at: number;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface DriverHost {
  readonly clock: Clock;
  emit(message: BridgeMessage): void;
}

/** A driver's commands are described like every other device's (src-shared/commands). */
export type { CommandDef } from '../commands/catalogue';

export interface CommandResult {
  /** The device confirmed (a write response, or the reply the command asks for). */
  acknowledged: boolean;
  /** What was written, for the record (ASCII text or hex). */
  sent: string[];
  reply?: Record<string, unknown>;
}

/** A command the driver refuses: unknown, bad arguments, or not allowed now. */
export class DriverCommandError extends Error {
  constructor(
    readonly code: 'unknown_command' | 'invalid_args' | 'not_now' | 'not_connected' | 'failed' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

/** One driver bound to one device for the lifetime of one connection. */
export interface DriverSession {
  /** Subscribes, reads what it needs, announces the device as connected. */
  start(conn: GattConnection): Promise<void>;
  /** Periodic refresh while connected (battery, status keep-alive). */
  poll(): Promise<void>;
  command(name: string, args: Record<string, unknown>): Promise<CommandResult>;
  /** The link is gone (or we closed it): announce the device as disconnected. */
  stop(reason: string): void;
  /** What the Bridges view shows about this device. */
  info(): DriverInfo;
}

export interface DriverInfo {
  battery: number | null;
  notifications: number;
  bad_frames: number;
  last_notification_at: number | null;
  /** Driver-specific extras (running state, measured rate, last string…). */
  extra: Record<string, unknown>;
}

export interface BleDriver {
  readonly id: string;
  readonly label: string;
  readonly role: 'timer' | 'sensor';
  /** Services the driver uses (Web Bluetooth must list them up front). */
  readonly services: string[];
  readonly commands: readonly CommandDef[];
  /** Does this advertisement look like one of ours (name or advertised service)? */
  matches(adv: Pick<BleAdvertisement, 'name' | 'serviceUuids'>): boolean;
  /** The device id a new device gets unless the operator names it. */
  defaultDeviceId(address: string): string;
  create(opts: { deviceId: string; address: string; host: DriverHost; rssi?: number | null }): DriverSession;
}

/** Timer drivers are the pluggable kind the issue asks for: AMG today, SG Timer or others later. */
export type TimerDriver = BleDriver & { readonly role: 'timer' };

export class DriverRegistry {
  private readonly drivers = new Map<string, BleDriver>();

  constructor(drivers: readonly BleDriver[] = []) {
    for (const d of drivers) this.register(d);
  }

  register(driver: BleDriver): void {
    if (this.drivers.has(driver.id)) throw new Error(`driver ${driver.id} is registered twice`);
    this.drivers.set(driver.id, driver);
  }

  get(id: string): BleDriver | undefined {
    return this.drivers.get(id);
  }

  list(): BleDriver[] {
    return [...this.drivers.values()];
  }

  /** The first driver that recognizes the advertisement. */
  match(adv: Pick<BleAdvertisement, 'name' | 'serviceUuids'>): BleDriver | null {
    for (const d of this.drivers.values()) if (d.matches(adv)) return d;
    return null;
  }
}

/** A short id suffix from an address: `AA:BB:CC:DD:EE:FF` → `ddeeff`. */
export function addressSuffix(address: string): string {
  const hex = address.replace(/[^0-9A-Za-z]/g, '').toLowerCase();
  return hex.slice(-6) || 'device';
}

/** Operators type command names loosely (`Remote-Start`, `read battery`); both drivers accept that. */
export function canonicalName(name: string, aliases: Readonly<Record<string, string>>): string {
  const n = name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return aliases[n] ?? n;
}

export function advertisesService(adv: Pick<BleAdvertisement, 'serviceUuids'>, service: string): boolean {
  const want = fullUuid(service);
  return adv.serviceUuids.some((u) => fullUuid(u) === want);
}

/** Reads an integer argument under one of its accepted names, checking its range. */
export function intArg(
  args: Record<string, unknown>,
  names: string[],
  min: number,
  max: number,
  what = names[0] ?? 'value',
): number {
  for (const n of names) {
    const v = args[n];
    if (v === undefined || v === null) continue;
    const num = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
    if (typeof num !== 'number' || !Number.isInteger(num) || num < min || num > max) {
      throw new DriverCommandError('invalid_args', `${what} must be an integer ${min}..${max}`);
    }
    return num;
  }
  throw new DriverCommandError('invalid_args', `${what} is required (an integer ${min}..${max})`);
}

/**
 * Spaces writes at least `gapMs` apart, in order (the AMG wants ~100 ms between commands). Each
 * queued step runs after the previous finished and the gap has passed.
 */
export class CommandPacer {
  private tail: Promise<unknown> = Promise.resolve();
  private lastAt = -Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly gapMs: number,
  ) {}

  run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.tail.then(async () => {
      const wait = this.lastAt + this.gapMs - this.clock.now();
      if (wait > 0) await new Promise<void>((resolve) => this.clock.setTimeout(resolve, wait));
      try {
        return await step();
      } finally {
        this.lastAt = this.clock.now();
      }
    });
    // A failed step must not block the queue.
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** Resolves with the first value `accept` picks among those `subscribe` delivers, or times out. */
export function waitForReply<T>(
  clock: Clock,
  timeoutMs: number,
  register: (accept: (value: T) => void) => () => void,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let unregister: () => void = () => undefined;
    const timer = clock.setTimeout(() => {
      unregister();
      reject(new DriverCommandError('timeout', `no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    unregister = register((value) => {
      clock.clearTimeout(timer);
      unregister();
      resolve(value);
    });
  });
}
