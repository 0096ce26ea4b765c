/**
 * MQTT plumbing for the simulator: one mqtt.js client per simulated device (so a slow device
 * never holds up another's socket, and the broker sees real per-device sessions and wills),
 * broker selection from flags and the environment, and publish counters.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { hash32 } from './random';
import type { Channel, ChannelFactory, InboundHandler, MessageClass, PublishOptions, Will } from './types';

export const DEFAULT_BROKER_URL = 'mqtt://127.0.0.1:1883';
const PROTOCOLS = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:']);

export interface BrokerTarget {
  /** The URL without credentials. */
  url: string;
  username?: string;
  password?: string;
}

/**
 * The broker to use: the flag if given; else MQTT_BROKER (a host, `host:port`, or a URL) with
 * MQTT_PORT (default 1883); else the default. Credentials come from the URL, or else from
 * MQTT_USERNAME / MQTT_PASSWORD. Throws on an unusable URL.
 */
export function resolveBroker(
  flagUrl: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): BrokerTarget {
  let raw = flagUrl?.trim();
  if (!raw && env.MQTT_BROKER?.trim()) {
    const host = env.MQTT_BROKER.trim();
    if (host.includes('://')) raw = host;
    else if (/^[^:[\]]+:\d+$/.test(host)) raw = `mqtt://${host}`;
    else
      raw = `mqtt://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${env.MQTT_PORT?.trim() || 1883}`;
  }
  raw ||= DEFAULT_BROKER_URL;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`invalid broker URL ${JSON.stringify(redactUrl(raw))}`);
  }
  if (!PROTOCOLS.has(parsed.protocol)) {
    throw new Error(
      `unsupported broker URL scheme ${parsed.protocol} (use mqtt://, mqtts://, ws:// or wss://)`,
    );
  }
  const username = parsed.username ? decodeURIComponent(parsed.username) : env.MQTT_USERNAME || undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : env.MQTT_PASSWORD || undefined;
  parsed.username = '';
  parsed.password = '';
  const url = parsed.toString().replace(/\/$/, '');
  return {
    url,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/** The URL with any password replaced by `***` (for logs). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

export interface ChannelStats {
  clients: number;
  connected: number;
  published: number;
  byClass: Record<MessageClass, number>;
  /** QoS 0 messages skipped because their client was offline. */
  droppedOffline: number;
  qos1Acked: number;
  qos1Pending: number;
  errors: number;
  lastError: string | null;
  reconnects: number;
  /** Largest socket write backlog seen by sampleBacklog() (bytes). */
  maxBacklogBytes: number;
}

interface Entry {
  deviceId: string;
  client: MqttClient;
  connectedOnce: boolean;
}

export interface MqttChannelOptions {
  /** clientId = `${clientIdPrefix}-${deviceId}-${tag}` (shortened to 23 bytes for MQTT 3.1.1). */
  clientIdPrefix?: string;
  keepaliveS?: number;
  /** Called once per distinct client error message. */
  onError?: (message: string) => void;
}

export class MqttChannelFactory implements ChannelFactory {
  private readonly entries: Entry[] = [];
  private readonly tag = randomBytes(3).toString('hex');
  private readonly seenErrors = new Set<string>();
  private readonly s: ChannelStats = {
    clients: 0,
    connected: 0,
    published: 0,
    byClass: { telemetry: 0, timer: 0, impact: 0, status: 0, other: 0 },
    droppedOffline: 0,
    qos1Acked: 0,
    qos1Pending: 0,
    errors: 0,
    lastError: null,
    reconnects: 0,
    maxBacklogBytes: 0,
  };

  constructor(
    private readonly target: BrokerTarget,
    private readonly options: MqttChannelOptions = {},
  ) {}

  clientIdFor(deviceId: string): string {
    const prefix = this.options.clientIdPrefix ?? 'sim';
    const id = `${prefix}-${deviceId}-${this.tag}`;
    return id.length <= 23 ? id : `${prefix}-${hash32(deviceId).toString(36)}-${this.tag}`.slice(0, 23);
  }

  open(deviceId: string, will?: Will): Channel {
    const opts: IClientOptions = {
      clientId: this.clientIdFor(deviceId),
      protocolVersion: 4,
      clean: true,
      keepalive: this.options.keepaliveS ?? 30,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      // Telemetry published while offline is dropped, not queued without bound.
      queueQoSZero: false,
      ...(this.target.username !== undefined ? { username: this.target.username } : {}),
      ...(this.target.password !== undefined ? { password: this.target.password } : {}),
      ...(will
        ? {
            will: {
              topic: will.topic,
              payload: Buffer.from(will.payload),
              qos: will.qos,
              retain: will.retain,
            },
          }
        : {}),
    };
    const client = mqtt.connect(this.target.url, opts);
    const entry: Entry = { deviceId, client, connectedOnce: false };
    this.entries.push(entry);
    this.s.clients++;
    client.on('connect', () => {
      if (entry.connectedOnce) this.s.reconnects++;
      entry.connectedOnce = true;
      // Nagle would hold small publishes back by up to ~40 ms.
      (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
    });
    client.on('error', (err) => this.error(`${deviceId}: ${err.message}`));

    const stats = this.s;
    const onAck = (err?: Error): void => {
      stats.qos1Pending--;
      if (err) this.error(`${deviceId}: publish failed: ${err.message}`);
      else stats.qos1Acked++;
    };
    return {
      deviceId,
      publish: (
        topic: string,
        data: string | Uint8Array,
        po: PublishOptions,
        cls: MessageClass = 'other',
      ) => {
        const payload =
          typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        if (po.qos === 0) {
          if (!client.connected) {
            stats.droppedOffline++;
            return;
          }
          client.publish(topic, payload, { qos: 0, retain: po.retain ?? false });
        } else {
          stats.qos1Pending++;
          client.publish(topic, payload, { qos: po.qos, retain: po.retain ?? false }, onAck);
        }
        stats.published++;
        stats.byClass[cls]++;
      },
      subscribe: (topic: string, onMessage: InboundHandler) => {
        // mqtt.js subscribes again after a reconnect (clean sessions forget subscriptions).
        client.subscribe(topic, { qos: 1 }, (err) => {
          if (err) this.error(`${deviceId}: subscribe ${topic} failed: ${err.message}`);
        });
        client.on('message', (t, payload) => {
          if (t !== topic) return;
          try {
            onMessage(t, payload.toString('utf8'));
          } catch (err) {
            this.error(`${deviceId}: handling ${t}: ${(err as Error).message}`);
          }
        });
      },
    };
  }

  /** Resolves when every client has connected; rejects after timeoutMs with the last error. */
  waitConnected(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const check = (): void => {
        if (this.entries.every((e) => e.client.connected)) {
          resolve();
          return;
        }
        if (Date.now() - started >= timeoutMs) {
          const waiting = this.entries.filter((e) => !e.client.connected).length;
          const why = this.s.lastError ? `: ${this.s.lastError}` : '';
          reject(
            new Error(
              `could not connect ${waiting} of ${this.entries.length} clients to ${this.target.url} within ${timeoutMs} ms${why}`,
            ),
          );
          return;
        }
        setTimeout(check, 20);
      };
      check();
    });
  }

  /** Records the largest socket write backlog (call now and then). */
  sampleBacklog(): void {
    let total = 0;
    for (const e of this.entries)
      total += (e.client.stream as Partial<Socket> | undefined)?.writableLength ?? 0;
    this.s.maxBacklogBytes = Math.max(this.s.maxBacklogBytes, total);
  }

  /**
   * Disconnects every client cleanly: waits (up to graceMs) for QoS 1 acknowledgements in flight,
   * then sends DISCONNECT (so no will is published).
   */
  async close(graceMs = 3000): Promise<void> {
    await Promise.all(
      this.entries.map(async (e) => {
        const ended = e.client.endAsync(false).then(
          () => 'ok' as const,
          () => 'ok' as const,
        );
        const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
        if ((await Promise.race([ended, timeout])) === 'timeout') {
          await e.client.endAsync(true).catch(() => undefined);
        }
      }),
    );
  }

  stats(): ChannelStats {
    return {
      ...this.s,
      byClass: { ...this.s.byClass },
      connected: this.entries.filter((e) => e.client.connected).length,
    };
  }

  private error(message: string): void {
    this.s.errors++;
    this.s.lastError = message;
    if (!this.seenErrors.has(message) && this.seenErrors.size < 50) {
      this.seenErrors.add(message);
      this.options.onError?.(message);
    }
  }
}
