/**
 * Who the HTTP host answers. A web page the operator happens to open must not reach the console
 * through the operator's browser, neither by DNS rebinding (a foreign name resolving to
 * 127.0.0.1: caught by the `Host` check) nor by a cross-site request (a foreign `Origin`).
 *
 * - Every request, on every route, must name this console in `Host`: `localhost`, a loopback
 *   address, an address of this machine when it listens on the LAN, or a name the operator
 *   allowed (`--allowed-host`, `MARSHAL_ALLOWED_HOSTS`). Anything else: 421.
 * - A request that changes something (POST, PUT, PATCH, DELETE) and every WebSocket upgrade
 *   must come without `Origin` (not a browser) or from a page of this console: a host that passes
 *   the same check, on the port the request came to. Anything else: 403.
 * - A route may declare itself open (`config: { access: { cors: 'open' } }`): any origin may call
 *   it, responses carry `Access-Control-Allow-Origin: *` and its preflight is answered. The
 *   originals' browser-facing routes (the karting app's) are declared so. `Host` is checked there
 *   too, so a client with a name the console does not know fails the same way on every route.
 *   The host answers an open route's `OPTIONS` itself: a plugin declares no OPTIONS route.
 * - A route may ask for the original's error body (`errorBody: 'detail'`, FastAPI's
 *   `{"detail": ...}`) instead of Marshal's `{"error": ...}`.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

export {
  AllowedHostError,
  normalizeAllowedHost,
  OPEN_ROUTE,
  ORIGINAL_ROUTE,
  type RouteAccess,
} from './route-access';
import { normalizeAllowedHost } from './route-access';
import { isLoopback } from './guard';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `name`, `name:port`, `[v6]`, `[v6]:port` → the host part, normalized; null when malformed. */
export function hostOfHeader(header: string | undefined): string | null {
  if (!header) return null;
  let h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return null;
    const rest = h.slice(end + 1);
    if (rest && !/^:\d{1,5}$/.test(rest)) return null;
    h = h.slice(1, end);
    return isIP(h) === 6 ? h : null;
  }
  const colon = h.indexOf(':');
  if (colon >= 0) {
    if (!/^:\d{1,5}$/.test(h.slice(colon))) return null;
    h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h || null;
}

/** The host of an `Origin` header, normalized; null for `null`, opaque or non-HTTP origins. */
export function hostOfOrigin(origin: string): string | null {
  return parseOrigin(origin)?.host ?? null;
}

function parseOrigin(origin: string): { host: string | null; port: number } | null {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host: hostOfHeader(url.host), port };
}

/**
 * Whether a page at `origin` is this console's: one of its names, on the port the request came
 * to (as the client addressed it in `Host`, or as the socket has it: a proxy may sit between).
 * Another port of the same machine is another web server, whose pages are not the console's.
 */
export function isOwnOrigin(
  policy: HostPolicy,
  origin: string,
  hostHeader: string | undefined,
  local: { address?: string; port?: number },
): boolean {
  const o = parseOrigin(origin);
  if (!o || !policy.allows(o.host, local.address)) return false;
  if (o.port === local.port) return true;
  const m = /:(\d{1,5})$/.exec(hostHeader ?? '');
  if (m) return o.port === Number(m[1]);
  return o.port === 80 || o.port === 443;
}

function stripZone(ip: string): string {
  const i = ip.indexOf('%');
  return i < 0 ? ip : ip.slice(0, i);
}

function machineAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) out.add(stripZone(a.address.toLowerCase()));
  return out;
}

export interface HostPolicyOptions {
  /** Listening on every interface: this machine's addresses are its names too. */
  lan: boolean;
  /** Extra names and addresses the operator allowed. */
  allowedHosts?: readonly string[];
}

export interface HostPolicy {
  /**
   * Whether `host` (normalized, from Host or Origin) names this console. `localAddress` is the
   * address the connection arrived on, which is one of this machine's by definition.
   */
  allows(host: string | null, localAddress?: string): boolean;
  /** What the console answers to, for refusal messages. */
  describe(): string;
}

export function createHostPolicy(opts: HostPolicyOptions): HostPolicy {
  const extra = new Set((opts.allowedHosts ?? []).map(normalizeAllowedHost));
  let addresses = opts.lan ? machineAddresses() : new Set<string>();
  let refreshedAt = Date.now();
  const isMachineAddress = (ip: string): boolean => {
    if (!opts.lan) return false;
    if (addresses.has(ip)) return true;
    // Addresses change (DHCP, another network): look again, at most once a second.
    if (Date.now() - refreshedAt > 1000) {
      addresses = machineAddresses();
      refreshedAt = Date.now();
      return addresses.has(ip);
    }
    return false;
  };
  return {
    allows(host, localAddress) {
      if (!host) return false;
      if (host === 'localhost' || extra.has(host)) return true;
      if (!isIP(host)) return false;
      if (isLoopback(host)) return true;
      if (!opts.lan) return false;
      const local = localAddress ? stripZone(localAddress.toLowerCase()).replace(/^::ffff:/, '') : '';
      return host === local || isMachineAddress(host);
    },
    describe() {
      const names = ['localhost', 'loopback addresses'];
      if (opts.lan) names.push("this machine's addresses");
      if (extra.size) names.push([...extra].join(', '));
      return names.join(', ');
    },
  };
}

function refuse(req: FastifyRequest, reply: FastifyReply, status: number, message: string) {
  const access = req.routeOptions.config?.access;
  return reply.code(status).send(access?.errorBody === 'detail' ? { detail: message } : { error: message });
}

function clip(s: string): string {
  return JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s);
}

export interface AccessStats {
  /** Requests refused for their Host (421), and the last such Host. */
  host_refused: number;
  last_refused_host: string | null;
  /** Requests refused for their Origin (403), and the last such Origin. */
  origin_refused: number;
  last_refused_origin: string | null;
}

/** The Host and Origin checks of one Fastify instance, plus CORS for open routes. */
export function installAccessPolicy(app: FastifyInstance, policy: HostPolicy): { stats(): AccessStats } {
  const stats: AccessStats = {
    host_refused: 0,
    last_refused_host: null,
    origin_refused: 0,
    last_refused_origin: null,
  };
  // URL → the methods its open routes take, read when a preflight comes (routes sharing a URL
  // arrive one by one).
  const preflights = new Map<string, Set<string>>();
  const kPreflight = Symbol('marshal-preflight');

  app.addHook('onRoute', (route: RouteOptions & { [kPreflight]?: true }) => {
    if (route.config?.access?.cors !== 'open' || route[kPreflight]) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const known = preflights.get(route.url);
    if (known) {
      for (const m of methods) known.add(m);
      return;
    }
    const allowed = new Set<string>(methods);
    preflights.set(route.url, allowed);
    app.route({
      method: 'OPTIONS',
      url: route.url,
      config: { access: route.config.access },
      [kPreflight]: true,
      handler: async (req, reply) => {
        const asked = req.headers['access-control-request-headers'];
        return reply
          .code(200)
          .header('Access-Control-Allow-Methods', [...allowed, 'OPTIONS'].join(', '))
          .header('Access-Control-Allow-Headers', typeof asked === 'string' ? asked : 'Content-Type')
          .header('Access-Control-Max-Age', '600')
          .send('OK');
      },
    } as RouteOptions);
  });

  app.addHook('onRequest', async (req, reply) => {
    const host = hostOfHeader(req.headers.host);
    if (!policy.allows(host, req.socket.localAddress)) {
      stats.host_refused++;
      stats.last_refused_host = (req.headers.host ?? '').slice(0, 100);
      return refuse(
        req,
        reply,
        421,
        `this console does not answer to Host ${clip(req.headers.host ?? '')}: it answers to ${policy.describe()}; ` +
          'add a name with --allowed-host NAME (a defence against DNS rebinding)',
      );
    }
    const access = req.routeOptions.config?.access;
    if (access?.cors === 'open') return;
    const origin = req.headers.origin;
    if (origin === undefined) return;
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (!upgrade && !MUTATING.has(req.method)) return;
    const local = { address: req.socket.localAddress, port: req.socket.localPort };
    if (!isOwnOrigin(policy, origin, req.headers.host, local)) {
      stats.origin_refused++;
      stats.last_refused_origin = origin.slice(0, 100);
      return refuse(
        req,
        reply,
        403,
        `cross-origin request from ${clip(origin)} refused: ${upgrade ? 'this WebSocket' : 'a route that changes something'} ` +
          'answers pages of this console only',
      );
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    if (req.routeOptions.config?.access?.cors === 'open') reply.header('Access-Control-Allow-Origin', '*');
    return payload;
  });

  return { stats: () => ({ ...stats }) };
}
