/** The score of the string on the RO screen: time, penalties, stop plate, approval, reshoot and void. */
import type { RunDetail } from '../../../src-shared/contract/range';
import { formatSeconds } from '../../lib/format';
import { PENALTY_FIELDS, PENALTY_LABELS, type PenaltyField, type RoAction } from './model';
import { approvedBy } from './roModel';

export function ScorePanel({
  run,
  busy,
  onAction,
}: {
  run: RunDetail;
  busy: boolean;
  onAction: (a: RoAction) => void;
}) {
  const cur = run.current;
  const closed = run.state !== 'running';
  const approval = approvedBy(run.history);
  const editable = closed && run.state !== 'void';
  return (
    <div className="panel ro-score" data-testid="ro-score">
      <h2 className="panel-title">Score</h2>
      {cur && run.score ? (
        <dl className="ro-score-lines">
          <dt>Time</dt>
          <dd className="num" data-testid="ro-raw">
            {formatSeconds(cur.raw_ms)} s
          </dd>
          <dt>Penalties</dt>
          <dd className="num" data-testid="ro-penalties">
            {run.score.penalties
              ? `${run.score.penalties} × 3 = +${formatSeconds(run.score.penalty_ms)} s`
              : 'none'}
          </dd>
          <dt className="strong">Score</dt>
          <dd className="num ro-score-total" data-testid="ro-score-total">
            {run.score.score_ms !== null ? `${formatSeconds(run.score.score_ms)} s` : '—'}
            {run.score.capped ? <span className="badge badge--warn"> capped</span> : null}
            {run.score.status === 'dnf' ? <span className="badge badge--bad"> DNF</span> : null}
            {run.score.status === 'no_stop_plate' ? (
              <span className="badge badge--bad"> stop plate not hit</span>
            ) : null}
          </dd>
        </dl>
      ) : (
        // The same lines hold their place while the string runs, so stopping it moves nothing.
        <dl className="ro-score-lines" aria-describedby="ro-score-wait">
          <dt>Time</dt>
          <dd className="num muted" data-testid="ro-raw">
            —
          </dd>
          <dt>Penalties</dt>
          <dd className="num muted" data-testid="ro-penalties">
            —
          </dd>
          <dt className="strong">Score</dt>
          <dd className="num ro-score-total muted" data-testid="ro-score-total">
            —
          </dd>
          <dd id="ro-score-wait" className="ro-score-wait muted">
            The score opens when the string stops.
          </dd>
        </dl>
      )}
      <div className="ro-penalties" role="group" aria-label="Penalties">
        {PENALTY_FIELDS.map((f: PenaltyField) => {
          const n = cur ? cur[f] : 0;
          const label = PENALTY_LABELS[f];
          return (
            <div key={f} className="ro-penalty">
              <button
                type="button"
                className="ro-btn ro-btn--penalty"
                disabled={!editable || busy}
                onClick={() =>
                  onAction(
                    f === 'misses'
                      ? 'miss'
                      : f === 'procedurals'
                        ? 'procedural'
                        : f === 'foot_faults'
                          ? 'foot_fault'
                          : 'creeping',
                  )
                }
                data-testid={`ro-add-${f}`}
              >
                + {label.one} <kbd>{label.key}</kbd>
              </button>
              <span className="ro-penalty-count num" data-testid={`ro-count-${f}`}>
                {n}
              </span>
              <button
                type="button"
                className="ro-btn ro-btn--minus"
                disabled={!editable || busy || n === 0}
                aria-label={`remove one ${label.one}`}
                onClick={() =>
                  onAction(
                    f === 'misses'
                      ? 'miss-'
                      : f === 'procedurals'
                        ? 'procedural-'
                        : f === 'foot_faults'
                          ? 'foot_fault-'
                          : 'creeping-',
                  )
                }
                data-testid={`ro-remove-${f}`}
              >
                −
              </button>
            </div>
          );
        })}
      </div>
      <div className="ro-actions">
        <button
          type="button"
          className="ro-btn"
          disabled={!editable || busy}
          onClick={() => onAction('stop_plate')}
          aria-pressed={cur ? !cur.stop_plate_hit : false}
          data-testid="ro-stop-plate"
        >
          {cur && !cur.stop_plate_hit ? 'Stop plate: NOT hit' : 'Stop plate hit'} <kbd>T</kbd>
        </button>
        <button
          type="button"
          className="ro-btn ro-btn--approve"
          disabled={!closed || busy || run.state !== 'review'}
          onClick={() => onAction('approve')}
          data-testid="ro-approve"
        >
          {run.state === 'approved' ? `Approved${approval ? ` by ${approval.who}` : ''}` : 'Shooter approves'}{' '}
          <kbd>A</kbd>
        </button>
        <button
          type="button"
          className="ro-btn ro-btn--warn"
          disabled={!editable || busy}
          onClick={() => onAction('reshoot')}
          data-testid="ro-reshoot"
        >
          Reshoot <kbd>R</kbd>
        </button>
        <button
          type="button"
          className="ro-btn ro-btn--danger"
          disabled={!editable || busy}
          onClick={() => onAction('void')}
          data-testid="ro-void"
        >
          Void <kbd>V</kbd>
        </button>
      </div>
      {run.state === 'approved' ? (
        <p className="hint">
          Approved by the shooter: further changes are RO / Range Master decisions, and are audited.
        </p>
      ) : null}
    </div>
  );
}
