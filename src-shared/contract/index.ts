/**
 * The one contract between the core and every view. Commands are request → response; pushes are
 * batches the core sends once per tick. Electron IPC, the WebSocket host and the in-memory fake
 * all serve exactly this map, and every request is validated with the schemas below.
 */
import { z } from 'zod';
import { EVENT_KINDS } from '../events/model';
import { DEVICE_ID_PATTERN } from '../ids';
import type { MarshalEvent } from '../events/model';
import type {
  CallResult,
  ClientRow,
  DeviceRow,
  EventPage,
  HealthSnapshot,
  MonitorBatch,
  RejectPage,
  RejectRow,
  SampleBatch,
  SensorRow,
  Stats,
} from './types';

export * from './types';
export { COMMAND_NAMES, PUSH_NAMES, isCommandName, isPushName } from './names';
export type { CommandName, PushName } from './names';
import type { CommandName, PushName } from './names';
import { rangeCommandSchemas, type RangeCommandMap, type RangePush } from './range';
import { gamesCommandSchemas, type GamesCommandMap } from './games';
import { devicesCommandSchemas, type CommandRecord, type DevicesCommandMap } from './devices';
import { bridgesCommandSchemas, type BridgesCommandMap, type GattAgentRequest } from './bridges';
import { kartingCommandSchemas, type KartingCommandMap } from './karting';

const deviceId = z.string().regex(DEVICE_ID_PATTERN);
const empty = z.object({}).strict().optional();

const spineCommandSchemas = {
  'health.get': empty,
  'stats.get': empty,
  'events.list': z
    .object({
      kind: z.enum(EVENT_KINDS).optional(),
      device_id: deviceId.optional(),
      since: z.string().max(64).optional(),
      before: z.string().max(64).optional(),
      limit: z.number().int().min(1).max(10_000).optional(),
    })
    .strict(),
  'rejects.list': z.object({ limit: z.number().int().min(1).max(10_000).optional() }).strict(),
  'devices.list': empty,
  'sensors.list': empty,
  'clients.list': empty,
  'telemetry.recent': z
    .object({
      sensor_id: deviceId,
      seconds: z.number().min(1).max(3600).optional(),
      extra: z.boolean().optional(),
    })
    .strict(),
};

export const commandSchemas = {
  ...spineCommandSchemas,
  ...rangeCommandSchemas,
  ...gamesCommandSchemas,
  ...devicesCommandSchemas,
  ...bridgesCommandSchemas,
  ...kartingCommandSchemas,
} satisfies Record<CommandName, z.ZodType>;

type SpineSchemas = typeof spineCommandSchemas;

interface SpineCommandMap {
  'health.get': { req: z.infer<SpineSchemas['health.get']>; res: HealthSnapshot };
  'stats.get': { req: z.infer<SpineSchemas['stats.get']>; res: Stats };
  'events.list': { req: z.infer<SpineSchemas['events.list']>; res: EventPage };
  'rejects.list': { req: z.infer<SpineSchemas['rejects.list']>; res: RejectPage };
  'devices.list': { req: z.infer<SpineSchemas['devices.list']>; res: { devices: DeviceRow[] } };
  'sensors.list': { req: z.infer<SpineSchemas['sensors.list']>; res: { sensors: SensorRow[] } };
  'clients.list': { req: z.infer<SpineSchemas['clients.list']>; res: { clients: ClientRow[] } };
  'telemetry.recent': {
    req: z.infer<SpineSchemas['telemetry.recent']>;
    res: SampleBatch;
  };
}

export interface CommandMap
  extends
    SpineCommandMap,
    RangeCommandMap,
    GamesCommandMap,
    DevicesCommandMap,
    BridgesCommandMap,
    KartingCommandMap {}

// Every name in names.ts has a schema and a map entry, and nothing else does.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _namesMatchMap: Exact<keyof CommandMap, CommandName> = true;
const _namesMatchSchemas: Exact<keyof typeof commandSchemas, CommandName> = true;
void _namesMatchMap;
void _namesMatchSchemas;

export type CommandReq<K extends CommandName> = CommandMap[K]['req'];
export type CommandRes<K extends CommandName> = CommandMap[K]['res'];

/** Pushed from the core to views, one batch per tick. */
export interface PushMap {
  /** Normalized events (sensor samples travel separately in `samples`). */
  events: MarshalEvent[];
  samples: SampleBatch;
  health: HealthSnapshot;
  monitor: MonitorBatch;
  rejects: RejectRow[];
  /** Commands whose state changed (contract/devices.ts), one batch per tick. */
  commands: CommandRecord[];
  /** Requests for the Web Bluetooth agent in the Electron renderer (contract/bridges.ts). */
  'bridges.gatt': GattAgentRequest[];
  /** Runs and stations that changed (contract/range.ts), one batch per tick. */
  range: RangePush;
}

const _pushNamesMatch: Exact<keyof PushMap, PushName> = true;
void _pushNamesMatch;

export type Handlers = { [K in CommandName]: (req: CommandReq<K>) => Promise<CommandRes<K>> | CommandRes<K> };

/**
 * What a view talks to: `window.api` under Electron, a WebSocket client in a browser, a fake in
 * tests. A failed call rejects with a BridgeCallError (contract/result.ts) carrying the status the
 * dispatcher gave it, whichever transport carried it.
 */
export interface Bridge {
  call<K extends CommandName>(name: K, req: CommandReq<K>): Promise<CommandRes<K>>;
  on<E extends PushName>(name: E, listener: (payload: PushMap[E]) => void): () => void;
}

/**
 * The preload's `window.api`: one method per command plus a subscription. Methods resolve to the
 * dispatcher's CallResult rather than rejecting: contextBridge keeps only the message of an error
 * it carries, and views need the status.
 */
export type PreloadApi = {
  [K in CommandName]: (req: CommandReq<K>) => Promise<CallResult<CommandRes<K>>>;
} & {
  subscribe<E extends PushName>(name: E, listener: (payload: PushMap[E]) => void): () => void;
};

export class ContractError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 | 500 | 503 = 400,
  ) {
    super(message);
  }
}

/** Validates a request against its schema; throws ContractError(400) with a readable reason. */
export function parseRequest<K extends CommandName>(name: K, req: unknown): CommandReq<K> {
  const schema = commandSchemas[name];
  const result = schema.safeParse(
    req ?? (name === 'events.list' || name === 'rejects.list' ? {} : undefined),
  );
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ContractError(
      `invalid ${name} request: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'bad input'}`,
    );
  }
  return result.data as CommandReq<K>;
}

/** WebSocket framing for the contract (the serve host and the browser bridge). */
export type WsClientFrame = { t: 'call'; id: number; name: string; req?: unknown };
export type WsServerFrame =
  | { t: 'result'; id: number; ok: true; res: unknown }
  | { t: 'result'; id: number; ok: false; error: string; status: number }
  | { t: 'push'; name: PushName; payload: unknown };
