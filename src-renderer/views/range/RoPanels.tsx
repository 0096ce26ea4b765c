/** Smaller panels of the RO screen: what needs attention, the squad on the stage, the shortcuts. */
import type { SquadProgress } from '../../../src-shared/contract/range';
import { formatSeconds } from '../../lib/format';
import { RO_SHORTCUTS } from './model';
import type { RoAlert } from './roModel';

export function RoAlerts({
  alerts,
  disabled,
  canFix,
  onFix,
}: {
  alerts: readonly RoAlert[];
  disabled: boolean;
  canFix: boolean;
  onFix: (action: NonNullable<RoAlert['fix']>['action']) => void;
}) {
  if (!alerts.length) return null;
  return (
    <ul className="ro-alerts" aria-label="Needs attention" data-testid="ro-alerts">
      {alerts.map((a) => (
        <li key={a.id} className={`ro-alert ro-alert--${a.tone}`} data-testid="ro-alert">
          <span>{a.text}</span>
          {a.fix && canFix ? (
            <button type="button" disabled={disabled} onClick={() => onFix(a.fix!.action)}>
              {a.fix.label}
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

export function RoSquad({
  squad,
  stageCode,
  onPutUp,
}: {
  squad: readonly SquadProgress[];
  stageCode: string | null;
  onPutUp: (shooterId: string) => void;
}) {
  return (
    <section className="panel ro-squad" aria-label="Squad" data-testid="ro-squad-list">
      <h2 className="panel-title">Squad on {stageCode ?? 'this stage'}</h2>
      <ol className="ro-squad-list">
        {squad.map((s) => (
          <li key={s.shooter_id} className={s.up ? 'ro-squad-up' : undefined} data-testid="ro-squad-row">
            <span className="strong">{s.name}</span>
            <span className="muted">
              {s.division} {s.class}
            </span>
            <span className="num">
              {s.done}/{s.of}
            </span>
            <span className="num">
              {s.stage_time_ms !== null ? `${formatSeconds(s.stage_time_ms)} s` : ''}
            </span>
            {s.up ? (
              <span className="badge badge--ok">up</span>
            ) : (
              <button
                type="button"
                className="small-btn"
                disabled={s.done >= s.of}
                onClick={() => onPutUp(s.shooter_id)}
              >
                put up
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function RoShortcuts({ shown, onToggle }: { shown: boolean; onToggle: () => void }) {
  return (
    <section className="panel ro-help" aria-label="Keyboard shortcuts" data-testid="ro-shortcuts">
      <h2 className="panel-title">
        Keyboard{' '}
        <button type="button" className="small-btn" onClick={onToggle} aria-expanded={shown}>
          {shown ? 'hide' : 'show'} <kbd>?</kbd>
        </button>
      </h2>
      {shown ? (
        <dl className="ro-keys">
          {RO_SHORTCUTS.map((k) => (
            <div key={k.keys}>
              <dt>
                <kbd>{k.keys}</kbd>
              </dt>
              <dd>{k.action}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </section>
  );
}
