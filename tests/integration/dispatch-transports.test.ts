/**
 * The contract's dispatcher as each transport serves it: the in-memory fake, Electron IPC (main
 * adapter + preload + the renderer's preload bridge), the /ws host with the browser's ws bridge,
 * and HTTP routes declared as data. Every transport must answer the same failure with the same
 * status and reason.
 */
import Fastify from 'fastify';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ContractError, type Handlers } from '../../src-shared/contract';
import { dispatch } from '../../src-shared/contract/dispatch';
import { createFakeTransport } from '../../src-shared/contract/fake';
import { BridgeCallError } from '../../src-shared/contract/result';
import type { ContractRoute } from '../../src-main/core/routes';
import { answerWsFrame, registerContractRoutes } from '../../src-main/host/contract';
import { FakeBrowserWindow, fake } from '../support/fake-electron';
import { registerIpc } from '../../src-main/electron/ipc';
import { createPreloadApi } from '../../src-main/electron/preload-api';
import { bridgeFromPreload } from '../../src-renderer/bridge/preload';
import { createWsBridge, type SocketLike } from '../../src-renderer/bridge/wsBridge';

vi.mock('electron', () => import('../support/fake-electron'));

type Outcome = { ok: true; res: unknown } | { ok: false; status: number; error: string };

/** Runs one call through a transport and reports what the caller sees. */
type Transport = (handlers: Partial<Handlers>, name: string, req: unknown) => Promise<Outcome>;

async function caught(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, res: await call() };
  } catch (err) {
    if (!(err instanceof BridgeCallError)) throw err;
    return { ok: false, status: err.status, error: err.message };
  }
}

const direct: Transport = (handlers, name, req) => dispatch(handlers, name, req);

const inMemory: Transport = (handlers, name, req) =>
  caught(() => createFakeTransport(handlers).bridge.call(name as never, req as never));

const APP_URL = 'file:///opt/Marshal/out/renderer/index.html';
const ipcTeardown: (() => void)[] = [];
afterAll(() => ipcTeardown.forEach((off) => off()));

const electronIpc: Transport = async (handlers, name, req) => {
  const win = new FakeBrowserWindow({});
  fake.ipc.clear();
  const off = registerIpc({
    core: { handlers: handlers as Handlers, onPush: () => () => {} },
    appUrl: APP_URL,
    getWindow: () => win as never,
  });
  ipcTeardown.push(off);
  // The renderer side: ipcRenderer.invoke reaches the registered ipcMain handler as the app window.
  const api = createPreloadApi({
    invoke: async (channel, payload) => {
      const handler = fake.ipc.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      return handler({ sender: win.webContents, senderFrame: { url: APP_URL, parent: null } }, payload);
    },
    on: () => undefined,
  });
  const outcome = await caught(() => bridgeFromPreload(api).call(name as never, req as never));
  off();
  return outcome;
};

/** A socket whose far end is the host's frame handler: the real client and server halves of /ws. */
function loopbackSocket(handlers: Partial<Handlers>): SocketLike {
  const socket: SocketLike = {
    readyState: 1,
    send(data) {
      void answerWsFrame(handlers, data).then((frame) => socket.onmessage?.({ data: JSON.stringify(frame) }));
    },
    close() {},
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
  };
  queueMicrotask(() => socket.onopen?.({}));
  return socket;
}

const websocket: Transport = async (handlers, name, req) => {
  const bridge = createWsBridge({ url: 'ws://test/ws', createSocket: () => loopbackSocket(handlers) });
  try {
    return await caught(() => bridge.call(name as never, req as never));
  } finally {
    bridge.close();
  }
};

/** HTTP can only name commands that have a route, so each command gets one for the test. */
const http: Transport = async (handlers, name, req) => {
  const app = Fastify();
  const route: ContractRoute = {
    method: 'POST',
    path: '/call',
    command: name as ContractRoute['command'],
    request: ({ body }) => (body === null ? undefined : body),
  };
  registerContractRoutes(app, handlers, [route], { preHandler: async () => undefined });
  const res = await app.inject({
    method: 'POST',
    url: '/call',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(req ?? null),
  });
  await app.close();
  const body = res.json() as Record<string, unknown>;
  if (res.statusCode === 200) return { ok: true, res: body };
  // Exactly `{"error": "..."}`: no stack, no extra fields.
  expect(Object.keys(body)).toEqual(['error']);
  return { ok: false, status: res.statusCode, error: body.error as string };
};

const transports: [string, Transport][] = [
  ['dispatch', direct],
  ['in-memory fake', inMemory],
  ['Electron IPC', electronIpc],
  ['/ws', websocket],
  ['HTTP route', http],
];

class StoreClosed extends Error {}

const handlers = {
  'stats.get': () => ({ messages_in: 3 }),
  'events.list': (req: { limit?: number }) => ({ events: [], next: req.limit === 2 ? 'cursor' : null }),
  'match.get': (req: { match_id: string }) => {
    throw new ContractError(`no match ${req.match_id}`, 404);
  },
  'bridges.list': () => {
    throw new ContractError('the BLE adapter is off', 503);
  },
  'devices.list': () => {
    throw new StoreClosed('the store is closed');
  },
  'clients.list': () => {
    throw { not: 'an error' };
  },
} as unknown as Partial<Handlers>;

describe.each(transports)('the dispatcher over %s', (label, call) => {
  it('runs a valid call through to the handler, with the validated request', async () => {
    expect(await call(handlers, 'events.list', { limit: 2 })).toEqual({
      ok: true,
      res: { events: [], next: 'cursor' },
    });
    expect(await call(handlers, 'stats.get', undefined)).toEqual({ ok: true, res: { messages_in: 3 } });
  });

  it.skipIf(label === 'HTTP route')('answers an unknown command with 404, naming it', async () => {
    for (const name of ['nope.list', '__proto__', 'constructor']) {
      const out = await call(handlers, name, {});
      expect(out).toEqual({ ok: false, status: 404, error: `unknown command: ${name}` });
    }
  });

  it('answers an invalid request with 400 and the schema issue as a sentence', async () => {
    const out = await call(handlers, 'events.list', { limit: 0 });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.status).toBe(400);
    // "<command> request: <field>: <what is wrong>", one line, not a dump of zod's issue objects.
    expect(out.error).toMatch(/^invalid events\.list request: limit: \S.*1/);
    expect(out.error).not.toMatch(/[{}[\]\n]/);
    const extra = await call(handlers, 'stats.get', { sneaky: true });
    expect(extra).toMatchObject({ ok: false, status: 400 });
  });

  it("passes a ContractError's status and message through", async () => {
    expect(await call(handlers, 'match.get', { match_id: 'm1' })).toEqual({
      ok: false,
      status: 404,
      error: 'no match m1',
    });
    expect(await call(handlers, 'bridges.list', undefined)).toEqual({
      ok: false,
      status: 503,
      error: 'the BLE adapter is off',
    });
  });

  it('answers an unexpected error with 500 and its message, never its stack', async () => {
    const out = await call(handlers, 'devices.list', undefined);
    expect(out).toEqual({ ok: false, status: 500, error: 'the store is closed' });
    expect(await call(handlers, 'clients.list', undefined)).toEqual({
      ok: false,
      status: 500,
      error: 'internal error',
    });
  });

  it('answers a command nobody handles with 503', async () => {
    expect(await call(handlers, 'sensors.list', undefined)).toEqual({
      ok: false,
      status: 503,
      error: 'sensors.list is not available',
    });
  });
});

describe('/ws framing', () => {
  it('answers frames that are not calls with 400, keeping the id when there is one', async () => {
    expect(await answerWsFrame(handlers, '{not json')).toMatchObject({ id: -1, ok: false, status: 400 });
    expect(await answerWsFrame(handlers, JSON.stringify({ t: 'push', id: 7 }))).toMatchObject({
      t: 'result',
      id: 7,
      ok: false,
      status: 400,
    });
    expect(await answerWsFrame(handlers, 'null')).toMatchObject({ id: -1, ok: false, status: 400 });
  });
});

describe('HTTP routes declared as data', () => {
  it("answers a request mapping's ContractError with its status before the command runs", async () => {
    const app = Fastify();
    const seen = vi.fn(() => ({ events: [], next: null }));
    registerContractRoutes(
      app,
      { 'events.list': seen } as unknown as Partial<Handlers>,
      [
        {
          path: '/api/events',
          command: 'events.list',
          request: ({ query }) => {
            if (query.limit === 'lots') throw new ContractError('limit must be a whole number');
            return query.limit ? { limit: Number(query.limit) } : {};
          },
        },
      ],
      { preHandler: async () => undefined },
    );
    const bad = await app.inject({ url: '/api/events?limit=lots' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: 'limit must be a whole number' });
    expect(seen).not.toHaveBeenCalled();
    const good = await app.inject({ url: '/api/events?limit=5' });
    expect(good.statusCode).toBe(200);
    expect(seen).toHaveBeenCalledWith({ limit: 5 });
    await app.close();
  });

  it('puts routes that change things behind the guard, and answers with their own status', async () => {
    const app = Fastify();
    const guard = {
      preHandler: vi.fn(async (_req: unknown, reply: { code(n: number): { send(b: unknown): unknown } }) =>
        reply.code(401).send({ error: 'needs a token' }),
      ),
    };
    const save = vi.fn((req: unknown) => ({ saved: req }));
    registerContractRoutes(
      app,
      { 'bridges.serial.save': save, 'bridges.list': () => ({ ports: [] }) } as unknown as Partial<Handlers>,
      [
        { path: '/api/bridges', command: 'bridges.list' },
        {
          method: 'POST',
          path: '/api/bridges/serial',
          command: 'bridges.serial.save',
          request: ({ body }) => body,
          status: 201,
        },
      ],
      guard as never,
    );
    expect((await app.inject({ url: '/api/bridges' })).statusCode).toBe(200);
    expect(guard.preHandler).not.toHaveBeenCalled();
    const denied = await app.inject({
      method: 'POST',
      url: '/api/bridges/serial',
      payload: { path: '/dev/x' },
    });
    expect(denied.statusCode).toBe(401);
    expect(save).not.toHaveBeenCalled();
    await app.close();
  });
});
