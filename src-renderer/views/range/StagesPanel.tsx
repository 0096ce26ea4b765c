/** A match's stages: their plates (primary / stop), the sensor on each plate and the timer of each stage. */
import { Fragment, useState } from 'react';
import { CLASSIFIER_CODES, type ClassifierCode } from '../../../src-shared/range/scoring';
import type { MatchDetail, StageRow, TargetRow } from '../../../src-shared/contract/range';
import { InlineError } from '../../components/Status';
import { useCall } from './hooks';
import { TableHead, hidden, num } from '../../components/TableHead';
import { Field } from '../../components/Field';

export function TargetsEditor({ stage, onSaved }: { stage: StageRow; onSaved: () => void }) {
  const [targets, setTargets] = useState<TargetRow[]>(stage.targets);
  const [timer, setTimer] = useState(stage.timer_id ?? '');
  const [strings, setStrings] = useState(stage.strings_per_stage);
  const [counted, setCounted] = useState(stage.counted_strings);
  const { call, busy, error } = useCall();
  const set = (i: number, patch: Partial<TargetRow>) =>
    setTargets((t) => t.map((x, k) => (k === i ? { ...x, ...patch } : x)));
  return (
    <form
      className="stage-edit"
      onSubmit={(e) => {
        e.preventDefault();
        void call('stage.update', {
          stage_id: stage.stage_id,
          timer_id: timer.trim() || null,
          strings_per_stage: strings,
          counted_strings: counted,
          targets: targets.map((t) => ({
            plate_id: t.plate_id,
            role: t.role,
            sensor_id: t.sensor_id?.trim() || null,
            label: t.label,
          })),
        }).then((r) => r && onSaved());
      }}
    >
      <div className="toolbar">
        <Field label="Timer">
          <input value={timer} onChange={(e) => setTimer(e.target.value)} maxLength={64} placeholder="none" />
        </Field>
        <Field label="Strings">
          <input
            type="number"
            min={1}
            max={20}
            value={strings}
            onChange={(e) => setStrings(Number(e.target.value))}
          />
        </Field>
        <Field label="Counted">
          <input
            type="number"
            min={1}
            max={20}
            value={counted}
            onChange={(e) => setCounted(Number(e.target.value))}
          />
        </Field>
      </div>
      <table className="table targets">
        <TableHead columns={['Plate', 'Label', 'Role', 'Sensor', hidden('Remove')]} />
        <tbody>
          {targets.map((t, i) => (
            <tr key={i}>
              <td>
                <input
                  value={t.plate_id}
                  onChange={(e) => set(i, { plate_id: e.target.value })}
                  maxLength={64}
                  aria-label="plate id"
                />
              </td>
              <td>
                <input
                  value={t.label}
                  onChange={(e) => set(i, { label: e.target.value })}
                  maxLength={40}
                  aria-label="label"
                />
              </td>
              <td>
                <select
                  value={t.role}
                  onChange={(e) => set(i, { role: e.target.value as TargetRow['role'] })}
                  aria-label="role"
                >
                  <option value="primary">primary</option>
                  <option value="stop">stop plate</option>
                </select>
              </td>
              <td>
                <input
                  value={t.sensor_id ?? ''}
                  onChange={(e) => set(i, { sensor_id: e.target.value || null })}
                  placeholder="none"
                  maxLength={64}
                  aria-label={`sensor on ${t.plate_id}`}
                />
              </td>
              <td>
                <button
                  type="button"
                  className="small-btn"
                  onClick={() => setTargets((x) => x.filter((_, k) => k !== i))}
                >
                  remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="button-row">
        <button
          type="button"
          onClick={() =>
            setTargets((x) => [
              ...x,
              { plate_id: `P${x.length + 1}`, role: 'primary', sensor_id: null, label: `P${x.length + 1}` },
            ])
          }
        >
          Add plate
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Save stage
        </button>
      </div>
      <InlineError message={error} />
    </form>
  );
}

export function Stages({ detail, onChanged }: { detail: MatchDetail; onChanged: () => void }) {
  const [open, setOpen] = useState<string | null>(null);
  const [preset, setPreset] = useState<ClassifierCode>('SC-101');
  const { call, busy } = useCall();
  return (
    <section className="panel" aria-label="Stages" data-testid="stages">
      <h2 className="panel-title">Stages</h2>
      <table className="table">
        <TableHead
          columns={['Code', 'Name', num('Strings'), 'Timer', 'Plates (sensor)', hidden('Actions')]}
        />
        <tbody>
          {detail.stages.map((s) => (
            <Fragment key={s.stage_id}>
              <tr data-testid="stage-row">
                <th scope="row">{s.code}</th>
                <td>{s.name}</td>
                <td className="num">
                  {s.counted_strings} of {s.strings_per_stage}
                </td>
                <td className="mono">{s.timer_id ?? <span className="muted">none</span>}</td>
                <td className="small">
                  {s.targets.map((t) => (
                    <span
                      key={t.plate_id}
                      className={`target-chip${t.role === 'stop' ? ' target-chip--stop' : ''}`}
                    >
                      {t.label}
                      {t.sensor_id ? <span className="mono muted"> {t.sensor_id}</span> : null}
                    </span>
                  ))}
                </td>
                <td className="nowrap">
                  <button
                    type="button"
                    className="small-btn"
                    onClick={() => setOpen(open === s.stage_id ? null : s.stage_id)}
                    aria-expanded={open === s.stage_id}
                  >
                    {open === s.stage_id ? 'close' : 'edit'}
                  </button>{' '}
                  <button
                    type="button"
                    className="small-btn"
                    disabled={busy}
                    onClick={() =>
                      void call('stage.delete', { stage_id: s.stage_id }).then((r) => r && onChanged())
                    }
                  >
                    delete
                  </button>
                </td>
              </tr>
              {open === s.stage_id ? (
                <tr>
                  <td colSpan={6}>
                    <TargetsEditor
                      stage={s}
                      onSaved={() => {
                        setOpen(null);
                        onChanged();
                      }}
                    />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
      <div className="toolbar">
        <Field label="Add a classifier stage">
          <select value={preset} onChange={(e) => setPreset(e.target.value as ClassifierCode)}>
            {CLASSIFIER_CODES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </Field>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void call('stage.create', { match_id: detail.match.match_id, preset }).then(
              (r) => r && onChanged(),
            )
          }
        >
          Add stage
        </button>
      </div>
    </section>
  );
}
