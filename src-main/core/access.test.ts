import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  OPEN_ROUTE,
  ORIGINAL_ROUTE,
  createHostPolicy,
  hostOfHeader,
  hostOfOrigin,
  installAccessPolicy,
} from './access';

describe('host parsing', () => {
  it.each([
    ['localhost', 'localhost'],
    ['LocalHost:8000', 'localhost'],
    ['127.0.0.1:8000', '127.0.0.1'],
    ['[::1]:8000', '::1'],
    ['[::1]', '::1'],
    ['console.lan.', 'console.lan'],
    ['evil.example:80:80', null],
    ['[::1', null],
    ['[nope]:80', null],
    ['', null],
  ])('%s → %s', (header, host) => expect(hostOfHeader(header)).toBe(host));

  it('reads the host of an Origin, and nothing from opaque ones', () => {
    expect(hostOfOrigin('http://127.0.0.1:8000')).toBe('127.0.0.1');
    expect(hostOfOrigin('https://[::1]:8443')).toBe('::1');
    expect(hostOfOrigin('null')).toBeNull();
    expect(hostOfOrigin('file://')).toBeNull();
    expect(hostOfOrigin('chrome-extension://abc')).toBeNull();
  });
});

describe('host policy', () => {
  it('answers localhost, loopback and allowed names; LAN addresses only with --lan', () => {
    const local = createHostPolicy({ lan: false, allowedHosts: ['Console.LAN'] });
    for (const h of ['localhost', '127.0.0.1', '127.200.3.4', '::1', '::ffff:127.0.0.1', 'console.lan'])
      expect(local.allows(h), h).toBe(true);
    for (const h of [
      'evil.example',
      '127.0.0.1.evil.example',
      '192.0.2.2',
      '0.0.0.0',
      'localhost.evil',
      null,
    ])
      expect(local.allows(h), String(h)).toBe(false);
    const lan = createHostPolicy({ lan: true });
    // The address the connection arrived on is one of this machine's by definition.
    expect(lan.allows('198.51.100.7', '198.51.100.7')).toBe(true);
    expect(lan.allows('198.51.100.7', '::ffff:198.51.100.7')).toBe(true);
    expect(lan.allows('198.51.100.8', '198.51.100.7')).toBe(false);
    expect(local.allows('198.51.100.7', '198.51.100.7')).toBe(false);
    expect(lan.allows('evil.example', '198.51.100.7')).toBe(false);
  });
});

async function app() {
  const a = Fastify();
  installAccessPolicy(a, createHostPolicy({ lan: false }));
  a.post('/api/thing', async () => ({ done: true }));
  a.post('/v1/thing', ORIGINAL_ROUTE, async () => ({ ok: true }));
  await a.register(async (scope) => {
    scope.get('/circuits', OPEN_ROUTE, async () => []);
    scope.post('/circuits/:id/start-timing', OPEN_ROUTE, async () => ({ status: 'started' }));
    scope.delete('/circuits/:id/start-timing', OPEN_ROUTE, async () => ({ status: 'stopped' }));
  });
  await a.ready();
  return a;
}

describe('access policy', () => {
  it('refuses a foreign Host with 421 everywhere, in the route’s error shape', async () => {
    const a = await app();
    const own = await a.inject({ method: 'POST', url: '/api/thing', headers: { host: 'evil.example' } });
    expect(own.statusCode).toBe(421);
    expect(own.json()).toEqual({ error: expect.stringContaining('--allowed-host') });
    const original = await a.inject({ method: 'POST', url: '/v1/thing', headers: { host: 'evil.example' } });
    expect(original.statusCode).toBe(421);
    expect(original.json()).toEqual({ detail: expect.stringContaining('evil.example') });
    const open = await a.inject({ method: 'GET', url: '/circuits', headers: { host: 'evil.example' } });
    expect(open.statusCode).toBe(421);
    const missing = await a.inject({ method: 'GET', url: '/nowhere', headers: { host: 'evil.example' } });
    expect(missing.statusCode).toBe(421);
    await a.close();
  });

  it('refuses a foreign Origin on routes that change something, not on reads or without Origin', async () => {
    const a = await app();
    const host = 'localhost';
    for (const origin of ['http://evil.example', 'null', 'http://localhost.evil.example']) {
      const r = await a.inject({ method: 'POST', url: '/api/thing', headers: { host, origin } });
      expect(r.statusCode, origin).toBe(403);
    }
    const v1 = await a.inject({
      method: 'POST',
      url: '/v1/thing',
      headers: { host, origin: 'http://evil.example' },
    });
    expect(v1.json()).toEqual({ detail: expect.stringContaining('cross-origin') });
    expect((await a.inject({ method: 'POST', url: '/api/thing', headers: { host } })).statusCode).toBe(200);
    for (const [hostHeader, origin, status] of [
      ['localhost', 'http://localhost', 200],
      ['localhost:8000', 'http://127.0.0.1:8000', 200],
      ['127.0.0.1:8000', 'http://localhost:8000', 200],
      // Another web server on this machine is not the console.
      ['localhost:8000', 'http://localhost:8888', 403],
      ['localhost', 'http://localhost:5173', 403],
    ] as const) {
      const r = await a.inject({ method: 'POST', url: '/api/thing', headers: { host: hostHeader, origin } });
      expect(r.statusCode, `${hostHeader} ${origin}`).toBe(status);
    }
    await a.close();
  });

  it('opens routes declared open to any origin, with CORS * and an answered preflight', async () => {
    const a = await app();
    const headers = { host: '127.0.0.1:8001', origin: 'https://kmrs.web.app' };
    const post = await a.inject({ method: 'POST', url: '/circuits/c1/start-timing', headers });
    expect(post.statusCode).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBe('*');
    const preflight = await a.inject({
      method: 'OPTIONS',
      url: '/circuits/c1/start-timing',
      headers: {
        ...headers,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.statusCode).toBe(200);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(String(preflight.headers['access-control-allow-methods']).split(', ')).toEqual(
      expect.arrayContaining(['POST', 'DELETE', 'OPTIONS']),
    );
    expect(preflight.headers['access-control-allow-headers']).toBe('content-type');
    // A Marshal route gets no CORS header and no preflight.
    const mine = await a.inject({ method: 'OPTIONS', url: '/api/thing', headers });
    expect(mine.statusCode).toBe(404);
    expect(mine.headers['access-control-allow-origin']).toBeUndefined();
    await a.close();
  });
});
