/** Gives a string that has no shooter its shooter and stage. */
import { useState } from 'react';
import type { RunDetail } from '../../../src-shared/contract/range';
import { useCall, useLoaded } from './hooks';
import { Field } from '../../components/Field';

export function AssignForm({
  run,
  who,
  onDone,
}: {
  run: RunDetail;
  who: string;
  onDone: (d: RunDetail) => void;
}) {
  const matchId = run.match_id;
  const detail = useLoaded('match.get', matchId ? { match_id: matchId } : null);
  const [shooter, setShooter] = useState('');
  const [stage, setStage] = useState(run.stage_id ?? '');
  const { call, busy } = useCall();
  if (!matchId) {
    return (
      <p className="ro-banner" role="status">
        This string belongs to no match: pick a match and a stage for this timer above, then start the next
        string.
      </p>
    );
  }
  return (
    <form
      className="panel toolbar"
      onSubmit={(e) => {
        e.preventDefault();
        if (!shooter) return;
        void call('run.assign', {
          run_id: run.run_id,
          shooter_id: shooter,
          ...(stage ? { stage_id: stage } : {}),
          who,
          role: 'RO',
          note: 'assigned on the RO screen',
        }).then((r) => r && onDone(r));
      }}
    >
      <strong>This string has no shooter.</strong>
      <Field label="Shooter">
        <select value={shooter} onChange={(e) => setShooter(e.target.value)}>
          <option value="">—</option>
          {(detail.data?.shooters ?? []).map((s) => (
            <option key={s.shooter_id} value={s.shooter_id}>
              {s.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Stage">
        <select value={stage} onChange={(e) => setStage(e.target.value)}>
          <option value="">—</option>
          {(detail.data?.stages ?? []).map((s) => (
            <option key={s.stage_id} value={s.stage_id}>
              {s.code}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" className="primary" disabled={!shooter || busy}>
        Assign
      </button>
    </form>
  );
}
