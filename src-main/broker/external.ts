import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientRow } from '../../src-shared/contract';
import type { BrokerAdapter, IngestSink } from './types';

export interface ExternalOptions {
  url: string;
  username?: string;
  password?: string;
  caFile?: string;
  dataDir: string;
  /** Topic filters to follow; `#` lets the Monitor count topics outside the known families. */
  subscriptions?: string[];
}

/**
 * Reconnect delay: the first attempt at once (a broker restart is usually over in seconds, and
 * every second away is a second of messages that only a persistent session keeps), then full
 * jitter over an exponential window from 0.5 s up to 10 s, so a crowd of consoles spreads out.
 */
export function backoffMs(attempt: number, random = Math.random): number {
  if (attempt <= 0) return 0;
  const cap = Math.min(10_000, 250 * 2 ** Math.min(attempt, 16));
  return Math.round(random() * cap);
}

/** Redacts credentials from a broker URL for logs and the health bar. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid url)';
  }
}

/**
 * Joins a venue's broker. The session is persistent under a client id kept in the data dir, so
 * QoS 1 messages published while the console was away are delivered when it returns; each is
 * acknowledged only after ingest committed it (customHandleAcks).
 */
export class ExternalBroker implements BrokerAdapter {
  readonly mode = 'external' as const;
  private client: MqttClient | null = null;
  private status: 'up' | 'down' | 'starting' = 'down';
  private error: string | null = null;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** Sessions opened, reconnects, and reconnects that found the session gone (messages lost). */
  private readonly counts = { connects: 0, reconnects: 0, session_lost: 0 };

  constructor(
    private readonly opts: ExternalOptions,
    private readonly sink: IngestSink,
  ) {}

  private clientId(): string {
    mkdirSync(this.opts.dataDir, { recursive: true });
    const file = join(this.opts.dataDir, 'mqtt-client-id');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const id = `marshal-${randomBytes(6).toString('hex')}`;
    writeFileSync(file, id);
    return id;
  }

  start(): Promise<void> {
    this.status = 'starting';
    const url = new URL(this.opts.url);
    const options: IClientOptions = {
      clientId: this.clientId(),
      clean: false,
      protocolVersion: 4,
      keepalive: 30,
      connectTimeout: 10_000,
      // mqtt.js retries at a fixed period; reconnects are scheduled here with backoff instead.
      reconnectPeriod: 0,
      // Never grow an unbounded queue of QoS 0 while offline.
      queueQoSZero: false,
      username: this.opts.username ?? (url.username ? decodeURIComponent(url.username) : undefined),
      password: this.opts.password ?? (url.password ? decodeURIComponent(url.password) : undefined),
      ca: this.opts.caFile ? readFileSync(this.opts.caFile) : undefined,
      customHandleAcks: (topic, message, packet, done) => {
        this.sink({
          topic,
          payload: message,
          qos: packet.qos,
          retain: packet.retain,
          dup: packet.dup,
          receivedAt: Date.now(),
          clientId: null,
          done: (err) => (err ? done(err) : done(0)),
        });
      },
    };
    url.username = '';
    url.password = '';
    const client = mqtt.connect(url.toString(), options);
    // mqtt.js honours customHandleAcks only for MQTT 5 and acknowledges 3.1.1 publishes at once;
    // restoring it keeps ack-after-commit on 3.1.1, which every venue broker speaks.
    client.options.customHandleAcks = options.customHandleAcks;
    this.client = client;
    return new Promise((resolve) => {
      let settled = false;
      const settle = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      client.on('connect', (connack) => {
        this.status = 'up';
        this.error = null;
        this.attempt = 0;
        this.counts.connects++;
        if (this.counts.connects > 1) this.counts.reconnects++;
        // A persistent session the broker no longer has: whatever was published for the console
        // while it was away is gone (a broker without persistence restarted, or its queue limit
        // or session expiry dropped it). The first session under a new client id is expected.
        if (!connack.sessionPresent && this.sessionKnown()) {
          this.counts.session_lost++;
          this.lostError = `broker had lost the console's session at ${new Date().toISOString()}: messages published while it was away may be missing`;
        }
        this.markSession();
        const subs = this.opts.subscriptions ?? ['#'];
        // A resumed session still has our subscriptions; subscribing again is harmless and covers
        // a broker that lost its state.
        client.subscribe(subs, { qos: 1 }, (err) => {
          if (err) this.error = `subscribe failed: ${err.message}`;
        });
        settle();
      });
      client.on('message', (topic, payload, packet) => {
        // QoS 1/2 went through customHandleAcks; QoS 0 arrives only here.
        if (packet.qos === 0) {
          this.sink({
            topic,
            payload,
            qos: 0,
            retain: packet.retain,
            receivedAt: Date.now(),
            clientId: null,
          });
        }
      });
      client.on('error', (err) => {
        this.error = err.message;
      });
      client.on('close', () => {
        if (this.stopping) return;
        this.status = 'down';
        this.scheduleReconnect();
        // Start does not wait for a broker that is not there: the console runs and keeps trying.
        settle();
      });
    });
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.stopping) return;
    const delay = backoffMs(this.attempt++);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stopping || !this.client) return;
      this.status = 'starting';
      this.client.reconnect();
    }, delay);
  }

  private sessionFile(): string {
    return join(this.opts.dataDir, 'mqtt-session');
  }

  private sessionKnown(): boolean {
    return existsSync(this.sessionFile());
  }

  private markSession(): void {
    if (!this.sessionKnown()) writeFileSync(this.sessionFile(), `${this.clientId()}\n`);
  }

  private lostError: string | null = null;

  guardCounts(): Record<string, number> {
    return { ...this.counts };
  }

  urls(): string[] {
    return [redactUrl(this.opts.url)];
  }

  state() {
    return this.status;
  }

  lastError() {
    return this.error ?? this.lostError;
  }

  clients(): ClientRow[] {
    return [];
  }

  publish(
    topic: string,
    payload: string | Buffer,
    opts: { qos?: 0 | 1 | 2; retain?: boolean } = {},
  ): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('not connected'));
    return client
      .publishAsync(topic, payload, { qos: opts.qos ?? 1, retain: opts.retain ?? false })
      .then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    this.status = 'down';
    if (client) await client.endAsync(false).catch(() => client.end(true));
  }
}
