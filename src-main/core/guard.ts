/**
 * The guard for mutating HTTP routes. By default the host listens on loopback only, so every
 * caller is local. In LAN mode (`--lan`) it listens on every interface: a route that changes
 * something then answers loopback callers, or callers presenting `Authorization: Bearer TOKEN`.
 *
 * The token is `MARSHAL_API_TOKEN` when set, else a random one kept in `DATA_DIR/api-token`
 * (created on first use, mode 0600). It is never logged. Use it from any module:
 *
 *   const guard = mutationGuard(ctx.config);
 *   app.post('/api/thing', { preHandler: guard.preHandler }, handler);
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const API_TOKEN_FILE = 'api-token';

/** 127.0.0.0/8, ::1 (in any spelling) and IPv4-mapped 127.x; anything that is not an address is not. */
export function isLoopback(address: string | undefined | null): boolean {
  if (!address) return false;
  const v = isIP(address);
  if (v === 4) return address.startsWith('127.');
  if (v === 6) {
    if (address === '::1' || address === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    return !!mapped && mapped[1]!.startsWith('127.');
  }
  return false;
}

/** Reads (or creates, 0600) the API token; `MARSHAL_API_TOKEN` wins. */
export function apiToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.MARSHAL_API_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const file = join(dataDir, API_TOKEN_FILE);
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (text) return text;
  }
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  chmodSync(file, 0o600);
  return token;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export interface GuardDecision {
  ok: boolean;
  /** Why not (for the 401 body); never contains the token. */
  error?: string;
}

export interface MutationGuard {
  readonly lan: boolean;
  check(remoteAddress: string | undefined, authorization: string | undefined): GuardDecision;
  /** A Fastify preHandler answering 401 `{"error"}` when the caller may not mutate. */
  preHandler(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
}

const guards = new Map<string, MutationGuard>();

/** One guard per data directory (modules share the token). */
export function mutationGuard(
  config: { lan: boolean; dataDir: string },
  env: NodeJS.ProcessEnv = process.env,
): MutationGuard {
  const key = `${config.lan ? 'lan' : 'local'}\u0000${config.dataDir}`;
  let guard = guards.get(key);
  if (!guard) guards.set(key, (guard = createGuard(config, env)));
  return guard;
}

export function createGuard(
  config: { lan: boolean; dataDir: string },
  env: NodeJS.ProcessEnv = process.env,
): MutationGuard {
  const expected = config.lan ? digest(apiToken(config.dataDir, env)) : null;
  const check = (remoteAddress: string | undefined, authorization: string | undefined): GuardDecision => {
    if (!config.lan || isLoopback(remoteAddress)) return { ok: true };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) {
      return {
        ok: false,
        error: 'this route changes things: from another machine it needs Authorization: Bearer <token>',
      };
    }
    if (!expected || !timingSafeEqual(digest(m[1]!), expected))
      return { ok: false, error: 'wrong API token' };
    return { ok: true };
  };
  return {
    lan: config.lan,
    check,
    async preHandler(req, reply) {
      const d = check(req.socket.remoteAddress, req.headers.authorization);
      if (d.ok) return undefined;
      // Answered here: returning the reply tells Fastify not to run the handler.
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: d.error });
    },
  };
}
