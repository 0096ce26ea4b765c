/**
 * The bridges capability's part of the contract: serial ports and BLE devices with their state,
 * scan / connect / disconnect, per-port configuration, bridge commands, and the Web Bluetooth
 * agent channel (the renderer does the radio work under Electron, the main process decides).
 * Names are in names.ts, handlers in src-main/bridges.
 */
import { z } from 'zod';
import type { CommandDef } from '../commands/catalogue';
import { DEVICE_ID_PATTERN } from '../ids';

const deviceId = z.string().regex(DEVICE_ID_PATTERN);
/** A BLE address (MAC under BlueZ) or a transport's own device id. */
export const BLE_ADDRESS_PATTERN = /^[A-Za-z0-9:._-]{1,64}$/;
const address = z.string().regex(BLE_ADDRESS_PATTERN, 'not a device address');
/** Ids Web Bluetooth gives devices are opaque base64. */
const webId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9+/=_:.-]+$/, 'not a Web Bluetooth device id');
const uuid = z
  .string()
  .max(64)
  .regex(/^[0-9a-fA-Fx-]+$/, 'not a UUID');
const hex = z
  .string()
  .max(8192)
  .regex(/^[0-9a-f]*$/, 'not lower-case hex');
const empty = z.object({}).strict().optional();

export const BLE_TRANSPORTS = ['auto', 'bluez', 'web-bluetooth', 'off'] as const;
export type BleTransportSetting = (typeof BLE_TRANSPORTS)[number];

export const SERIAL_BAUD_RATES = [
  1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600,
] as const;

export type SerialPortState = 'disabled' | 'connecting' | 'open' | 'waiting';

export interface SerialPortRow {
  id: string;
  path: string;
  baud_rate: number;
  enabled: boolean;
  /** Topic for lines that carry none; `{field}` placeholders are filled from the line. */
  default_topic: string | null;
  /** The device on this port, for commands before it has spoken. */
  device_id: string | null;
  max_line_bytes: number;
  state: SerialPortState;
  error: string | null;
  /** Failed open attempts since the port was last open. */
  attempts: number;
  next_retry_at: string | null;
  opened_at: string | null;
  lines_in: number;
  bytes_in: number;
  rejects: number;
  commands_out: number;
  last_line_at: string | null;
  /** Device ids seen on this port (commands for them go out on it). */
  devices: string[];
}

export interface AvailableSerialPort {
  path: string;
  manufacturer: string | null;
  serial_number: string | null;
  vendor_id: string | null;
  product_id: string | null;
  configured: boolean;
}

export type BleLinkState =
  'disabled' | 'connecting' | 'connected' | 'reconnecting' | 'unavailable' | 'needs-permission';

/** A bridged device's command: described like every other device's (src-shared/commands). */
export type BridgeCommandSpec = CommandDef;

export interface BleDeviceRow {
  address: string;
  name: string | null;
  driver: string;
  driver_label: string;
  role: 'timer' | 'sensor';
  /** The id its events carry (`timer_id` / `sensor_id`). */
  device_id: string;
  enabled: boolean;
  state: BleLinkState;
  error: string | null;
  attempts: number;
  next_retry_at: string | null;
  connected_at: string | null;
  battery: number | null;
  rssi: number | null;
  notifications: number;
  bad_frames: number;
  last_notification_at: string | null;
  extra: Record<string, unknown>;
  commands: readonly BridgeCommandSpec[];
}

export interface BleDiscoveredRow {
  address: string;
  name: string | null;
  rssi: number | null;
  /** The driver that recognizes it, if any. */
  driver: string | null;
  configured: boolean;
  seen_at: string;
}

export interface BridgeDriverRow {
  id: string;
  label: string;
  role: 'timer' | 'sensor';
  commands: readonly BridgeCommandSpec[];
}

export interface BridgesSettings {
  /** Also publish bridged messages into the broker's tree for other subscribers. */
  republish: boolean;
  ble_transport: BleTransportSetting;
}

export interface BridgesState {
  serial: { ports: SerialPortRow[] };
  ble: {
    /** The transport in use (`bluez`, `web-bluetooth`), or null when none is. */
    transport: string | null;
    available: boolean;
    reason: string | null;
    scanning: boolean;
    scan_until: string | null;
    devices: BleDeviceRow[];
    discovered: BleDiscoveredRow[];
    drivers: BridgeDriverRow[];
  };
  settings: BridgesSettings;
}

export interface BridgeCommandResult {
  ok: true;
  transport: 'serial' | 'ble';
  acknowledged: boolean;
  sent: string[];
  reply?: Record<string, unknown>;
}

/** Requests the main process sends the Web Bluetooth agent (pushed in batches). */
export type GattAgentRequest =
  | { id: number; op: 'connect'; web_id: string; services: string[] }
  | { id: number; op: 'disconnect'; web_id: string }
  | { id: number; op: 'subscribe'; web_id: string; service: string; characteristic: string }
  | {
      id: number;
      op: 'write';
      web_id: string;
      service: string;
      characteristic: string;
      value_hex: string;
      mode: 'request' | 'command';
    }
  | { id: number; op: 'read'; web_id: string; service: string; characteristic: string };

const gattEvent = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('granted'),
      web_id: webId,
      name: z.string().max(248).nullable(),
    })
    .strict(),
  z
    .object({
      type: z.literal('notify'),
      web_id: webId,
      service: uuid,
      characteristic: uuid,
      value_hex: hex,
      at: z.number().int().nonnegative(),
    })
    .strict(),
  z.object({ type: z.literal('disconnected'), web_id: webId, reason: z.string().max(200) }).strict(),
]);
export type GattAgentEvent = z.infer<typeof gattEvent>;

export const bridgesCommandSchemas = {
  'bridges.list': empty,
  'bridges.settings.set': z
    .object({ republish: z.boolean().optional(), ble_transport: z.enum(BLE_TRANSPORTS).optional() })
    .strict(),
  'bridges.serial.available': empty,
  'bridges.serial.save': z
    .object({
      id: deviceId.optional(),
      path: z
        .string()
        .min(1)
        .max(512)
        .refine((p) => !p.includes('\u0000'), 'path may not contain NUL'),
      baud_rate: z.number().int().min(50).max(4_000_000),
      enabled: z.boolean().optional(),
      default_topic: z.string().max(256).nullable().optional(),
      device_id: deviceId.nullable().optional(),
      max_line_bytes: z
        .number()
        .int()
        .min(256)
        .max(1024 * 1024)
        .optional(),
    })
    .strict(),
  'bridges.serial.remove': z.object({ id: deviceId }).strict(),
  'bridges.ble.scan': z
    .object({ seconds: z.number().int().min(1).max(120).optional() })
    .strict()
    .optional(),
  'bridges.ble.save': z
    .object({
      address,
      driver: z.string().max(64).optional(),
      device_id: deviceId.optional(),
      name: z.string().max(248).nullable().optional(),
      enabled: z.boolean().optional(),
    })
    .strict(),
  'bridges.ble.remove': z.object({ address }).strict(),
  'bridges.ble.connect': z.object({ address }).strict(),
  'bridges.ble.disconnect': z.object({ address }).strict(),
  'bridges.command': z
    .object({
      device_id: deviceId,
      command: z.string().min(1).max(64),
      args: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
  'bridges.gatt.agent': z.object({ available: z.boolean(), reason: z.string().max(200).optional() }).strict(),
  'bridges.gatt.reply': z
    .object({
      id: z.number().int().nonnegative(),
      ok: z.boolean(),
      error: z.string().max(500).optional(),
      value_hex: hex.optional(),
    })
    .strict(),
  'bridges.gatt.events': z.object({ events: z.array(gattEvent).max(2000) }).strict(),
} satisfies Record<string, z.ZodType>;

type S = typeof bridgesCommandSchemas;
type Req<K extends keyof S> = z.infer<S[K]>;

export interface BridgesCommandMap {
  'bridges.list': { req: Req<'bridges.list'>; res: BridgesState };
  'bridges.settings.set': { req: Req<'bridges.settings.set'>; res: BridgesSettings };
  'bridges.serial.available': { req: Req<'bridges.serial.available'>; res: { ports: AvailableSerialPort[] } };
  'bridges.serial.save': { req: Req<'bridges.serial.save'>; res: SerialPortRow };
  'bridges.serial.remove': { req: Req<'bridges.serial.remove'>; res: { ok: true } };
  'bridges.ble.scan': { req: Req<'bridges.ble.scan'>; res: { scanning: boolean; until: string | null } };
  'bridges.ble.save': { req: Req<'bridges.ble.save'>; res: BleDeviceRow };
  'bridges.ble.remove': { req: Req<'bridges.ble.remove'>; res: { ok: true } };
  'bridges.ble.connect': { req: Req<'bridges.ble.connect'>; res: BleDeviceRow };
  'bridges.ble.disconnect': { req: Req<'bridges.ble.disconnect'>; res: BleDeviceRow };
  'bridges.command': { req: Req<'bridges.command'>; res: BridgeCommandResult };
  'bridges.gatt.agent': { req: Req<'bridges.gatt.agent'>; res: { ok: true; services: string[] } };
  'bridges.gatt.reply': { req: Req<'bridges.gatt.reply'>; res: { ok: true } };
  'bridges.gatt.events': { req: Req<'bridges.gatt.events'>; res: { ok: true } };
}
