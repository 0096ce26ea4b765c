/**
 * HTTP and WebSocket routes of the karting capability.
 *
 * The karting app's own (contracts/karting.md), with CORS `*` and a preflight, on the console's
 * port and, with `--karting-port`, on a second one:
 *   GET /circuits, GET /circuits/:id, GET /circuits/:id/status, GET /status,
 *   POST /circuits/:id/start-timing, POST /circuits/:id/stop-timing, WS /circuits/:id/live
 * Marshal's own (console port only):
 *   GET /api/circuits, PUT|DELETE /api/circuits/:id, POST /api/circuits/import,
 *   POST /api/circuits/:id/start|stop (the operator's capture), GET /api/circuits/:id/status,
 *   GET /api/karting/standings?circuit=, GET /api/karting/sessions?circuit=,
 *   GET /api/laps?circuit=&session=&kart=&limit=, GET /api/export/laps.csv?circuit=&session=,
 *   GET /karting (the spectator page)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { ContractError } from '../../src-shared/contract';
import { naiveUtc } from './live-hub';
import { circuitDoc, type CircuitInput, type KartingService } from './service';
import type { SpectatorPage } from './spectator';
import { mutationGuard } from '../core/guard';
import { OPEN_ROUTE } from '../core/route-access';

type Query = Record<string, string | undefined>;

const detail = (reply: FastifyReply, code: number, text: string) => reply.code(code).send({ detail: text });

/** The original's `/health` body (product.md merges it with Marshal's `{"ok": true}`). */
export function healthBody(extra: Record<string, unknown> = {}) {
  return { ok: true, status: 'healthy', version: '1.0.0', timestamp: naiveUtc(), ...extra };
}

export interface RegisterOptions {
  /** The second port: also `/health` and `/` as the original had them. */
  standalone: boolean;
}

/**
 * The karting app's routes, in their own scope (tolerant JSON bodies). Every one is open to any
 * origin (the app is a web app of its own): the host's access policy adds CORS and answers the
 * preflights; Host is still checked.
 */
export async function registerAppRoutes(
  app: FastifyInstance,
  svc: KartingService,
  opts: RegisterOptions,
): Promise<void> {
  await app.register(async (scope) => {
    // The app posts `Content-Type: application/json` with no body: that is not an error here.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      const text = String(body ?? '').trim();
      if (!text) return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        done(null, undefined);
      }
    });
    if (opts.standalone) {
      scope.get('/health', OPEN_ROUTE, async () => healthBody());
      scope.get('/', OPEN_ROUTE, async () => ({
        message: 'Karting Timing Backend API',
        version: '1.0.0',
        docs: '/docs',
        health: '/health',
      }));
    }

    scope.get('/circuits', OPEN_ROUTE, async () => svc.repo.circuits().map(circuitDoc));

    scope.get<{ Params: { id: string } }>('/circuits/:id', OPEN_ROUTE, async (req, reply) => {
      const c = svc.repo.circuit(req.params.id.trim());
      if (!c) return detail(reply, 404, 'Circuit not found');
      return circuitDoc(c);
    });

    scope.get<{ Params: { id: string } }>('/circuits/:id/status', OPEN_ROUTE, async (req, reply) => {
      const rt = svc.runtime(req.params.id.trim());
      if (!rt) return detail(reply, 404, 'Circuit not found');
      return {
        circuit_id: rt.circuit.id,
        timing_active: rt.isConnected(),
        collector_status: rt.isRunning() || rt.feedStatus() ? svc.collectorStatus(rt) : null,
        connected_clients: rt.hub.size,
        timestamp: naiveUtc(),
      };
    });

    // Scripts' routes of the original, now with what was captured (the original's were always empty).
    scope.get<{ Params: { id: string }; Querystring: Query }>(
      '/circuits/:id/data',
      OPEN_ROUTE,
      async (req, reply) => {
        const rt = svc.runtime(req.params.id.trim());
        if (!rt) return detail(reply, 404, 'Circuit not found');
        const limit = Number(req.query.limit ?? 100);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
          return detail(reply, 422, 'limit must be a whole number from 1 to 10000');
        return svc.repo.rawNewest(rt.circuit.id, limit).map((r) => ({
          id: r.id,
          circuit_id: rt.circuit.id,
          timestamp: naiveUtc(r.received_at),
          data_type: rt.protocol ?? 'unknown',
          mapped_data: {},
          raw_data: { message: r.data },
          source_url: rt.circuit.wssUrl,
        }));
      },
    );

    scope.get<{ Params: { id: string } }>('/circuits/:id/statistics', OPEN_ROUTE, async (req, reply) => {
      const rt = svc.runtime(req.params.id.trim());
      if (!rt) return detail(reply, 404, 'Circuit not found');
      const st = svc.repo.rawStats(rt.circuit.id, Date.now() - 24 * 3600_000);
      return {
        circuit_id: rt.circuit.id,
        total_records: st.total,
        recent_records_24h: st.recent,
        latest_data_timestamp: st.latest === null ? null : naiveUtc(st.latest),
        is_active: rt.isConnected(),
      };
    });

    scope.get<{ Params: { id: string }; Querystring: Query }>(
      '/circuits/:id/logs',
      OPEN_ROUTE,
      async (req, reply) => {
        const rt = svc.runtime(req.params.id.trim());
        if (!rt) return detail(reply, 404, 'Circuit not found');
        const limit = Number(req.query.limit ?? 50);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          return detail(reply, 422, 'limit must be a whole number from 1 to 1000');
        const log = rt.log();
        return log
          .map((l, i) => ({
            id: i + 1,
            circuit_id: rt.circuit.id,
            event_type: l.event,
            timestamp: naiveUtc(l.ts),
            message: l.detail ?? l.event,
            details: {},
          }))
          .reverse()
          .slice(0, limit);
      },
    );

    scope.get('/status', OPEN_ROUTE, async () => {
      const collectors: Record<string, unknown> = {};
      const connections: Record<string, number> = {};
      const active: string[] = [];
      let clients = 0;
      for (const rt of svc.runtimesList()) {
        if (rt.isRunning()) collectors[rt.circuit.id] = svc.collectorStatus(rt);
        connections[rt.circuit.id] = rt.hub.size;
        clients += rt.hub.size;
        if (rt.hub.size > 0) active.push(rt.circuit.id);
      }
      return {
        collectors,
        connections,
        active_circuits: active,
        total_active_circuits: Object.keys(collectors).length,
        total_connected_clients: clients,
        timestamp: naiveUtc(),
      };
    });

    scope.post<{ Params: { id: string } }>('/circuits/:id/start-timing', OPEN_ROUTE, async (req, reply) => {
      const id = req.params.id.trim();
      const rt = svc.runtime(id);
      if (!rt) return detail(reply, 404, 'Circuit not found');
      if (!rt.circuit.wssUrl) return detail(reply, 400, 'Circuit has no WebSocket URL configured');
      const wasRunning = rt.isRunning();
      svc.startTiming(id, 'app');
      if (wasRunning)
        return {
          message: 'Timing already active for this circuit',
          circuit_id: id,
          status: 'already_running',
        };
      return {
        message: 'Timing started successfully',
        circuit_id: id,
        websocket_url: rt.circuit.wssUrl,
        status: 'started',
      };
    });

    scope.post<{ Params: { id: string } }>('/circuits/:id/stop-timing', OPEN_ROUTE, async (req, reply) => {
      const id = req.params.id.trim();
      if (!svc.runtime(id)) return detail(reply, 404, 'Circuit not found');
      svc.stopTiming(id, 'app');
      return { message: 'Timing stopped successfully', circuit_id: id, status: 'stopped' };
    });

    scope.get<{ Params: { id: string } }>(
      '/circuits/:id/live',
      {
        ...OPEN_ROUTE,
        websocket: true,
        // An unknown circuit is refused at the handshake (the original's close-before-accept: 403).
        preValidation: async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
          if (!svc.runtime(req.params.id.trim())) return detail(reply, 403, 'Circuit not found');
          return undefined;
        },
      },
      (socket: WebSocket, req: FastifyRequest<{ Params: { id: string } }>) => {
        const rt = svc.runtime(req.params.id.trim());
        if (!rt) return socket.close(1008, 'Circuit not found');
        rt.hub.join(socket);
      },
    );

    if (opts.standalone) {
      scope.setNotFoundHandler((_req, reply) => detail(reply, 404, 'Not Found'));
    }
  });
}

function send(reply: FastifyReply, err: unknown) {
  if (err instanceof ContractError) return reply.code(err.status).send({ error: err.message });
  return reply.code(500).send({ error: (err as Error).message });
}

function intParam(q: Query, name: string, fallback: number, max: number): number {
  const v = q[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d{1,15}$/.test(v) || Number(v) < 1 || Number(v) > max)
    throw new ContractError(`${name} must be a whole number from 1 to ${max}`);
  return Number(v);
}

/** Marshal's own routes for the view, scripts and the spectator page. */
export function registerOwnRoutes(
  app: FastifyInstance,
  svc: KartingService,
  config: { lan: boolean; dataDir: string },
  spectator: SpectatorPage,
): void {
  // In LAN mode changes need the console machine or the API token, as every Marshal mutation.
  const local = mutationGuard(config).preHandler;

  app.get('/api/circuits', async () => ({
    circuits: svc.repo.circuits().map((c) => ({ ...circuitDoc(c), ...svc.circuitRow(c) })),
  }));

  app.put<{ Params: { id: string }; Body: CircuitInput }>(
    '/api/circuits/:id',
    { preHandler: local },
    async (req, reply) => {
      try {
        return { circuit: circuitDoc(svc.put(req.params.id, req.body)) };
      } catch (err) {
        return send(reply, err);
      }
    },
  );

  app.delete<{ Params: { id: string } }>('/api/circuits/:id', { preHandler: local }, async (req, reply) => {
    if (!svc.remove(req.params.id)) return reply.code(404).send({ error: `no circuit ${req.params.id}` });
    return { deleted: req.params.id };
  });

  app.post('/api/circuits/import', { preHandler: local }, async (req, reply) => {
    try {
      return svc.importMapping(req.body);
    } catch (err) {
      return send(reply, err);
    }
  });

  for (const action of ['start', 'stop'] as const) {
    app.post<{ Params: { id: string } }>(
      `/api/circuits/:id/${action}`,
      { preHandler: local },
      async (req, reply) => {
        try {
          if (action === 'start') svc.startTiming(req.params.id, 'operator');
          else svc.stopTiming(req.params.id, 'operator');
          return svc.collectorStatus(svc.runtime(req.params.id)!);
        } catch (err) {
          return send(reply, err);
        }
      },
    );
  }

  app.get<{ Params: { id: string } }>('/api/circuits/:id/status', async (req, reply) => {
    const rt = svc.runtime(req.params.id);
    if (!rt) return reply.code(404).send({ error: `no circuit ${req.params.id}` });
    return svc.collectorStatus(rt);
  });

  const circuitOf = (q: Query) => {
    if (q.circuit) return q.circuit;
    const all = svc.repo.circuits();
    const running = all.find((c) => svc.runtime(c.id)!.isRunning());
    const c = running ?? all[0];
    if (!c) throw new ContractError('no circuit yet: add one (PUT /api/circuits/{id})', 404);
    return c.id;
  };

  app.get<{ Querystring: Query }>('/api/karting/standings', async (req, reply) => {
    try {
      return svc.standings(circuitOf(req.query));
    } catch (err) {
      return send(reply, err);
    }
  });

  app.get<{ Querystring: Query }>('/api/karting/sessions', async (req, reply) => {
    try {
      return { sessions: svc.repo.sessions(req.query.circuit, intParam(req.query, 'limit', 200, 10_000)) };
    } catch (err) {
      return send(reply, err);
    }
  });

  app.get<{ Querystring: Query }>('/api/laps', async (req, reply) => {
    try {
      return {
        laps: svc.repo.laps({
          circuit: req.query.circuit,
          session: req.query.session,
          kart: req.query.kart,
          limit: intParam(req.query, 'limit', 1000, 100_000),
        }),
      };
    } catch (err) {
      return send(reply, err);
    }
  });

  // Every raw unit with its receive time; `.jsonl` is a recording `--replay` plays back.
  app.get<{ Querystring: Query }>('/api/karting/raw', async (req, reply) => {
    try {
      if (!req.query.circuit) throw new ContractError('circuit is required');
      const after = Number(req.query.after ?? 0);
      if (!Number.isSafeInteger(after) || after < 0)
        throw new ContractError('after must be a cursor from a previous page');
      const rows = svc.repo.rawPage(req.query.circuit, after, intParam(req.query, 'limit', 1000, 100_000));
      return {
        raw: rows.map((r) => ({ ...r, received_at: new Date(r.received_at).toISOString() })),
        next: rows.length ? String(rows.at(-1)!.id) : null,
      };
    } catch (err) {
      return send(reply, err);
    }
  });

  app.get<{ Querystring: Query }>('/api/karting/raw.jsonl', async (req, reply) => {
    if (!req.query.circuit) return reply.code(400).send({ error: 'circuit is required' });
    let out = '';
    let after = 0;
    for (;;) {
      const rows = svc.repo.rawPage(req.query.circuit, after, 5000);
      for (const r of rows) out += `${JSON.stringify({ t: r.received_at, raw: r.data })}\n`;
      if (rows.length < 5000) break;
      after = rows.at(-1)!.id;
    }
    return reply
      .type('application/x-ndjson; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${req.query.circuit}.ndjson"`)
      .send(out);
  });

  app.get<{ Querystring: Query }>('/api/export/laps.csv', async (req, reply) => {
    const out = svc.repo.lapsCsv({ circuit: req.query.circuit, session: req.query.session });
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="laps.csv"')
      .send(out.csv);
  });

  const page =
    (name: 'karting.html' | 'karting.js' | 'karting.css') => async (_req: unknown, reply: FastifyReply) => {
      const f = spectator.get(name);
      if (!f) return reply.code(404).send({ error: 'the karting spectator page is not installed' });
      return reply.type(f.type).header('Cache-Control', 'no-cache').send(f.body);
    };
  app.get('/karting', page('karting.html'));
  app.get('/karting/spectator.js', page('karting.js'));
  app.get('/karting/spectator.css', page('karting.css'));
}
