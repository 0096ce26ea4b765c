import { useMemo } from 'react';
import { useApp } from '../components/context';
import { EmptyState } from '../components/Status';
import { onRowNavKeyDown } from '../components/tableKeys';
import { formatClockTime, formatInt } from '../lib/format';
import { TableHead } from '../components/TableHead';

const SHOWN = 200;
const PREVIEW_CHARS = 200;

/** Rejected messages (listed on load, then pushed) and the per-reason counters from health. */
export function RejectsPanel() {
  const rejects = useApp((s) => s.rejects);
  const byReason = useApp((s) => s.health?.ingest?.rejects_by_reason);
  const total = useApp((s) => s.health?.ingest?.rejects ?? s.rejects.total);
  const reasons = useMemo(
    () =>
      Object.entries(byReason && typeof byReason === 'object' ? byReason : {})
        .filter((e): e is [string, number] => typeof e[1] === 'number')
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    [byReason],
  );
  const rows = rejects.rows.slice(0, SHOWN);

  return (
    <section className="panel rejects" aria-labelledby="rejects-title" data-testid="rejects-panel">
      <div className="detail-head">
        <h2 className="panel-title" id="rejects-title">
          Rejects <span className="muted">({formatInt(total ?? rows.length)} total)</span>
        </h2>
      </div>
      {reasons.length > 0 ? (
        <ul className="reason-chips" aria-label="Rejects by reason">
          {reasons.map(([reason, count]) => (
            <li key={reason} className="chip" data-testid="reject-reason" data-reason={reason}>
              <span className="chip-label">{reason}</span>
              <span className="chip-count">{formatInt(count)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {rows.length === 0 ? (
        <EmptyState title="No rejects — every message so far was valid" testId="rejects-empty" />
      ) : (
        <div className="table-scroll rejects-scroll">
          <table className="table fixed" aria-label="Rejected messages, newest first">
            <colgroup>
              <col className="col-time" />
              <col className="col-topic" />
              <col className="col-reason" />
              <col />
            </colgroup>
            <TableHead columns={['Time', 'Topic', 'Reason', 'Payload']} />
            <tbody onKeyDown={onRowNavKeyDown}>
              {rows.map((r) => (
                <tr key={r.id} data-testid="reject-row" data-reject-id={r.id} tabIndex={0}>
                  <td className="mono nowrap">{formatClockTime(r.received_at)}</td>
                  <td className="mono topic">{r.topic}</td>
                  <td className="reason">{r.reason}</td>
                  <td className="mono preview">
                    {r.payload_preview.length > PREVIEW_CHARS
                      ? `${r.payload_preview.slice(0, PREVIEW_CHARS)}…`
                      : r.payload_preview}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
