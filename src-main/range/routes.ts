/**
 * The range HTTP API (product.md): GET /api/runs, /api/runs/:id, /api/results, /api/matches and
 * /api/export/{results,strings,shots,impacts}.csv. Read-only, so it is served on the LAN too; every
 * change goes through the contract (/ws or IPC). Query parameters are validated by the same
 * schemas as the contract.
 */
import type { FastifyInstance } from 'fastify';
import { ContractError, type Handlers } from '../../src-shared/contract';
import { dispatch } from '../../src-shared/contract/dispatch';
import { sendFailure, sendResult, type ContractRoute, type HttpQuery } from '../core/routes';

/** Query names (`match`, `stage`…) → request fields; numbers and booleans parsed. */
function fromQuery(q: HttpQuery, names: Record<string, string>, numeric: string[] = [], bool: string[] = []) {
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

export const rangeContractRoutes: readonly ContractRoute[] = [
  {
    path: '/api/runs',
    command: 'run.list',
    request: ({ query }) => fromQuery(query, NAMES, ['limit'], ['with_shots']),
  },
  { path: '/api/runs/:id', command: 'run.get', request: ({ params }) => ({ run_id: params.id }) },
  { path: '/api/results', command: 'results.get', request: ({ query }) => fromQuery(query, NAMES) },
  { path: '/api/matches', command: 'match.list' },
  { path: '/api/matches/:id', command: 'match.get', request: ({ params }) => ({ match_id: params.id }) },
];

/** The CSV downloads: a contract command underneath, but answered as a file. */
export function rangeRoutes(app: FastifyInstance, handlers: Partial<Handlers>): void {
  for (const name of ['results', 'strings', 'shots', 'impacts'] as const) {
    app.get<{ Querystring: HttpQuery }>(`/api/export/${name}.csv`, async (req, reply) => {
      let q;
      try {
        q = fromQuery(req.query, NAMES);
      } catch (err) {
        return sendFailure(reply, err);
      }
      const result = await dispatch(handlers, 'export.csv', { ...q, name });
      if (!result.ok) return sendResult(reply, result);
      const file = result.res as Awaited<ReturnType<Handlers['export.csv']>>;
      return reply
        .code(200)
        .header('Content-Type', 'text/csv; charset=utf-8')
        .header(
          'Content-Disposition',
          `attachment; filename="${file.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
        )
        .header('Cache-Control', 'no-store')
        .send(file.content);
    });
  }
}
