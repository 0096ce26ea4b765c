/**
 * Wires a Bridge to the store: one store update per pushed batch, the initial loads, a reload
 * after reconnecting, and a health poll when pushes go quiet.
 */
import type { Bridge } from '../../src-shared/contract';
import type { EventKind, MarshalEvent } from '../../src-shared/events/model';
import type { ConnectionObservable } from '../bridge/connection';
import type { ConnectionStatus } from './model';
import type { AppStore } from './store';
import { STRING_EVENT_KINDS } from './strings';

export const HISTORY_PER_KIND = 300;
export const REJECTS_INITIAL = 200;
export const HEALTH_POLL_MS = 5_000;

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  return 'unknown error';
}

/** Loads what the views need on start and after a reconnect. Never throws: errors become toasts. */
export async function loadInitial(bridge: Bridge, store: AppStore): Promise<void> {
  const { actions } = store.getState();
  // Health first: it tells whether the core restarted, which resets id-keyed buffers before the
  // history below is merged into them.
  await bridge
    .call('health.get', undefined)
    .then((h) => actions.applyHealth(h))
    .catch((err: unknown) => actions.notifyError(`Health: ${errorMessage(err)}`));

  const history = Promise.all(
    STRING_EVENT_KINDS.map((kind) =>
      bridge.call('events.list', { kind: kind as EventKind, limit: HISTORY_PER_KIND }).then((p) => p.events),
    ),
  )
    .then((pages) => {
      const all: MarshalEvent[] = [];
      for (const page of pages) if (Array.isArray(page)) all.push(...page);
      actions.loadEventHistory(all);
    })
    .catch((err: unknown) => actions.notifyError(`Recent timer events: ${errorMessage(err)}`));

  const rejects = bridge
    .call('rejects.list', { limit: REJECTS_INITIAL })
    .then((page) => actions.applyRejects(Array.isArray(page.rejects) ? page.rejects : [], page.total))
    .catch((err: unknown) => actions.notifyError(`Rejects: ${errorMessage(err)}`));

  await Promise.all([history, rejects]);
}

export interface SyncOptions {
  healthPollMs?: number;
  now?: () => number;
}

/** Subscribes the store to the bridge. Returns a function that undoes everything. */
export function connectStore(
  bridge: Bridge,
  connection: ConnectionObservable,
  store: AppStore,
  opts: SyncOptions = {},
): () => void {
  const { actions } = store.getState();
  const now = opts.now ?? Date.now;
  const pollMs = opts.healthPollMs ?? HEALTH_POLL_MS;
  const offs: Array<() => void> = [
    bridge.on('events', (batch) => actions.applyEvents(batch)),
    bridge.on('samples', (batch) => actions.applySamples(batch)),
    bridge.on('health', (h) => actions.applyHealth(h)),
    bridge.on('monitor', (batch) => actions.applyMonitor(batch)),
    bridge.on('rejects', (rows) => actions.applyRejects(rows)),
  ];

  // Load on every transition to connected: the first time, and after a reconnect (pushes sent
  // while we were away are lost, so the snapshot is reloaded).
  let wasConnected = false;
  const onStatus = (status: ConnectionStatus): void => {
    actions.setConnection(status);
    const isConnected = status.state === 'connected';
    if (isConnected && !wasConnected) void loadInitial(bridge, store);
    wasConnected = isConnected;
  };
  offs.push(connection.subscribe(onStatus));
  onStatus(connection.get());

  // Fallback when health pushes stop (or the core only pushes on change).
  const poll = setInterval(() => {
    const s = store.getState();
    if (s.connection.state !== 'connected') return;
    if (s.healthAt !== null && now() - s.healthAt < pollMs) return;
    bridge
      .call('health.get', undefined)
      .then((h) => actions.applyHealth(h))
      .catch((err: unknown) => actions.notifyError(`Health: ${errorMessage(err)}`));
  }, pollMs);
  offs.push(() => clearInterval(poll));

  return () => {
    for (const off of offs) off();
  };
}
