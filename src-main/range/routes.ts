/**
 * The range HTTP API (product.md): GET /api/runs, /api/runs/:id, /api/results, /api/matches and
 * /api/export/{results,strings,shots,impacts}.csv. Read-only, so it is served on the LAN too; every
 * change goes through the contract (/ws or IPC). Query parameters are validated by the same
 * schemas as the contract.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ContractError, parseRequest, type CommandName, type Handlers } from '../../src-shared/contract';

type Query = Record<string, string | undefined>;

function send(reply: FastifyReply, err: unknown) {
  if (err instanceof ContractError) return reply.code(err.status).send({ error: err.message });
  return reply.code(500).send({ error: (err as Error).message });
}

/** Query names (`match`, `stage`…) → request fields; numbers and booleans parsed. */
function fromQuery(q: Query, names: Record<string, string>, numeric: string[] = [], bool: string[] = []) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === '') continue;
    const key = names[k] ?? k;
    if (numeric.includes(key)) {
      const n = Number(v);
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
        throw new ContractError(`${k} must be a whole number`);
      out[key] = n;
    } else if (bool.includes(key)) {
      if (v !== 'true' && v !== 'false' && v !== '1' && v !== '0')
        throw new ContractError(`${k} must be true or false`);
      out[key] = v === 'true' || v === '1';
    } else out[key] = v;
  }
  return out;
}

const NAMES = {
  match: 'match_id',
  stage: 'stage_id',
  shooter: 'shooter_id',
  timer: 'timer_id',
  division: 'division',
};

export function rangeRoutes(app: FastifyInstance, handlers: Pick<Handlers, CommandName>): void {
  const call = async <K extends CommandName>(reply: FastifyReply, name: K, req: unknown) => {
    try {
      return await handlers[name](parseRequest(name, req));
    } catch (err) {
      return send(reply, err);
    }
  };

  app.get<{ Querystring: Query }>('/api/runs', async (req, reply) => {
    let q;
    try {
      q = fromQuery(req.query, NAMES, ['limit'], ['with_shots']);
    } catch (err) {
      return send(reply, err);
    }
    return call(reply, 'run.list', q);
  });
  app.get<{ Params: { id: string } }>('/api/runs/:id', async (req, reply) =>
    call(reply, 'run.get', { run_id: req.params.id }),
  );
  app.get<{ Querystring: Query }>('/api/results', async (req, reply) => {
    let q;
    try {
      q = fromQuery(req.query, NAMES);
    } catch (err) {
      return send(reply, err);
    }
    return call(reply, 'results.get', q);
  });
  app.get('/api/matches', async (_req, reply) => call(reply, 'match.list', undefined));
  app.get<{ Params: { id: string } }>('/api/matches/:id', async (req, reply) =>
    call(reply, 'match.get', { match_id: req.params.id }),
  );

  for (const name of ['results', 'strings', 'shots', 'impacts'] as const) {
    app.get<{ Querystring: Query }>(`/api/export/${name}.csv`, async (req, reply) => {
      try {
        const q = fromQuery(req.query, NAMES);
        const file = await handlers['export.csv'](parseRequest('export.csv', { ...q, name }));
        return reply
          .code(200)
          .header('Content-Type', 'text/csv; charset=utf-8')
          .header(
            'Content-Disposition',
            `attachment; filename="${file.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
          )
          .header('Cache-Control', 'no-store')
          .send(file.content);
      } catch (err) {
        return send(reply, err);
      }
    });
  }
}
