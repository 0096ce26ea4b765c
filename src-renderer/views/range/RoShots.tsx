/** The shots of the string on the RO screen: time, split, the plate each hit and its delay. */
import type { RunDetail, RunShot } from '../../../src-shared/contract/range';
import { formatSeconds } from '../../lib/format';
import { TableHead, hidden, num } from '../../components/TableHead';

export function ShotsTable({
  run,
  onAccept,
  canEdit,
}: {
  run: RunDetail;
  onAccept: (s: RunShot) => void;
  canEdit: boolean;
}) {
  return (
    <div className="panel ro-shots" data-testid="ro-shots">
      <h2 className="panel-title">Shots</h2>
      <div className="table-scroll">
        <table className="table ro-shots-table" aria-label="Shots of this string">
          <TableHead
            columns={[num('#'), num('Time'), num('Split'), 'Plate', num('Delay'), hidden('Actions')]}
          />
          <tbody>
            {run.shots.map((s) => (
              <tr
                key={s.shot_number}
                data-testid="ro-shot"
                data-shot-number={s.shot_number}
                data-unmatched={s.unmatched ? 'true' : 'false'}
                className={`${s.unmatched ? 'ro-shot--unmatched' : ''}${s.accepted ? ' ro-shot--accepted' : ''}${s.after_stop_plate ? ' ro-shot--echo' : ''}`}
              >
                <th scope="row" className="num">
                  {s.shot_number}
                </th>
                <td className="num ro-time">{formatSeconds(s.time_ms)}</td>
                <td className="num ro-split">{formatSeconds(s.split_ms)}</td>
                <td className="ro-plate">
                  {s.plate_id ?? (s.unmatched ? <span className="ro-flag">no hit</span> : '—')}
                  {s.after_stop_plate ? <span className="ro-flag"> echo?</span> : null}
                </td>
                <td className="num muted">{s.delay_ms !== null ? `${s.delay_ms} ms` : ''}</td>
                <td className="ro-shot-act">
                  {s.accepted ? (
                    <span className="badge badge--ok">time</span>
                  ) : canEdit ? (
                    <button
                      type="button"
                      className="small-btn"
                      onClick={() => onAccept(s)}
                      data-testid="ro-accept-shot"
                    >
                      use as time
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
            {run.shots.length === 0 ? (
              <tr className="placeholder-row">
                <td colSpan={6}>
                  {run.state === 'running' ? 'Waiting for the first shot…' : 'No shots recorded'}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </div>
  );
}
