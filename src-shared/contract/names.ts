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
  // games and gateways (contract/games.ts)
  // command panel and device management (contract/devices.ts)
  // serial and BLE bridges (contract/bridges.ts)
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

export const PUSH_NAMES = ['events', 'samples', 'health', 'monitor', 'rejects'] as const;

export type PushName = (typeof PUSH_NAMES)[number];

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && (COMMAND_NAMES as readonly string[]).includes(name);
}

export function isPushName(name: unknown): name is PushName {
  return typeof name === 'string' && (PUSH_NAMES as readonly string[]).includes(name);
}
