/**
 * The host's two contract transports: HTTP routes declared as data and `/ws` frames. Both hand the
 * call to the shared dispatcher and only frame its CallResult.
 */
import type { FastifyInstance } from 'fastify';
import type { Handlers, WsServerFrame } from '../../src-shared/contract';
import { dispatch } from '../../src-shared/contract/dispatch';
import { sendFailure, sendResult, type ContractRoute, type HttpQuery } from '../core/routes';
import type { MutationGuard } from '../core/guard';

export function registerContractRoutes(
  app: FastifyInstance,
  handlers: Partial<Handlers>,
  routes: readonly ContractRoute[],
  guard: Pick<MutationGuard, 'preHandler'>,
): void {
  for (const route of routes) {
    const method = route.method ?? 'GET';
    app.route<{ Querystring: HttpQuery; Params: Record<string, string> }>({
      method,
      url: route.path,
      ...(method === 'GET' ? {} : { preHandler: guard.preHandler }),
      handler: async (req, reply) => {
        let request: unknown;
        try {
          request = route.request?.({ query: req.query, params: req.params, body: req.body });
        } catch (err) {
          return sendFailure(reply, err);
        }
        return sendResult(reply, await dispatch(handlers, route.command, request), route.status);
      },
    });
  }
}

/** Answers one `/ws` text frame with the `result` frame to send back. */
export async function answerWsFrame(handlers: Partial<Handlers>, raw: string): Promise<WsServerFrame> {
  let frame: { t?: unknown; id?: unknown; name?: unknown; req?: unknown } | null;
  try {
    frame = JSON.parse(raw) as typeof frame;
  } catch {
    return { t: 'result', id: -1, ok: false, status: 400, error: 'malformed JSON frame' };
  }
  const id = typeof frame?.id === 'number' ? frame.id : -1;
  if (frame?.t !== 'call') {
    return { t: 'result', id, ok: false, status: 400, error: 'expected a {"t":"call"} frame' };
  }
  return { t: 'result', id, ...(await dispatch(handlers, frame.name, frame.req)) };
}
