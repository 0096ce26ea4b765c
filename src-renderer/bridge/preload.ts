/** Adapts Electron's preload object (`window.api`, a PreloadApi) to the Bridge views use. */
import type { Bridge, CommandName, PreloadApi } from '../../src-shared/contract';
import { isCommandName } from '../../src-shared/contract/names';
import { BridgeCallError, unknownCommand, unwrapResult } from '../../src-shared/contract/result';

/** Duck-typed: the preload exposes `subscribe` plus one function per command. */
export function isPreloadApi(value: unknown): value is PreloadApi {
  if (!value || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const api = value as Record<string, unknown>;
  return typeof api.subscribe === 'function' && typeof api['health.get'] === 'function';
}

export function bridgeFromPreload(api: PreloadApi): Bridge {
  return {
    async call(name, req) {
      if (!isCommandName(name)) return unwrapResult(name, unknownCommand(name));
      const fn = (api as unknown as Record<CommandName, ((req: unknown) => Promise<unknown>) | undefined>)[
        name
      ];
      if (typeof fn !== 'function')
        throw new BridgeCallError(`${name}: not available in this build`, name, 503);
      // The preload resolves to the dispatcher's CallResult; its status survives contextBridge.
      return unwrapResult(name, await fn(req));
    },
    on(name, listener) {
      const off = api.subscribe(name, listener);
      return typeof off === 'function' ? off : () => {};
    },
  };
}
