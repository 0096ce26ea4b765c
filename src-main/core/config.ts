import { CREDENTIAL_FAMILIES } from '../../src-shared/families';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { hostname } from 'node:os';
import type { CoreConfig } from './types';
import { AllowedHostError, normalizeAllowedHost } from './route-access';

export class ConfigError extends Error {}

export interface ResolveOptions {
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** Used when neither --data-dir nor MARSHAL_DATA_DIR is given (Electron passes userData). */
  defaultDataDir: string;
}

export interface ServeConfig extends CoreConfig {
  httpPort: number;
  allowedHosts: string[];
}

const options = {
  'data-dir': { type: 'string' },
  'mqtt-port': { type: 'string' },
  'http-port': { type: 'string' },
  lan: { type: 'boolean' },
  'broker-url': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-port': { type: 'string' },
  'broker-ca': { type: 'string' },
  'range-prefix': { type: 'string' },
  'max-payload-bytes': { type: 'string' },
  'raw-retention-minutes': { type: 'string' },
  'allowed-host': { type: 'string', multiple: true },
  'karting-port': { type: 'string' },
  'sync-url': { type: 'string' },
  'sync-kinds': { type: 'string' },
  'console-id': { type: 'string' },
  'lan-anonymous': { type: 'string', multiple: true },
} as const;

/** `--lan-anonymous` (repeatable, or a comma list): families that may connect without credentials. */
function anonymousFamilies(given: string[] | undefined, lan: boolean): string[] {
  const out = new Set<string>();
  for (const item of given ?? []) {
    for (const raw of item.split(',')) {
      const name = raw.trim();
      if (!name) continue;
      if (!(CREDENTIAL_FAMILIES as readonly string[]).includes(name)) {
        throw new ConfigError(
          `--lan-anonymous takes a device family (${CREDENTIAL_FAMILIES.join(', ')}), got "${name.slice(0, 40)}"`,
        );
      }
      out.add(name);
    }
  }
  if (out.size && !lan) throw new ConfigError('--lan-anonymous only has a meaning with --lan');
  return [...out];
}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(`${name} must be a port number 0-65535, got "${value}"`);
  return n;
}

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`${name} must be a positive number, got "${value}"`);
  return n;
}

/**
 * Flags win over the environment, which wins over defaults. `MQTT_BROKER` set means an external
 * broker at MQTT_BROKER:MQTT_PORT, as the earlier backends had it.
 */
export function resolveConfig({ argv, env, defaultDataDir }: ResolveOptions): ServeConfig {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const dataDir = resolve(values['data-dir'] ?? env.MARSHAL_DATA_DIR ?? defaultDataDir);

  let brokerUrl = values['broker-url'];
  if (!brokerUrl && env.MQTT_BROKER) {
    const host = env.MQTT_BROKER;
    brokerUrl = /^[a-z]+:\/\//i.test(host)
      ? host
      : `mqtt://${host}:${port(env.MQTT_PORT, 'MQTT_PORT', 1883)}`;
  }
  if (brokerUrl) {
    let url: URL;
    try {
      url = new URL(brokerUrl);
    } catch {
      throw new ConfigError(`--broker-url is not a URL: "${brokerUrl}"`);
    }
    if (!['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:'].includes(url.protocol)) {
      throw new ConfigError(`--broker-url must be mqtt://, mqtts://, ws:// or wss://, got ${url.protocol}`);
    }
  }

  const tlsCert = values['tls-cert'] ?? env.MARSHAL_TLS_CERT;
  const tlsKey = values['tls-key'] ?? env.MARSHAL_TLS_KEY;
  if (Boolean(tlsCert) !== Boolean(tlsKey))
    throw new ConfigError('a TLS listener needs both --tls-cert and --tls-key');

  let allowedHosts: string[];
  try {
    allowedHosts = [...(env.MARSHAL_ALLOWED_HOSTS ?? '').split(','), ...(values['allowed-host'] ?? [])]
      .filter((h) => h.trim() !== '')
      .map(normalizeAllowedHost);
  } catch (err) {
    if (err instanceof AllowedHostError) throw new ConfigError(err.message);
    throw err;
  }

  const syncUrl = values['sync-url'] ?? env.MARSHAL_SYNC_URL;
  if (syncUrl) {
    let url: URL | null = null;
    try {
      url = new URL(syncUrl);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new ConfigError(`--sync-url must be an http:// or https:// URL, got "${syncUrl}"`);
  }
  const syncKinds = values['sync-kinds']
    ?.split(',')
    .map((k) => k.trim())
    .filter(Boolean);

  return {
    dataDir,
    syncUrl: syncUrl || undefined,
    syncToken: env.MARSHAL_SYNC_TOKEN || undefined,
    syncKinds: syncKinds?.length ? syncKinds : undefined,
    consoleId: values['console-id'] ?? env.MARSHAL_CONSOLE_ID ?? hostname(),
    allowedHosts: [...new Set(allowedHosts)],
    mqttPort: port(values['mqtt-port'], '--mqtt-port', 1883),
    httpPort: port(values['http-port'], '--http-port', 8000),
    lan: values.lan ?? false,
    lanAnonymous: anonymousFamilies(values['lan-anonymous'], values.lan ?? false),
    brokerUrl,
    brokerUsername: env.MQTT_USERNAME || undefined,
    brokerPassword: env.MQTT_PASSWORD || undefined,
    brokerCa: values['broker-ca'] ?? env.MQTT_CA_FILE,
    tlsCert,
    tlsKey,
    tlsPort: port(values['tls-port'], '--tls-port', 8883),
    rangePrefix: values['range-prefix'] ?? env.MARSHAL_RANGE_PREFIX ?? 'leadville',
    maxPayloadBytes: positive(values['max-payload-bytes'], '--max-payload-bytes', 256 * 1024),
    rawRetentionMs: positive(values['raw-retention-minutes'], '--raw-retention-minutes', 60) * 60_000,
    neurogameApiKey: env.NEUROGAME_API_KEY || 'dev-key-change-me',
    kartingPort:
      values['karting-port'] === undefined ? undefined : port(values['karting-port'], '--karting-port', 8001),
  };
}
