/**
 * Match setup: matches (the eight classifier stages as presets, or the simulator's demo match),
 * stages with their plates (primary / stop), sensor ↔ plate and timer ↔ stage assignment,
 * shooters and squads, roster CSV import (every bad row reported by line) and export, and the
 * per-sensor impact detectors.
 */
import { Fragment, useMemo, useState } from 'react';
import {
  CLASSES,
  CLASSIFIER_CODES,
  DIVISIONS,
  type ClassifierCode,
  type Division,
  type ShooterClass,
} from '../../../src-shared/range/scoring';
import type {
  ImportResult,
  MatchDetail,
  ShooterRow,
  StageRow,
  TargetRow,
} from '../../../src-shared/contract/range';
import { EmptyState, InlineError, Status } from '../../components/Status';
import { formatRelative } from '../../lib/format';
import { useNow } from '../../components/hooks';
import { downloadFile, useCall, useLoaded, usePref } from './hooks';
import { TableHead, hidden, num } from '../../components/TableHead';
import { Field } from '../../components/Field';

function NewMatch({ onCreated }: { onCreated: (id: string) => void }) {
  const [name, setName] = useState('');
  const [date, setDate] = useState(() => new Date().toISOString().slice(0, 10));
  const [timer, setTimer] = useState('');
  const [codes, setCodes] = useState<ClassifierCode[]>([...CLASSIFIER_CODES]);
  const { call, busy } = useCall();
  return (
    <form
      className="panel match-new"
      onSubmit={(e) => {
        e.preventDefault();
        void call('match.create', {
          name: name.trim(),
          date,
          classifier_stages: codes,
          ...(timer.trim() ? { timer_id: timer.trim() } : {}),
        }).then((m) => {
          if (m) {
            setName('');
            onCreated(m.match.match_id);
          }
        });
      }}
    >
      <h2 className="panel-title">New match</h2>
      <div className="toolbar">
        <Field label="Name">
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={120}
            data-testid="match-name"
          />
        </Field>
        <Field label="Date">
          <input type="date" value={date} onChange={(e) => setDate(e.target.value)} />
        </Field>
        <Field label="Timer for every stage">
          <input
            value={timer}
            onChange={(e) => setTimer(e.target.value)}
            placeholder="e.g. amg-01"
            maxLength={64}
          />
        </Field>
      </div>
      <fieldset className="classifier-picks">
        <legend className="field-label">Classifier stages (5 strings, best 4; Outer Limits 4, best 3)</legend>
        {CLASSIFIER_CODES.map((c) => (
          <label key={c} className="check">
            <input
              type="checkbox"
              checked={codes.includes(c)}
              onChange={(e) =>
                setCodes((cur) =>
                  e.target.checked
                    ? CLASSIFIER_CODES.filter((x) => x === c || cur.includes(x))
                    : cur.filter((x) => x !== c),
                )
              }
            />
            {c}
          </label>
        ))}
      </fieldset>
      <button type="submit" className="primary" disabled={busy || !name.trim()} data-testid="match-create">
        Create match
      </button>
    </form>
  );
}

function TargetsEditor({ stage, onSaved }: { stage: StageRow; onSaved: () => void }) {
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

function Stages({ detail, onChanged }: { detail: MatchDetail; onChanged: () => void }) {
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

function ShooterForm({
  matchId,
  shooter,
  onDone,
}: {
  matchId: string;
  shooter: ShooterRow | null;
  onDone: () => void;
}) {
  const [name, setName] = useState(shooter?.name ?? '');
  const [division, setDivision] = useState<Division>(shooter?.division ?? 'OPN');
  const [cls, setCls] = useState<ShooterClass>(shooter?.class ?? 'U');
  const [categories, setCategories] = useState(shooter?.categories.join('; ') ?? '');
  const [squad, setSquad] = useState(shooter?.squad ?? '');
  const { call, busy, error } = useCall();
  const cats = categories
    .split(/[;,]/)
    .map((c) => c.trim())
    .filter(Boolean);
  return (
    <form
      className="toolbar"
      onSubmit={(e) => {
        e.preventDefault();
        const common = {
          name: name.trim(),
          division,
          class: cls,
          categories: cats,
          squad: squad.trim() || null,
        };
        const p = shooter
          ? call('shooter.update', { shooter_id: shooter.shooter_id, ...common })
          : call('shooter.create', { match_id: matchId, ...common });
        void p.then((r) => {
          if (r) {
            if (!shooter) setName('');
            onDone();
          }
        });
      }}
    >
      <Field label="Name">
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={120}
          data-testid="shooter-name"
        />
      </Field>
      <Field label="Division">
        <select value={division} onChange={(e) => setDivision(e.target.value as Division)}>
          {DIVISIONS.map((d) => (
            <option key={d}>{d}</option>
          ))}
        </select>
      </Field>
      <Field label="Class">
        <select value={cls} onChange={(e) => setCls(e.target.value as ShooterClass)}>
          {CLASSES.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </Field>
      <Field label="Categories">
        <input
          value={categories}
          onChange={(e) => setCategories(e.target.value)}
          placeholder="Lady; Senior"
          maxLength={200}
        />
      </Field>
      <Field label="Squad">
        <input value={squad} onChange={(e) => setSquad(e.target.value)} maxLength={40} />
      </Field>
      <button type="submit" className="primary" disabled={busy || !name.trim()} data-testid="shooter-save">
        {shooter ? 'Save' : 'Add shooter'}
      </button>
      <InlineError message={error} />
    </form>
  );
}

function Roster({ detail, onChanged }: { detail: MatchDetail; onChanged: () => void }) {
  const [editing, setEditing] = useState<string | null>(null);
  const [csv, setCsv] = useState('');
  const [result, setResult] = useState<ImportResult | null>(null);
  const { call, busy } = useCall();
  const matchId = detail.match.match_id;
  const importCsv = (partial: boolean) =>
    void call('shooter.import', { match_id: matchId, csv, partial }).then((r) => {
      if (!r) return;
      setResult(r);
      if (r.imported) {
        onChanged();
        if (!r.errors.length) setCsv('');
      }
    });
  return (
    <section className="panel" aria-label="Shooters" data-testid="roster">
      <h2 className="panel-title">Shooters ({detail.shooters.length})</h2>
      {detail.shooters.length ? (
        <div className="table-scroll">
          <table className="table">
            <TableHead columns={['Name', 'Division', 'Class', 'Categories', 'Squad', hidden('Actions')]} />
            <tbody>
              {detail.shooters.map((s) => (
                <tr key={s.shooter_id} data-testid="shooter-row">
                  {editing === s.shooter_id ? (
                    <td colSpan={6}>
                      <ShooterForm
                        matchId={matchId}
                        shooter={s}
                        onDone={() => {
                          setEditing(null);
                          onChanged();
                        }}
                      />
                    </td>
                  ) : (
                    <>
                      <th scope="row">{s.name}</th>
                      <td>{s.division}</td>
                      <td>{s.class}</td>
                      <td>{s.categories.join(', ')}</td>
                      <td>{s.squad ?? ''}</td>
                      <td className="nowrap">
                        <button type="button" className="small-btn" onClick={() => setEditing(s.shooter_id)}>
                          edit
                        </button>{' '}
                        <button
                          type="button"
                          className="small-btn"
                          disabled={busy}
                          onClick={() =>
                            void call('shooter.delete', { shooter_id: s.shooter_id }).then(
                              (r) => r && onChanged(),
                            )
                          }
                        >
                          delete
                        </button>
                      </td>
                    </>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">No shooters yet: add them one by one or import a roster.</p>
      )}
      <ShooterForm matchId={matchId} shooter={null} onDone={onChanged} />
      <details className="roster-import">
        <summary>Import or export the roster (CSV)</summary>
        <p className="hint">
          Header row: <code>name, division, class, categories, squad, squad_position</code> (categories
          separated by <code>;</code>; a <code>shooter_id</code> column updates those shooters). Nothing is
          imported while a row has an error.
        </p>
        <Field label="CSV file">
          <input
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void f.text().then(setCsv);
            }}
          />
        </Field>
        <Field label="or paste it">
          <textarea
            value={csv}
            onChange={(e) => setCsv(e.target.value)}
            rows={6}
            className="mono"
            data-testid="roster-csv"
          />
        </Field>
        <div className="button-row">
          <button
            type="button"
            className="primary"
            disabled={busy || !csv.trim()}
            onClick={() => importCsv(false)}
            data-testid="roster-import"
          >
            Import
          </button>
          {result && result.errors.length && result.valid && !result.imported ? (
            <button type="button" disabled={busy} onClick={() => importCsv(true)}>
              Import the {result.valid} valid rows anyway
            </button>
          ) : null}
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void call('export.csv', { name: 'roster', match_id: matchId }).then((f) => f && downloadFile(f))
            }
          >
            Export roster.csv
          </button>
        </div>
        {result ? (
          <div role="status" data-testid="roster-result">
            <p>
              {result.imported
                ? `Imported ${result.imported} shooter${result.imported === 1 ? '' : 's'}.`
                : 'Nothing imported.'}{' '}
              {result.errors.length
                ? `${result.errors.length} row${result.errors.length === 1 ? '' : 's'} with errors:`
                : ''}
            </p>
            {result.errors.length ? (
              <ul className="import-errors">
                {result.errors.map((e) => (
                  <li key={e.line} data-testid="roster-error">
                    line {e.line}: {e.error}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </details>
    </section>
  );
}

function Detectors() {
  const list = useLoaded('detector.list', undefined);
  const now = useNow(2000);
  const { call, busy } = useCall();
  const [edit, setEdit] = useState<Record<string, { threshold: string; debounce: string }>>({});
  const rows = list.data?.detectors ?? [];
  return (
    <section className="panel" aria-label="Impact detectors" data-testid="detectors">
      <h2 className="panel-title">
        Impact detectors (one per sensor){' '}
        <button type="button" className="small-btn" onClick={list.refresh}>
          refresh
        </button>
      </h2>
      {rows.length === 0 ? (
        <p className="muted">No sensors yet: they appear when telemetry arrives or a plate names one.</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <TableHead
              columns={[
                'Sensor',
                'Plates',
                'State',
                'Source',
                num('Threshold'),
                num('Debounce'),
                num('Delay'),
                'Last sample',
                hidden('Actions'),
              ]}
            />
            <tbody>
              {rows.map((d) => {
                const e = edit[d.sensor_id] ?? {
                  threshold: String(d.settings.threshold),
                  debounce: String(d.settings.debounce_ms),
                };
                return (
                  <tr key={d.sensor_id} data-testid="detector-row">
                    <th scope="row" className="mono">
                      {d.sensor_id}
                    </th>
                    <td className="small">{d.plates.join(', ') || '—'}</td>
                    <td>
                      <Status
                        tone={
                          d.phase === 'armed' || d.phase === 'event' || d.phase === 'holdoff'
                            ? 'ok'
                            : d.phase === 'calibrating'
                              ? 'warn'
                              : 'idle'
                        }
                      >
                        {d.phase === 'calibrating'
                          ? `calibrating ${d.calibration_collected}/${d.settings.calibration_samples}`
                          : d.phase}
                      </Status>
                      {d.baseline ? (
                        <span className="muted small">
                          {' '}
                          base {d.baseline.x.toFixed(1)}/{d.baseline.y.toFixed(1)}/{d.baseline.z.toFixed(1)}
                        </span>
                      ) : null}
                    </td>
                    <td>{d.mode === 'console' ? 'raw telemetry' : 'bridge reports'}</td>
                    <td className="num">
                      <input
                        className="num-input"
                        value={e.threshold}
                        inputMode="decimal"
                        aria-label={`threshold of ${d.sensor_id}, mm/s`}
                        onChange={(ev) =>
                          setEdit((x) => ({ ...x, [d.sensor_id]: { ...e, threshold: ev.target.value } }))
                        }
                      />{' '}
                      mm/s
                    </td>
                    <td className="num">
                      <input
                        className="num-input"
                        value={e.debounce}
                        inputMode="numeric"
                        aria-label={`debounce of ${d.sensor_id}, ms`}
                        onChange={(ev) =>
                          setEdit((x) => ({ ...x, [d.sensor_id]: { ...e, debounce: ev.target.value } }))
                        }
                      />{' '}
                      ms
                    </td>
                    <td className="num">{Math.round(d.expected_delay_ms)} ms</td>
                    <td>{formatRelative(d.last_sample_at, now)}</td>
                    <td className="nowrap">
                      <button
                        type="button"
                        className="small-btn"
                        disabled={busy}
                        onClick={() =>
                          void call('detector.configure', {
                            sensor_id: d.sensor_id,
                            threshold: Number(e.threshold),
                            debounce_ms: Math.round(Number(e.debounce)),
                          }).then((r) => r && list.refresh())
                        }
                      >
                        save
                      </button>{' '}
                      <button
                        type="button"
                        className="small-btn"
                        disabled={busy}
                        onClick={() =>
                          void call('detector.calibrate', { sensor_id: d.sensor_id }).then(
                            (r) => r && list.refresh(),
                          )
                        }
                        title="collect 100 samples with the plate still"
                      >
                        calibrate
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <p className="hint">
        Delay: the shot → impact delay learnt from approved strings, used to pair shots with hits. A sensor
        without recent raw telemetry falls back to the impacts its bridge reports.
      </p>
    </section>
  );
}

export function MatchView() {
  const matches = useLoaded('match.list', undefined);
  const [pref, setPref] = usePref('setup-match', '');
  const list = useMemo(() => matches.data?.matches ?? [], [matches.data]);
  const matchId = list.some((m) => m.match_id === pref) ? pref : (list[0]?.match_id ?? '');
  const detail = useLoaded('match.get', matchId ? { match_id: matchId } : null);
  const d = detail.data && detail.data.match.match_id === matchId ? detail.data : null;
  const { call, busy } = useCall();
  const changed = () => {
    detail.refresh();
    matches.refresh();
  };
  return (
    <div className="view view-match" data-testid="match-view">
      <div className="view-head">
        <h1 className="view-title">Match</h1>
        {list.length ? (
          <Field label="Match">
            <select value={matchId} onChange={(e) => setPref(e.target.value)} data-testid="match-select">
              {list.map((m) => (
                <option key={m.match_id} value={m.match_id}>
                  {m.name} ({m.date ?? 'no date'})
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void call('match.demo', {}).then((m) => {
              if (m) {
                setPref(m.match.match_id);
                matches.refresh();
              }
            })
          }
          data-testid="match-demo"
          title="the squad, stages and sensors the simulator's range scenario shoots"
        >
          Create the demo match
        </button>
      </div>
      {matches.data && list.length === 0 ? (
        <EmptyState title="No match yet" testId="match-empty">
          Create one below, or the demo match the simulator shoots (
          <code>npm run simulate -- --scenario range --sensors 5</code>).
        </EmptyState>
      ) : null}
      <InlineError message={detail.error} />
      {d ? (
        <>
          <div className="panel match-summary">
            <strong>{d.match.name}</strong> <span className="muted">{d.match.date ?? ''}</span> ·{' '}
            {d.stages.length} stages · {d.shooters.length} shooters · {d.match.runs} strings shot{' '}
            <button
              type="button"
              className="small-btn"
              disabled={busy || d.match.runs > 0}
              title={d.match.runs > 0 ? 'a match with results is kept' : 'delete this match'}
              onClick={() =>
                void call('match.delete', { match_id: d.match.match_id }).then((r) => r && changed())
              }
            >
              delete match
            </button>
          </div>
          <Stages detail={d} onChanged={changed} />
          <Roster detail={d} onChanged={changed} />
        </>
      ) : null}
      <NewMatch
        onCreated={(id) => {
          setPref(id);
          matches.refresh();
        }}
      />
      <Detectors />
    </div>
  );
}
