/**
 * Builds the preload's `window.api` from an ipcRenderer-like object. Only the zod-free names module
 * of the contract is imported at runtime: the schemas would make the sandboxed preload
 * `require('zod')`, which it cannot do. The main process validates every request anyway.
 */
import type {
  CallResult,
  CommandName,
  CommandReq,
  CommandRes,
  PreloadApi,
  PushMap,
  PushName,
} from '../../src-shared/contract';
import { isPushName } from '../../src-shared/contract/names';
import { CMD_CHANNEL_PREFIX, PUSH_CHANNEL } from './channels';

export { isPushName };

/** The subset of `ipcRenderer` the preload uses; a fake in tests. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

const MALFORMED: CallResult<never> = { ok: false, status: 500, error: 'malformed IPC response' };

/** Passes the main process's CallResult through; anything else becomes a failure result. */
export function checkResult(result: unknown): CallResult {
  if (typeof result === 'object' && result !== null) {
    const r = result as { ok?: unknown; res?: unknown; error?: unknown; status?: unknown };
    if (r.ok === true) return { ok: true, res: r.res };
    if (r.ok === false && typeof r.error === 'string')
      return { ok: false, error: r.error, status: typeof r.status === 'number' ? r.status : 500 };
  }
  return MALFORMED;
}

/** An invoke that itself failed (no handler yet, window closing) never reached the dispatcher. */
function unreachable(err: unknown): CallResult<never> {
  return { ok: false, status: 503, error: err instanceof Error && err.message ? err.message : 'IPC failed' };
}

export function createPreloadApi(ipc: IpcRendererLike) {
  const listeners = new Map<PushName, Set<(payload: unknown) => void>>();

  // One IPC listener for all pushes; the page only ever sees payloads, never the IPC event.
  ipc.on(PUSH_CHANNEL, (_event, name, payload) => {
    if (!isPushName(name)) return;
    const set = listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (err) {
        console.error(`marshal: a ${name} listener threw`, err);
      }
    }
  });

  // The casts are on the IPC boundary only (what main sends back is unknown to the type system);
  // the literal below is checked member by member against PreloadApi.
  const command =
    <K extends CommandName>(name: K) =>
    (req: CommandReq<K>): Promise<CallResult<CommandRes<K>>> =>
      ipc.invoke(CMD_CHANNEL_PREFIX + name, req).then(checkResult, unreachable) as Promise<
        CallResult<CommandRes<K>>
      >;

  function subscribe<E extends PushName>(name: E, listener: (payload: PushMap[E]) => void): () => void {
    if (!isPushName(name)) throw new TypeError(`unknown push: ${String(name)}`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const fn = listener as (payload: unknown) => void;
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  }

  // Spelled out so that `satisfies` proves every command is exposed with its own types: a missing,
  // extra or mistyped member fails typecheck (the preload-api test checks it against COMMAND_NAMES).
  return {
    subscribe,
    'health.get': command('health.get'),
    'stats.get': command('stats.get'),
    'events.list': command('events.list'),
    'rejects.list': command('rejects.list'),
    'devices.list': command('devices.list'),
    'sensors.list': command('sensors.list'),
    'clients.list': command('clients.list'),
    'telemetry.recent': command('telemetry.recent'),
    'match.list': command('match.list'),
    'match.get': command('match.get'),
    'match.create': command('match.create'),
    'match.update': command('match.update'),
    'match.delete': command('match.delete'),
    'match.demo': command('match.demo'),
    'stage.create': command('stage.create'),
    'stage.update': command('stage.update'),
    'stage.delete': command('stage.delete'),
    'shooter.create': command('shooter.create'),
    'shooter.update': command('shooter.update'),
    'shooter.delete': command('shooter.delete'),
    'shooter.import': command('shooter.import'),
    'station.list': command('station.list'),
    'station.set': command('station.set'),
    'ro.state': command('ro.state'),
    'run.list': command('run.list'),
    'run.get': command('run.get'),
    'run.start': command('run.start'),
    'run.stop': command('run.stop'),
    'run.assign': command('run.assign'),
    'run.remote_start': command('run.remote_start'),
    'score.change': command('score.change'),
    'score.approve': command('score.approve'),
    'score.history': command('score.history'),
    'results.get': command('results.get'),
    'export.csv': command('export.csv'),
    'detector.list': command('detector.list'),
    'detector.configure': command('detector.configure'),
    'detector.calibrate': command('detector.calibrate'),
    'games.leaderboard': command('games.leaderboard'),
    'games.options': command('games.options'),
    'games.sessions': command('games.sessions'),
    'games.tasks.leaderboard': command('games.tasks.leaderboard'),
    'games.export': command('games.export'),
    'games.cabinets': command('games.cabinets'),
    'games.cabinet.command': command('games.cabinet.command'),
    'gateways.list': command('gateways.list'),
    'gateways.readings': command('gateways.readings'),
    'gateways.thresholds.get': command('gateways.thresholds.get'),
    'gateways.thresholds.set': command('gateways.thresholds.set'),
    'gateways.alerts.list': command('gateways.alerts.list'),
    'gateways.alerts.ack': command('gateways.alerts.ack'),
    'commands.send': command('commands.send'),
    'commands.get': command('commands.get'),
    'commands.list': command('commands.list'),
    'commands.cancel': command('commands.cancel'),
    'commands.settings': command('commands.settings'),
    'commands.update_settings': command('commands.update_settings'),
    'devices.update': command('devices.update'),
    'config.get': command('config.get'),
    'config.set_overrides': command('config.set_overrides'),
    'config.set_defaults': command('config.set_defaults'),
    'config.push': command('config.push'),
    'config.clear': command('config.clear'),
    'credentials.list': command('credentials.list'),
    'credentials.add': command('credentials.add'),
    'credentials.revoke': command('credentials.revoke'),
    'bridges.list': command('bridges.list'),
    'bridges.settings.set': command('bridges.settings.set'),
    'bridges.serial.available': command('bridges.serial.available'),
    'bridges.serial.save': command('bridges.serial.save'),
    'bridges.serial.remove': command('bridges.serial.remove'),
    'bridges.ble.scan': command('bridges.ble.scan'),
    'bridges.ble.save': command('bridges.ble.save'),
    'bridges.ble.remove': command('bridges.ble.remove'),
    'bridges.ble.connect': command('bridges.ble.connect'),
    'bridges.ble.disconnect': command('bridges.ble.disconnect'),
    'bridges.command': command('bridges.command'),
    'bridges.gatt.agent': command('bridges.gatt.agent'),
    'bridges.gatt.reply': command('bridges.gatt.reply'),
    'bridges.gatt.events': command('bridges.gatt.events'),
    'karting.circuits': command('karting.circuits'),
    'karting.circuit.put': command('karting.circuit.put'),
    'karting.circuit.delete': command('karting.circuit.delete'),
    'karting.capture': command('karting.capture'),
    'karting.status': command('karting.status'),
    'karting.standings': command('karting.standings'),
  } satisfies PreloadApi;
}
