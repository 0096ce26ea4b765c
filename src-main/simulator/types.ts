/**
 * The seams of the simulator: a scenario gets a context (options, a seeded RNG, a way to open one
 * publishing channel per device), is started once its devices are connected, and is then ticked
 * with the current time. The runner backs channels
 * with one MQTT client each; tests back them with an in-memory recorder and virtual time.
 */
import type { Rng } from './random';

export type Qos = 0 | 1;

export interface PublishOptions {
  qos: Qos;
  retain?: boolean;
}

/** What a message is, for the counters (not on the wire). */
export type MessageClass = 'telemetry' | 'timer' | 'impact' | 'status' | 'other';

export interface Will {
  topic: string;
  payload: string;
  qos: Qos;
  retain: boolean;
}

/** One device's connection. */
export interface Channel {
  readonly deviceId: string;
  publish(topic: string, payload: string | Uint8Array, options: PublishOptions, cls?: MessageClass): void;
}

export interface ChannelFactory {
  /** Opens the device's channel; the will is its last-will message, if any. */
  open(deviceId: string, will?: Will): Channel;
}

/** How telemetry payloads are shaped: one format for every sensor, or the mix (default). */
export type TelemetryShapeOption = 'mixed' | 'single' | 'batch' | 'raw';

export interface ScenarioOptions {
  /** Topic prefix without a trailing slash; '' publishes the tree unprefixed. */
  prefix: string;
  rateHz: number;
  sensors: number;
  telemetryQos: Qos;
  telemetryShape: TelemetryShapeOption;
}

export interface ScenarioContext extends ScenarioOptions {
  rng: Rng;
  /** Epoch ms when the scenario is created (before its devices connect): for will payloads. */
  createdMs: number;
  channels: ChannelFactory;
  /** One human-readable line (per string, per summary); never per message. */
  log(line: string): void;
}

export type ScenarioCounters = Record<string, number>;

export interface Scenario {
  /** Starts the timeline at now (once every channel is connected); schedules the first events. */
  start(now: number): void;
  /** Emits everything due at or before now. */
  tick(now: number): void;
  /** Publishes whatever a device says when it leaves cleanly (offline statuses). */
  shutdown(now: number): void;
  counters(): ScenarioCounters;
}

export interface ScenarioDefinition {
  name: string;
  description: string;
  create(ctx: ScenarioContext): Scenario;
}
