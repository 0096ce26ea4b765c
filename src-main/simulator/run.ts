/**
 * The programmatic simulator: `runScenario()` connects one MQTT client per simulated device,
 * runs the scenario in real time until stopped (or for durationS), and reports counters. The CLI,
 * tests and the benchmark all drive it in-process.
 */
import { randomInt } from 'node:crypto';
import { monotonicEpochClock, startTicker, type Ticker } from './clock';
import { MqttChannelFactory, redactUrl, resolveBroker, type ChannelStats } from './mqtt';
import { DEFAULTS, resolveOptions, type SimulationOptions } from './options';
import { createRng, normalizeSeed } from './random';
import type { HttpClient, Scenario, ScenarioCounters } from './types';

export interface RunOptions extends SimulationOptions {
  /** Broker URL (credentials may be in it); default: MQTT_BROKER/MQTT_PORT, else mqtt://127.0.0.1:1883. */
  brokerUrl?: string;
  username?: string;
  password?: string;
  /** Stop by itself after this many seconds (default: run until stop()). */
  durationS?: number;
  /** Where lines go (default console.log); `quiet` drops the per-string lines. */
  log?: (line: string) => void;
  quiet?: boolean;
  connectTimeoutMs?: number;
  /** Environment for MQTT_BROKER, MQTT_PORT, MQTT_USERNAME, MQTT_PASSWORD (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Where simulated game clients post their events: else NEUROGAME_TELEMETRY_URL, else the game
   * clients' default `http://127.0.0.1:8000/v1/events`.
   */
  eventsUrl?: string;
  /** Their api_key: else NEUROGAME_TELEMETRY_API_KEY, else `dev-key-change-me`. */
  eventsApiKey?: string;
}

export const DEFAULT_EVENTS_URL = 'http://127.0.0.1:8000/v1/events';
export const DEFAULT_EVENTS_API_KEY = 'dev-key-change-me';

/** HTTP for simulated clients: JSON POSTs with a deadline. */
export const fetchHttpClient: HttpClient = {
  async post(url, body) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.text() };
  },
};

export interface SimulationStats {
  scenario: string;
  seed: number;
  brokerUrl: string;
  running: boolean;
  elapsedS: number;
  /** Messages handed to the MQTT clients, and per second over the run. */
  published: number;
  publishedPerS: number;
  channels: ChannelStats;
  scenarioCounters: ScenarioCounters;
  ticks: number;
  /** How late a tick ran at worst (timer drift plus event-loop stalls). */
  maxTickLagMs: number;
  p99TickLagMs: number;
  maxTickWorkMs: number;
  /** Fraction of wall time spent inside ticks. */
  busyFraction: number;
  /** This process's CPU time over the run, as a percentage of one core. */
  cpuPercent: number;
}

export interface RunningSimulation {
  readonly scenario: string;
  readonly seed: number;
  /** The broker URL with credentials removed. */
  readonly brokerUrl: string;
  /** Publishes offline statuses, disconnects every client cleanly. Idempotent. */
  stop(): Promise<void>;
  stats(): SimulationStats;
  /** Settles when the simulation has stopped (after durationS, or stop()). */
  readonly done: Promise<void>;
}

export async function runScenario(opts: RunOptions = {}): Promise<RunningSimulation> {
  const o = resolveOptions(opts);
  const env = opts.env ?? process.env;
  const target = resolveBroker(opts.brokerUrl, env);
  if (opts.username !== undefined) target.username = opts.username;
  if (opts.password !== undefined) target.password = opts.password;
  if (opts.durationS !== undefined && !(opts.durationS > 0)) {
    throw new RangeError(`duration must be > 0 s, got ${opts.durationS}`);
  }
  const seed = normalizeSeed(opts.seed ?? randomInt(0, 2 ** 32 - 1));
  const print = opts.log ?? ((line: string) => console.log(line));
  const brokerUrl = redactUrl(target.url);

  const channels = new MqttChannelFactory(target, { onError: (m) => print(`simulate: mqtt error: ${m}`) });
  const clock = monotonicEpochClock();
  const scenario: Scenario = o.definition.create({
    prefix: o.prefix,
    rateHz: o.rateHz,
    sensors: o.sensors,
    telemetryQos: o.telemetryQos,
    telemetryShape: o.telemetryShape,
    rng: createRng(seed),
    createdMs: clock(),
    channels,
    http: fetchHttpClient,
    eventsUrl: opts.eventsUrl ?? (env.NEUROGAME_TELEMETRY_URL?.trim() || DEFAULT_EVENTS_URL),
    eventsApiKey: opts.eventsApiKey ?? (env.NEUROGAME_TELEMETRY_API_KEY || DEFAULT_EVENTS_API_KEY),
    log: (line) => {
      if (!opts.quiet) print(line);
    },
  });

  try {
    await channels.waitConnected(opts.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs);
  } catch (err) {
    await channels.close(500);
    throw err;
  }

  const startMs = clock();
  const cpuAtStart = process.cpuUsage();
  let cpuAtStop: NodeJS.CpuUsage | null = null;
  scenario.start(startMs);
  let lastBacklogSample = startMs;
  const ticker: Ticker = startTicker(
    o.tickMs,
    (now) => {
      scenario.tick(now);
      if (now - lastBacklogSample >= 100) {
        lastBacklogSample = now;
        channels.sampleBacklog();
      }
    },
    clock,
  );
  let stoppedAt: number | null = null;
  let stopping: Promise<void> | null = null;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  let durationTimer: NodeJS.Timeout | null = null;

  const stats = (): SimulationStats => {
    const end = stoppedAt ?? clock();
    const elapsedS = Math.max(0.001, (end - startMs) / 1000);
    const c = channels.stats();
    const t = ticker.stats();
    const cpu = cpuAtStop ?? process.cpuUsage(cpuAtStart);
    return {
      scenario: o.definition.name,
      seed,
      brokerUrl,
      running: stoppedAt === null,
      elapsedS,
      published: c.published,
      publishedPerS: c.published / elapsedS,
      channels: c,
      scenarioCounters: scenario.counters(),
      ticks: t.ticks,
      maxTickLagMs: t.maxLagMs,
      p99TickLagMs: t.p99LagMs,
      maxTickWorkMs: t.maxWorkMs,
      busyFraction: t.totalWorkMs / (elapsedS * 1000),
      cpuPercent: ((cpu.user + cpu.system) / 1000 / (elapsedS * 1000)) * 100,
    };
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (durationTimer) clearTimeout(durationTimer);
      ticker.stop();
      const now = clock();
      scenario.tick(now);
      stoppedAt = now;
      cpuAtStop = process.cpuUsage(cpuAtStart);
      scenario.shutdown(now);
      await channels.close();
      resolveDone();
    })();
    return stopping;
  };

  if (opts.durationS !== undefined) {
    durationTimer = setTimeout(() => void stop(), opts.durationS * 1000);
  }
  return { scenario: o.definition.name, seed, brokerUrl, stop, stats, done };
}

/** One summary line for the end of a run. */
export function summaryLine(s: SimulationStats): string {
  const c = s.scenarioCounters;
  const by = s.channels.byClass;
  const parts = [
    `simulate: ${s.scenario} ran ${s.elapsedS.toFixed(1)} s: ${s.published} messages (${Math.round(s.publishedPerS)}/s;`,
    `telemetry ${by.telemetry}, timer ${by.timer}, impacts ${by.impact}, status ${by.status})`,
  ];
  if (c.strings !== undefined) {
    parts.push(
      `${c.strings} strings, ${c.shots ?? 0} shots, ${c.impacts ?? 0} impacts, ${c.misses ?? 0} misses;`,
    );
  }
  if (c.samples !== undefined) parts.push(`${c.samples} samples;`);
  parts.push(
    `dropped ${s.channels.droppedOffline}, errors ${s.channels.errors}, qos1 unacked ${s.channels.qos1Pending},`,
    `max socket backlog ${Math.round(s.channels.maxBacklogBytes / 1024)} KiB,`,
    `tick lag p99 ${s.p99TickLagMs} ms max ${s.maxTickLagMs.toFixed(1)} ms, busy ${(s.busyFraction * 100).toFixed(1)}%, cpu ${s.cpuPercent.toFixed(1)}% of a core, seed ${s.seed}`,
  );
  return parts.join(' ');
}
