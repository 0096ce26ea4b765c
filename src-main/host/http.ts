import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { EVENT_KINDS, type EventKind, type MarshalEvent } from '../../src-shared/events/model';
import { toIso } from '../../src-shared/events/time';
import { PUSH_NAMES, type ClientRow, type WsServerFrame } from '../../src-shared/contract';
import type { CoreInternals } from '../core';
import { spineRoutes } from '../core/spine-routes';
import type { CommittedBatch } from '../ingest/pipeline';
import { depthExceeds } from '../../src-shared/ingest/payload';
import { createHostPolicy, installAccessPolicy } from '../core/access';
import { isLoopback } from '../core/guard';
import { WsLimiter, type WsLimitOptions, type WsLimitStats } from './ws-limits';
import { answerWsFrame, registerContractRoutes } from './contract';
import { mutationGuard } from '../core/guard';
import { clientsFor } from '../broker/client-view';
import { dispatch } from '../../src-shared/contract/dispatch';
import { sendResult } from '../core/routes';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * /live carries small frames: a client more than 4 MiB behind, or 256 KiB behind for 5 s, is not
 * reading. Spectator screens and scripts are few; 64 is far above any event's need.
 */
export const LIVE_LIMITS: WsLimitOptions = {
  maxClients: 64,
  maxBufferedBytes: 4 * 1024 * 1024,
  stalledBytes: 256 * 1024,
  stallMs: 5000,
};
/**
 * /ws answers calls whose results can be large (a page of 10,000 events, an export), so only a
 * backlog that does not drain for 10 s, or one far beyond any result, cuts a client off.
 */
export const WS_LIMITS: WsLimitOptions = {
  maxClients: 16,
  maxBufferedBytes: 64 * 1024 * 1024,
  stalledBytes: 1024 * 1024,
  stallMs: 10_000,
};

/** JSON bodies of Marshal's routes nest no deeper than this; nothing the console takes needs more. */
export const BODY_MAX_DEPTH = 64;
/** The originals' routes take what their parser (Python's json) took: just short of 1000 levels. */
export const ORIGINAL_BODY_MAX_DEPTH = 1000;

export interface HttpHostOptions {
  port: number;
  lan: boolean;
  /** Names and addresses the host answers to besides localhost, loopback and (LAN) its own. */
  allowedHosts?: readonly string[];
  /** The built renderer (out/renderer); the UI is not served when it is missing. */
  rendererDir?: string;
  liveLimits?: Partial<WsLimitOptions>;
  wsLimits?: Partial<WsLimitOptions>;
}

export interface HttpHost {
  app: FastifyInstance;
  urls: string[];
  close(): Promise<void>;
  /** Frames not sent to slow /live clients (those clients are then closed). */
  liveDropped(): number;
  wsStats(): { live: WsLimitStats; ws: WsLimitStats };
}

export function samplesAsEvents(batch: CommittedBatch): MarshalEvent[] {
  return batch.samples.map((s) => ({
    id: 0,
    kind: 'sensor.sample',
    family: 'range',
    device_id: s.sensor_id,
    ts: toIso(s.ts),
    received_at: toIso(s.received_at),
    topic: s.topic,
    data: { sensor_id: s.sensor_id, seq: s.seq, x: s.x, y: s.y, z: s.z, ...s.extra },
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
  const live = new WsLimiter('/live', { ...LIVE_LIMITS, ...opts.liveLimits });
  const control = new WsLimiter('/ws', { ...WS_LIMITS, ...opts.wsLimits });
  app.addHook('onClose', async () => {
    live.close();
    control.close();
  });
  // First, so every route registered below (the modules' too) is covered.
  const access = installAccessPolicy(
    app,
    createHostPolicy({ lan: opts.lan, allowedHosts: opts.allowedHosts }),
  );

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

  // Deeper JSON would overflow the stack of whatever walks it later (validation, serializing).
  app.addHook('preValidation', async (req, reply) => {
    const body = req.body;
    if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return;
    const original = req.routeOptions.config?.access?.errorBody === 'detail';
    const max = original ? ORIGINAL_BODY_MAX_DEPTH : BODY_MAX_DEPTH;
    if (!depthExceeds(body, max)) return;
    const reason = `JSON body nests deeper than ${max} levels`;
    return reply
      .code(400)
      .send(original ? { detail: 'There was an error parsing the body', error: reason } : { error: reason });
  });

  // Checked by the cognitive-task game and the karting app (a Flutter web app: CORS, and the
  // original karting backend's fields).
  // Open to any origin (the karting web app checks it), refusing in Marshal's own error shape.
  app.get('/health', { config: { access: { cors: 'open' } } }, async () => {
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
    // `status`, `server_time` (naive UTC) and `sessions` are the whack-a-mole backend's fields.
    const original = {
      status: h.ok ? 'ok' : 'degraded',
      server_time: new Date().toISOString().replace('Z', ''),
      sessions:
        (core.handlers['stats.get']?.(undefined as never) as { sessions?: number } | undefined)?.sessions ??
        0,
    };
    return reply
      .code(h.ok ? 200 : 503)
      .send({ ...original, ...h, http: { ...access.stats(), live: live.stats(), ws: control.stats() } });
  });
  registerContractRoutes(
    app,
    core.handlers,
    [...spineRoutes, ...core.modules.flatMap((m) => m.contractRoutes ?? [])],
    mutationGuard(core.config),
  );
  // Not a plain contract route: a LAN caller without the token sees only its own address's clients.
  app.get('/api/clients', async (req, reply) => {
    const r = await dispatch(core.handlers, 'clients.list', undefined);
    if (!r.ok) return sendResult(reply, r);
    const address = req.socket.remoteAddress;
    const trusted = mutationGuard(core.config).check(address, req.headers.authorization).ok;
    return clientsFor((r.res as { clients: ClientRow[] }).clients, { address, trusted });
  });

  // The normalized event stream for other screens: one JSON event per message.
  app.get<{ Querystring: { kinds?: string; exclude?: string } }>(
    '/live',
    { websocket: true, preHandler: live.preHandler },
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
      const send = live.attach(socket);
      const off = core.onCommitted((batch) => {
        if (socket.readyState !== socket.OPEN) return;
        const frames = liveFrames(batch);
        const all = wants('sensor.sample') ? frames.events.concat(frames.samples()) : frames.events;
        for (const f of all) {
          if (!wants(f.kind)) continue;
          if (!send(f.json)) {
            liveDropped++;
            break;
          }
        }
      });
      socket.on('close', off);
      socket.on('error', off);
    },
  );

  // The console's contract for the browser UI. Host and Origin were checked before the upgrade.
  app.get('/ws', { websocket: true, preHandler: control.preHandler }, (socket: WebSocket, req) => {
    if (opts.lan && !isLoopback(req.socket.remoteAddress)) {
      socket.close(1008, 'the console UI is reachable from this machine only');
      return;
    }
    const sendRaw = control.attach(socket);
    const send = (frame: WsServerFrame) => void sendRaw(JSON.stringify(frame));
    const offs = PUSH_NAMES.map((name) => core.onPush(name, (payload) => send({ t: 'push', name, payload })));
    socket.on('message', async (raw) => send(await answerWsFrame(core.handlers, String(raw))));
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
    wsStats: () => ({ live: live.stats(), ws: control.stats() }),
  };
}
