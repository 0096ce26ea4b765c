/** A tiny observable for the transport's connection state, shown by the shell. */
import type { ConnectionStatus } from '../state/model';

export interface ConnectionObservable {
  get(): ConnectionStatus;
  subscribe(listener: (status: ConnectionStatus) => void): () => void;
}

export interface ConnectionSubject extends ConnectionObservable {
  set(status: ConnectionStatus): void;
}

export function createConnectionSubject(initial: ConnectionStatus): ConnectionSubject {
  let current = initial;
  const listeners = new Set<(status: ConnectionStatus) => void>();
  return {
    get: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(status) {
      current = status;
      for (const l of [...listeners]) {
        try {
          l(status);
        } catch (err) {
          console.error('connection listener failed', err);
        }
      }
    },
  };
}

/** Electron IPC has no connection to lose: the core lives in the main process. */
export const ALWAYS_CONNECTED: ConnectionStatus = {
  state: 'connected',
  attempt: 0,
  retryAt: null,
  error: null,
  everConnected: true,
};
