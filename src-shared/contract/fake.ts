/**
 * The in-memory transport: serves a Handlers map as a Bridge with the same validation the real
 * transports apply. Used by unit tests of views and services.
 */
import { parseRequest, type Bridge, type Handlers, type PushMap, type PushName } from './index';

export interface FakeTransport {
  bridge: Bridge;
  push<E extends PushName>(name: E, payload: PushMap[E]): void;
}

export function createFakeTransport(handlers: Partial<Handlers>): FakeTransport {
  const listeners = new Map<PushName, Set<(payload: unknown) => void>>();
  const bridge: Bridge = {
    async call(name, req) {
      const handler = handlers[name] as ((r: unknown) => unknown) | undefined;
      if (!handler) throw new Error(`no handler for ${name}`);
      const parsed = parseRequest(name, structuredClone(req));
      // structuredClone mirrors what IPC and JSON do to payloads: no shared references leak.
      return structuredClone(await handler(parsed)) as never;
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
