import { describe, expect, it, vi } from 'vitest';
import type { Handlers } from '../../src-shared/contract';
import { dispatch, isTrustedSender } from './ipc-policy';

const FILE_APP = 'file:///opt/Marshal/resources/app.asar/out/renderer/index.html';
const DEV_APP = 'http://localhost:5173/';

describe('isTrustedSender', () => {
  it('accepts the packaged renderer index, with any query or hash', () => {
    expect(isTrustedSender(FILE_APP, FILE_APP)).toBe(true);
    expect(isTrustedSender(`${FILE_APP}#/runs/12`, FILE_APP)).toBe(true);
    expect(isTrustedSender(`${FILE_APP}?view=monitor`, FILE_APP)).toBe(true);
  });

  it('accepts percent-encoding differences of the same path', () => {
    const app = 'file:///home/op/My%20Apps/out/renderer/index.html';
    expect(isTrustedSender('file:///home/op/My Apps/out/renderer/index.html', app)).toBe(true);
  });

  it('compares Windows drive paths case-insensitively', () => {
    const app = 'file:///C:/Program%20Files/Marshal/resources/app.asar/out/renderer/index.html';
    expect(
      isTrustedSender('file:///c:/program%20files/marshal/resources/app.asar/out/renderer/index.html', app),
    ).toBe(true);
    expect(isTrustedSender('file:///c:/Users/evil/index.html', app)).toBe(false);
  });

  it('rejects other file:// paths', () => {
    expect(isTrustedSender('file:///tmp/evil/index.html', FILE_APP)).toBe(false);
    expect(isTrustedSender('file:///opt/Marshal/resources/app.asar/out/renderer/other.html', FILE_APP)).toBe(
      false,
    );
    expect(isTrustedSender('file:///opt/Marshal/resources/app.asar/out/renderer/', FILE_APP)).toBe(false);
    expect(
      isTrustedSender('file://evilhost/opt/Marshal/resources/app.asar/out/renderer/index.html', FILE_APP),
    ).toBe(false);
  });

  it('rejects web origins, about:blank, data: and missing URLs', () => {
    for (const url of [
      'http://evil',
      'https://evil.example/index.html',
      'about:blank',
      'data:text/html,hi',
      'devtools://x',
      '',
      null,
      undefined,
    ]) {
      expect(isTrustedSender(url, FILE_APP), String(url)).toBe(false);
    }
  });

  it('accepts the dev server origin and nothing else', () => {
    expect(isTrustedSender('http://localhost:5173/', DEV_APP)).toBe(true);
    expect(isTrustedSender('http://localhost:5173/some/route?x=1', DEV_APP)).toBe(true);
    expect(isTrustedSender('http://localhost:5174/', DEV_APP)).toBe(false);
    expect(isTrustedSender('http://127.0.0.1:5173/', DEV_APP)).toBe(false);
    expect(isTrustedSender('https://localhost:5173/', DEV_APP)).toBe(false);
    expect(isTrustedSender(FILE_APP, DEV_APP)).toBe(false);
    expect(isTrustedSender('http://evil', DEV_APP)).toBe(false);
  });

  it('rejects everything when the app URL itself is unusable', () => {
    expect(isTrustedSender('about:blank', 'about:blank')).toBe(false);
    expect(isTrustedSender('x', 'not a url')).toBe(false);
  });
});

describe('dispatch', () => {
  const health = { ok: true };
  const handlers = {
    'health.get': vi.fn(() => health),
    'events.list': vi.fn(async (req: unknown) => ({ events: [], req })),
    'stats.get': vi.fn(() => {
      throw new Error('store closed');
    }),
    'devices.list': vi.fn(() => {
      throw 'not an error';
    }),
  } as unknown as Partial<Handlers>;

  it('runs a valid call through to the handler', async () => {
    await expect(dispatch(handlers, 'health.get', undefined)).resolves.toEqual({ ok: true, res: health });
    const result = await dispatch(handlers, 'events.list', { kind: undefined, limit: 5 });
    expect(result).toEqual({ ok: true, res: { events: [], req: { limit: 5 } } });
    expect(handlers['events.list']).toHaveBeenCalledWith({ limit: 5 });
  });

  it('rejects invalid payloads with a reason, without calling the handler', async () => {
    const calls = vi.mocked(handlers['events.list']!).mock.calls.length;
    for (const req of [{ limit: -1 }, { limit: 'many' }, { extra: true }, 'string', 42]) {
      const result = await dispatch(handlers, 'events.list', req);
      expect(result.ok, JSON.stringify(req)).toBe(false);
      if (!result.ok) {
        expect(result.status).toBe(400);
        expect(result.error).toMatch(/invalid events\.list request/);
      }
    }
    const bad = await dispatch(handlers, 'health.get', { sneaky: 1 });
    expect(bad).toMatchObject({ ok: false, status: 400 });
    expect(vi.mocked(handlers['events.list']!).mock.calls.length).toBe(calls);
  });

  it('rejects unknown command names', async () => {
    for (const name of ['nope', '__proto__', 'constructor', 'toString', '', 42, null, undefined, {}]) {
      const result = await dispatch(handlers, name, {});
      expect(result, String(name)).toMatchObject({ ok: false, status: 404 });
    }
    const long = await dispatch(handlers, 'x'.repeat(10_000), {});
    expect(!long.ok && long.error.length).toBeLessThan(100);
  });

  it('reports a missing handler as unavailable', async () => {
    await expect(dispatch(handlers, 'clients.list', undefined)).resolves.toMatchObject({
      ok: false,
      status: 503,
    });
  });

  it('turns thrown errors into results instead of rejecting', async () => {
    await expect(dispatch(handlers, 'stats.get', undefined)).resolves.toEqual({
      ok: false,
      error: 'store closed',
      status: 500,
    });
    await expect(dispatch(handlers, 'devices.list', undefined)).resolves.toEqual({
      ok: false,
      error: 'internal error',
      status: 500,
    });
  });
});
