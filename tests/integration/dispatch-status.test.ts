/**
 * A failed command carries the same status to the view whichever transport asked: the serve
 * host's /ws and HTTP answer alike, and the Electron preload path keeps the status that the main
 * process's dispatcher gave it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreloadApi } from '../../src-shared/contract';
import { createPreloadApi } from '../../src-main/electron/preload-api';
import { bridgeFromPreload } from '../../src-renderer/bridge/preload';
import { rawContract, type RawContract } from '../helpers/contract';
import { cleanupServes, startServe, type ServeHandle } from '../helpers/serve';

let serve: ServeHandle;
let ws: RawContract;

beforeAll(async () => {
  serve = await startServe();
  ws = await rawContract(serve.httpUrl);
});

afterAll(async () => {
  ws?.close();
  await cleanupServes();
});

async function failure(p: Promise<unknown>): Promise<{ status?: number; message: string }> {
  try {
    await p;
  } catch (err) {
    return { status: (err as { status?: number }).status, message: (err as Error).message };
  }
  throw new Error('the call succeeded');
}

describe('error status on every transport', () => {
  it('/ws answers a missing match with the 404 HTTP gives it', async () => {
    const http = await fetch(`${serve.httpUrl}/api/matches/no-such-match`);
    const overWs = await failure(ws.call('match.get', { match_id: 'no-such-match' }));
    expect(http.status).toBe(404);
    expect(overWs).toEqual({ status: 404, message: ((await http.json()) as { error: string }).error });
  });

  it('/ws answers an invalid request with 400, as HTTP does', async () => {
    const http = await fetch(`${serve.httpUrl}/api/events?limit=0`);
    expect(http.status).toBe(400);
    expect(await failure(ws.call('events.list', { limit: 0 }))).toMatchObject({ status: 400 });
    expect(await failure(ws.call('no.such.command', {}))).toMatchObject({ status: 404 });
  });

  it('the Electron preload path keeps the status the main process gave', async () => {
    const api = createPreloadApi({
      invoke: async () => ({ ok: false, status: 404, error: 'no match no-such-match' }),
      on: () => undefined,
    });
    const bridge = bridgeFromPreload(api as unknown as PreloadApi);
    expect(await failure(bridge.call('match.get', { match_id: 'no-such-match' }))).toEqual({
      status: 404,
      message: 'no match no-such-match',
    });
  });
});
