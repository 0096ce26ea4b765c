/** Hooks of the range views: the `range` push, calls that report failures, CSV downloads. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CommandName, CommandReq, CommandRes } from '../../../src-shared/contract';
import type { CsvFile, RangePush } from '../../../src-shared/contract/range';
import { useActions, useApp, useBridge } from '../../components/context';
import { errorMessage } from '../../state/sync';

/** Calls `listener` with every `range` push (runs and stations that changed this tick). */
export function useRangePush(listener: (p: RangePush) => void): void {
  const bridge = useBridge();
  const ref = useRef(listener);
  useEffect(() => {
    ref.current = listener;
  });
  useEffect(() => bridge.on('range', (p) => ref.current(p)), [bridge]);
}

/** A command caller: failures become a toast and an inline error; `busy` while in flight. */
export function useCall() {
  const bridge = useBridge();
  const { notifyError } = useActions();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const call = useCallback(
    async <K extends CommandName>(name: K, req: CommandReq<K>): Promise<CommandRes<K> | null> => {
      setBusy(true);
      try {
        const res = await bridge.call(name, req);
        setError(null);
        return res;
      } catch (err) {
        const message = errorMessage(err);
        setError(message);
        notifyError(`${name}: ${message}`);
        return null;
      } finally {
        setBusy(false);
      }
    },
    [bridge, notifyError],
  );
  return { call, busy, error, clearError: () => setError(null) };
}

/**
 * Loads a command's answer when mounted, when `req` changes and when `refresh()` is called; the
 * caller decides when to refresh (e.g. on a push).
 */
export function useLoaded<K extends CommandName>(
  name: K,
  req: CommandReq<K> | null,
  onData?: (data: CommandRes<K>) => void,
) {
  const bridge = useBridge();
  const onDataRef = useRef(onData);
  const connected = useApp((s) => s.connection.state === 'connected');
  const [data, setData] = useState<CommandRes<K> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(req ?? null);
  const reqRef = useRef(req);
  useEffect(() => {
    reqRef.current = req;
    onDataRef.current = onData;
  });
  useEffect(() => {
    if (!connected || reqRef.current === null) return;
    let live = true;
    bridge
      .call(name, reqRef.current as CommandReq<K>)
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
        onDataRef.current?.(d);
      })
      .catch((err: unknown) => {
        if (live) setError(errorMessage(err));
      });
    return () => {
      live = false;
    };
  }, [bridge, name, key, tick, connected]);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, refresh, setData };
}

/** Saves a file the core built (CSV) through the browser's download. */
export function downloadFile(
  file: Pick<CsvFile, 'filename' | 'content'>,
  type = 'text/csv;charset=utf-8',
): void {
  const blob = new Blob([file.content], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

const STORAGE_PREFIX = 'marshal.range.';

/** A small preference kept in localStorage (the RO's name, the chosen timer). */
export function usePref(name: string, initial: string): [string, (v: string) => void] {
  const [value, setValue] = useState(() => {
    try {
      return window.localStorage.getItem(STORAGE_PREFIX + name) ?? initial;
    } catch {
      return initial;
    }
  });
  const set = useCallback(
    (v: string) => {
      setValue(v);
      try {
        window.localStorage.setItem(STORAGE_PREFIX + name, v);
      } catch {
        // storage may be unavailable (private mode): the value lives for this session
      }
    },
    [name],
  );
  return [value, set];
}
