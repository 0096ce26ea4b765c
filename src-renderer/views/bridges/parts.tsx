/**
 * Pieces the bridge panels share: one action at a time with its error, the retry note, and the
 * confirmation before a port or device is removed.
 */
import { useCallback, useState, type ReactNode } from 'react';
import { ConfirmDialog } from '../devices/ConfirmDialog';
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

/** Asks before removing `item` (null: closed); closes, then removes. */
export function ConfirmRemove<T>({
  item,
  title,
  busy,
  onClose,
  onRemove,
  children,
}: {
  item: T | null;
  title: (item: T) => string;
  busy: boolean;
  onClose: () => void;
  onRemove: (item: T) => void;
  children: ReactNode;
}) {
  return (
    <ConfirmDialog
      open={item !== null}
      title={item === null ? '' : title(item)}
      confirmLabel="Remove"
      busy={busy}
      onCancel={onClose}
      onConfirm={() => {
        const it = item;
        onClose();
        if (it !== null) onRemove(it);
      }}
    >
      {children}
    </ConfirmDialog>
  );
}
