/**
 * Results: match and stage rankings per division with the rule's tie-breaks, every string's
 * score, a split chart per string of the selected shooter, the audit log of score changes, and
 * the CSV exports (results, strings, shots, impacts).
 */
import { useMemo, useState, type ReactNode } from 'react';
import { DIVISIONS, type Division } from '../../../src-shared/range/scoring';
import type { ExportName, MatchResultRow, StageResultRow } from '../../../src-shared/contract/range';
import { EmptyState, InlineError } from '../../components/Status';
import { activateOnKey, onRowNavKeyDown } from '../../components/tableKeys';
import { formatClockTime, formatSeconds } from '../../lib/format';
import { downloadFile, useCall, useLoaded, usePref, useRangePush } from './hooks';
import { auditValue } from './model';
import { SplitChart } from './parts';
import { TableHead, num } from '../../components/TableHead';
import { Field } from '../../components/Field';

const EXPORTS: readonly ExportName[] = ['results', 'strings', 'shots', 'impacts'];

/** A shooter's row in a results table: focusable, and clicking or Enter/Space selects the shooter. */
function ResultRow({
  id,
  selected,
  onSelect,
  children,
}: {
  id: string;
  selected: string | null;
  onSelect: (id: string) => void;
  children: ReactNode;
}) {
  return (
    <tr
      tabIndex={0}
      aria-selected={selected === id}
      className={selected === id ? 'selected' : undefined}
      onClick={() => onSelect(id)}
      onKeyDown={(e) => activateOnKey(e, () => onSelect(id))}
      data-testid="results-row"
      data-shooter-id={id}
    >
      {children}
    </tr>
  );
}

function MatchTable({
  division,
  rows,
  stages,
  selected,
  onSelect,
}: {
  division: Division;
  rows: readonly MatchResultRow[];
  stages: readonly { stage_id: string; code: string }[];
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  return (
    <div className="panel" data-testid="results-division" data-division={division}>
      <h2 className="panel-title">{division}</h2>
      <div className="table-scroll">
        <table className="table results" aria-label={`Match results, ${division}`}>
          <TableHead columns={[num('Rank'), 'Shooter', 'Class', num('Match time'), num('Wins')]}>
            {stages.map((s) => (
              <th key={s.stage_id} scope="col" className="num">
                {s.code}
              </th>
            ))}
          </TableHead>
          <tbody onKeyDown={onRowNavKeyDown}>
            {rows.map((r) => (
              <ResultRow key={r.shooter_id} id={r.shooter_id} selected={selected} onSelect={onSelect}>
                <td className="num strong">{r.rank}</td>
                <th scope="row">
                  {r.name}
                  {r.categories.length ? (
                    <span className="muted small"> {r.categories.join(', ')}</span>
                  ) : null}
                  {r.unapproved ? (
                    <span className="badge badge--warn" title="strings not yet approved by the shooter">
                      {' '}
                      provisional
                    </span>
                  ) : null}
                </th>
                <td>{r.class}</td>
                <td className="num strong" data-testid="results-match-time">
                  {r.stages_attempted === 0 ? (
                    <span className="muted">not started</span>
                  ) : r.status === 'dnf' ? (
                    <span title={`${r.stages_attempted} of ${r.stages.length} stages shot`}>
                      DNF <span className="muted small">({formatSeconds(r.match_time_ms)})</span>
                    </span>
                  ) : (
                    formatSeconds(r.match_time_ms)
                  )}
                </td>
                <td className="num">{r.stage_wins}</td>
                {r.stages.map((s) => (
                  <td key={s.stage_id} className={`num${s.win ? ' results-win' : ''}`}>
                    {s.time_ms !== null ? (
                      <>
                        {formatSeconds(s.time_ms)}
                        <span className="muted small"> ({s.rank})</span>
                        {s.status === 'incomplete' ? (
                          <span className="muted small" title="strings still to shoot">
                            {' '}
                            …
                          </span>
                        ) : null}
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                ))}
              </ResultRow>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function StageTable({
  division,
  rows,
  selected,
  onSelect,
}: {
  division: Division;
  rows: readonly StageResultRow[];
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  const n = Math.max(0, ...rows.map((r) => r.strings.length));
  return (
    <div className="panel" data-testid="results-division" data-division={division}>
      <h2 className="panel-title">{division}</h2>
      <div className="table-scroll">
        <table className="table results" aria-label={`Stage results, ${division}`}>
          <TableHead columns={[num('Rank'), 'Shooter', num('Stage time')]}>
            {Array.from({ length: n }, (_, i) => (
              <th key={i} scope="col" className="num">
                String {i + 1}
              </th>
            ))}
          </TableHead>
          <tbody onKeyDown={onRowNavKeyDown}>
            {rows.map((r) => (
              <ResultRow key={r.shooter_id} id={r.shooter_id} selected={selected} onSelect={onSelect}>
                <td className="num strong">{r.rank}</td>
                <th scope="row">{r.name}</th>
                <td className="num strong">{r.time_ms !== null ? formatSeconds(r.time_ms) : 'DNF'}</td>
                {r.strings.map((s) => (
                  <td
                    key={s.string_number}
                    className={`num${s.counted ? '' : ' results-dropped'}`}
                    title={`${s.status}${s.penalties ? `, ${s.penalties} penalt${s.penalties > 1 ? 'ies' : 'y'}` : ''}${s.counted ? '' : ', dropped'}`}
                  >
                    {r.status === 'dnf' ? '' : formatSeconds(s.score_ms)}
                    {s.penalties ? <span className="muted small"> +{s.penalties}</span> : null}
                    {s.status === 'missing' && r.status !== 'dnf' ? (
                      <span className="muted small"> (not shot)</span>
                    ) : null}
                  </td>
                ))}
              </ResultRow>
            ))}
          </tbody>
        </table>
      </div>
      <p className="hint">
        Struck-through strings are dropped (the worst after penalties; on a tie the later one).
      </p>
    </div>
  );
}

function Splits({
  matchId,
  shooterId,
  stageId,
}: {
  matchId: string;
  shooterId: string;
  stageId: string | null;
}) {
  const runs = useLoaded('run.list', {
    match_id: matchId,
    shooter_id: shooterId,
    ...(stageId ? { stage_id: stageId } : {}),
    with_shots: true,
    limit: 100,
  });
  const list = (runs.data?.runs ?? []).filter((r) => r.shots && r.shots.length > 0).reverse();
  useRangePush((p) => {
    if (p.runs.some((r) => r.shooter_id === shooterId)) runs.refresh();
  });
  if (!runs.data) return <p className="muted">Loading strings…</p>;
  if (list.length === 0) return <p className="muted">No strings with shots yet.</p>;
  return (
    <div className="split-grid" data-testid="split-charts">
      {list.map((r) => (
        <SplitChart
          key={r.run_id}
          series={{
            key: r.run_id,
            title: `${r.stage_code ?? '—'} string ${r.string_number ?? '?'}`,
            subtitle: `${formatSeconds(r.current?.raw_ms ?? r.last_shot_ms)} s${r.score?.penalties ? ` +${r.score.penalties}` : ''} · ${r.state}`,
            shots: r.shots ?? [],
          }}
        />
      ))}
    </div>
  );
}

function AuditLog({ matchId }: { matchId: string }) {
  const log = useLoaded('score.history', { match_id: matchId, limit: 200 });
  useRangePush((p) => {
    if (p.runs.some((r) => r.match_id === matchId && r.state !== 'running')) log.refresh();
  });
  const entries = log.data?.entries ?? [];
  return (
    <section className="panel" aria-label="Score changes" data-testid="audit-log">
      <h2 className="panel-title">Score changes (audit log, newest first)</h2>
      {entries.length === 0 ? (
        <p className="muted">
          No changes yet: every penalty, correction, approval, reshoot and void is listed here.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table audit">
            <TableHead columns={['When', 'Who', 'String', 'Change', 'Reason']} />
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-testid="audit-row">
                  <td className="nowrap muted">{formatClockTime(e.at)}</td>
                  <td>
                    {e.who} <span className="muted small">({e.role})</span>
                  </td>
                  <td>
                    {e.shooter_name ?? '—'}{' '}
                    <span className="muted small">
                      {e.stage_code ?? ''} #{e.string_number ?? '?'} · {e.run_id}
                    </span>
                  </td>
                  <td>
                    {e.kind === 'approval' ? (
                      <strong>approved</strong>
                    ) : (
                      <>
                        <span className="mono">{e.field}</span> {auditValue(e.field, e.old)} →{' '}
                        <strong>{auditValue(e.field, e.new)}</strong>
                      </>
                    )}
                  </td>
                  <td>
                    {e.reason ?? ''}
                    {e.note ? <span className="muted"> — {e.note}</span> : null}
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

export function ResultsView() {
  const matches = useLoaded('match.list', undefined);
  const [matchPref, setMatchPref] = usePref('results-match', '');
  const [division, setDivision] = useState<Division | ''>('');
  const [stageId, setStageId] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const { call, busy } = useCall();
  const list = useMemo(() => matches.data?.matches ?? [], [matches.data]);
  const matchId = list.some((m) => m.match_id === matchPref) ? matchPref : (list[0]?.match_id ?? '');
  const results = useLoaded(
    'results.get',
    matchId
      ? { match_id: matchId, ...(stageId ? { stage_id: stageId } : {}), ...(division ? { division } : {}) }
      : null,
  );
  useRangePush((p) => {
    if (p.runs.some((r) => r.match_id === matchId && r.state !== 'running')) results.refresh();
  });
  const data = results.data && results.data.match.match_id === matchId ? results.data : null;

  const exportCsv = async (name: ExportName) => {
    const f = await call('export.csv', {
      name,
      ...(matchId ? { match_id: matchId } : {}),
      ...(stageId ? { stage_id: stageId } : {}),
      ...(division ? { division } : {}),
    });
    if (f) downloadFile(f);
  };

  if (matches.data && list.length === 0) {
    return (
      <div className="view view-results">
        <h1 className="view-title">Results</h1>
        <EmptyState title="No match yet" testId="results-empty">
          Create a match in <a href="#/match">Match</a> (or the demo match) and shoot some strings.
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="view view-results" data-testid="results-view">
      <div className="view-head">
        <h1 className="view-title">Results</h1>
        {data ? (
          <span className="view-sub">
            {data.match.name} · {data.match.shooters} shooters · {data.match.runs} strings
          </span>
        ) : null}
      </div>
      <div className="toolbar">
        <Field label="Match">
          <select
            value={matchId}
            onChange={(e) => {
              setMatchPref(e.target.value);
              setStageId('');
              setSelected(null);
            }}
            data-testid="results-match"
          >
            {list.map((m) => (
              <option key={m.match_id} value={m.match_id}>
                {m.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Stage">
          <select value={stageId} onChange={(e) => setStageId(e.target.value)} data-testid="results-stage">
            <option value="">whole match</option>
            {(data?.stages ?? []).map((s) => (
              <option key={s.stage_id} value={s.stage_id}>
                {s.code} {s.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Division">
          <select
            value={division}
            onChange={(e) => setDivision(e.target.value as Division | '')}
            data-testid="results-division-filter"
          >
            <option value="">all</option>
            {DIVISIONS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </Field>
        <div className="field">
          <span className="field-label">Export CSV</span>
          <div className="button-row">
            {EXPORTS.map((n) => (
              <button
                key={n}
                type="button"
                disabled={!matchId || busy}
                onClick={() => void exportCsv(n)}
                data-testid={`export-${n}`}
              >
                {n}.csv
              </button>
            ))}
          </div>
        </div>
      </div>
      <InlineError message={results.error ? `Could not load results: ${results.error}` : null} />
      {data && data.divisions.length === 0 ? (
        <EmptyState title="No shooters in this selection">
          Add shooters in Match, or clear the division filter.
        </EmptyState>
      ) : null}
      {data && !data.stage
        ? data.divisions.map((d) => (
            <MatchTable
              key={d.division}
              division={d.division}
              rows={d.rows}
              stages={data.stages}
              selected={selected}
              onSelect={setSelected}
            />
          ))
        : null}
      {data?.stage
        ? data.stage.divisions.map((d) => (
            <StageTable
              key={d.division}
              division={d.division}
              rows={d.rows}
              selected={selected}
              onSelect={setSelected}
            />
          ))
        : null}
      {data ? (
        <p className="hint">
          Ties: on a stage the fastest string breaks it, then the next fastest; overall the most stage wins,
          then the faster Outer Limits. A stage never attempted is DNF and ranks last. Select a shooter for
          their splits.
        </p>
      ) : null}
      {selected && matchId ? (
        <section className="panel" aria-label="Splits">
          <h2 className="panel-title">
            Splits —{' '}
            {data?.divisions.flatMap((d) => d.rows).find((r) => r.shooter_id === selected)?.name ?? selected}
            {stageId ? ` on ${data?.stages.find((s) => s.stage_id === stageId)?.code ?? ''}` : ''}
          </h2>
          <Splits matchId={matchId} shooterId={selected} stageId={stageId || null} />
        </section>
      ) : null}
      {matchId ? <AuditLog matchId={matchId} /> : null}
    </div>
  );
}
