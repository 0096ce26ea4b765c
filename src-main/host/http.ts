import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { EVENT_KINDS, type EventKind, type MarshalEvent } from '../../src-shared/events/model';
import { toIso } from '../../src-shared/events/time';
import {
  ContractError,
  PUSH_NAMES,
  isCommandName,
  parseRequest,
  type CommandName,
  type WsClientFrame,
  type WsServerFrame,
} from '../../src-shared/contract';
import type { CoreInternals } from '../core';
import type { CommittedBatch } from '../ingest/pipeline';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** A /live or /ws client that stops reading is skipped past this much buffered output. */
const MAX_BUFFERED = 8 * 1024 * 1024;

export interface HttpHostOptions {
  port: number;
  lan: boolean;
  /** The built renderer (out/renderer); the UI is not served when it is missing. */
  rendererDir?: string;
}

export interface HttpHost {
  app: FastifyInstance;
  urls: string[];
  close(): Promise<void>;
  liveDropped(): number;
}

function sendError(reply: FastifyReply, err: unknown) {
  if (err instanceof ContractError) return reply.code(err.status).send({ error: err.message });
  return reply.code(500).send({ error: (err as Error).message });
}

function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

/** Query strings are strings: turn the numeric ones into numbers before the contract validates. */
function queryToRequest(
  query: Record<string, string | undefined>,
  numeric: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === '') continue;
    out[k] = numeric.includes(k) && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return out;
}

export function samplesAsEvents(batch: CommittedBatch): MarshalEvent[] {
  return batch.samples.map((s) => ({
    id: 0,
    kind: 'sensor.sample',
    device_id: s.sensor_id,
    ts: toIso(s.ts),
    received_at: toIso(s.received_at),
    topic: s.topic,
    data: { sensor_id: s.sensor_id, seq: s.seq, x: s.x, y: s.y, z: s.z },
  }));
}

interface LiveFrame {
  kind: EventKind;
  json: string;
}

/**
 * Each committed batch is serialized once, however many /live clients there are; samples (the bulk)
 * only when some client asks for them.
 */
const liveFrameCache = new WeakMap<CommittedBatch, { events: LiveFrame[]; samples: () => LiveFrame[] }>();

function liveFrames(batch: CommittedBatch): { events: LiveFrame[]; samples: () => LiveFrame[] } {
  let frames = liveFrameCache.get(batch);
  if (!frames) {
    let samples: LiveFrame[] | null = null;
    frames = {
      events: batch.events.map((e) => ({ kind: e.kind, json: JSON.stringify(e) })),
      samples: () =>
        (samples ??= samplesAsEvents(batch).map((e) => ({ kind: e.kind, json: JSON.stringify(e) }))),
    };
    liveFrameCache.set(batch, frames);
  }
  return frames;
}

export async function startHttpHost(core: CoreInternals, opts: HttpHostOptions): Promise<HttpHost> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024 } });
  let liveDropped = 0;

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      reply.header('Content-Security-Policy', CSP);
      reply.header('X-Frame-Options', 'DENY');
    }
    return payload;
  });

  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    reply.code(code).send({ error: err.message });
  });

  const call = async <K extends CommandName>(reply: FastifyReply, name: K, req: unknown) => {
    try {
      return await core.handlers[name](parseRequest(name, req));
    } catch (err) {
      return sendError(reply, err);
    }
  };

  // Checked by the cognitive-task game and the karting app (a Flutter web app: CORS, and the
  // original karting backend's fields).
  app.get('/health', async (_req, reply) => {
    reply.header('Access-Control-Allow-Origin', '*');
    return {
      ok: true,
      status: 'healthy',
      version: '1.0.0',
      timestamp: new Date().toISOString().replace('Z', '000'),
      service: 'marshal',
      started_at: core.health().started_at,
    };
  });
  app.get('/api/health', async (_req, reply) => {
    const h = core.health();
    return reply.code(h.ok ? 200 : 503).send(h);
  });
  app.get('/api/stats', async (_req, reply) => call(reply, 'stats.get', undefined));
  app.get<{ Querystring: Record<string, string> }>('/api/events', async (req, reply) => {
    const q = queryToRequest(req.query, ['limit']);
    if (typeof q.kind === 'string' && !(EVENT_KINDS as readonly string[]).includes(q.kind)) {
      return reply
        .code(400)
        .send({ error: `unknown kind "${q.kind.slice(0, 40)}"; known: ${EVENT_KINDS.join(', ')}` });
    }
    return call(reply, 'events.list', q);
  });
  app.get<{ Querystring: Record<string, string> }>('/api/rejects', async (req, reply) =>
    call(reply, 'rejects.list', queryToRequest(req.query, ['limit'])),
  );
  app.get('/api/devices', async (_req, reply) => call(reply, 'devices.list', undefined));
  app.get('/api/sensors', async (_req, reply) => call(reply, 'sensors.list', undefined));
  app.get('/api/clients', async (_req, reply) => call(reply, 'clients.list', undefined));

  // The normalized event stream for other screens: one JSON event per message.
  app.get<{ Querystring: { kinds?: string; exclude?: string } }>(
    '/live',
    { websocket: true },
    (socket: WebSocket, req) => {
      const pick = (list?: string) =>
        list
          ? new Set(
              list.split(',').filter((k): k is EventKind => (EVENT_KINDS as readonly string[]).includes(k)),
            )
          : null;
      const kinds = pick(req.query.kinds);
      const exclude = pick(req.query.exclude);
      const wants = (k: EventKind) => (!kinds || kinds.has(k)) && (!exclude || !exclude.has(k));
      const off = core.onCommitted((batch) => {
        if (socket.readyState !== socket.OPEN) return;
        const frames = liveFrames(batch);
        const all = wants('sensor.sample') ? frames.events.concat(frames.samples()) : frames.events;
        for (const f of all) {
          if (!wants(f.kind)) continue;
          if (socket.bufferedAmount > MAX_BUFFERED) {
            liveDropped++;
            continue;
          }
          socket.send(f.json);
        }
      });
      socket.on('close', off);
      socket.on('error', off);
    },
  );

  // The console's contract for the browser UI.
  app.get('/ws', { websocket: true }, (socket: WebSocket, req) => {
    const origin = req.headers.origin;
    const host = req.headers.host;
    // A web page elsewhere must not drive the console through the operator's browser.
    if (origin && host && origin !== `http://${host}` && origin !== `https://${host}`) {
      socket.close(1008, 'cross-origin');
      return;
    }
    if (opts.lan && !isLoopback(req.socket.remoteAddress)) {
      socket.close(1008, 'the console UI is reachable from this machine only');
      return;
    }
    const send = (frame: WsServerFrame) => {
      if (socket.readyState === socket.OPEN && socket.bufferedAmount < MAX_BUFFERED)
        socket.send(JSON.stringify(frame));
    };
    const offs = PUSH_NAMES.map((name) => core.onPush(name, (payload) => send({ t: 'push', name, payload })));
    socket.on('message', async (raw) => {
      let frame: WsClientFrame;
      try {
        frame = JSON.parse(String(raw)) as WsClientFrame;
      } catch {
        return send({ t: 'result', id: -1, ok: false, error: 'malformed JSON frame' });
      }
      const id = typeof frame?.id === 'number' ? frame.id : -1;
      if (frame?.t !== 'call' || !isCommandName(frame.name)) {
        return send({
          t: 'result',
          id,
          ok: false,
          error: `unknown command ${JSON.stringify(frame?.name ?? null).slice(0, 60)}`,
        });
      }
      try {
        const name = frame.name;
        const res = await core.handlers[name](parseRequest(name, frame.req) as never);
        send({ t: 'result', id, ok: true, res });
      } catch (err) {
        send({ t: 'result', id, ok: false, error: (err as Error).message });
      }
    });
    socket.on('close', () => offs.forEach((off) => off()));
  });

  for (const m of core.modules) await m.routes?.(app);

  if (opts.rendererDir && existsSync(opts.rendererDir)) {
    await app.register(fastifyStatic, { root: opts.rendererDir, prefix: '/', index: 'index.html' });
  }
  app.setNotFoundHandler((req, reply) => {
    if (
      req.method === 'GET' &&
      !req.url.startsWith('/api/') &&
      !req.url.startsWith('/v1/') &&
      opts.rendererDir &&
      existsSync(opts.rendererDir)
    ) {
      // Client-side routes fall back to the app.
      return reply.type('text/html').sendFile('index.html');
    }
    return reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 100)}` });
  });

  const host = opts.lan ? '0.0.0.0' : '127.0.0.1';
  await app.listen({ port: opts.port, host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const hosts = ['127.0.0.1'];
  if (opts.lan) {
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) hosts.push(a.address);
  }
  return {
    app,
    urls: hosts.map((h) => `http://${h}:${port}`),
    close: () => app.close(),
    liveDropped: () => liveDropped,
  };
}
