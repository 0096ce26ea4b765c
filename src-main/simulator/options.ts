/**
 * Simulator options shared by the CLI, the programmatic runner and the in-memory recorder:
 * defaults and validation in one place.
 */
import { findScenario } from './scenarios';
import type { Qos, ScenarioDefinition, ScenarioOptions, TelemetryShapeOption } from './types';

export const DEFAULTS = {
  scenario: 'range',
  rateHz: 50,
  sensors: 4,
  prefix: 'leadville',
  telemetryQos: 0 as Qos,
  telemetryShape: 'mixed' as TelemetryShapeOption,
  tickMs: 5,
  connectTimeoutMs: 10_000,
} as const;

export const TELEMETRY_SHAPES: readonly TelemetryShapeOption[] = ['mixed', 'single', 'batch', 'raw'];

export interface SimulationOptions {
  /** Scenario name (default `range`); unknown names throw UnknownScenarioError. */
  scenario?: string;
  /** Sensor telemetry rate in Hz (default 50). */
  rateHz?: number;
  /** Number of sensors (default 4). */
  sensors?: number;
  /** Topic prefix (default `leadville`; '' for an unprefixed tree). */
  prefix?: string;
  /** Seed for a reproducible run (default: random; the chosen seed is reported). */
  seed?: number | string;
  telemetryQos?: Qos;
  telemetryShape?: TelemetryShapeOption;
  /** Publish tick in ms (default 5); devices emit everything due at each tick. */
  tickMs?: number;
}

export interface ResolvedOptions extends ScenarioOptions {
  definition: ScenarioDefinition;
  tickMs: number;
}

function check(cond: boolean, message: string): void {
  if (!cond) throw new RangeError(message);
}

export function resolveOptions(o: SimulationOptions): ResolvedOptions {
  const definition = findScenario(o.scenario ?? DEFAULTS.scenario);
  const rateHz = o.rateHz ?? DEFAULTS.rateHz;
  const sensors = o.sensors ?? DEFAULTS.sensors;
  const tickMs = o.tickMs ?? DEFAULTS.tickMs;
  const prefix = (o.prefix ?? DEFAULTS.prefix).replace(/\/+$/, '');
  const telemetryQos = o.telemetryQos ?? DEFAULTS.telemetryQos;
  const telemetryShape = o.telemetryShape ?? DEFAULTS.telemetryShape;
  check(
    Number.isFinite(rateHz) && rateHz > 0 && rateHz <= 10_000,
    `rate must be > 0 and <= 10000 Hz, got ${rateHz}`,
  );
  check(
    Number.isInteger(sensors) && sensors >= 0 && sensors <= 999,
    `sensors must be an integer 0..999, got ${sensors}`,
  );
  check(Number.isFinite(tickMs) && tickMs >= 1 && tickMs <= 1000, `tick must be 1..1000 ms, got ${tickMs}`);
  check(
    !/[#+]/.test(prefix) && !prefix.startsWith('/'),
    `prefix must not contain + or # or start with /: ${prefix}`,
  );
  check(
    telemetryQos === 0 || telemetryQos === 1,
    `telemetry QoS must be 0 or 1, got ${String(telemetryQos)}`,
  );
  check(
    TELEMETRY_SHAPES.includes(telemetryShape),
    `telemetry shape must be one of ${TELEMETRY_SHAPES.join(', ')}`,
  );
  return { definition, rateHz, sensors, tickMs, prefix, telemetryQos, telemetryShape };
}
