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

const deviceId = z.string().regex(DEVICE_ID_PATTERN);
const empty = z.object({}).strict().optional();

export const commandSchemas = {
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
    .object({ sensor_id: deviceId, seconds: z.number().min(1).max(3600).optional() })
    .strict(),
} as const;

export interface CommandMap {
  'health.get': { req: z.infer<(typeof commandSchemas)['health.get']>; res: HealthSnapshot };
  'stats.get': { req: z.infer<(typeof commandSchemas)['stats.get']>; res: Stats };
  'events.list': { req: z.infer<(typeof commandSchemas)['events.list']>; res: EventPage };
  'rejects.list': { req: z.infer<(typeof commandSchemas)['rejects.list']>; res: RejectPage };
  'devices.list': { req: z.infer<(typeof commandSchemas)['devices.list']>; res: { devices: DeviceRow[] } };
  'sensors.list': { req: z.infer<(typeof commandSchemas)['sensors.list']>; res: { sensors: SensorRow[] } };
  'clients.list': { req: z.infer<(typeof commandSchemas)['clients.list']>; res: { clients: ClientRow[] } };
  'telemetry.recent': {
    req: z.infer<(typeof commandSchemas)['telemetry.recent']>;
    res: SampleBatch;
  };
}

export type CommandName = keyof CommandMap;
export type CommandReq<K extends CommandName> = CommandMap[K]['req'];
export type CommandRes<K extends CommandName> = CommandMap[K]['res'];

export const COMMAND_NAMES = Object.keys(commandSchemas) as CommandName[];

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(commandSchemas, name);
}

/** Pushed from the core to views, one batch per tick. */
export interface PushMap {
  /** Normalized events (sensor samples travel separately in `samples`). */
  events: MarshalEvent[];
  samples: SampleBatch;
  health: HealthSnapshot;
  monitor: MonitorBatch;
  rejects: RejectRow[];
}

export type PushName = keyof PushMap;
export const PUSH_NAMES: PushName[] = ['events', 'samples', 'health', 'monitor', 'rejects'];

export type Handlers = { [K in CommandName]: (req: CommandReq<K>) => Promise<CommandRes<K>> | CommandRes<K> };

/** What a view talks to: `window.api` under Electron, a WebSocket client in a browser, a fake in tests. */
export interface Bridge {
  call<K extends CommandName>(name: K, req: CommandReq<K>): Promise<CommandRes<K>>;
  on<E extends PushName>(name: E, listener: (payload: PushMap[E]) => void): () => void;
}

/** The preload's `window.api`: one method per command plus a subscription. */
export type PreloadApi = { [K in CommandName]: (req: CommandReq<K>) => Promise<CommandRes<K>> } & {
  subscribe<E extends PushName>(name: E, listener: (payload: PushMap[E]) => void): () => void;
};

export class ContractError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 500 | 503 = 400,
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
  | { t: 'result'; id: number; ok: false; error: string }
  | { t: 'push'; name: PushName; payload: unknown };
