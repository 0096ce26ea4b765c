/** A match's shooters and squads: add and edit one, import a roster CSV (every bad row reported by line), export it. */
import { useState } from 'react';
import { CLASSES, DIVISIONS, type Division, type ShooterClass } from '../../../src-shared/range/scoring';
import type { ImportResult, MatchDetail, ShooterRow } from '../../../src-shared/contract/range';
import { InlineError } from '../../components/Status';
import { downloadFile, useCall } from './hooks';
import { TableHead, hidden } from '../../components/TableHead';
import { Field } from '../../components/Field';

export function ShooterForm({
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

export function Roster({ detail, onChanged }: { detail: MatchDetail; onChanged: () => void }) {
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
