/**
 * Builds the preload's `window.api` from an ipcRenderer-like object. Only the zod-free names module
 * of the contract is imported at runtime: the schemas would make the sandboxed preload
 * `require('zod')`, which it cannot do. The main process validates every request anyway.
 */
import type {
  CommandName,
  CommandReq,
  CommandRes,
  PreloadApi,
  PushMap,
  PushName,
} from '../../src-shared/contract';
import { COMMAND_NAMES, isPushName } from '../../src-shared/contract/names';
import { CMD_CHANNEL_PREFIX, PUSH_CHANNEL } from './channels';

export { isPushName };

/** The subset of `ipcRenderer` the preload uses; a fake in tests. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** Unwraps the adapter's `{ ok, res } | { ok: false, error }`; failures reject with the reason. */
export function unwrap(result: unknown): unknown {
  if (typeof result === 'object' && result !== null && 'ok' in result) {
    const r = result as { ok: unknown; res?: unknown; error?: unknown };
    if (r.ok === true) return r.res;
    throw new Error(typeof r.error === 'string' && r.error ? r.error : 'request failed');
  }
  throw new Error('malformed IPC response');
}

export function createPreloadApi(ipc: IpcRendererLike) {
  const listeners = new Map<PushName, Set<(payload: unknown) => void>>();

  // One IPC listener for all pushes; the page only ever sees payloads, never the IPC event.
  ipc.on(PUSH_CHANNEL, (_event, name, payload) => {
    if (!isPushName(name)) return;
    const set = listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (err) {
        console.error(`marshal: a ${name} listener threw`, err);
      }
    }
  });

  const command =
    <K extends CommandName>(name: K) =>
    (req: CommandReq<K>): Promise<CommandRes<K>> =>
      ipc.invoke(CMD_CHANNEL_PREFIX + name, req).then(unwrap) as Promise<CommandRes<K>>;

  function subscribe<E extends PushName>(name: E, listener: (payload: PushMap[E]) => void): () => void {
    if (!isPushName(name)) throw new TypeError(`unknown push: ${String(name)}`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const fn = listener as (payload: unknown) => void;
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  }

  // One method per contract command, from the names list the contract checks against its schemas.
  const api: Record<string, unknown> = { subscribe };
  for (const name of COMMAND_NAMES) api[name] = command(name);
  return api as PreloadApi;
}
