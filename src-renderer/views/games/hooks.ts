import { useCallback, useEffect, useRef, useState } from 'react';
import type { CommandName, CommandReq, CommandRes } from '../../../src-shared/contract';
import type { EventKind, MarshalEvent } from '../../../src-shared/events/model';
import { useActions, useApp, useBridge } from '../../components/context';
import { errorMessage } from '../../state/sync';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  refresh(): void;
}

/**
 * Calls a command when mounted, when its request changes and on refresh(); one call in flight
 * (a refresh asked for meanwhile runs right after). Failures show inline and as a toast.
 */
export function useCommand<K extends CommandName>(name: K, req: CommandReq<K>): Loaded<CommandRes<K>> {
  const bridge = useBridge();
  const { notifyError } = useActions();
  const connected = useApp((s) => s.connection.state === 'connected');
  const [state, setState] = useState<{ data: CommandRes<K> | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const reqKey = JSON.stringify(req ?? null);
  const reqRef = useRef(req);
  const inFlight = useRef(false);
  const again = useRef(false);
  const rerun = useRef<() => void>(() => undefined);
  useEffect(() => {
    reqRef.current = req;
  });

  const run = useCallback(() => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    bridge
      .call(name, reqRef.current)
      .then((data) => setState({ data, error: null, loading: false }))
      .catch((err: unknown) => {
        const message = errorMessage(err);
        setState((s) => ({ ...s, error: message, loading: false }));
        notifyError(`${name}: ${message}`);
      })
      .finally(() => {
        inFlight.current = false;
        if (again.current) {
          again.current = false;
          rerun.current();
        }
      });
  }, [bridge, name, notifyError]);
  useEffect(() => {
    rerun.current = run;
  }, [run]);

  useEffect(() => {
    if (connected) run();
  }, [connected, run, reqKey]);

  return { ...state, refresh: run };
}

/**
 * Calls `onEvents` with the pushed events of the given kinds (once per pushed batch, only when
 * the batch has any), at most every `throttleMs`: events arriving meanwhile are delivered with the
 * next call.
 */
export function useEventsOf(
  kinds: readonly EventKind[],
  onEvents: (events: MarshalEvent[]) => void,
  throttleMs = 400,
) {
  const bridge = useBridge();
  const cb = useRef(onEvents);
  useEffect(() => {
    cb.current = onEvents;
  });
  const kindsKey = kinds.join(',');
  useEffect(() => {
    const wanted = new Set(kindsKey.split(','));
    let pending: MarshalEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    const deliver = () => {
      timer = null;
      last = Date.now();
      const batch = pending;
      pending = [];
      if (batch.length) cb.current(batch);
    };
    const off = bridge.on('events', (batch) => {
      if (!Array.isArray(batch)) return;
      for (const e of batch) if (e && wanted.has(e.kind)) pending.push(e);
      if (!pending.length || timer) return;
      const wait = Math.max(0, last + throttleMs - Date.now());
      timer = setTimeout(deliver, wait);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [bridge, kindsKey, throttleMs]);
}

/** Offers a text as a file download (a CSV export) without a server round trip. */
export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
