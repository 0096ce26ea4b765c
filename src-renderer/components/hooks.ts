import { useCallback, useEffect, useRef, useState } from 'react';
import type { CommandName, CommandReq, CommandRes } from '../../src-shared/contract';
import { errorMessage } from '../state/sync';
import { useActions, useApp, useBridge } from './context';

/** The current time, refreshed every `intervalMs` (for "12 s ago" labels). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

export interface Polled<T> {
  data: T | null;
  error: string | null;
  /** Local epoch ms of the last successful answer. */
  at: number | null;
  refresh(): void;
}

/**
 * Calls a command now and every `intervalMs` while mounted and connected; one call in flight at
 * a time. Failures are shown inline and as a toast.
 */
export function usePolled<K extends CommandName>(
  name: K,
  req: CommandReq<K>,
  intervalMs: number,
): Polled<CommandRes<K>> {
  const bridge = useBridge();
  const { notifyError } = useActions();
  const connected = useApp((s) => s.connection.state === 'connected');
  const [state, setState] = useState<{ data: CommandRes<K> | null; error: string | null; at: number | null }>(
    {
      data: null,
      error: null,
      at: null,
    },
  );
  const inFlight = useRef(false);
  const reqKey = JSON.stringify(req ?? null);
  const reqRef = useRef(req);
  useEffect(() => {
    reqRef.current = req;
  });

  const run = useCallback(() => {
    if (inFlight.current) return;
    inFlight.current = true;
    bridge
      .call(name, reqRef.current)
      .then((data) => setState({ data, error: null, at: Date.now() }))
      .catch((err: unknown) => {
        const message = errorMessage(err);
        setState((s) => ({ ...s, error: message }));
        notifyError(`${name}: ${message}`);
      })
      .finally(() => {
        inFlight.current = false;
      });
  }, [bridge, name, notifyError]);

  useEffect(() => {
    if (!connected) return;
    run();
    const t = setInterval(run, intervalMs);
    return () => clearInterval(t);
  }, [connected, run, intervalMs, reqKey]);

  return { ...state, refresh: run };
}

/** True when a keyboard event comes from a text field (shortcuts must not steal typing). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== 'string') return false;
  const el = target as HTMLElement;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}
