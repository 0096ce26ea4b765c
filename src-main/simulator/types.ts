/**
 * The seams of the simulator: a scenario gets a context (options, a seeded RNG, a way to open one
 * publishing channel per device), is started once its devices are connected, and is then ticked
 * with the current time. The runner backs channels
 * with one MQTT client each; tests back them with an in-memory recorder and virtual time.
 */
import type { Rng } from './random';

export type Qos = 0 | 1 | 2;

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

/** A message the console sent to a device (a command, its configuration). */
export type InboundHandler = (topic: string, payload: string) => void;

/** One device's connection. */
export interface Channel {
  readonly deviceId: string;
  publish(topic: string, payload: string | Uint8Array, options: PublishOptions, cls?: MessageClass): void;
  /**
   * Subscribes the device to an exact topic (QoS 1) and hands it what arrives there. Optional:
   * where nothing can arrive (the in-memory recorder) it is absent.
   */
  subscribe?(topic: string, onMessage: InboundHandler): void;
}

/** HTTP for simulated clients that post rather than publish (the cognitive-task game client). */
export interface HttpClient {
  /** POSTs a JSON body; resolves with the status and body text, rejects on a network error. */
  post(url: string, body: string): Promise<{ status: number; body: string }>;
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
  /** Absent where there is no network (the recorder): HTTP clients then stay silent. */
  http?: HttpClient;
  /** Where the game client posts (NEUROGAME_TELEMETRY_URL; default http://127.0.0.1:8000/v1/events). */
  eventsUrl?: string;
  /** Its api_key (NEUROGAME_TELEMETRY_API_KEY; default dev-key-change-me). */
  eventsApiKey?: string;
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
  /** The device family it simulates (the registry's id); `all` combines several. */
  family: string;
  description: string;
  create(ctx: ScenarioContext): Scenario;
}
