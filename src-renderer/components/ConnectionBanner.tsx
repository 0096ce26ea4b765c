import { useApp } from './context';
import { useNow } from './hooks';

/** A full-width banner whenever the core is unreachable; nothing when connected. */
export function ConnectionBanner() {
  const c = useApp((s) => s.connection);
  const now = useNow(500);
  if (c.state === 'connected') return null;
  const wait = c.retryAt !== null ? Math.max(0, Math.ceil((c.retryAt - now) / 1000)) : null;
  const lost = c.everConnected;
  return (
    <div
      className={`conn-banner ${lost ? 'conn-banner--lost' : ''}`}
      role="alert"
      data-testid="connection-banner"
    >
      <strong>{lost ? 'Connection to the core lost.' : 'Connecting to the core…'}</strong>{' '}
      {c.state === 'reconnecting' ? (
        <span>
          {wait !== null && wait > 0 ? `Retrying in ${wait} s` : 'Retrying now'} (attempt {c.attempt})
          {c.error ? ` — ${c.error}` : ''}. Data shown may be out of date.
        </span>
      ) : null}
    </div>
  );
}
