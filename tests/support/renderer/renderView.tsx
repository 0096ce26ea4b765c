/**
 * Renders a view as the app does (AppContext with a Bridge and the store wired to it), with the
 * in-memory contract transport in place of IPC or the WebSocket: the test answers commands with
 * handlers and sends pushes as the core would.
 */
import { act, render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { Handlers, PushMap, PushName } from '../../../src-shared/contract';
import { createFakeTransport } from '../../../src-shared/contract/fake';
import type { AppBridge } from '../../../src-renderer/bridge';
import { ALWAYS_CONNECTED, createConnectionSubject } from '../../../src-renderer/bridge/connection';
import { AppContext } from '../../../src-renderer/components/context';
import { createAppStore, type AppStore } from '../../../src-renderer/state/store';
import { connectStore } from '../../../src-renderer/state/sync';

export interface RenderedView extends RenderResult {
  store: AppStore;
  /** Delivers a push to the view and lets React render what it changed. */
  push<E extends PushName>(name: E, payload: PushMap[E]): Promise<void>;
  /** Every command the view called, in order, with its request. */
  calls: { name: string; req: unknown }[];
}

export function renderView(ui: ReactElement, handlers: Partial<Handlers>): RenderedView {
  const calls: { name: string; req: unknown }[] = [];
  const recorded = Object.fromEntries(
    Object.entries(handlers).map(([name, h]) => [
      name,
      (req: unknown) => {
        calls.push({ name, req });
        return (h as (r: unknown) => unknown)(req);
      },
    ]),
  ) as Partial<Handlers>;
  const fake = createFakeTransport(recorded);
  const connection = createConnectionSubject(ALWAYS_CONNECTED);
  const bridge: AppBridge = {
    ...fake.bridge,
    connection,
    features: { spectatorUrl: '/leaderboard', webBluetooth: false, link: 'WebSocket' },
  };
  const store = createAppStore();
  const disconnect = connectStore(bridge, connection, store, { healthPollMs: 3_600_000 });
  const result = render(<AppContext.Provider value={{ bridge, store }}>{ui}</AppContext.Provider>);
  const unmount = result.unmount;
  return {
    ...result,
    unmount: () => {
      unmount();
      disconnect();
    },
    store,
    calls,
    async push(name, payload) {
      await act(async () => fake.push(name, payload));
    },
  };
}
