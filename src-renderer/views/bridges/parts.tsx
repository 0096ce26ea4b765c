/** Pieces the bridge panels share: one action at a time with its error, and the retry note. */
import { useCallback, useState } from 'react';
import { useActions } from '../../components/context';
import { errorMessage } from '../../state/sync';
import { retryIn } from './model';

/** Runs one action at a time, with its error shown inline and as a toast. */
export function useAction(refresh: () => void) {
  const { notifyError } = useActions();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async <T,>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
      setBusy(true);
      setError(null);
      try {
        return await fn();
      } catch (err) {
        const message = `${what}: ${errorMessage(err)}`;
        setError(message);
        notifyError(message);
        return undefined;
      } finally {
        setBusy(false);
        refresh();
      }
    },
    [notifyError, refresh],
  );
  return { busy, error, run, clearError: () => setError(null) };
}

export function RetryNote({ error, next, now }: { error: string | null; next: string | null; now: number }) {
  const s = retryIn(next, now);
  if (!error && s === null) return null;
  return (
    <div className="bridge-note muted">
      {error ? <span>{error}</span> : null}
      {s !== null ? <span> · retry in {s} s</span> : null}
    </div>
  );
}
