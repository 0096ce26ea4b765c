/**
 * The range officer's screen: who is on the line and who is next, a large running clock, the
 * plates lighting up as hits land, shots with splits, what did not match (a miss? a stray hit? an
 * echo?), penalties, approval, reshoot and void — with single-key shortcuts, documented on screen.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { RangePush, RunDetail, RunShot } from '../../../src-shared/contract/range';
import type { ScoreField } from '../../../src-shared/range/scoring';
import { EmptyState, InlineError, Status } from '../../components/Status';
import { isTypingTarget } from '../../components/hooks';
import { useCall, useLoaded, usePref, useRangePush } from './hooks';
import {
  fieldOfAction,
  PENALTY_LABELS,
  plural,
  roActionForKey,
  STATE_LABELS,
  stringLabel,
  type RoAction,
} from './model';
import { PlateMap, ReasonDialog, RoClock } from './parts';
import {
  alertsOf,
  onLoaded,
  onPush,
  pin,
  RO_INITIAL,
  showRun,
  stateTone,
  unpin,
  type RoModel,
} from './roModel';
import { StationBar } from './RoStationBar';
import { ShotsTable } from './RoShots';
import { ScorePanel } from './RoScore';
import { History } from './RoHistory';
import { AssignForm } from './RoAssign';
import { RoAlerts, RoShortcuts, RoSquad } from './RoPanels';

/** A score change as the RO screen sends it, before who, role and reason are added. */
type Change = { field: ScoreField; delta?: number; new?: number | boolean; label: string; note?: string };

type Dialog =
  | { kind: 'reshoot' | 'void'; run: RunDetail }
  // An approved string changes only by an RO / Range Master decision, with its reason.
  | { kind: 'decision'; run: RunDetail; change: Change }
  | null;

export function RoView() {
  const stations = useLoaded('station.list', undefined);
  const [timerPref, setTimerPref] = usePref('timer', '');
  const [roName, setRoName] = usePref('ro-name', 'RO');
  const list = useMemo(() => stations.data?.stations ?? [], [stations.data]);
  const timerId = useMemo(() => {
    if (list.some((s) => s.timer_id === timerPref)) return timerPref;
    return (list.find((s) => s.match_id) ?? list[0])?.timer_id ?? '';
  }, [list, timerPref]);
  const [model, setModel] = useState<RoModel>(RO_INITIAL);
  // Pushes can arrive several times between renders: each one starts from the latest model.
  const modelRef = useRef(model);
  const update = useCallback((next: RoModel) => {
    modelRef.current = next;
    setModel(next);
  }, []);
  const { run, origin, pinned } = model;
  const ro = useLoaded('ro.state', timerId ? { timer_id: timerId } : null, (d) => {
    update(onLoaded(modelRef.current, d.run, Date.now()));
  });
  const [dialog, setDialog] = useState<Dialog>(null);
  const [help, setHelp] = useState(true);
  const { call, busy } = useCall();
  const who = roName.trim() || 'RO';

  const show = useCallback(
    (d: RunDetail | null) => update(showRun(modelRef.current, d, Date.now())),
    [update],
  );
  const setPinned = (id: string | null) => update(id ? pin(modelRef.current, id) : unpin(modelRef.current));

  useRangePush((p: RangePush) => {
    const out = onPush(
      modelRef.current,
      p,
      timerId,
      list.map((s) => s.timer_id),
      Date.now(),
    );
    update(out.model);
    if (out.refreshStations) stations.refresh();
    if (out.refresh) ro.refresh();
  });

  const station = ro.data?.station ?? list.find((s) => s.timer_id === timerId) ?? null;

  const onStation = (patch: {
    match_id?: string | null;
    stage_id?: string | null;
    squad?: string | null;
    shooter_id?: string | null;
  }) => {
    if (!timerId) return;
    void call('station.set', { timer_id: timerId, ...patch }).then((r) => {
      if (r) {
        ro.refresh();
        stations.refresh();
      }
    });
  };

  const act = useCallback(
    async (a: RoAction) => {
      if (a === 'help') return setHelp((h) => !h);
      if (a === 'remote_start') {
        if (!timerId) return;
        const r = await call('run.remote_start', { timer_id: timerId, who });
        if (r) ro.refresh();
        return;
      }
      if (!run) return;
      if (a === 'stop') {
        if (run.state !== 'running') return;
        const r = await call('run.stop', { run_id: run.run_id, who });
        if (r) show(r);
        return;
      }
      if (run.state === 'running' || !run.current) return;
      const pen = fieldOfAction(a);
      if (pen && run.state === 'approved') {
        const label = PENALTY_LABELS[pen.field];
        setDialog({
          kind: 'decision',
          run,
          change: {
            field: pen.field,
            delta: pen.delta,
            label: `${pen.delta > 0 ? 'add a' : 'remove a'} ${label.one}`,
          },
        });
        return;
      }
      if (pen) {
        const r = await call('score.change', {
          run_id: run.run_id,
          field: pen.field,
          delta: pen.delta,
          reason: pen.delta > 0 ? 'penalty' : 'correction',
          who,
          role: 'RO',
        });
        if (r) show(r);
        return;
      }
      if (a === 'stop_plate') {
        const next = !run.current.stop_plate_hit;
        if (run.state === 'approved') {
          setDialog({
            kind: 'decision',
            run,
            change: {
              field: 'stop_plate_hit',
              new: next,
              label: next ? 'mark the stop plate hit' : 'mark the stop plate not hit',
            },
          });
          return;
        }
        const r = await call('score.change', {
          run_id: run.run_id,
          field: 'stop_plate_hit',
          new: next,
          reason: next ? 'correction' : 'penalty',
          who,
          role: 'RO',
        });
        if (r) show(r);
        return;
      }
      if (a === 'approve') {
        if (run.state !== 'review') return;
        const r = await call('score.approve', {
          run_id: run.run_id,
          who: run.shooter_name ?? who,
          role: run.shooter_name ? 'shooter' : 'RO',
        });
        if (r) {
          show(r);
          ro.refresh();
        }
        return;
      }
      if ((a === 'reshoot' || a === 'void') && run.state !== 'void') setDialog({ kind: a, run });
    },
    [call, run, show, timerId, who, ro],
  );

  const accept = async (s: RunShot) => {
    if (!run) return;
    if (run.state === 'approved') {
      setDialog({
        kind: 'decision',
        run,
        change: {
          field: 'raw_ms',
          new: s.time_ms,
          label: `use shot ${s.shot_number} as the time`,
          note: `shot ${s.shot_number} accepted as the time`,
        },
      });
      return;
    }
    const r = await call('score.change', {
      run_id: run.run_id,
      field: 'raw_ms',
      new: s.time_ms,
      reason: 'correction',
      who,
      role: 'RO',
      note: `shot ${s.shot_number} accepted as the time`,
    });
    if (r) show(r);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.repeat || isTypingTarget(e.target) || dialog) return;
      const a = roActionForKey(e.key, e);
      if (!a) return;
      e.preventDefault();
      void act(a);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [act, dialog]);

  const confirmDialog = async (reason: string) => {
    if (!dialog) return;
    const d = dialog;
    setDialog(null);
    if (d.kind === 'decision') {
      const { field, delta, label, note } = d.change;
      const r = await call('score.change', {
        run_id: d.run.run_id,
        field,
        ...(delta !== undefined ? { delta } : { new: d.change.new }),
        reason: 'correction',
        who,
        role: 'RO',
        note: note
          ? `${reason} (${note}; RO decision after approval: ${label})`
          : `${reason} (RO decision after approval: ${label})`,
      });
      if (r) show(r);
      return;
    }
    const r = await call('score.change', {
      run_id: d.run.run_id,
      field: 'voided',
      new: true,
      reason: d.kind,
      who,
      role: 'RO',
      note: reason,
    });
    if (r) {
      show(r);
      ro.refresh();
    }
  };

  if (stations.data && list.length === 0) {
    return (
      <div className="view view-ro">
        <h1 className="view-title">Range officer</h1>
        <EmptyState title="No timer yet — waiting for leadville/timer/events" testId="ro-empty">
          Set up a match in <a href="#/match">Match</a> and assign its stages a timer, or create the demo
          match the simulator shoots (<code>npm run simulate -- --scenario range --sensors 5</code>).
          <div className="pad">
            <button
              type="button"
              className="primary"
              onClick={() => void call('match.demo', {}).then(() => stations.refresh())}
              data-testid="ro-create-demo"
            >
              Create the demo match
            </button>
          </div>
        </EmptyState>
      </div>
    );
  }

  const st = ro.data;
  const onLine = run && (run.state === 'running' || run.state === 'review') && run.shooter_name;
  const up = station?.up ?? null;
  const next = station?.next ?? null;
  const timer = station?.timer ?? null;
  const canRemote = !!timer?.remote_start && timer.online && !station?.running_run_id;
  const alerts = run ? alertsOf(run) : [];

  return (
    <div className="view view-ro" data-testid="ro-view">
      <StationBar
        timerId={timerId}
        setTimerId={(t) => {
          setPinned(null);
          setTimerPref(t);
        }}
        stations={list}
        station={station}
        roName={roName}
        setRoName={setRoName}
        onStation={onStation}
      />
      <InlineError message={ro.error ? `Could not load the RO state: ${ro.error}` : null} />
      {/* Banners float over the page so one appearing mid-string never moves the clock. */}
      <div className="ro-banners" aria-live="polite">
        {st?.pending && !pinned ? (
          <div className="ro-banner" role="status" data-testid="ro-pending">
            The previous string of {st.pending.shooter_name ?? 'an unassigned shooter'} (
            {stringLabel(st.pending.string_number, st.pending.strings_per_stage)}) still waits for approval.
            <button
              type="button"
              onClick={() => {
                setPinned(st.pending!.run_id);
                void call('run.get', { run_id: st.pending!.run_id }).then((r) => r && show(r));
              }}
            >
              Review it
            </button>
          </div>
        ) : null}
        {pinned ? (
          <div className="ro-banner" role="status">
            Reviewing {pinned}.
            <button
              type="button"
              onClick={() => {
                setPinned(null);
                ro.refresh();
              }}
            >
              Back to the line
            </button>
          </div>
        ) : null}
      </div>

      <div className={`ro-string${run ? ' ro-string--run' : ''}`}>
        <div className="ro-main">
          <section className="ro-head" aria-label="On the line">
            <div className="ro-who">
              <div className="ro-label">
                {onLine ? (run!.state === 'running' ? 'Shooting' : 'Reviewing') : 'Up now'}
              </div>
              <div className="ro-shooter" data-testid="ro-shooter">
                {onLine ? run!.shooter_name : (up?.name ?? (run?.shooter_name || '—'))}
              </div>
              <div className="ro-meta" data-testid="ro-meta">
                {onLine
                  ? `${run!.division ?? ''} ${run!.class ?? ''} · ${stringLabel(run!.string_number, run!.strings_per_stage)}`
                  : up
                    ? `${up.division} ${up.class} · ${stringLabel(up.string_number, st?.stage?.strings_per_stage ?? null)}`
                    : 'nobody up: pick a stage and squad'}
              </div>
              <div className="ro-stage" data-testid="ro-stage-name">
                {st?.stage ? `${st.stage.code} ${st.stage.name}` : 'no stage'}{' '}
                {st?.match ? <span className="muted">· {st.match.name}</span> : null}
              </div>
              <div className="ro-next" data-testid="ro-next">
                Next:{' '}
                {onLine
                  ? up
                    ? `${up.name} (${stringLabel(up.string_number, null).toLowerCase()})`
                    : '—'
                  : next
                    ? `${next.name} (${stringLabel(next.string_number, null).toLowerCase()})`
                    : '—'}
              </div>
            </div>
            <div className="ro-clock-wrap">
              <RoClock run={run} origin={origin} />
              <div className="ro-clock-foot">
                {run ? (
                  <Status tone={stateTone(run.state)} testId="ro-state">
                    {STATE_LABELS[run.state]}
                  </Status>
                ) : (
                  <Status tone="idle" testId="ro-state">
                    waiting
                  </Status>
                )}
                <span className="muted">
                  {run
                    ? `${plural(run.shot_count, 'shot', 'shots')} · ${run.run_id}`
                    : 'no string yet on this timer'}
                </span>
              </div>
              <div className="ro-start">
                <button
                  type="button"
                  className="ro-btn ro-btn--start"
                  disabled={!canRemote || busy}
                  title={
                    !timer
                      ? 'this timer has not been seen yet'
                      : !timer.remote_start
                        ? 'this timer does not take a remote start'
                        : !timer.online
                          ? 'the timer is offline'
                          : station?.running_run_id
                            ? 'a string is running'
                            : 'the timer beeps and the string starts'
                  }
                  onClick={() => void act('remote_start')}
                  data-testid="ro-remote-start"
                >
                  Remote start <kbd>S</kbd>
                </button>
                {run?.state === 'running' ? (
                  <button
                    type="button"
                    className="ro-btn"
                    onClick={() => void act('stop')}
                    data-testid="ro-stop"
                  >
                    Stop string <kbd>X</kbd>
                  </button>
                ) : (
                  <button
                    type="button"
                    className="ro-btn"
                    disabled={!timerId || busy || !!station?.running_run_id}
                    onClick={() =>
                      void call('run.start', { timer_id: timerId, who }).then((r) => r && show(r))
                    }
                    data-testid="ro-open-by-hand"
                    title="open a string without the timer's start (the timer is not sending)"
                  >
                    Open string by hand
                  </button>
                )}
              </div>
            </div>
          </section>

          {run ? (
            <>
              <PlateMap plates={run.plates} />

              <ShotsTable
                run={run}
                onAccept={(s) => void accept(s)}
                canEdit={run.state === 'review' || run.state === 'approved'}
              />
            </>
          ) : null}
        </div>
        {run ? (
          // Alerts sit under the score: appearing mid-string they push nothing on the left.
          <div className="ro-side">
            <ScorePanel run={run} busy={busy} onAction={(a) => void act(a)} />
            <RoAlerts
              alerts={alerts}
              disabled={busy}
              canFix={run.state !== 'void'}
              onFix={(f) => {
                if (typeof f === 'object') void accept(f.accept);
                else void act(f);
              }}
            />
          </div>
        ) : null}
      </div>

      {run ? (
        <>
          {!run.shooter_id && run.state !== 'running' ? (
            <AssignForm run={run} who={who} onDone={show} />
          ) : null}
          <History history={run.history} />
        </>
      ) : null}

      {st && st.squad.length ? (
        <RoSquad
          squad={st.squad}
          stageCode={st.stage?.code ?? null}
          onPutUp={(id) => onStation({ shooter_id: id })}
        />
      ) : null}

      <RoShortcuts shown={help} onToggle={() => setHelp((h) => !h)} />

      {dialog?.kind === 'decision' ? (
        <ReasonDialog
          title={`The string is approved: ${dialog.change.label}?`}
          label={`A change after the shooter's approval is an RO / Range Master decision, recorded as ${who}'s. Why?`}
          confirmLabel="Record the decision"
          onConfirm={(r) => void confirmDialog(r)}
          onCancel={() => setDialog(null)}
        />
      ) : dialog ? (
        <ReasonDialog
          title={
            dialog.kind === 'reshoot'
              ? `Reshoot ${stringLabel(dialog.run.string_number, null).toLowerCase()}`
              : `Void ${dialog.run.run_id}`
          }
          label={
            dialog.kind === 'reshoot'
              ? 'Why is the string reshot? (range equipment failure, …)'
              : 'Why is the string void?'
          }
          confirmLabel={dialog.kind === 'reshoot' ? 'Grant the reshoot' : 'Void the string'}
          onConfirm={(r) => void confirmDialog(r)}
          onCancel={() => setDialog(null)}
        />
      ) : null}
    </div>
  );
}
