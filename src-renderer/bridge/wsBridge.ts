/**
 * The contract over a WebSocket (`serve` mode and e2e): numbered calls answered by `result`
 * frames, and `push` frames the server sends to every connected socket (so there is nothing to
 * re-subscribe after a reconnect). Reconnects with exponential backoff and jitter.
 */
import type {
  Bridge,
  CommandName,
  CommandReq,
  CommandRes,
  PushMap,
  PushName,
  WsClientFrame,
  WsServerFrame,
} from '../../src-shared/contract';
import { BridgeCallError, unwrapResult } from '../../src-shared/contract/result';
import { createConnectionSubject, type ConnectionObservable } from './connection';

/** The part of the DOM WebSocket the bridge uses; tests pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

const OPEN = 1;

export interface WsBridgeOptions {
  url: string;
  createSocket: SocketFactory;
  /** A call with no result after this long is rejected. */
  callTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
  now?: () => number;
}

export interface WsBridge extends Bridge {
  readonly connection: ConnectionObservable;
  /** Closes the socket for good: no reconnect, pending calls are rejected. */
  close(): void;
}

interface Pending {
  name: string;
  frame: string;
  sent: boolean;
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export { BridgeCallError };

/** The core could not be asked (socket lost, closed, silent): as a gateway would say it. */
const UNREACHABLE = 503;

/** Delay before reconnect attempt `attempt` (1-based): exponential, capped, ±20 % jitter. */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number,
): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

function isServerFrame(v: unknown): v is WsServerFrame {
  if (!v || typeof v !== 'object') return false;
  const f = v as { t?: unknown; id?: unknown; name?: unknown };
  if (f.t === 'result') return typeof f.id === 'number';
  if (f.t === 'push') return typeof f.name === 'string';
  return false;
}

export function createWsBridge(opts: WsBridgeOptions): WsBridge {
  const callTimeoutMs = opts.callTimeoutMs ?? 15_000;
  const initialMs = opts.backoffInitialMs ?? 250;
  const maxMs = opts.backoffMaxMs ?? 5_000;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;

  const connection = createConnectionSubject({
    state: 'connecting',
    attempt: 0,
    retryAt: null,
    error: null,
    everConnected: false,
  });
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let nextId = 0;
  let socket: SocketLike | null = null;
  let attempt = 0;
  let everConnected = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  function settle(id: number): Pending | undefined {
    const p = pending.get(id);
    if (p) {
      pending.delete(id);
      clearTimeout(p.timer);
    }
    return p;
  }

  function flushQueued(): void {
    if (!socket || socket.readyState !== OPEN) return;
    for (const p of pending.values()) {
      if (p.sent) continue;
      try {
        socket.send(p.frame);
        p.sent = true;
      } catch {
        // The socket is closing; onclose reconnects and the call stays queued.
        return;
      }
    }
  }

  function dispatch(name: string, payload: unknown): void {
    const set = listeners.get(name);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(payload);
      } catch (err) {
        console.error(`push listener for ${name} failed`, err);
      }
    }
  }

  function onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      console.warn('ignoring a non-JSON frame from the core');
      return;
    }
    if (!isServerFrame(frame)) return;
    if (frame.t === 'result') {
      const p = settle(frame.id);
      if (!p) return;
      try {
        p.resolve(unwrapResult(p.name, frame));
      } catch (err) {
        p.reject(err as Error);
      }
    } else {
      dispatch(frame.name, frame.payload);
    }
  }

  function scheduleReconnect(error: string | null): void {
    if (closed) return;
    attempt++;
    const delay = backoffDelay(attempt, initialMs, maxMs, random);
    connection.set({ state: 'reconnecting', attempt, retryAt: now() + delay, error, everConnected });
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connect();
    }, delay);
  }

  function connect(): void {
    if (closed) return;
    let s: SocketLike;
    try {
      s = opts.createSocket(opts.url);
    } catch (err) {
      socket = null;
      scheduleReconnect(err instanceof Error ? err.message : String(err));
      return;
    }
    socket = s;
    let lostReported = false;
    s.onopen = () => {
      if (socket !== s) return;
      attempt = 0;
      everConnected = true;
      connection.set({ state: 'connected', attempt: 0, retryAt: null, error: null, everConnected });
      flushQueued();
    };
    s.onmessage = (ev) => {
      if (socket === s) onMessage(ev.data);
    };
    s.onerror = () => {
      // A close event always follows; reconnecting happens there.
    };
    s.onclose = (ev) => {
      if (socket !== s || lostReported) return;
      lostReported = true;
      socket = null;
      // Calls already on the wire will never be answered by this socket.
      for (const [id, p] of pending) {
        if (p.sent) {
          settle(id);
          p.reject(new BridgeCallError(`${p.name}: connection to the core lost`, p.name, UNREACHABLE));
        }
      }
      // The close reason when the server gave one; the banner already says the link is down.
      scheduleReconnect(ev && typeof ev.reason === 'string' && ev.reason ? ev.reason : null);
    };
  }

  const bridge: WsBridge = {
    connection,
    call<K extends CommandName>(name: K, req: CommandReq<K>): Promise<CommandRes<K>> {
      if (closed) return Promise.reject(new BridgeCallError(`${name}: bridge closed`, name, UNREACHABLE));
      const id = ++nextId;
      const frame: WsClientFrame = { t: 'call', id, name, req };
      return new Promise<CommandRes<K>>((resolve, reject) => {
        const timer = setTimeout(() => {
          if (settle(id)) reject(new BridgeCallError(`${name}: no answer from the core`, name, UNREACHABLE));
        }, callTimeoutMs);
        pending.set(id, {
          name,
          frame: JSON.stringify(frame),
          sent: false,
          resolve: resolve as (v: unknown) => void,
          reject,
          timer,
        });
        flushQueued();
      });
    },
    on<E extends PushName>(name: E, listener: (payload: PushMap[E]) => void): () => void {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => {
        set.delete(l);
      };
    },
    close() {
      if (closed) return;
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      for (const [id, p] of pending) {
        settle(id);
        p.reject(new BridgeCallError(`${p.name}: bridge closed`, p.name, UNREACHABLE));
      }
      const s = socket;
      socket = null;
      try {
        s?.close(1000, 'closed');
      } catch {
        // already closed
      }
    },
  };

  connect();
  return bridge;
}
