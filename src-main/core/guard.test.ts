import Fastify from 'fastify';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_TOKEN_FILE, apiToken, createGuard, isLoopback } from './guard';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-guard-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function app(lan: boolean, env: NodeJS.ProcessEnv = {}) {
  const guard = createGuard({ lan, dataDir: dir }, env);
  const a = Fastify();
  a.post('/thing', { preHandler: guard.preHandler }, async () => ({ done: true }));
  await a.ready();
  return a;
}

describe('mutation guard', () => {
  it('recognises loopback addresses', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('192.168.1.5')).toBe(false);
    expect(isLoopback(undefined)).toBe(false);
    expect(isLoopback('0:0:0:0:0:0:0:1')).toBe(true);
    // A name that merely starts like a loopback address is not one.
    expect(isLoopback('127.0.0.1.evil.example')).toBe(false);
    expect(isLoopback('::ffff:10.0.0.1')).toBe(false);
  });

  it('lets everyone through when not in LAN mode (the host listens on loopback only)', async () => {
    const a = await app(false);
    const r = await a.inject({ method: 'POST', url: '/thing', remoteAddress: '192.168.1.5' });
    expect(r.statusCode).toBe(200);
    await a.close();
  });

  it('in LAN mode: loopback passes, others need the bearer token', async () => {
    const a = await app(true);
    const token = readFileSync(join(dir, API_TOKEN_FILE), 'utf8').trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, API_TOKEN_FILE)).mode & 0o777).toBe(0o600);
    expect((await a.inject({ method: 'POST', url: '/thing', remoteAddress: '127.0.0.1' })).statusCode).toBe(
      200,
    );
    const none = await a.inject({ method: 'POST', url: '/thing', remoteAddress: '192.168.1.5' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: expect.stringMatching(/Bearer/) });
    const wrong = await a.inject({
      method: 'POST',
      url: '/thing',
      remoteAddress: '192.168.1.5',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(JSON.stringify(wrong.json())).not.toContain(token);
    const right = await a.inject({
      method: 'POST',
      url: '/thing',
      remoteAddress: '192.168.1.5',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(right.statusCode).toBe(200);
    await a.close();
  });

  it('takes MARSHAL_API_TOKEN when set and keeps a generated token across calls', async () => {
    expect(apiToken(dir, { MARSHAL_API_TOKEN: ' s3cret ' })).toBe('s3cret');
    const first = apiToken(dir, {});
    expect(apiToken(dir, {})).toBe(first);
    const a = await app(true, { MARSHAL_API_TOKEN: 'from-env' });
    const r = await a.inject({
      method: 'POST',
      url: '/thing',
      remoteAddress: '10.0.0.9',
      headers: { authorization: 'Bearer from-env' },
    });
    expect(r.statusCode).toBe(200);
    await a.close();
  });
});
