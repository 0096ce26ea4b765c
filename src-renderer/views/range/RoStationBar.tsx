/** The RO screen's station bar: the timer, the match, stage and squad it serves, and the RO's name. */
import type { StationRow } from '../../../src-shared/contract/range';
import { useState } from 'react';
import { useLoaded, useRangePush } from './hooks';
import { Field } from '../../components/Field';

export function StationBar({
  timerId,
  setTimerId,
  stations,
  station,
  roName,
  setRoName,
  onStation,
}: {
  timerId: string;
  setTimerId: (t: string) => void;
  stations: readonly StationRow[];
  station: StationRow | null;
  roName: string;
  setRoName: (v: string) => void;
  onStation: (patch: { match_id?: string | null; stage_id?: string | null; squad?: string | null }) => void;
}) {
  const matches = useLoaded('match.list', undefined);
  const matchId = station?.match_id ?? null;
  const detail = useLoaded('match.get', matchId ? { match_id: matchId } : null);
  const d = matchId && detail.data?.match.match_id === matchId ? detail.data : null;
  useRangePush((p) => {
    if (p.stations.some((s) => s.timer_id === timerId)) {
      matches.refresh();
      detail.refresh();
    }
  });
  // Once the station serves a stage the pickers only cost screen height mid-string; they fold
  // into one line and open again on demand.
  const set = !!(station?.match_id && station.stage_id);
  const [open, setOpen] = useState(false);
  if (set && !open) {
    const stage = d?.stages.find((s) => s.stage_id === station.stage_id);
    return (
      <div className="ro-station ro-station--folded" data-testid="ro-station">
        <span className="ro-station-summary" data-testid="ro-station-summary">
          <span className="mono">{timerId}</span>
          {' · '}
          {d?.match.name ?? station.match_id}
          {' · '}
          <span className="strong">{stage ? `${stage.code} ${stage.name}` : station.stage_id}</span>
          {' · '}
          {station.squad ? `Squad ${station.squad}` : 'everyone'}
          {' · RO '}
          {roName || '—'}
        </span>
        <button
          type="button"
          className="small-btn"
          onClick={() => setOpen(true)}
          aria-expanded={false}
          data-testid="ro-station-change"
        >
          Change
        </button>
      </div>
    );
  }
  return (
    <div className="ro-station toolbar" data-testid="ro-station">
      <Field label="Timer">
        <select value={timerId} onChange={(e) => setTimerId(e.target.value)} data-testid="ro-timer">
          {stations.map((s) => (
            <option key={s.timer_id} value={s.timer_id}>
              {s.timer_id}
              {s.timer?.name ? ` — ${s.timer.name}` : ''}
              {s.timer ? (s.timer.online ? '' : ' (offline)') : ' (not seen)'}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Match">
        <select
          value={matchId ?? ''}
          onChange={(e) => onStation({ match_id: e.target.value || null })}
          data-testid="ro-match"
        >
          <option value="">— none —</option>
          {(matches.data?.matches ?? []).map((m) => (
            <option key={m.match_id} value={m.match_id}>
              {m.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Stage">
        <select
          value={station?.stage_id ?? ''}
          disabled={!d}
          onChange={(e) => onStation({ stage_id: e.target.value || null })}
          data-testid="ro-stage"
        >
          <option value="">— none —</option>
          {(d?.stages ?? []).map((s) => (
            <option key={s.stage_id} value={s.stage_id}>
              {s.code} {s.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Squad">
        <select
          value={station?.squad ?? ''}
          disabled={!d}
          onChange={(e) => onStation({ squad: e.target.value || null })}
          data-testid="ro-squad"
        >
          <option value="">everyone</option>
          {(d?.squads ?? []).map((s) => (
            <option key={s} value={s}>
              Squad {s}
            </option>
          ))}
        </select>
      </Field>
      <Field label="RO">
        <input
          value={roName}
          maxLength={80}
          onChange={(e) => setRoName(e.target.value)}
          placeholder="your name"
          data-testid="ro-name"
        />
      </Field>
      {set ? (
        <button
          type="button"
          className="small-btn"
          onClick={() => setOpen(false)}
          aria-expanded={true}
          data-testid="ro-station-done"
        >
          Done
        </button>
      ) : null}
    </div>
  );
}
