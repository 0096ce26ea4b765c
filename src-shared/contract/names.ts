/**
 * Command and push names, with no runtime dependencies: the sandboxed preload imports this file
 * (it cannot load zod) to expose one method per command. Each capability owns its section.
 */
export const COMMAND_NAMES = [
  // spine
  'health.get',
  'stats.get',
  'events.list',
  'rejects.list',
  'devices.list',
  'sensors.list',
  'clients.list',
  'telemetry.recent',
  // range operations (contract/range.ts)
  'match.list',
  'match.get',
  'match.create',
  'match.update',
  'match.delete',
  'match.demo',
  'stage.create',
  'stage.update',
  'stage.delete',
  'shooter.create',
  'shooter.update',
  'shooter.delete',
  'shooter.import',
  'station.list',
  'station.set',
  'ro.state',
  'run.list',
  'run.get',
  'run.start',
  'run.stop',
  'run.assign',
  'run.remote_start',
  'score.change',
  'score.approve',
  'score.history',
  'results.get',
  'export.csv',
  'detector.list',
  'detector.configure',
  'detector.calibrate',
  // games and gateways (contract/games.ts)
  'games.leaderboard',
  'games.options',
  'games.sessions',
  'games.tasks.leaderboard',
  'games.export',
  'games.cabinets',
  'games.cabinet.command',
  'gateways.list',
  'gateways.readings',
  'gateways.thresholds.get',
  'gateways.thresholds.set',
  'gateways.alerts.list',
  'gateways.alerts.ack',
  // karting (contract/karting.ts)
  'karting.circuits',
  'karting.circuit.put',
  'karting.circuit.delete',
  'karting.capture',
  'karting.status',
  'karting.standings',
  // command panel and device management (contract/devices.ts)
  'commands.send',
  'commands.get',
  'commands.list',
  'commands.cancel',
  'commands.settings',
  'commands.update_settings',
  'devices.update',
  'config.get',
  'config.set_overrides',
  'config.set_defaults',
  'config.push',
  'config.clear',
  'credentials.list',
  'credentials.add',
  'credentials.revoke',
  // serial and BLE bridges (contract/bridges.ts)
  'bridges.list',
  'bridges.settings.set',
  'bridges.serial.available',
  'bridges.serial.save',
  'bridges.serial.remove',
  'bridges.ble.scan',
  'bridges.ble.save',
  'bridges.ble.remove',
  'bridges.ble.connect',
  'bridges.ble.disconnect',
  'bridges.command',
  'bridges.gatt.agent',
  'bridges.gatt.reply',
  'bridges.gatt.events',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

export const PUSH_NAMES = [
  'events',
  'samples',
  'health',
  'monitor',
  'rejects',
  'commands',
  'bridges.gatt',
  'range',
] as const;

export type PushName = (typeof PUSH_NAMES)[number];

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && (COMMAND_NAMES as readonly string[]).includes(name);
}

export function isPushName(name: unknown): name is PushName {
  return typeof name === 'string' && (PUSH_NAMES as readonly string[]).includes(name);
}
