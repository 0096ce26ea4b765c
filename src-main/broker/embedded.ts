import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { Transform, type Readable } from 'node:stream';
import type { ClientRow } from '../../src-shared/contract';
import type { BrokerAdapter, IngestSink } from './types';
import {
  AttemptLimiter,
  CredentialStore,
  clientIdOwner,
  mayPublish,
  maySubscribe,
  type Credential,
  type Family,
} from './credentials';
import { REFUSED_FILTER, installGuard, type RefusedPublish } from './packet-guard';

export interface EmbeddedOptions {
  port: number;
  lan: boolean;
  dataDir: string;
  rangePrefix: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsPort?: number;
  /**
   * LAN mode: families whose devices cannot present credentials (the cabinets' agent), admitted
   * without a username, each held to its own tree for any device id.
   */
  lanAnonymous?: readonly Family[];
  /** Retained messages to restore at start (the store keeps them across restarts). */
  retained?: () => { topic: string; payload: Buffer; qos: number }[];
  /** Larger payloads are refused by the broker (kept as rejects, never routed or retained). */
  maxPayloadBytes?: number;
}

/** A client's session began or ended (the device registry's online state follows it). */
export interface SessionEvent {
  type: 'connect' | 'disconnect';
  clientId: string;
  /** In LAN mode, the device whose credential the client holds. */
  device: { family: string; device_id: string } | null;
  /** Why it ended: a DISCONNECT packet, or the connection was lost (keepalive, network, kicked). */
  reason?: 'disconnect' | 'lost';
}

/** Room for the topic (up to 65,535 bytes), message id and the rest of a PUBLISH's header. */
export const HEADER_ROOM = 65_535 + 16;
/** Unsent bytes a subscriber may have before it is dropped (well above one largest packet). */
const MIN_OUTGOING_CAP = 8 * 1024 * 1024;
/** Failed CONNECTs: per address 10 at once then one per second; per username 10 then one per 2 s. */
const ADDRESS_BURST = 10;
const ADDRESS_REFILL_MS = 1000;
const USER_BURST = 10;
const USER_REFILL_MS = 2000;

function connackError(returnCode: 2 | 4 | 5, message: string): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = returnCode;
  return err;
}

function lanHosts(): string[] {
  const hosts: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) hosts.push(a.address);
  }
  return hosts;
}

/**
 * The embedded MQTT 3.1.1 broker. Loopback and anonymous by default, like mosquitto 2.x; with
 * `lan`, every interface, a username and password per device, and a topic ACL.
 *
 * Acknowledge-after-commit: aedes sends a QoS 1 PUBACK only once authorizePublish calls back, so
 * the message is handed to ingest there and the callback waits for the commit.
 */
export class EmbeddedBroker implements BrokerAdapter {
  readonly mode = 'embedded' as const;
  private aedes: Aedes | null = null;
  private servers: Server[] = [];
  private sockets = new Set<Socket>();
  private connected = new Map<string, ClientRow>();
  private boundUrls: string[] = [];
  private status: 'up' | 'down' | 'starting' = 'down';
  private error: string | null = null;
  readonly credentials: CredentialStore;
  private auth = new WeakMap<Client, Credential>();
  /** Clients that sent a zero-length client id (aedes has already assigned one by authenticate). */
  private emptyId = new WeakSet<Client>();
  private sessionListeners = new Set<(e: SessionEvent) => void>();
  private readonly addressLimiter = new AttemptLimiter(ADDRESS_BURST, ADDRESS_REFILL_MS);
  private readonly userLimiter = new AttemptLimiter(USER_BURST, USER_REFILL_MS);
  /** What the guards did, for health: subscribers dropped, CONNECTs throttled. */
  readonly counts = {
    slow_subscribers_dropped: 0,
    connects_throttled: 0,
    auth_failures: 0,
    subscriptions_refused: 0,
  };
  /** Clients admitted without credentials (lanAnonymous). */
  private anonymous = new WeakSet<Client>();

  /** The anonymous families' ACLs, for any device id (`+`). */
  private anonymousAcls(): { family: Family; device_id: string }[] {
    return (this.opts.lanAnonymous ?? []).map((family) => ({ family, device_id: '+' }));
  }

  constructor(
    private readonly opts: EmbeddedOptions,
    private readonly sink: IngestSink,
  ) {
    this.credentials = new CredentialStore(opts.dataDir);
  }

  async start(): Promise<void> {
    this.status = 'starting';
    const { lan, rangePrefix } = this.opts;
    const maxPayload = this.opts.maxPayloadBytes ?? 256 * 1024;
    const aedes = await Aedes.createBroker({
      // MQTT 3.1.1 lets servers accept ids over 23 characters; many devices need it.
      maxClientsIdLength: 256,
      // Deliveries no longer wait for a subscriber's socket (packet-guard.ts), so a stall costs
      // only that subscriber; one that does not drain for this long is dropped all the same.
      drainTimeout: 30_000,
      heartbeatInterval: 60_000,
      preConnect: (client, packet, done) => {
        if (!packet.clientId) this.emptyId.add(client);
        done(null, true);
      },
      authenticate: (client, username, password, done) => {
        // MQTT-3.1.3-8: a zero-length client id needs a clean session; otherwise 0x02.
        if (this.emptyId.has(client) && !client.clean) {
          return done(connackError(2, 'a zero-length client id needs clean session'), false);
        }
        if (!lan) return done(null, true);
        // A family admitted anonymously (--lan-anonymous) is held to its ACL for any device id.
        if (username === undefined && password === undefined && this.anonymousAcls().length) {
          this.anonymous.add(client);
          return done(null, true);
        }
        const address = (client.conn as Socket).remoteAddress ?? 'unknown';
        const userKey = [`u:${username ?? ''}`];
        const addrKey = [`a:${address}`];
        if (!this.addressLimiter.take(addrKey)) {
          this.counts.connects_throttled++;
          return done(connackError(5, 'too many failed attempts from this address'), false);
        }
        if (!this.userLimiter.take(userKey)) {
          this.addressLimiter.refund(addrKey);
          this.counts.connects_throttled++;
          return done(connackError(5, 'too many failed attempts for this username'), false);
        }
        void this.credentials.verifyAsync(username, password).then((cred) => {
          if (!cred) {
            this.counts.auth_failures++;
            return done(connackError(4, 'bad username or password'), false);
          }
          this.addressLimiter.refund(addrKey);
          this.userLimiter.refund(userKey);
          // A credential may only use client ids that are its device's (credentials.ts), so it can
          // neither take over nor wipe another device's session. Assigned ids are nobody's.
          if (!this.emptyId.has(client)) {
            const owner = clientIdOwner(client.id, this.credentials.deviceIds());
            if (owner !== cred.device_id) {
              return done(
                connackError(2, `client id "${client.id}" is not one of ${cred.device_id}'s`),
                false,
              );
            }
          }
          this.auth.set(client, cred);
          done(null, true);
        });
      },
      authorizePublish: (client, packet, done) => {
        if (lan && client) {
          const cred = this.auth.get(client);
          const anon = this.anonymous.has(client);
          const ok = anon
            ? this.anonymousAcls().some((c) => mayPublish(c, packet.topic, rangePrefix))
            : cred && mayPublish(cred, packet.topic, rangePrefix);
          if (!ok) {
            return done(new Error(`not authorized to publish on ${packet.topic}`));
          }
        }
        if (packet.topic.startsWith('$SYS/')) return done();
        const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
        // Client PUBLISHes this large or deep never get here (packet-guard.ts); a will can. It is
        // kept as a reject and, refused here, never published or retained.
        const levels = packet.topic.split('/').length;
        if (payload.length > maxPayload || levels > 100) {
          this.sink({
            topic: packet.topic,
            payload: payload.subarray(0, 4096),
            qos: 0,
            retain: false,
            receivedAt: Date.now(),
            clientId: client?.id ?? null,
            reject:
              levels > 100
                ? { code: 'topic_too_deep', reason: `will topic has ${levels} levels (not published)` }
                : {
                    code: 'too_large',
                    reason: `will payload of ${payload.length} bytes exceeds the ${maxPayload}-byte limit (not published)`,
                  },
          });
          return done(new Error('refused'));
        }
        const qos = packet.qos;
        this.sink({
          topic: packet.topic,
          payload,
          qos,
          retain: packet.retain,
          dup: packet.dup,
          receivedAt: Date.now(),
          clientId: client?.id ?? null,
          // QoS 0 has no acknowledgement to hold back; QoS 1/2 wait for the commit.
          done: qos === 0 ? undefined : (err) => done(err ?? null),
        });
        if (qos === 0) done();
      },
      authorizeSubscribe: (client, sub, done) => {
        // null: this one subscription fails (0x80); the client stays connected.
        if (sub.topic === REFUSED_FILTER) return done(null, null as unknown as typeof sub);
        if (!lan) return done(null, sub);
        const cred = this.auth.get(client);
        const ok = this.anonymous.has(client)
          ? this.anonymousAcls().some((c) => maySubscribe(c, sub.topic, rangePrefix))
          : cred && maySubscribe(cred, sub.topic, rangePrefix);
        if (!ok) return done(new Error(`not authorized to subscribe to ${sub.topic}`));
        done(null, sub);
      },
    });
    this.aedes = aedes;
    markRedeliveries(aedes);
    for (const r of this.opts.retained?.() ?? []) {
      await this.publish(r.topic, r.payload, { qos: r.qos ? 1 : 0, retain: true });
    }
    aedes.on('client', (client) => {
      const conn = client.conn as Socket;
      const cred = this.auth.get(client);
      this.emitSession({
        type: 'connect',
        clientId: client.id,
        device: cred ? { family: cred.family, device_id: cred.device_id } : null,
      });
      this.connected.set(client.id, {
        client_id: client.id,
        address: conn.remoteAddress ? `${conn.remoteAddress}:${conn.remotePort}` : null,
        username: this.auth.get(client)?.username ?? null,
        connected_at: new Date().toISOString(),
      });
    });
    aedes.on('clientDisconnect', (client) => {
      this.connected.delete(client.id);
      const cred = this.auth.get(client);
      this.emitSession({
        type: 'disconnect',
        clientId: client.id,
        device: cred ? { family: cred.family, device_id: cred.device_id } : null,
        reason: (client as unknown as { _disconnected?: boolean })._disconnected ? 'disconnect' : 'lost',
      });
    });
    const guard = {
      maxPacketBytes: maxPayload + HEADER_ROOM,
      maxPayloadBytes: maxPayload,
      maxTopicLevels: 100,
      maxOutgoingBytes: Math.max(MIN_OUTGOING_CAP, 4 * (maxPayload + HEADER_ROOM)),
    };
    const hooks = {
      mayPublish: (client: Client, topic: string) => {
        if (!lan) return true;
        const cred = this.auth.get(client);
        return !!cred && mayPublish(cred, topic, rangePrefix);
      },
      refuse: (client: Client, p: RefusedPublish, done: (err?: Error) => void) => {
        this.sink({
          topic: p.topic,
          payload: p.preview,
          qos: p.qos,
          retain: p.retain,
          dup: p.dup,
          receivedAt: Date.now(),
          clientId: client.id,
          reject: { code: p.code, reason: p.reason },
          done: (err) => done(err),
        });
      },
      slowSubscriber: () => {
        this.counts.slow_subscribers_dropped++;
      },
      refuseFilter: (client: Client, filter: string, reason: string) => {
        this.counts.subscriptions_refused++;
        this.sink({
          topic: filter,
          payload: Buffer.alloc(0),
          qos: 0,
          retain: false,
          receivedAt: Date.now(),
          clientId: client.id,
          reject: { code: 'topic_too_deep', reason },
        });
      },
    };

    const host = lan ? '0.0.0.0' : '127.0.0.1';
    const onConn = (socket: Socket) => {
      // Nagle adds ~40 ms to bursts of small packets.
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      installGuard(aedes.handle(socket) as unknown as Client, guard, hooks);
    };
    const tcp = createServer(onConn);
    const port = await listen(tcp, this.opts.port, host);
    this.servers.push(tcp);
    const hosts = lan ? ['127.0.0.1', ...lanHosts()] : ['127.0.0.1'];
    this.boundUrls = hosts.map((h) => `mqtt://${h}:${port}`);
    if (this.opts.tlsCert && this.opts.tlsKey) {
      const tls = createTlsServer(
        { cert: readFileSync(this.opts.tlsCert), key: readFileSync(this.opts.tlsKey) },
        (s) => onConn(s as unknown as Socket),
      );
      const tlsPort = await listen(tls as unknown as Server, this.opts.tlsPort ?? 8883, host);
      this.servers.push(tls as unknown as Server);
      this.boundUrls.push(...hosts.map((h) => `mqtts://${h}:${tlsPort}`));
    }
    this.status = 'up';
  }

  urls(): string[] {
    return this.boundUrls;
  }

  state() {
    return this.status;
  }

  lastError() {
    return this.error;
  }

  clients(): ClientRow[] {
    return [...this.connected.values()];
  }

  guardCounts(): Record<string, number> {
    return { ...this.counts };
  }

  onSession(listener: (e: SessionEvent) => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  private emitSession(e: SessionEvent): void {
    for (const l of this.sessionListeners) {
      try {
        l(e);
      } catch {
        // A failing listener must not break the broker.
      }
    }
  }

  /** Closes every connection authenticated as `username` (its credential was just revoked). */
  disconnectUser(username: string): number {
    const clients = (this.aedes as unknown as { clients?: Record<string, Client> } | null)?.clients ?? {};
    let n = 0;
    for (const client of Object.values(clients)) {
      if (this.auth.get(client)?.username !== username) continue;
      client.close();
      n++;
    }
    return n;
  }

  publish(
    topic: string,
    payload: string | Buffer,
    opts: { qos?: 0 | 1 | 2; retain?: boolean } = {},
  ): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new Error('broker not running'));
    return new Promise((resolve, reject) =>
      aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
          qos: opts.qos ?? 1,
          retain: opts.retain ?? false,
          dup: false,
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  async stop(): Promise<void> {
    if (this.status === 'down') return;
    this.status = 'down';
    for (const s of this.servers) s.close();
    for (const sock of this.sockets) sock.destroy();
    const aedes = this.aedes;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    this.servers = [];
    this.aedes = null;
  }
}

/**
 * aedes resends a session's unacknowledged QoS 1/2 messages on reconnect without the DUP flag
 * MQTT-3.3.1-1 requires. What it stored with a message id was sent before; what it queued while
 * the client was away has none yet and is a first delivery.
 */
function markRedeliveries(aedes: Aedes): void {
  const persistence = (aedes as unknown as { persistence: { outgoingStream(client: unknown): Readable } })
    .persistence;
  const outgoingStream = persistence.outgoingStream.bind(persistence);
  persistence.outgoingStream = (client: unknown) =>
    outgoingStream(client).pipe(
      new Transform({
        objectMode: true,
        transform(packet: { cmd?: string; messageId?: number }, _enc, next) {
          next(null, packet.cmd === 'publish' && packet.messageId ? { ...packet, dup: true } : packet);
        },
      }),
    );
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
