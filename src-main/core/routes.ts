/**
 * HTTP routes that mirror a contract command, declared as data: the host serves every table the
 * same way (the dispatcher validates, calls the handler and maps errors), so a capability never
 * touches Fastify for them. Routes outside the contract (CSV downloads, the originals' /v1/* API,
 * static pages) stay in `CoreModule.routes`.
 */
import type { FastifyReply } from 'fastify';
import type { CallResult, CommandName } from '../../src-shared/contract';
import { toDispatchError } from '../../src-shared/contract/dispatch';

export type HttpQuery = Record<string, string | undefined>;

/** What a route's request mapping sees of the HTTP request. */
export interface RouteInput {
  query: HttpQuery;
  params: Record<string, string>;
  body: unknown;
}

export interface ContractRoute {
  /** GET unless said; anything else changes state and passes the host's mutation guard. */
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A Fastify path (`/api/runs/:id`). */
  path: string;
  command: CommandName;
  /**
   * Turns the query, path parameters or body into the command's request, which the contract's
   * schema then validates; throwing a ContractError answers with its status. None: no request.
   */
  request?(input: RouteInput): unknown;
  /** The success status (200 unless said). */
  status?: number;
}

/** A CallResult as HTTP: the response on success, `{error}` with the failure's status otherwise. */
export function sendResult(reply: FastifyReply, result: CallResult, okStatus = 200): FastifyReply {
  if (result.ok) return reply.code(okStatus).send(result.res);
  return reply.code(result.status).send({ error: result.error });
}

/** A thrown error as HTTP, with the status the dispatcher would give it. */
export function sendFailure(reply: FastifyReply, err: unknown): FastifyReply {
  const e = toDispatchError(err);
  return reply.code(e.status).send({ error: e.message });
}
