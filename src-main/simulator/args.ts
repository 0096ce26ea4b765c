/**
 * `npm run simulate -- [flags]`: flag parsing (node:util parseArgs), kept apart from the CLI's
 * side effects so it can be tested.
 */
import { parseArgs } from 'node:util';
import { DEFAULTS, resolveOptions, TELEMETRY_SHAPES } from './options';
import { DEFAULT_BROKER_URL } from './mqtt';
import { scenarioNames, UnknownScenarioError } from './scenarios';
import type { RunOptions } from './run';
import type { TelemetryShapeOption } from './types';

export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function usage(): string {
  return [
    'Usage: npm run simulate -- [flags]',
    '',
    'Fake devices publishing over their real wire formats.',
    '',
    `  --broker-url URL       broker (default ${DEFAULT_BROKER_URL}, or MQTT_BROKER/MQTT_PORT;`,
    '                         credentials in the URL or MQTT_USERNAME/MQTT_PASSWORD)',
    `  --scenario NAME        ${scenarioNames().join(' | ')} (default ${DEFAULTS.scenario})`,
    '  --duration S           stop after S seconds (default: until SIGINT/SIGTERM)',
    `  --rate HZ              sensor telemetry rate (default ${DEFAULTS.rateHz})`,
    `  --sensors N            number of sensors (default ${DEFAULTS.sensors})`,
    `  --prefix P             topic prefix (default ${DEFAULTS.prefix}; '' for none)`,
    '  --seed N               seed for a reproducible run (default: random, printed)',
    '  --telemetry-qos 0|1    QoS of sensor telemetry (default 0; everything else is QoS 1)',
    `  --telemetry-shape S    ${TELEMETRY_SHAPES.join(' | ')} (default mixed: single samples, one`,
    '                         sensor with batches, one with raw BT50 notifications)',
    `  --tick-ms MS           publish tick (default ${DEFAULTS.tickMs})`,
    '  --events-url URL       where game clients POST events (default NEUROGAME_TELEMETRY_URL,',
    '                         else http://127.0.0.1:8000/v1/events; key NEUROGAME_TELEMETRY_API_KEY)',
    '  --quiet                no per-string lines (the summary is still printed)',
    '  --scenario karting     serves an Apex-style WebSocket feed and an RMonitor TCP feed from a',
    '                         race model, printing their URLs (--karts N, --speed X, --ws-port,',
    '                         --tcp-port); --replay FILE [--speed X] [--loop] serves a recording',
    '  -h, --help             this text',
  ].join('\n');
}

export type CliCommand = { help: true } | ({ help: false } & RunOptions);

function num(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`--${flag} expects a number, got ${JSON.stringify(value)}`);
  return n;
}

function eventsUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`--events-url is not a URL: ${JSON.stringify(value)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UsageError(`--events-url must be http:// or https://, got ${u.protocol}`);
  }
  return value;
}

/** Parses argv (without node and script). Throws UsageError (exit code 2) on anything invalid. */
export function parseSimulatorArgs(argv: readonly string[]): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'broker-url': { type: 'string' },
        scenario: { type: 'string' },
        duration: { type: 'string' },
        rate: { type: 'string' },
        sensors: { type: 'string' },
        prefix: { type: 'string' },
        seed: { type: 'string' },
        'telemetry-qos': { type: 'string' },
        'telemetry-shape': { type: 'string' },
        'tick-ms': { type: 'string' },
        'events-url': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return { help: true };

  const durationS = num('duration', values.duration);
  if (durationS !== undefined && !(durationS > 0)) throw new UsageError('--duration must be > 0 seconds');
  const qos = num('telemetry-qos', values['telemetry-qos']);
  if (qos !== undefined && qos !== 0 && qos !== 1) throw new UsageError('--telemetry-qos must be 0 or 1');
  const shape = values['telemetry-shape'];
  if (shape !== undefined && !TELEMETRY_SHAPES.includes(shape as TelemetryShapeOption)) {
    throw new UsageError(`--telemetry-shape must be one of ${TELEMETRY_SHAPES.join(', ')}`);
  }
  let seed: number | string | undefined = values.seed;
  if (seed !== undefined && /^\d+$/.test(seed) && Number(seed) <= 0xffffffff) seed = Number(seed);

  const command: { help: false } & RunOptions = {
    help: false,
    ...(values['broker-url'] !== undefined ? { brokerUrl: values['broker-url'] } : {}),
    scenario: values.scenario ?? DEFAULTS.scenario,
    ...(durationS !== undefined ? { durationS } : {}),
    ...(values.rate !== undefined ? { rateHz: num('rate', values.rate) } : {}),
    ...(values.sensors !== undefined ? { sensors: num('sensors', values.sensors) } : {}),
    ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(qos !== undefined ? { telemetryQos: qos as 0 | 1 } : {}),
    ...(shape !== undefined ? { telemetryShape: shape as TelemetryShapeOption } : {}),
    ...(values['tick-ms'] !== undefined ? { tickMs: num('tick-ms', values['tick-ms']) } : {}),
    ...(values['events-url'] !== undefined ? { eventsUrl: eventsUrl(values['events-url']) } : {}),
    quiet: values.quiet ?? false,
  };
  try {
    resolveOptions(command);
  } catch (err) {
    if (err instanceof UnknownScenarioError || err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  return command;
}
