import type { ReactNode } from 'react';
import { formatInt } from '../lib/format';
import { healthView } from '../lib/healthView';
import { useApp, useBridge } from './context';
import { useNow } from './hooks';
import { Status } from './Status';

function Cell({ label, children, testId }: { label: string; children: ReactNode; testId: string }) {
  return (
    <div className="hb-cell" data-testid={testId}>
      <span className="hb-label">{label}</span>
      <span className="hb-value">{children}</span>
    </div>
  );
}

/** Broker, store, ingest rate and rejects at a glance; status as colour plus words. */
export function HealthBar() {
  const health = useApp((s) => s.health);
  const healthAt = useApp((s) => s.healthAt);
  const rejectsGrewAt = useApp((s) => s.rejectsGrewAt);
  const connection = useApp((s) => s.connection.state);
  const { link } = useBridge().features;
  const now = useNow(1000);
  const v = healthView(health, { connection, link, healthAt, rejectsGrewAt, now });

  return (
    <header className={`healthbar ${v.offline ? 'healthbar--offline' : ''}`} data-testid="health-bar">
      <div className="brand">Marshal</div>
      <Cell label="Core" testId="health-core">
        <Status tone={v.core.tone}>{v.core.label}</Status>
      </Cell>
      <Cell label="Broker" testId="health-broker">
        <Status tone={v.broker.tone}>{v.broker.label}</Status>
        {health ? (
          <>
            <span className="hb-detail">
              {v.broker.mode}
              {v.broker.lan ? ' · LAN' : ''} · {formatInt(v.broker.clients)} client
              {v.broker.clients === 1 ? '' : 's'}
            </span>
            <span className="hb-detail hb-urls" title={v.broker.urls.join('\n')}>
              {v.broker.urls.length > 0 ? v.broker.urls.join('  ') : 'no listeners'}
            </span>
          </>
        ) : null}
        {v.broker.error ? <span className="hb-detail hb-error">{v.broker.error}</span> : null}
      </Cell>
      <Cell label="Store" testId="health-store">
        <Status tone={v.store.tone}>{v.store.label}</Status>
        {v.store.error ? <span className="hb-detail hb-error">{v.store.error}</span> : null}
      </Cell>
      <Cell label="Ingest" testId="health-ingest">
        <span className="hb-big">{formatInt(v.ratePerS)}</span>
        <span className="hb-unit">msgs/s</span>
        {v.messagesIn !== null ? <span className="hb-detail">{formatInt(v.messagesIn)} total</span> : null}
      </Cell>
      <Cell label="Rejects" testId="health-rejects">
        <Status tone={v.rejects.tone}>
          <span className="hb-big">{formatInt(v.rejects.count)}</span>
          {v.rejects.rising ? ' rising' : ''}
        </Status>
      </Cell>
    </header>
  );
}
