/**
 * The devices capability's part of the contract: the command panel (commands and their
 * lifecycle), device names and roles, retained per-device configuration, LAN credentials.
 * Names are in names.ts, handlers in src-main/commands.
 */
import { z } from 'zod';
import { CREDENTIAL_FAMILIES } from '../families';
import type { ConfigDiffEntry, ConfigValues } from '../commands/config';
import type { CommandTarget } from '../commands/catalogue';
import { DEVICE_ID_PATTERN } from '../ids';
import type { DeviceRow } from './types';

export const COMMAND_STATES = [
  'queued',
  'sent',
  'delivered',
  'acknowledged',
  'failed',
  'timed_out',
  'expired',
] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

/** States a command never leaves (a late acknowledgement may still turn timed_out into a result). */
export const FINAL_STATES: readonly CommandState[] = ['delivered', 'acknowledged', 'failed', 'expired'];

/** Credential families of the embedded broker: the family registry's. */
export { CREDENTIAL_FAMILIES };

export interface CommandRecord {
  id: string;
  device_id: string;
  family: string;
  target: CommandTarget;
  command: string;
  args: Record<string, unknown>;
  state: CommandState;
  /** Who sent it: `operator` (the console UI), `api (ADDRESS)` (HTTP), or a module's name. */
  who: string;
  created_at: string;
  sent_at: string | null;
  acked_at: string | null;
  /** When it reached its current final state (or timed out). */
  finished_at: string | null;
  /** Not delivered by then → expired. */
  expires_at: string;
  /** How long after sending an acknowledgement is awaited. */
  timeout_ms: number;
  error: string | null;
  /** How it went out: through the broker, or a serial/BLE bridge. */
  via: 'mqtt' | 'bridge' | null;
  topic: string | null;
  /** Delivery attempts (a failed publish goes back to the queue). */
  attempts: number;
}

export interface CommandSettings {
  /** A sent command with no acknowledgement after this long is timed out. */
  ack_timeout_ms: number;
  /** A queued command not delivered within this long of its creation expires. */
  expiry_ms: number;
}

export interface ConfigView {
  family: string;
  device_id: string;
  topic: string;
  defaults: ConfigValues;
  overrides: ConfigValues;
  /** What a push would publish now. */
  effective: ConfigValues;
  /** What was last published (retained), or null (never, or cleared). */
  pushed: ConfigValues | null;
  pushed_at: string | null;
  /** Per key: pushed → effective. */
  diff: ConfigDiffEntry[];
  in_sync: boolean;
}

export interface AclView {
  publish: string[];
  subscribe: string[];
}

export interface CredentialView {
  username: string;
  family: string;
  device_id: string;
  created_at: string;
  /** MQTT clients connected with this username now. */
  clients: { client_id: string; address: string | null; connected_at: string }[];
  acl: AclView;
}

export interface CredentialsOverview {
  /** False with an external broker: its credentials are managed there. */
  available: boolean;
  /** True in LAN mode, where the broker requires them. */
  enforced: boolean;
  note: string | null;
  credentials: CredentialView[];
  /** The ACL of each family, with `{device_id}` standing for the device's id. */
  families: ({ family: string } & AclView)[];
}

const deviceId = z.string().regex(DEVICE_ID_PATTERN, 'expected a device id ([A-Za-z0-9._:-]{1,64})');
const family = z.string().min(1).max(32);
const commandId = z.string().min(1).max(64);
const empty = z.object({}).strict().optional();
const values = z.record(z.string().max(64), z.unknown());

export const devicesCommandSchemas = {
  'commands.send': z
    .object({
      device_id: deviceId,
      family: family.optional(),
      command: z.string().min(1).max(64),
      args: values.optional(),
      /** Overrides the ack timeout for this command. */
      timeout_ms: z.number().int().min(100).max(3_600_000).optional(),
      /** Overrides the expiry for this command. */
      ttl_ms: z
        .number()
        .int()
        .min(100)
        .max(7 * 86_400_000)
        .optional(),
    })
    .strict(),
  'commands.get': z.object({ id: commandId }).strict(),
  'commands.list': z
    .object({
      device_id: deviceId.optional(),
      family: family.optional(),
      state: z.enum(COMMAND_STATES).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
      /** A `created_at` ISO time: only older commands (the next page). */
      before: z.string().max(64).optional(),
    })
    .strict(),
  'commands.cancel': z.object({ id: commandId }).strict(),
  'commands.settings': empty,
  'commands.update_settings': z
    .object({
      ack_timeout_ms: z.number().int().min(100).max(3_600_000).optional(),
      expiry_ms: z
        .number()
        .int()
        .min(1000)
        .max(7 * 86_400_000)
        .optional(),
    })
    .strict(),
  'devices.update': z
    .object({
      family,
      device_id: deviceId,
      name: z.string().trim().max(64).nullable().optional(),
      role: z.string().trim().max(32).nullable().optional(),
    })
    .strict(),
  'config.get': z.object({ family, device_id: deviceId }).strict(),
  'config.set_overrides': z.object({ family, device_id: deviceId, overrides: values }).strict(),
  'config.set_defaults': z.object({ family, defaults: values }).strict(),
  'config.push': z.object({ family, device_id: deviceId }).strict(),
  'config.clear': z.object({ family, device_id: deviceId }).strict(),
  'credentials.list': empty,
  'credentials.add': z.object({ family: z.enum(CREDENTIAL_FAMILIES), device_id: deviceId }).strict(),
  'credentials.revoke': z.object({ username: deviceId }).strict(),
} satisfies Record<string, z.ZodType>;

type S = typeof devicesCommandSchemas;
type Req<K extends keyof S> = z.infer<S[K]>;

export interface DevicesCommandMap {
  'commands.send': { req: Req<'commands.send'>; res: CommandRecord };
  'commands.get': { req: Req<'commands.get'>; res: CommandRecord };
  'commands.list': { req: Req<'commands.list'>; res: { commands: CommandRecord[] } };
  'commands.cancel': { req: Req<'commands.cancel'>; res: CommandRecord };
  'commands.settings': { req: Req<'commands.settings'>; res: CommandSettings };
  'commands.update_settings': { req: Req<'commands.update_settings'>; res: CommandSettings };
  'devices.update': { req: Req<'devices.update'>; res: DeviceRow };
  'config.get': { req: Req<'config.get'>; res: ConfigView };
  'config.set_overrides': { req: Req<'config.set_overrides'>; res: ConfigView };
  'config.set_defaults': { req: Req<'config.set_defaults'>; res: { family: string; defaults: ConfigValues } };
  'config.push': { req: Req<'config.push'>; res: ConfigView };
  'config.clear': { req: Req<'config.clear'>; res: ConfigView };
  'credentials.list': { req: Req<'credentials.list'>; res: CredentialsOverview };
  /** The password is in this answer only: it is never stored or shown again. */
  'credentials.add': {
    req: Req<'credentials.add'>;
    res: { username: string; family: string; device_id: string; password: string };
  };
  'credentials.revoke': {
    req: Req<'credentials.revoke'>;
    res: { revoked: boolean; disconnected: number };
  };
}
