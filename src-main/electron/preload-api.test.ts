import { describe, expect, it, vi } from 'vitest';
import { COMMAND_NAMES, PUSH_NAMES } from '../../src-shared/contract';
import { CMD_CHANNEL_PREFIX, PUSH_CHANNEL } from './channels';
import { createPreloadApi, isPushName, type IpcRendererLike } from './preload-api';

function fakeIpc(reply: (channel: string, req: unknown) => unknown) {
  let pushListener: ((event: unknown, ...args: unknown[]) => void) | undefined;
  const ipc: IpcRendererLike = {
    invoke: vi.fn(async (channel: string, req: unknown) => reply(channel, req)),
    on: vi.fn((channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      expect(channel).toBe(PUSH_CHANNEL);
      pushListener = listener;
    }),
  };
  return { ipc, push: (...args: unknown[]) => pushListener?.({ sender: 'ipcRenderer' }, ...args) };
}

describe('preload api', () => {
  it('has exactly one method per contract command plus subscribe', () => {
    const api = createPreloadApi(fakeIpc(() => ({ ok: true })).ipc);
    expect(Object.keys(api).sort()).toEqual([...COMMAND_NAMES, 'subscribe'].sort());
    for (const name of PUSH_NAMES) expect(isPushName(name)).toBe(true);
    expect(isPushName('toString')).toBe(false);
  });

  it('invokes the command channel and passes the result through with its status', async () => {
    const { ipc } = fakeIpc((channel, req) =>
      channel === `${CMD_CHANNEL_PREFIX}events.list`
        ? { ok: true, res: { echoed: req } }
        : { ok: false, error: 'nope', status: 404 },
    );
    const api = createPreloadApi(ipc);
    await expect(api['events.list']({ limit: 3 })).resolves.toEqual({
      ok: true,
      res: { echoed: { limit: 3 } },
    });
    await expect(api['health.get'](undefined)).resolves.toEqual({ ok: false, error: 'nope', status: 404 });
  });

  it('turns malformed responses and failed invokes into failures, never rejections', async () => {
    const api = createPreloadApi(fakeIpc(() => 'garbage').ipc);
    await expect(api['stats.get'](undefined)).resolves.toEqual({
      ok: false,
      status: 500,
      error: 'malformed IPC response',
    });
    const down = createPreloadApi(
      fakeIpc(() => {
        throw new Error('No handler registered');
      }).ipc,
    );
    await expect(down['stats.get'](undefined)).resolves.toEqual({
      ok: false,
      status: 503,
      error: 'No handler registered',
    });
  });

  it('delivers pushes to subscribers by name, without the IPC event', () => {
    const { ipc, push } = fakeIpc(() => ({ ok: true }));
    const api = createPreloadApi(ipc);
    const health = vi.fn();
    const events = vi.fn();
    const unsubscribe = api.subscribe('health', health);
    api.subscribe('events', events);
    push('health', { a: 1 });
    push('unknown', { b: 2 });
    push('__proto__', {});
    expect(health).toHaveBeenCalledTimes(1);
    expect(health).toHaveBeenCalledWith({ a: 1 });
    expect(events).not.toHaveBeenCalled();
    unsubscribe();
    push('health', { a: 2 });
    expect(health).toHaveBeenCalledTimes(1);
  });

  it('keeps delivering when one listener throws', () => {
    const { ipc, push } = fakeIpc(() => ({ ok: true }));
    const api = createPreloadApi(ipc);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const good = vi.fn();
    api.subscribe('samples', () => {
      throw new Error('bad view');
    });
    api.subscribe('samples', good);
    push('samples', {});
    expect(good).toHaveBeenCalled();
    error.mockRestore();
  });

  it('refuses unknown push names and non-function listeners', () => {
    const api = createPreloadApi(fakeIpc(() => ({ ok: true })).ipc);
    expect(() => api.subscribe('nope' as 'events', () => undefined)).toThrow(TypeError);
    expect(() => api.subscribe('events', 'x' as unknown as () => void)).toThrow(TypeError);
  });
});
