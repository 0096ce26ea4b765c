import { useEffect } from 'react';
import { useActions, useApp } from './context';

const TOAST_MS = 8000;

function ToastItem({ id, message, count, at }: { id: number; message: string; count: number; at: number }) {
  const { dismissToast } = useActions();
  useEffect(() => {
    const t = setTimeout(() => dismissToast(id), Math.max(1000, at + TOAST_MS - Date.now()));
    return () => clearTimeout(t);
  }, [id, at, dismissToast]);
  return (
    <div className="toast" data-testid="toast">
      <span className="toast-icon" aria-hidden="true">
        !
      </span>
      <span className="toast-message">
        {message}
        {count > 1 ? <span className="toast-count"> ×{count}</span> : null}
      </span>
      <button type="button" className="toast-close" onClick={() => dismissToast(id)} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}

/** Errors from failed calls. An assertive live region so screen readers announce them too. */
export function Toasts() {
  const toasts = useApp((s) => s.toasts);
  return (
    <div className="toasts" role="alert" aria-live="assertive">
      {toasts.map((t) => (
        <ToastItem key={t.id} {...t} />
      ))}
    </div>
  );
}
