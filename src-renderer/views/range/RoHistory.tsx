/** The audit trail of a string: every change, who made it and why. */
import type { AuditEntry } from '../../../src-shared/contract/range';
import { formatClockTime } from '../../lib/format';
import { auditValue } from './model';

export function History({ history }: { history: readonly AuditEntry[] }) {
  if (history.length === 0) return null;
  // Entries come oldest first: whatever follows the shooter's approval was a decision, not scoring.
  const firstApproval = history.findIndex((h) => h.kind === 'approval');
  return (
    <div className="panel ro-history" data-testid="ro-history">
      <h2 className="panel-title">Changes to this string</h2>
      <ol className="audit-list">
        {history.map((h, i) => (
          <li
            key={h.id}
            data-testid="ro-history-entry"
            data-after-approval={firstApproval >= 0 && i > firstApproval && h.kind !== 'approval'}
          >
            <span className="muted">{formatClockTime(h.at)}</span>{' '}
            {h.kind === 'approval' ? (
              <strong>approved</strong>
            ) : (
              <>
                <strong>{h.field}</strong> {auditValue(h.field, h.old)} → {auditValue(h.field, h.new)}
              </>
            )}{' '}
            {firstApproval >= 0 && i > firstApproval && h.kind !== 'approval' ? (
              <span className="badge badge--warn">decision after approval</span>
            ) : null}{' '}
            <span className="muted">
              by {h.who} ({h.role}){h.reason ? `, ${h.reason}` : ''}
              {h.note ? ` — “${h.note}”` : ''}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}
