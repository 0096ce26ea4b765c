/**
 * The in-memory transport: serves a Handlers map as a Bridge through the same dispatcher the real
 * transports use, so a view under test sees the same validation and the same error statuses.
 */
import { dispatch } from './dispatch';
import { unwrapResult } from './result';
import type { Bridge, Handlers, PushMap, PushName } from './index';

export interface FakeTransport {
  bridge: Bridge;
  push<E extends PushName>(name: E, payload: PushMap[E]): void;
}

export function createFakeTransport(handlers: Partial<Handlers>): FakeTransport {
  const listeners = new Map<PushName, Set<(payload: unknown) => void>>();
  const bridge: Bridge = {
    async call(name, req) {
      // structuredClone mirrors what IPC and JSON do to payloads: no shared references leak.
      const result = await dispatch(handlers, name, structuredClone(req));
      return unwrapResult(name, structuredClone(result));
    },
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
  return {
    bridge,
    push(name, payload) {
      for (const l of listeners.get(name) ?? []) l(structuredClone(payload));
    },
  };
}
