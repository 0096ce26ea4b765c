/**
 * One connection to a circuit's live timing feed: WebSocket (`ws://`, `wss://`: Apex Timing,
 * RaceMonitor) or TCP (`tcp://host:port`: Orbits RMonitor). It only listens: the Apex server relays
 * whatever any client sends to every other client, so nothing is ever written on a feed socket
 * beyond the WebSocket handshake and the control frames the protocol requires (pongs, close).
 * It reconnects forever with full-jitter backoff, treats a silent socket as dead (watchdog), and
 * never holds two sockets at once.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import WebSocket from 'ws';

export type FeedState = 'stopped' | 'connecting' | 'connected' | 'waiting';

export interface FeedLogEntry {
  ts: number;
  event: 'connecting' | 'connected' | 'closed' | 'error' | 'silent' | 'stopped' | 'retry';
  detail?: string;
}

export interface FeedClientOptions {
  url: string;
  /** Called with each unit: a whole WebSocket message, or one TCP line (CRLF stripped). */
  onData(unit: string, receivedMs: number): void;
  onState?(state: FeedState): void;
  /** A socket that sent nothing this long is dead. */
  silenceMs?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  connectTimeoutMs?: number;
  random?: () => number;
  now?: () => number;
}

const LOG_SIZE = 200;

export interface FeedCounters {
  connects: number;
  reconnects: number;
  units: number;
  bytes: number;
  watchdog_kills: number;
}

/** `min(cap, base·2^attempt)·random()` ("full jitter"): many consoles never reconnect in step. */
export function fullJitter(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30)) * random());
}

export class FeedClient {
  private state: FeedState = 'stopped';
  private ws: WebSocket | null = null;
  private tcp: Socket | null = null;
  /** Bumped on each socket: events of an older socket are ignored. */
  private generation = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private attempt = 0;
  private lastDataAt: number | null = null;
  private connectedSince: number | null = null;
  private nextRetryAt: number | null = null;
  private lastError: string | null = null;
  readonly log: FeedLogEntry[] = [];
  readonly counters: FeedCounters = {
    connects: 0,
    reconnects: 0,
    units: 0,
    bytes: 0,
    watchdog_kills: 0,
  };
  private readonly silenceMs: number;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly connectTimeoutMs: number;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly opts: FeedClientOptions) {
    this.silenceMs = opts.silenceMs ?? 90_000;
    this.baseMs = opts.backoffBaseMs ?? 1000;
    this.capMs = opts.backoffCapMs ?? 60_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
  }

  get url(): string {
    return this.opts.url;
  }

  status() {
    return {
      state: this.state,
      url: this.opts.url,
      connected_since: this.connectedSince,
      last_data_at: this.lastDataAt,
      attempt: this.attempt,
      next_retry_at: this.nextRetryAt,
      last_error: this.lastError,
      ...this.counters,
    };
  }

  isConnected(): boolean {
    return this.state === 'connected';
  }

  /** Sockets this client holds open right now (0 or 1). */
  openSockets(): number {
    return (this.ws ? 1 : 0) + (this.tcp ? 1 : 0);
  }

  start(): void {
    if (this.state !== 'stopped') return;
    this.attempt = 0;
    this.open();
  }

  stop(): void {
    if (this.state === 'stopped') return;
    this.clearTimers();
    this.closeSocket();
    this.note('stopped');
    this.setState('stopped');
  }

  private note(event: FeedLogEntry['event'], detail?: string) {
    this.log.push({ ts: this.now(), event, ...(detail ? { detail: detail.slice(0, 300) } : {}) });
    if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
  }

  private setState(s: FeedState) {
    if (this.state === s) return;
    this.state = s;
    this.opts.onState?.(s);
  }

  private clearTimers() {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.watchdog) clearTimeout(this.watchdog);
    this.retryTimer = null;
    this.watchdog = null;
    this.nextRetryAt = null;
  }

  private closeSocket() {
    this.generation++;
    const ws = this.ws;
    const tcp = this.tcp;
    this.ws = null;
    this.tcp = null;
    if (ws) {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
    }
    if (tcp) {
      tcp.removeAllListeners();
      tcp.on('error', () => {});
      tcp.destroy();
    }
  }

  private armWatchdog() {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      this.counters.watchdog_kills++;
      this.note('silent', `nothing for ${Math.round(this.silenceMs / 1000)} s`);
      this.lost('silent socket');
    }, this.silenceMs);
    this.watchdog.unref?.();
  }

  private open() {
    // Never two sockets for one circuit: whatever was open is gone before the next one starts.
    this.closeSocket();
    const gen = this.generation;
    this.setState('connecting');
    this.note('connecting', this.opts.url);
    let url: URL;
    try {
      url = new URL(this.opts.url);
    } catch {
      this.lastError = `not a URL: ${this.opts.url}`;
      this.note('error', this.lastError);
      this.scheduleRetry();
      return;
    }
    // The watchdog also bounds the handshake.
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.lost('connect timeout'), this.connectTimeoutMs);
    this.watchdog.unref?.();
    if (url.protocol === 'tcp:') this.openTcp(url, gen);
    else if (url.protocol === 'ws:' || url.protocol === 'wss:') this.openWs(gen);
    else {
      this.lastError = `unsupported scheme ${url.protocol} (ws://, wss:// or tcp://)`;
      this.note('error', this.lastError);
      this.scheduleRetry();
    }
  }

  private onConnected() {
    this.counters.connects++;
    if (this.counters.connects > 1) this.counters.reconnects++;
    this.connectedSince = this.now();
    this.lastError = null;
    this.note('connected');
    this.setState('connected');
    this.armWatchdog();
  }

  private onUnit(unit: string, bytes: number) {
    const t = this.now();
    this.lastDataAt = t;
    this.counters.units++;
    this.counters.bytes += bytes;
    // A connection that carried data is healthy: the next failure starts the backoff afresh.
    this.attempt = 0;
    this.armWatchdog();
    try {
      this.opts.onData(unit, t);
    } catch (err) {
      this.note('error', `processing: ${(err as Error).message}`);
    }
  }

  private openWs(gen: number) {
    const ws = new WebSocket(this.opts.url, {
      perMessageDeflate: false,
      handshakeTimeout: this.connectTimeoutMs,
      followRedirects: false,
    });
    this.ws = ws;
    ws.on('open', () => gen === this.generation && this.onConnected());
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (gen !== this.generation) return;
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      // Apex sends text; a binary frame is decoded the same way and judged by the parser.
      void isBinary;
      this.onUnit(buf.toString('utf8'), buf.length);
    });
    ws.on('error', (err) => {
      if (gen !== this.generation) return;
      this.lastError = err.message;
      this.note('error', err.message);
    });
    ws.on('close', (code, reason) => {
      if (gen !== this.generation) return;
      this.lost(`closed ${code}${reason.length ? ` ${reason.toString('utf8')}` : ''}`);
    });
  }

  private openTcp(url: URL, gen: number) {
    const port = Number(url.port || 50000);
    const sock = tcpConnect({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
    this.tcp = sock;
    sock.setNoDelay(true);
    const decoder = new StringDecoder('utf8');
    let carry = '';
    sock.on('connect', () => gen === this.generation && this.onConnected());
    sock.on('data', (chunk: Buffer) => {
      if (gen !== this.generation) return;
      carry += decoder.write(chunk);
      let nl = carry.indexOf('\n');
      const lines: string[] = [];
      while (nl >= 0) {
        lines.push(carry.slice(0, nl).replace(/\r$/, ''));
        carry = carry.slice(nl + 1);
        nl = carry.indexOf('\n');
      }
      if (carry.length > 1024 * 1024) carry = ''; // a peer that never ends a line is not RMonitor
      if (!lines.length) {
        this.lastDataAt = this.now();
        this.armWatchdog();
      }
      for (const l of lines) this.onUnit(l, Buffer.byteLength(l) + 2);
    });
    sock.on('error', (err) => {
      if (gen !== this.generation) return;
      this.lastError = err.message;
      this.note('error', err.message);
    });
    sock.on('close', () => gen === this.generation && this.lost('closed'));
  }

  private lost(reason: string) {
    if (this.state === 'stopped') return;
    const wasConnected = this.state === 'connected';
    this.closeSocket();
    this.connectedSince = null;
    if (wasConnected || reason !== 'closed') this.note('closed', reason);
    this.lastError = this.lastError ?? reason;
    this.scheduleRetry();
  }

  private scheduleRetry() {
    this.clearTimers();
    const delay = fullJitter(this.attempt, this.baseMs, this.capMs, this.random);
    this.attempt++;
    this.nextRetryAt = this.now() + delay;
    this.note('retry', `in ${delay} ms (attempt ${this.attempt})`);
    this.setState('waiting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.nextRetryAt = null;
      this.open();
    }, delay);
    this.retryTimer.unref?.();
  }
}
