/**
 * The karting app's `WS /circuits/{id}/live` clients of one circuit. Every client has its own
 * pending delta: an upstream burst is merged into it and sent once the client's socket has room,
 * so a slow client never delays the others and always ends up with the last state (a trailing
 * flush). A joiner gets the whole board at once (`cached_data` and a full `karting_data`).
 */
import type { WebSocket } from 'ws';
import type { CompatBoard } from '../../src-shared/karting';

/** The original's timestamps: naive UTC ISO with microseconds (the app ignores them). */
export function naiveUtc(ms = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '000');
}

/** Past this much unsent output a client is waited for instead of written to. */
const HIGH_WATER = 256 * 1024;
const RETRY_MS = 25;

interface Client {
  socket: WebSocket;
  pending: Record<string, Record<string, string>>;
  full: boolean;
  dirty: boolean;
}

export class LiveHub {
  private clients = new Set<Client>();
  private scheduled = false;
  private retry: NodeJS.Timeout | null = null;
  messages = 0;
  sent = 0;
  deferred = 0;

  constructor(
    private readonly circuitId: string,
    private readonly board: () => CompatBoard,
    private readonly timingConnected: () => boolean,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  private frame(drivers: Record<string, Record<string, string>>, columnOrder: string[]) {
    return {
      type: 'karting_data',
      circuit_id: this.circuitId,
      drivers,
      column_order: columnOrder,
      message_count: this.messages,
      timestamp: naiveUtc(),
    };
  }

  join(socket: WebSocket): void {
    const client: Client = { socket, pending: {}, full: false, dirty: false };
    this.clients.add(client);
    const board = this.board();
    const full = this.frame(board.drivers, board.column_order);
    this.write(client, { type: 'cached_data', data: full, column_order: board.column_order });
    // The app repaints only on karting_data.
    if (Object.keys(board.drivers).length) this.write(client, full);
    this.write(client, this.statusFrame(this.timingConnected()));
    socket.on('message', (data, isBinary) => {
      // A binary frame is tolerated (the original closed the socket on one).
      if (isBinary) return;
      const text = String(data);
      if (!text.startsWith('{')) return this.write(client, { type: 'pong', timestamp: naiveUtc() });
      try {
        const msg = JSON.parse(text) as { type?: unknown };
        if (msg && msg.type === 'ping') this.write(client, { type: 'pong', timestamp: naiveUtc() });
      } catch {
        // Unparsable JSON is ignored, as the original did.
      }
    });
    const leave = () => this.clients.delete(client);
    socket.on('close', leave);
    socket.on('error', leave);
  }

  private write(client: Client, frame: unknown): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    client.socket.send(JSON.stringify(frame));
    this.sent++;
  }

  private statusFrame(connected: boolean, message?: string) {
    return {
      type: 'status_update',
      circuit_id: this.circuitId,
      status: { timing_connected: connected, ...(message ? { message } : {}), timestamp: naiveUtc() },
    };
  }

  status(connected: boolean, message?: string): void {
    const f = this.statusFrame(connected, message);
    for (const c of this.clients) this.write(c, f);
  }

  /** An upstream unit changed these rows (or, `replaced`, the whole board). */
  update(delta: Record<string, Record<string, string>>, replaced: boolean): void {
    const rows = Object.keys(delta);
    if (!replaced && rows.length === 0) return;
    this.messages++;
    for (const c of this.clients) {
      c.dirty = true;
      if (replaced) {
        c.full = true;
        c.pending = {};
      } else if (!c.full) {
        for (const r of rows) Object.assign((c.pending[r] ??= {}), delta[r]);
      }
    }
    if (!this.scheduled && this.clients.size) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    let waiting = false;
    let board: CompatBoard | null = null;
    for (const c of this.clients) {
      if (!c.dirty) continue;
      if (c.socket.readyState !== c.socket.OPEN) continue;
      if (c.socket.bufferedAmount > HIGH_WATER) {
        waiting = true;
        this.deferred++;
        continue;
      }
      board ??= this.board();
      const drivers = c.full ? board.drivers : c.pending;
      c.full = false;
      c.pending = {};
      c.dirty = false;
      this.write(c, this.frame(drivers, board.column_order));
    }
    if (waiting && !this.retry) {
      this.retry = setTimeout(() => {
        this.retry = null;
        this.flush();
      }, RETRY_MS);
      this.retry.unref?.();
    }
  }

  close(): void {
    if (this.retry) clearTimeout(this.retry);
    for (const c of this.clients) c.socket.close(1001, 'server stopping');
    this.clients.clear();
  }
}
