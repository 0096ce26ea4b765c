/**
 * The spine's read routes (product.md "HTTP"): each mirrors one contract command.
 */
import { ContractError } from '../../src-shared/contract';
import { EVENT_KINDS } from '../../src-shared/events/model';
import type { ContractRoute, HttpQuery } from './routes';

/** Query strings are strings: turn the numeric ones into numbers before the contract validates. */
function queryToRequest(query: HttpQuery, numeric: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === '') continue;
    out[k] = numeric.includes(k) && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return out;
}

export const spineRoutes: readonly ContractRoute[] = [
  { path: '/api/stats', command: 'stats.get' },
  {
    path: '/api/events',
    command: 'events.list',
    request({ query }) {
      const q = queryToRequest(query, ['limit']);
      // Named with the known kinds: the schema's enum message would list them less readably.
      if (typeof q.kind === 'string' && !(EVENT_KINDS as readonly string[]).includes(q.kind)) {
        throw new ContractError(`unknown kind "${q.kind.slice(0, 40)}"; known: ${EVENT_KINDS.join(', ')}`);
      }
      return q;
    },
  },
  { path: '/api/rejects', command: 'rejects.list', request: ({ query }) => queryToRequest(query, ['limit']) },
  { path: '/api/devices', command: 'devices.list' },
  { path: '/api/sensors', command: 'sensors.list' },
];
