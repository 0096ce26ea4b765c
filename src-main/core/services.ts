/**
 * The services capabilities offer each other, as one typed map. A capability never imports
 * another: it declares here what it provides, implements it in its own folder, and the others
 * use it through the context (`ctx.services.use('commands')`).
 */
import type { ConfigValues } from '../../src-shared/commands/config';
import type { BridgeCommandResult } from '../../src-shared/contract/bridges';
import type {
  CommandRecord,
  CommandSettings,
  CommandState,
  ConfigView,
} from '../../src-shared/contract/devices';

export interface SendInput {
  device_id: string;
  family?: string;
  command: string;
  args?: Record<string, unknown>;
  /** Who asked: `operator`, `api (ADDRESS)`, a module's name. */
  who: string;
  timeout_ms?: number;
  ttl_ms?: number;
}

/** Typed commands to devices with their lifecycle (the commands capability). */
export interface CommandsService {
  /** Validates and queues (and, when reachable, sends) a command. Throws ContractError 400/404. */
  send(input: SendInput): CommandRecord;
  get(id: string): CommandRecord | null;
  list(q?: {
    device_id?: string;
    family?: string;
    state?: CommandState;
    before?: number;
    limit?: number;
  }): CommandRecord[];
  cancel(id: string, who: string): CommandRecord;
  settings(): CommandSettings;
  updateSettings(patch: Partial<CommandSettings>): CommandSettings;
}

/** Retained per-device configuration (the commands capability). */
export interface ConfigService {
  /** Families with a configuration topic. */
  families(): string[];
  defaults(family: string): ConfigValues;
  /** What a push would publish now for this device. */
  effective(family: string, deviceId: string): ConfigValues;
  view(family: string, deviceId: string): ConfigView;
  /** Publishes the effective configuration retained, QoS 1; resolves once the broker took it. */
  push(family: string, deviceId: string): Promise<void>;
  setOverrides(family: string, deviceId: string, overrides: ConfigValues): ConfigView;
  setDefaults(family: string, defaults: ConfigValues): ConfigValues;
  /** Removes the retained configuration (an empty retained publish). */
  clear(family: string, deviceId: string): Promise<void>;
}

/** Serial and BLE links to devices that do not speak MQTT (the bridges capability). */
export interface BridgesService {
  /** True when a connected bridge (open serial port, connected BLE device) serves this device. */
  canSend(deviceId: string): boolean;
  /** Sends a command; resolves when the device's link took it, rejects with the reason. */
  send(
    deviceId: string,
    command: string,
    args?: Record<string, unknown>,
    meta?: { command_id?: string },
  ): Promise<BridgeCommandResult>;
}

export interface Services {
  commands: CommandsService;
  config: ConfigService;
  bridges: BridgesService;
}

export type ServiceName = keyof Services;

/** Offered once by one capability; looked up lazily, so start order matters only inside start(). */
export class ServiceMap {
  private readonly map = new Map<ServiceName, unknown>();

  provide<K extends ServiceName>(name: K, service: Services[K]): void {
    if (this.map.has(name)) throw new Error(`service ${name} is provided twice`);
    this.map.set(name, service);
  }

  use<K extends ServiceName>(name: K): Services[K] | undefined {
    return this.map.get(name) as Services[K] | undefined;
  }
}
