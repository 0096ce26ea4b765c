/**
 * What a WebSocket client may cost the console: a bounded number of connections per route, and a
 * bounded backlog per client. A client that does not read is cut off (its buffered output freed),
 * never waited for: a stalled spectator screen costs at most its backlog cap, and nobody else
 * notices it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

export interface WsLimitOptions {
  /** Open connections on this route; the next upgrade is refused with 503. */
  maxClients: number;
  /** A client whose unsent output exceeds this is closed at once. */
  maxBufferedBytes: number;
  /**
   * A client whose unsent output stays above this for `stallMs` is closed too: it is not keeping
   * up, and will not catch up.
   */
  stalledBytes: number;
  stallMs: number;
}

export interface WsLimitStats {
  clients: number;
  max_clients: number;
  /** Upgrades refused because the route was full. */
  refused: number;
  /** Clients closed because they did not read their output. */
  dropped_slow: number;
}

interface Tracked {
  socket: WebSocket;
  overSince: number | null;
}

/** Close code for a client cut off for not reading (1008: policy violation). */
export const SLOW_CLIENT_CLOSE = 1008;

export class WsLimiter {
  private readonly clients = new Set<Tracked>();
  private refusedCount = 0;
  private dropped = 0;
  private readonly sweep: NodeJS.Timeout;

  constructor(
    readonly route: string,
    readonly opts: WsLimitOptions,
  ) {
    // A client can stall between messages: look at every backlog once a second as well.
    this.sweep = setInterval(() => {
      for (const t of this.clients) this.check(t);
    }, 1000);
    this.sweep.unref();
  }

  /** A preHandler for the route: refuses the upgrade while the route is full. */
  readonly preHandler = async (_req: FastifyRequest, reply: FastifyReply) => {
    if (this.clients.size < this.opts.maxClients) return undefined;
    this.refusedCount++;
    return reply
      .code(503)
      .header('Retry-After', '5')
      .send({
        error: `${this.route} has ${this.clients.size} clients, its limit; try again later`,
      });
  };

  /** Tracks an accepted socket; returns a `send` that respects the backlog caps. */
  attach(socket: WebSocket): (data: string) => boolean {
    const t: Tracked = { socket, overSince: null };
    this.clients.add(t);
    const forget = () => this.clients.delete(t);
    socket.on('close', forget);
    socket.on('error', forget);
    return (data: string) => {
      if (socket.readyState !== socket.OPEN) return false;
      if (!this.check(t)) return false;
      socket.send(data);
      return true;
    };
  }

  /** False (and the client closed) when it has stopped reading. */
  private check(t: Tracked): boolean {
    const { socket } = t;
    if (socket.readyState !== socket.OPEN) return false;
    const buffered = socket.bufferedAmount;
    const now = Date.now();
    if (buffered <= this.opts.stalledBytes) {
      t.overSince = null;
      return true;
    }
    t.overSince ??= now;
    if (buffered > this.opts.maxBufferedBytes || now - t.overSince >= this.opts.stallMs) {
      this.dropped++;
      this.clients.delete(t);
      // terminate, not close: a close frame would queue behind the output the client is not reading.
      socket.terminate();
      return false;
    }
    return true;
  }

  stats(): WsLimitStats {
    return {
      clients: this.clients.size,
      max_clients: this.opts.maxClients,
      refused: this.refusedCount,
      dropped_slow: this.dropped,
    };
  }

  close(): void {
    clearInterval(this.sweep);
  }
}
