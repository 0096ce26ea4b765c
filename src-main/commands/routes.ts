/**
 * HTTP: `POST /api/commands` `{device_id, command, args}` → 201 `{id, state, ...}`;
 * `GET /api/commands/:id` → the command; `GET /api/commands?device_id=&state=&limit=` → history.
 * In LAN mode the POST needs loopback or `Authorization: Bearer TOKEN` (src-main/core/guard.ts).
 */
import type { FastifyInstance } from 'fastify';
import { ContractError, parseRequest } from '../../src-shared/contract';
import { mutationGuard } from '../core/guard';
import type { CommandService } from './service';

export function commandRoutes(
  app: FastifyInstance,
  service: CommandService,
  config: { lan: boolean; dataDir: string },
): void {
  const guard = mutationGuard(config);
  const fail = (err: unknown) => {
    if (err instanceof ContractError) return { status: err.status, body: { error: err.message } };
    return { status: 500, body: { error: (err as Error).message } };
  };

  app.post('/api/commands', { preHandler: guard.preHandler }, async (req, reply) => {
    try {
      if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
        throw new ContractError('body must be a JSON object {device_id, command, args}', 400);
      }
      const input = parseRequest('commands.send', req.body);
      const rec = service.send({ ...input, who: `api (${req.ip})` });
      return reply.code(201).send(rec);
    } catch (err) {
      const f = fail(err);
      return reply.code(f.status).send(f.body);
    }
  });

  app.get<{ Params: { id: string } }>('/api/commands/:id', async (req, reply) => {
    const rec = service.get(req.params.id.slice(0, 128));
    if (!rec)
      return reply.code(404).send({ error: `unknown command ${JSON.stringify(req.params.id.slice(0, 64))}` });
    return rec;
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/api/commands', async (req, reply) => {
    try {
      const q: Record<string, unknown> = {};
      for (const k of ['device_id', 'family', 'state', 'before'] as const)
        if (req.query[k]) q[k] = req.query[k];
      if (req.query.limit)
        q.limit = /^\d+$/.test(req.query.limit) ? Number(req.query.limit) : req.query.limit;
      const p = parseRequest('commands.list', q);
      const before = p.before === undefined ? undefined : Date.parse(p.before);
      if (before !== undefined && !Number.isFinite(before)) {
        throw new ContractError('before must be an ISO-8601 time (a created_at from the previous page)', 400);
      }
      return { commands: service.list({ ...p, before }) };
    } catch (err) {
      const f = fail(err);
      return reply.code(f.status).send(f.body);
    }
  });
}
