import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { ClientRow } from '../../src-shared/contract';
import type { BrokerAdapter, IngestSink } from './types';
import { CredentialStore, mayPublish, maySubscribe, type Credential, type Family } from './credentials';

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
    const aedes = await Aedes.createBroker({
      // MQTT 3.1.1 lets servers accept ids over 23 characters; many devices need it.
      maxClientsIdLength: 256,
      // A frozen subscriber is dropped instead of stalling everyone's fan-out.
      drainTimeout: 5000,
      heartbeatInterval: 60_000,
      authenticate: (client, username, password, done) => {
        if (!lan) return done(null, true);
        if (username === undefined && password === undefined && this.anonymousAcls().length) {
          this.anonymous.add(client);
          return done(null, true);
        }
        const cred = this.credentials.verify(username, password);
        if (!cred) {
          const err = new Error('bad username or password') as AuthenticateError;
          err.returnCode = 4;
          return done(err, false);
        }
        this.auth.set(client, cred);
        done(null, true);
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
    for (const r of this.opts.retained?.() ?? []) {
      await this.publish(r.topic, r.payload, { qos: r.qos ? 1 : 0, retain: true });
    }
    aedes.on('client', (client) => {
      const conn = client.conn as Socket;
      this.connected.set(client.id, {
        client_id: client.id,
        address: conn.remoteAddress ? `${conn.remoteAddress}:${conn.remotePort}` : null,
        username: this.auth.get(client)?.username ?? null,
        connected_at: new Date().toISOString(),
      });
    });
    aedes.on('clientDisconnect', (client) => this.connected.delete(client.id));

    const host = lan ? '0.0.0.0' : '127.0.0.1';
    const onConn = (socket: Socket) => {
      // Nagle adds ~40 ms to bursts of small packets.
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      aedes.handle(socket);
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
