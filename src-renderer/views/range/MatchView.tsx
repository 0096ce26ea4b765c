/**
 * Match setup: matches (the eight classifier stages as presets, or the simulator's demo match),
 * stages with their plates (primary / stop), sensor ↔ plate and timer ↔ stage assignment,
 * shooters and squads, roster CSV import (every bad row reported by line) and export, and the
 * per-sensor impact detectors.
 */
import { useMemo, useState } from 'react';
import { DEMO_MATCH_NAME } from '../../../src-shared/range/demo-match';
import { EmptyState, InlineError } from '../../components/Status';
import { useCall, useLoaded, usePref } from './hooks';
import { Field } from '../../components/Field';
import { NewMatch } from './NewMatch';
import { Stages } from './StagesPanel';
import { Roster } from './RosterPanel';
import { Detectors } from './DetectorsPanel';
import { ConfirmDialog } from './parts';

export function MatchView() {
  const matches = useLoaded('match.list', undefined);
  const [pref, setPref] = usePref('setup-match', '');
  const list = useMemo(() => matches.data?.matches ?? [], [matches.data]);
  const matchId = list.some((m) => m.match_id === pref) ? pref : (list[0]?.match_id ?? '');
  const detail = useLoaded('match.get', matchId ? { match_id: matchId } : null);
  const d = detail.data && detail.data.match.match_id === matchId ? detail.data : null;
  const { call, busy } = useCall();
  const [askDemo, setAskDemo] = useState(false);
  const demo = list.find((m) => m.name.trim().toLowerCase() === DEMO_MATCH_NAME.toLowerCase());
  const createDemo = () =>
    void call('match.demo', {}).then((m) => {
      if (m) {
        setPref(m.match.match_id);
        matches.refresh();
      }
    });
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
          onClick={() => (demo ? setAskDemo(true) : createDemo())}
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
      {askDemo && demo ? (
        <ConfirmDialog
          title="The demo match already exists"
          confirmLabel="Open the demo match"
          onConfirm={() => {
            setAskDemo(false);
            setPref(demo.match_id);
          }}
          onCancel={() => setAskDemo(false)}
        >
          <p>
            “{demo.name}” ({demo.date ?? 'no date'}, {demo.runs} strings shot) is already here. A second one
            would take its timer and leave the exports empty, so match names are unique: open this one, or
            rename or delete it to create a fresh demo match.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
