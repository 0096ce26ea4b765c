/**
 * How capabilities declare their HTTP routes' access (the host enforces it), and the names the
 * host answers to. Here, not in the host, so capabilities and the config need not import the host.
 */
import { isIP } from 'node:net';

export interface RouteAccess {
  /** Any origin may call the route; CORS `*` and an answered preflight. */
  cors?: 'open';
  /** Refusals in the original's shape (`{"detail": ...}`). */
  errorBody?: 'detail';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** Route options for a route of an original backend that keeps its error shape. */
export const ORIGINAL_ROUTE = { config: { access: { errorBody: 'detail' } as RouteAccess } };
/** Route options for a route open to any origin (CORS `*`), e.g. the karting app's. */
export const OPEN_ROUTE = { config: { access: { cors: 'open', errorBody: 'detail' } as RouteAccess } };

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/;

export class AllowedHostError extends Error {}

/**
 * Normalizes a name given with `--allowed-host`: lower case, no trailing dot, IPv6 without
 * brackets. Throws AllowedHostError for anything that is not a bare host name or address.
 */
export function normalizeAllowedHost(raw: string): string {
  let h = raw.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (isIP(h)) return h;
  if (!HOSTNAME.test(h)) {
    throw new AllowedHostError(
      `--allowed-host takes a host name or an IP address, without scheme or port; got "${raw.slice(0, 100)}"`,
    );
  }
  return h;
}
