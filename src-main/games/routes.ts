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
import { NeurogameAuthError, parseNeurogameBody } from '../../src-shared/ingest/neurogame';
import { RejectError, jsonErrorReason, redactSecrets, type RejectCode } from '../../src-shared/ingest';
import { depthExceeds } from '../../src-shared/ingest/payload';
import { TASK_LEADERBOARD_DEFAULTS } from '../../src-shared/ranking';
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

/** A whole number from a query string, or the default; anything else is a 400. */
function intParam(q: Query, name: string, fallback: number, min: number, max: number): number {
  const v = q[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d{1,12}$/.test(v)) throw new HttpError(400, `${name} must be a whole number`);
  const n = Number(v);
  if (n < min || n > max) throw new HttpError(400, `${name} must be between ${min} and ${max}`);
  return n;
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

/** Compares without an early exit on the first differing character. */
function sameSecret(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length;
  const n = Math.max(given.length, expected.length);
  for (let i = 0; i < n; i++) diff |= (given.charCodeAt(i) | 0) ^ (expected.charCodeAt(i) | 0);
  return diff === 0;
}

function send(reply: FastifyReply, err: unknown) {
  if (err instanceof HttpError) return reply.code(err.status).send({ error: err.message });
  return sendFailure(reply, err);
}

/** The read routes that mirror a games command (product.md "HTTP"). */
export const gamesContractRoutes: readonly ContractRoute[] = [
  {
    path: '/api/leaderboard',
    command: 'games.leaderboard',
    request: ({ query }) =>
      pickQuery(
        query,
        ['game', 'difficulty', 'device_id', 'limit', 'min_sessions'],
        ['limit', 'min_sessions'],
      ),
  },
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
  /** Cached /v1/leaderboard (invalidated as task results arrive). */
  taskLeaderboard(limit: number, minTasks: number): unknown;
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

  // ----- Cognitive-task games, domain.md §7 -----

  app.get<{ Querystring: Query }>('/v1/leaderboard', ORIGINAL_ROUTE, async (req, reply) => {
    try {
      const limit = intParam(
        req.query,
        'limit',
        TASK_LEADERBOARD_DEFAULTS.limit,
        1,
        TASKS_LEADERBOARD_MAX_LIMIT,
      );
      const minTasks = intParam(req.query, 'min_tasks', TASK_LEADERBOARD_DEFAULTS.min_tasks, 0, 1_000_000);
      return deps.taskLeaderboard(limit, minTasks);
    } catch (err) {
      return send(reply, err);
    }
  });

  app.get<{ Querystring: Query }>('/v1/export/raw', ORIGINAL_ROUTE, async (req, reply) => {
    try {
      const key = req.query.api_key;
      if (typeof key !== 'string' || !sameSecret(key, ctx.config.neurogameApiKey)) {
        throw new HttpError(401, 'missing or wrong api_key');
      }
      const limit = intParam(req.query, 'limit', EXPORT_RAW_DEFAULT_LIMIT, 1, EXPORT_RAW_MAX_LIMIT);
      const offset = intParam(req.query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
      const events = deps.tasks.raw(limit, offset);
      const total = deps.tasks.total();
      return {
        events,
        total,
        limit,
        offset,
        next_offset: offset + events.length < total ? offset + events.length : null,
      };
    } catch (err) {
      return send(reply, err);
    }
  });

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
        const batch = parseNeurogameBody(body, {
          requireApiKey: ctx.config.neurogameApiKey,
          maxEvents: EVENTS_BATCH_LIMIT,
        });
        // Stored (synchronously, in one transaction) before the client hears ok.
        const stored = ctx.record(batch.events, HTTP_EVENTS_TOPIC);
        deps.onHttpEvents(stored.length, batch.duplicates + batch.events.length - stored.length);
        return reply.code(200).send({ ok: true });
      } catch (err) {
        if (err instanceof NeurogameAuthError) return reply.code(401).send({ error: err.message });
        if (err instanceof RejectError) {
          reject(raw, err.code, err.message);
          return reply.code(err.code === 'too_large' ? 413 : 400).send({ error: err.message });
        }
        return reply.code(500).send({ error: (err as Error).message });
      }
    });
  });
}
