/**
 * The bare pipeline Marshal is measured against: the same broker, with nothing but
 * broker → JSON.parse → batched better-sqlite3 insert. No validation, no normalization, no dedup,
 * no device registry, no UI batching.
 *
 * Like Marshal it holds the QoS 1 acknowledgement (aedes `authorizePublish`) until the batch has
 * committed, commits one transaction per event-loop turn (setImmediate, at most 2,000 messages),
 * uses WAL with synchronous=NORMAL, and sets TCP no-delay. It also pushes committed timer events
 * to WebSocket clients on /live, so the latency floor of broker + tick + commit + WebSocket can
 * be read next to Marshal's.
 *
 *   tsx bench/bare-server.ts --data-dir DIR [--mqtt-port 0] [--http-port 0]
 *
 * Prints `mqtt://127.0.0.1:PORT` and `http://127.0.0.1:PORT` when ready; GET /stats answers
 * `{"messages_in": rows inserted, "rejects": unparsable payloads}`.
 */
import { Aedes } from 'aedes';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket, WebSocketServer } from 'ws';

const MAX_BATCH = 2000;

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'mqtt-port': { type: 'string', default: '0' },
    'http-port': { type: 'string', default: '0' },
  },
  strict: true,
});
if (!values['data-dir']) {
  process.stderr.write('bare-server: --data-dir is required\n');
  process.exit(2);
}
const dataDir = values['data-dir'];
mkdirSync(dataDir, { recursive: true });

const db = new Database(join(dataDir, 'bare.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(
  'CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, ts INTEGER NOT NULL, payload BLOB NOT NULL)',
);
const insert = db.prepare('INSERT INTO messages (topic, ts, payload) VALUES (?, ?, ?)');

interface Item {
  topic: string;
  ts: number;
  payload: Buffer;
  parsed: Record<string, unknown>;
  done?: (err: Error | null) => void;
}

const commit = db.transaction((items: Item[]) => {
  for (const it of items) insert.run(it.topic, it.ts, it.payload);
});

let queue: Item[] = [];
let scheduled = false;
let inserted = 0;
let rejects = 0;
const live = new Set<WebSocket>();

function flush() {
  scheduled = false;
  while (queue.length) {
    const batch = queue.length > MAX_BATCH ? queue.splice(0, MAX_BATCH) : queue;
    if (batch === queue) queue = [];
    try {
      commit(batch);
    } catch (err) {
      for (const it of batch) it.done?.(err as Error);
      continue;
    }
    inserted += batch.length;
    for (const it of batch) it.done?.(null);
    if (live.size) {
      for (const it of batch) {
        if (!it.topic.endsWith('/timer/events')) continue;
        const frame = JSON.stringify({ kind: 'timer.shot', topic: it.topic, data: it.parsed });
        for (const ws of live) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
      }
    }
  }
}

const aedes = await Aedes.createBroker({
  maxClientsIdLength: 256,
  drainTimeout: 5000,
  heartbeatInterval: 60_000,
  authorizePublish: (_client, packet, done) => {
    if (packet.topic.startsWith('$SYS/')) return done(null);
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      rejects++;
      return done(null);
    }
    const ts = typeof parsed?.ts === 'number' ? parsed.ts : Date.now();
    const qos = packet.qos;
    queue.push({ topic: packet.topic, ts, payload, parsed, done: qos === 0 ? undefined : done });
    if (qos === 0) done(null);
    if (queue.length >= MAX_BATCH) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  },
});

const sockets = new Set<Socket>();
const mqttServer: Server = createServer((socket) => {
  socket.setNoDelay(true);
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  aedes.handle(socket);
});

const http = createHttpServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/stats' || req.url === '/api/stats')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ messages_in: inserted, rejects }));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":"not found"}');
});
const wss = new WebSocketServer({ server: http, path: '/live' });
wss.on('connection', (ws) => {
  live.add(ws);
  ws.on('close', () => live.delete(ws));
  ws.on('error', () => live.delete(ws));
});

function listen(server: Server | typeof http, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

const mqttPort = await listen(mqttServer, Number(values['mqtt-port']));
const httpPort = await listen(http, Number(values['http-port']));
process.stdout.write(`mqtt://127.0.0.1:${mqttPort}\nhttp://127.0.0.1:${httpPort}\n`);

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  mqttServer.close();
  for (const s of sockets) s.destroy();
  for (const ws of live) ws.terminate();
  wss.close();
  http.close();
  aedes.close(() => {
    flush();
    db.close();
    process.exit(0);
  });
  setTimeout(() => process.exit(1), 5000).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
