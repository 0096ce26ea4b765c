/**
 * The commands and device-management capability: typed commands to every device family with
 * their lifecycle, operator names and roles, retained per-device configuration, LAN credentials.
 *
 * Services provided: `commands` (CommandsService) and `config` (ConfigService).
 * Service used when present: `bridges` (serial/BLE: `canSend(deviceId)`, `send(...)`).
 */
import { ContractError, type Handlers } from '../../src-shared/contract';
import type { CoreModule, ModuleFactory, Plugin } from '../core/module';
import { devicesMigrations } from './migrations';
import { DeviceConfigService } from './config-service';
import { credentialsApi } from './credentials';
import { commandRoutes } from './routes';
import { CommandService } from './service';
import { CommandStore } from './store';

/** Timeouts, expiries and deliveries are checked, and changes pushed, this often. */
export const TICK_MS = 200;

/** Who a command from the console UI (desktop window or the web UI over `/ws`) is recorded as. */
export const OPERATOR = 'operator';

export const commandsModule: ModuleFactory = (ctx): CoreModule => {
  const store = new CommandStore(ctx.store.db);
  const publish = (topic: string, payload: string | Uint8Array, opts: { qos: 0 | 1 | 2; retain?: boolean }) =>
    ctx.publish(topic, payload, opts);
  const service = new CommandService({
    store,
    devices: ctx.devices,
    rangePrefix: ctx.config.rangePrefix,
    publish,
    bridges: () => ctx.services.use('bridges'),
    connectedUsers: () => {
      const users = new Set<string>();
      if (!ctx.config.lan) return users;
      for (const c of ctx.broker.clients()) if (c.username) users.add(c.username);
      return users;
    },
    emit: (records) => ctx.emit('commands', records),
  });
  const config = new DeviceConfigService({ store, publish });
  const credentials = credentialsApi({
    broker: ctx.broker,
    lan: ctx.config.lan,
    rangePrefix: ctx.config.rangePrefix,
  });
  ctx.services.provide('commands', service);
  ctx.services.provide('config', config);

  // Operator names and roles, kept in this capability's table so a rename survives a crash.
  for (const l of store.labels()) ctx.devices.label(l.family, l.device_id, { name: l.name, role: l.role });

  const handlers: Partial<Handlers> = {
    'commands.send': (req) => service.send({ ...req, who: OPERATOR }),
    'commands.get': (req) => {
      const rec = service.get(req.id);
      if (!rec) throw new ContractError(`unknown command ${JSON.stringify(req.id)}`, 404);
      return rec;
    },
    'commands.list': (req) => {
      const before = req.before === undefined ? undefined : Date.parse(req.before);
      if (before !== undefined && !Number.isFinite(before)) {
        throw new ContractError('before must be an ISO-8601 time', 400);
      }
      return { commands: service.list({ ...req, before }) };
    },
    'commands.cancel': (req) => service.cancel(req.id, OPERATOR),
    'commands.settings': () => service.settings(),
    'commands.update_settings': (req) => service.updateSettings(req),
    'devices.update': (req) => {
      const name = req.name === undefined ? undefined : req.name?.trim() || null;
      const role = req.role === undefined ? undefined : req.role?.trim() || null;
      const row = ctx.devices.label(req.family, req.device_id, { name, role });
      if (!row) {
        throw new ContractError(
          `unknown device ${JSON.stringify(req.device_id)} in family ${JSON.stringify(req.family)}`,
          404,
        );
      }
      const before = store.labels().find((l) => l.family === req.family && l.device_id === req.device_id);
      store.saveLabel(
        req.family,
        req.device_id,
        row.name,
        role === undefined ? (before?.role ?? null) : role,
      );
      return row;
    },
    'config.get': (req) => config.view(req.family, req.device_id),
    'config.set_overrides': (req) => config.setOverrides(req.family, req.device_id, req.overrides),
    'config.set_defaults': (req) => ({
      family: req.family,
      defaults: config.setDefaults(req.family, req.defaults),
    }),
    'config.push': async (req) => {
      await config.push(req.family, req.device_id);
      return config.view(req.family, req.device_id);
    },
    'config.clear': async (req) => {
      await config.clear(req.family, req.device_id);
      return config.view(req.family, req.device_id);
    },
    'credentials.list': () => credentials.list(),
    'credentials.add': (req) => credentials.add(req.family, req.device_id),
    'credentials.revoke': (req) => credentials.revoke(req.username),
  };

  let timer: NodeJS.Timeout | null = null;
  let off: (() => void) | null = null;

  return {
    name: 'commands',
    handlers,
    routes: (app) => commandRoutes(app, service, ctx.config),
    async start() {
      off = ctx.onCommitted((batch) => {
        let users: string[] = [];
        if (ctx.config.lan && batch.clients.size > 0) {
          users = ctx.broker
            .clients()
            .filter((c) => c.username && batch.clients.has(c.client_id))
            .map((c) => c.username!);
        }
        service.onBatch(batch.events, users);
      });
      timer = setInterval(() => service.tick(), TICK_MS);
      timer.unref();
      if (ctx.broker.mode === 'embedded') {
        // Retained configurations published before a restart (aedes keeps them in memory only).
        await config.restoreRetained().catch(() => undefined);
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      off?.();
      service.flush();
    },
  };
};

export const commandsPlugin: Plugin = {
  name: 'commands',
  migrations: devicesMigrations,
  create: commandsModule,
};
