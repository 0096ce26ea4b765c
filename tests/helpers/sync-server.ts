/**
 * A sync receiver for the tests: a real HTTP server that takes the console's batches and can be
 * told, request by request, to misbehave (fail, throttle, hang, cut the answer short). It keeps
 * every batch it was sent and dedupes events by id, as a real receiver is expected to.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface SyncEvent {
  id: string;
  seq: number;
  kind: string;
  device_id: string;
  ts: string;
  received_at: string;
  historical?: boolean;
  data: Record<string, unknown>;
}

export interface ReceivedBatch {
  at: number;
  key: string | undefined;
  auth: string | undefined;
  source: string;
  batch_id: string;
  events: SyncEvent[];
  /** What the server did with it. */
  answer: Behaviour;
}

export type Behaviour =
  | { type: 'ok' }
  | { type: 'status'; status: number; retryAfter?: string }
  /** Never answers nor keeps the batch (a timeout, or a console killed mid-flush). */
  | { type: 'hang' }
  /** Keeps the batch, sends a 200 head and half a body, then drops the connection. */
  | { type: 'cut' };

export interface SyncServer {
  url: string;
  batches: ReceivedBatch[];
  /**
   * Events by id, first copy kept, from the batches it took in: answered 200 or cut after it was
   * taken (a receiver that commits before answering). A batch left hanging never counts.
   */
  unique(): Map<string, SyncEvent>;
  /** How the next requests are answered, in order; then `fallback`. */
  script: Behaviour[];
  fallback: (events: SyncEvent[]) => Behaviour;
  /** Resolves when `n` requests have arrived. */
  requests(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSyncServer(path = '/ingest'): Promise<SyncServer> {
  const batches: ReceivedBatch[] = [];
  const sockets = new Set<Socket>();
  const waiters: { n: number; resolve: () => void }[] = [];
  const self: SyncServer = {
    url: '',
    batches,
    script: [],
    fallback: () => ({ type: 'ok' }),
    unique() {
      const m = new Map<string, SyncEvent>();
      for (const b of batches) {
        if (b.answer.type === 'status' || b.answer.type === 'hang') continue;
        for (const e of b.events) if (!m.has(e.id)) m.set(e.id, e);
      }
      return m;
    },
    requests(n) {
      if (batches.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (req.method !== 'POST' || req.url?.split('?')[0] !== path) return void res.writeHead(404).end();
    const parsed = JSON.parse(body) as { source: string; batch_id: string; events: SyncEvent[] };
    const answer = self.script.shift() ?? self.fallback(parsed.events);
    batches.push({
      at: Date.now(),
      key: req.headers['idempotency-key'] as string | undefined,
      auth: req.headers.authorization,
      source: parsed.source,
      batch_id: parsed.batch_id,
      events: parsed.events,
      answer,
    });
    for (const w of [...waiters])
      if (batches.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    switch (answer.type) {
      case 'ok':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      case 'status':
        return void res
          .writeHead(answer.status, answer.retryAfter ? { 'retry-after': answer.retryAfter } : {})
          .end(`{"error":"scripted ${answer.status}"}`);
      case 'hang':
        return;
      case 'cut':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"ok":');
        // Let the head and the first bytes leave before the connection goes.
        setImmediate(() => res.socket?.destroy());
        return;
    }
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const addr = server.address();
  self.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}${path}`;
  return self;
}
