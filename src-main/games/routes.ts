/**
 * The games capability's HTTP routes (product.md "HTTP"). Declared as data (gamesContractRoutes)
 * and served by the host, since each mirrors one command:
 *   GET  /api/leaderboard?game=&difficulty=&device_id=&limit=&min_sessions=
 *   GET  /api/sessions?device_id=&player=&limit=&before=
 *   GET  /api/gateways, /api/gateways/:id/readings?seconds=, /api/alerts?state=&device_id=&limit=
 * Registered here (files, pages and the original backend's API):
 *   GET  /api/export/sessions.csv, /api/export/tasks.csv
 *   GET  /leaderboard (+ /leaderboard/spectator.js, .css): the spectator page
 *   POST /v1/events, GET /v1/leaderboard?limit=&min_tasks=, GET /v1/export/raw?api_key=&limit=&offset=
 *     — as the cognitive-game backend had them (domain.md §7)
 * Everything here is read-only except POST /v1/events, which devices on the LAN must reach and
 * which is protected by its api_key.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ContractError, type CommandRes, type Handlers } from '../../src-shared/contract';
import { dispatch } from '../../src-shared/contract/dispatch';
import { checkOriginalBatch, originalKeyOk } from '../../src-shared/ingest/neurogame-original';
import type { OriginalBoardRow } from '../../src-shared/ranking/neuro-original';
import type { NeuroAccounts } from './neuro-auth';
import { RejectError, jsonErrorReason, redactSecrets, type RejectCode } from '../../src-shared/ingest';
import { depthExceeds } from '../../src-shared/ingest/payload';
import { WHAC_GAME } from '../../src-shared/ingest/whac';
import type { ModuleContext } from '../core/module';
import { ORIGINAL_ROUTE } from '../core/route-access';
import { sendFailure, sendResult, type ContractRoute } from '../core/routes';
import type { SpectatorAssets, SpectatorFile } from './spectator';
import { HTTP_EVENTS_TOPIC, type TaskEvents } from './tasks';

/** Body limit of `POST /v1/events` (a batch of 500 events of ~2 KiB fits easily). */
export const EVENTS_BODY_LIMIT = 1024 * 1024;
/** Events in one `POST /v1/events` batch. */
export const EVENTS_BATCH_LIMIT = 500;
export const EXPORT_RAW_DEFAULT_LIMIT = 1000;
export const EXPORT_RAW_MAX_LIMIT = 10_000;
/** The original clamped `limit` to 5000. */
export const EXPORT_RAW_ORIGINAL_MAX = 5000;
export const TASKS_LEADERBOARD_MAX_LIMIT = 10_000;
/**
 * Nesting `POST /v1/events` takes: the original's parser (Python's json) gives up just short of
 * 1000 levels, so nothing it took is refused, and deeper values never reach code that recurses.
 */
export const EVENTS_MAX_DEPTH = 1000;
/** What the original (FastAPI) answers when its JSON parser gives up on a body. */
export const BODY_PARSE_ERROR = 'There was an error parsing the body';

const utf8 = new TextDecoder('utf-8', { fatal: true });

type Query = Record<string, string | undefined>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Picks known parameters and turns the numeric ones into numbers for the contract's schemas. */
function pickQuery(q: Query, names: string[], numeric: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of names) {
    const v = q[n];
    if (v === undefined || v === '') continue;
    if (numeric.includes(n)) {
      if (!/^-?\d{1,12}$/.test(v)) throw new ContractError(`${n} must be a whole number`);
      out[n] = Number(v);
    } else out[n] = v;
  }
  return out;
}

function send(reply: FastifyReply, err: unknown) {
  if (err instanceof HttpError) return reply.code(err.status).send({ error: err.message });
  return sendFailure(reply, err);
}

/** The read routes that mirror a games command (product.md "HTTP"). */
export const gamesContractRoutes: readonly ContractRoute[] = [
  {
    path: '/api/sessions',
    command: 'games.sessions',
    request: ({ query }) => pickQuery(query, ['device_id', 'player', 'limit', 'before'], ['limit']),
  },
  { path: '/api/gateways', command: 'gateways.list' },
  {
    path: '/api/gateways/:id/readings',
    command: 'gateways.readings',
    request: ({ query, params }) => ({ device_id: params.id, ...pickQuery(query, ['seconds'], ['seconds']) }),
  },
  {
    path: '/api/alerts',
    command: 'gateways.alerts.list',
    request: ({ query }) => pickQuery(query, ['device_id', 'state', 'limit'], ['limit']),
  },
];

export interface GamesRoutesDeps {
  ctx: ModuleContext;
  handlers: Partial<Handlers>;
  tasks: TaskEvents;
  spectator: SpectatorAssets;
  /** The game backend's own board (cached until task events arrive). */
  originalBoard(limit: number, minTasks: number): OriginalBoardRow[];
  accounts: NeuroAccounts;
  onHttpEvents(stored: number, duplicates: number): void;
}

export async function registerGamesRoutes(app: FastifyInstance, deps: GamesRoutesDeps): Promise<void> {
  const { ctx, handlers } = deps;

  // ----- Exports -----

  for (const what of ['sessions', 'tasks'] as const) {
    app.get(`/api/export/${what}.csv`, async (_req, reply) => {
      const result = await dispatch(handlers, 'games.export', { what });
      if (!result.ok) return sendResult(reply, result);
      const out = result.res as CommandRes<'games.export'>;
      return reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="${out.filename}"`)
        .send(out.csv);
    });
  }

  // ----- The whack-a-mole backend's own routes (SEED `cloud/app.py`) -----

  // A bare array, as the original's dashboards read it; `game` defaults to the SEED board (HEAD
  // cabinets rank on `game=whackamole-head`).
  app.get<{ Querystring: Query }>('/api/leaderboard', async (req, reply) => {
    let request: Record<string, unknown>;
    try {
      request = pickQuery(
        req.query,
        ['game', 'difficulty', 'device_id', 'limit', 'min_sessions'],
        ['limit', 'min_sessions'],
      );
    } catch (err) {
      return send(reply, err);
    }
    if (request.game === undefined) request.game = WHAC_GAME;
    const result = await dispatch(handlers, 'games.leaderboard', request);
    if (!result.ok) return sendResult(reply, result);
    return (result.res as CommandRes<'games.leaderboard'>).entries;
  });

  // ----- The spectator page -----

  const serveFile = (name: SpectatorFile) => async (_req: unknown, reply: FastifyReply) => {
    const file = deps.spectator.get(name);
    if (!file)
      return reply
        .code(404)
        .send({ error: 'the spectator page is not installed (src-main/games/spectator)' });
    return reply.type(file.type).header('Cache-Control', 'no-cache').send(file.body);
  };
  app.get('/leaderboard', serveFile('leaderboard.html'));
  app.get('/leaderboard/spectator.js', serveFile('spectator.js'));
  app.get('/leaderboard/spectator.css', serveFile('spectator.css'));

  // ----- Cognitive-task games: the game's own backend (contracts/neurogame.md §2) -----

  /** FastAPI's answer to a query parameter that is not an integer. */
  const intQuery = (q: Query, name: string, fallback: number): number | { detail: unknown[] } => {
    const v = q[name];
    if (v === undefined) return fallback;
    if (!/^\s*[-+]?\d+\s*$/.test(v)) {
      return {
        detail: [
          {
            type: 'int_parsing',
            loc: ['query', name],
            msg: 'Input should be a valid integer, unable to parse string as an integer',
            input: v,
          },
        ],
      };
    }
    return Number(v);
  };

  app.get<{ Querystring: Query }>('/v1/leaderboard', ORIGINAL_ROUTE, async (req, reply) => {
    const l = intQuery(req.query, 'limit', 100);
    if (typeof l !== 'number') return reply.code(422).send(l);
    const m = intQuery(req.query, 'min_tasks', 30);
    if (typeof m !== 'number') return reply.code(422).send(m);
    const limit = Math.min(500, Math.max(1, l));
    const minTasks = Math.max(0, m);
    const rows = deps.originalBoard(limit, minTasks);
    return { ok: true, rows, count: rows.length, limit, min_tasks: minTasks };
  });

  app.get<{ Querystring: Query }>('/v1/export/raw', ORIGINAL_ROUTE, async (req, reply) => {
    const key = req.query.api_key;
    if (key === undefined) {
      return reply.code(422).send({
        detail: [{ type: 'missing', loc: ['query', 'api_key'], msg: 'Field required', input: null }],
      });
    }
    if (!originalKeyOk(key, ctx.config.neurogameApiKey))
      return reply.code(401).send({ detail: 'invalid_api_key' });
    const l = intQuery(req.query, 'limit', EXPORT_RAW_DEFAULT_LIMIT);
    if (typeof l !== 'number') return reply.code(422).send(l);
    const o = intQuery(req.query, 'offset', 0);
    if (typeof o !== 'number') return reply.code(422).send(o);
    const limit = Math.min(EXPORT_RAW_ORIGINAL_MAX, Math.max(1, l));
    const offset = Math.max(0, o);
    const rows = deps.tasks.originalRaw(limit, offset);
    return { ok: true, rows, count: rows.length, limit, offset };
  });

  for (const action of ['register', 'login'] as const) {
    app.post<{ Body: unknown }>(`/v1/auth/${action}`, ORIGINAL_ROUTE, async (req, reply) => {
      const body = req.body;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return reply.code(422).send({
          detail: [
            {
              type: 'dict_type',
              loc: ['body'],
              msg: 'Input should be a valid dictionary',
              input: body ?? null,
            },
          ],
        });
      }
      const b = body as Record<string, unknown>;
      if (!originalKeyOk(b.api_key, ctx.config.neurogameApiKey)) {
        return reply.code(401).send({ detail: 'invalid_api_key' });
      }
      const r =
        action === 'register'
          ? deps.accounts.register(b.username, b.password)
          : deps.accounts.login(b.username, b.password);
      return reply.code(r.status).send(r.body);
    });
  }

  // POST /v1/events takes any content type (clients differ) and parses the JSON itself, so every
  // bad body gets a reason; its own scope keeps that parser off the other routes.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: EVENTS_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
      const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
      const message = code === 413 ? `body exceeds the ${EVENTS_BODY_LIMIT}-byte limit` : err.message;
      return reply.code(code).send({ error: message });
    });

    const reject = (raw: Buffer, code: RejectCode, reason: string) => {
      try {
        let text: string;
        try {
          // The key (or any other secret) never reaches the rejects table: the Monitor shows it.
          text = redactSecrets(utf8.decode(raw.subarray(0, 64 * 1024)));
        } catch {
          text = '';
        }
        const [outcome] = ctx.store.commit([
          {
            type: 'reject',
            topic: HTTP_EVENTS_TOPIC,
            payload: Buffer.from(text),
            receivedAt: Date.now(),
            code,
            reason,
          },
        ]);
        if (outcome?.reject) ctx.pipeline.announce({ rejects: [outcome.reject] });
      } catch {
        // Recording a reject must never turn a 400 into a 500.
      }
    };

    scope.post('/v1/events', ORIGINAL_ROUTE, async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let body: unknown;
      try {
        if (raw.length === 0) throw new RejectError('not_an_object', 'body must be a JSON object');
        let text: string;
        try {
          text = utf8.decode(raw);
        } catch {
          throw new RejectError('binary', 'body is not UTF-8 text');
        }
        try {
          body = JSON.parse(text);
        } catch (err) {
          throw new RejectError('malformed_json', `malformed JSON: ${jsonErrorReason(err)}`);
        }
        if (depthExceeds(body, EVENTS_MAX_DEPTH)) {
          const reason = `JSON nests deeper than ${EVENTS_MAX_DEPTH} levels`;
          reject(raw, 'too_deep', reason);
          return reply.code(400).send({ detail: BODY_PARSE_ERROR, error: reason });
        }
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
          reject(raw, 'not_an_object', 'body must be a JSON object');
          return reply.code(422).send({
            detail: [
              { type: 'dict_type', loc: ['body'], msg: 'Input should be a valid dictionary', input: body },
            ],
          });
        }
        const batch = checkOriginalBatch(
          body as Record<string, unknown>,
          ctx.config.neurogameApiKey,
          Date.now(),
        );
        if (!batch.ok) {
          // A wrong key is the caller's, not bad input worth a reject; the rest is counted.
          // The game's connection check sends an empty batch on purpose: not bad input.
          const probe =
            Array.isArray((body as { events?: unknown }).events) &&
            (body as { events: unknown[] }).events.length === 0;
          if (batch.status !== 401 && !probe) reject(raw, 'schema', batch.detail);
          return reply.code(batch.status).send({ detail: batch.detail });
        }
        // Stored (synchronously, in one transaction) before the client hears ok.
        const stored = ctx.record(batch.events, HTTP_EVENTS_TOPIC);
        deps.onHttpEvents(stored.length, batch.duplicates + batch.events.length - stored.length);
        return reply.code(200).send({ ok: true });
      } catch (err) {
        if (err instanceof RejectError) {
          reject(raw, err.code, err.message);
          // FastAPI's answer to a body its JSON parser refused.
          return reply.code(422).send({
            detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {} }],
            error: err.message,
          });
        }
        return reply.code(500).send({ detail: 'Internal Server Error' });
      }
    });
  });
}
