/**
 * The range officer's screen: who is on the line and who is next, a large running clock, the
 * plates lighting up as hits land, shots with splits, what did not match (a miss? a stray hit? an
 * echo?), penalties, approval, reshoot and void — with single-key shortcuts, documented on screen.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type {
  AuditEntry,
  RangePush,
  RunDetail,
  RunShot,
  StationRow,
} from '../../../src-shared/contract/range';
import { EmptyState, InlineError, Status } from '../../components/Status';
import { isTypingTarget } from '../../components/hooks';
import { formatClockTime, formatSeconds } from '../../lib/format';
import { useCall, useLoaded, usePref, useRangePush } from './hooks';
import {
  auditValue,
  clockOrigin,
  fieldOfAction,
  PENALTY_FIELDS,
  PENALTY_LABELS,
  plural,
  RO_SHORTCUTS,
  roActionForKey,
  STATE_LABELS,
  stringLabel,
  type PenaltyField,
  type RoAction,
} from './model';
import { PlateMap, ReasonDialog, RoClock } from './parts';
import { TableHead, hidden, num } from '../../components/TableHead';
import { Field } from '../../components/Field';

type Dialog = { kind: 'reshoot' | 'void'; run: RunDetail } | null;

/** `run-12` → 12 (run ids grow with each run). */
function runSeq(id: string): number {
  const n = Number(id.replace(/^\D+/, ''));
  return Number.isFinite(n) ? n : 0;
}

function stateTone(state: RunDetail['state']): 'ok' | 'warn' | 'bad' | 'idle' {
  if (state === 'running') return 'ok';
  if (state === 'review') return 'warn';
  if (state === 'void') return 'bad';
  return 'idle';
}

function approvedBy(history: readonly AuditEntry[]): AuditEntry | undefined {
  return [...history].reverse().find((h) => h.kind === 'approval');
}

/** What the RO should look at, worst first. */
function alertsOf(run: RunDetail): {
  id: string;
  tone: 'warn' | 'bad';
  text: string;
  fix?: { label: string; action: 'miss' | 'stop_plate' | { accept: RunShot } };
}[] {
  const out: ReturnType<typeof alertsOf> = [];
  const closed = run.state !== 'running';
  if (run.flags.includes('implicit_start'))
    out.push({
      id: 'implicit',
      tone: 'warn',
      text: 'The timer’s start was not seen: times are anchored on the first shot.',
    });
  if (run.flags.includes('no_stop_frame'))
    out.push({
      id: 'nostop',
      tone: 'warn',
      text: run.flags.includes('stale')
        ? 'Closed without a stop from the timer: nothing arrived for 10 minutes.'
        : 'Closed without a stop from the timer (a new string started).',
    });
  if (run.flags.includes('shots_missing'))
    out.push({
      id: 'missing',
      tone: 'bad',
      text: 'The timer counted more shots than arrived: check the timer’s display.',
    });
  for (const p of run.plates) {
    if (p.sensor_id && p.sensor_online === false)
      out.push({
        id: `off-${p.plate_id}`,
        tone: 'bad',
        text: `Sensor ${p.sensor_id} on ${p.label} is offline: hits on it cannot be seen.`,
      });
  }
  for (const n of run.unmatched_shots) {
    const s = run.shots.find((x) => x.shot_number === n);
    if (!s) continue;
    out.push({
      id: `shot-${n}`,
      tone: 'warn',
      text: `Shot ${n} at ${formatSeconds(s.time_ms)} s: no impact followed — a miss?${s.after_stop_plate ? ' (after the stop plate: an echo?)' : ''}`,
    });
  }
  for (const id of run.unmatched_impacts) {
    const i = run.impacts.find((x) => x.impact_id === id);
    if (!i) continue;
    out.push({
      id: `imp-${id}`,
      tone: 'warn',
      text: `Hit on ${i.plate_id ?? i.sensor_id} at ${formatSeconds(i.t_ms)} s with no shot before it — a stray hit?`,
    });
  }
  if (closed && run.plates_not_hit.length) {
    out.push({
      id: 'nothit',
      tone: 'bad',
      text: `Not hit: ${run.plates_not_hit.join(', ')}`,
      fix: { label: 'Add a miss', action: 'miss' },
    });
  }
  if (closed && run.stop_plate_detected === false && run.current?.stop_plate_hit) {
    out.push({
      id: 'stopplate',
      tone: 'bad',
      text: 'The stop plate’s sensor saw no hit.',
      fix: { label: 'Stop plate not hit', action: 'stop_plate' },
    });
  }
  const echo = run.shots.filter((s) => s.after_stop_plate);
  if (closed && echo.length) {
    const lastAimed = [...run.shots].reverse().find((s) => !s.after_stop_plate);
    out.push({
      id: 'echo',
      tone: 'warn',
      text: `${plural(echo.length, 'shot', 'shots')} after the stop plate was hit (an echo?).`,
      ...(lastAimed && run.current?.raw_ms !== lastAimed.time_ms
        ? {
            fix: {
              label: `Accept shot ${lastAimed.shot_number} (${formatSeconds(lastAimed.time_ms)} s) as the time`,
              action: { accept: lastAimed },
            },
          }
        : {}),
    });
  }
  return out;
}

function StationBar({
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
    </div>
  );
}

function ShotsTable({
  run,
  onAccept,
  canEdit,
}: {
  run: RunDetail;
  onAccept: (s: RunShot) => void;
  canEdit: boolean;
}) {
  return (
    <div className="panel ro-shots">
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

function ScorePanel({
  run,
  busy,
  onAction,
}: {
  run: RunDetail;
  busy: boolean;
  onAction: (a: RoAction) => void;
}) {
  const cur = run.current;
  const closed = run.state !== 'running';
  const approval = approvedBy(run.history);
  const editable = closed && run.state !== 'void';
  return (
    <div className="panel ro-score" data-testid="ro-score">
      <h2 className="panel-title">Score</h2>
      {cur && run.score ? (
        <dl className="ro-score-lines">
          <dt>Time</dt>
          <dd className="num" data-testid="ro-raw">
            {formatSeconds(cur.raw_ms)} s
          </dd>
          <dt>Penalties</dt>
          <dd className="num" data-testid="ro-penalties">
            {run.score.penalties
              ? `${run.score.penalties} × 3 = +${formatSeconds(run.score.penalty_ms)} s`
              : 'none'}
          </dd>
          <dt className="strong">Score</dt>
          <dd className="num ro-score-total" data-testid="ro-score-total">
            {run.score.score_ms !== null ? `${formatSeconds(run.score.score_ms)} s` : '—'}
            {run.score.capped ? <span className="badge badge--warn"> capped</span> : null}
            {run.score.status === 'dnf' ? <span className="badge badge--bad"> DNF</span> : null}
            {run.score.status === 'no_stop_plate' ? (
              <span className="badge badge--bad"> stop plate not hit</span>
            ) : null}
          </dd>
        </dl>
      ) : (
        <p className="muted">The score opens when the string stops.</p>
      )}
      <div className="ro-penalties" role="group" aria-label="Penalties">
        {PENALTY_FIELDS.map((f: PenaltyField) => {
          const n = cur ? cur[f] : 0;
          const label = PENALTY_LABELS[f];
          return (
            <div key={f} className="ro-penalty">
              <button
                type="button"
                className="ro-btn ro-btn--penalty"
                disabled={!editable || busy}
                onClick={() =>
                  onAction(
                    f === 'misses'
                      ? 'miss'
                      : f === 'procedurals'
                        ? 'procedural'
                        : f === 'foot_faults'
                          ? 'foot_fault'
                          : 'creeping',
                  )
                }
                data-testid={`ro-add-${f}`}
              >
                + {label.one} <kbd>{label.key}</kbd>
              </button>
              <span className="ro-penalty-count num" data-testid={`ro-count-${f}`}>
                {n}
              </span>
              <button
                type="button"
                className="ro-btn ro-btn--minus"
                disabled={!editable || busy || n === 0}
                aria-label={`remove one ${label.one}`}
                onClick={() =>
                  onAction(
                    f === 'misses'
                      ? 'miss-'
                      : f === 'procedurals'
                        ? 'procedural-'
                        : f === 'foot_faults'
                          ? 'foot_fault-'
                          : 'creeping-',
                  )
                }
                data-testid={`ro-remove-${f}`}
              >
                −
              </button>
            </div>
          );
        })}
      </div>
      <div className="ro-actions">
        <button
          type="button"
          className="ro-btn"
          disabled={!editable || busy}
          onClick={() => onAction('stop_plate')}
          aria-pressed={cur ? !cur.stop_plate_hit : false}
          data-testid="ro-stop-plate"
        >
          {cur && !cur.stop_plate_hit ? 'Stop plate: NOT hit' : 'Stop plate hit'} <kbd>T</kbd>
        </button>
        <button
          type="button"
          className="ro-btn ro-btn--approve"
          disabled={!closed || busy || run.state !== 'review'}
          onClick={() => onAction('approve')}
          data-testid="ro-approve"
        >
          {run.state === 'approved' ? `Approved${approval ? ` by ${approval.who}` : ''}` : 'Shooter approves'}{' '}
          <kbd>A</kbd>
        </button>
        <button
          type="button"
          className="ro-btn ro-btn--warn"
          disabled={!editable || busy}
          onClick={() => onAction('reshoot')}
          data-testid="ro-reshoot"
        >
          Reshoot <kbd>R</kbd>
        </button>
        <button
          type="button"
          className="ro-btn ro-btn--danger"
          disabled={!editable || busy}
          onClick={() => onAction('void')}
          data-testid="ro-void"
        >
          Void <kbd>V</kbd>
        </button>
      </div>
      {run.state === 'approved' ? (
        <p className="hint">
          Approved by the shooter: further changes are RO / Range Master decisions, and are audited.
        </p>
      ) : null}
    </div>
  );
}

function History({ history }: { history: readonly AuditEntry[] }) {
  if (history.length === 0) return null;
  return (
    <div className="panel ro-history" data-testid="ro-history">
      <h2 className="panel-title">Changes to this string</h2>
      <ol className="audit-list">
        {history.map((h) => (
          <li key={h.id} data-testid="ro-history-entry">
            <span className="muted">{formatClockTime(h.at)}</span>{' '}
            {h.kind === 'approval' ? (
              <strong>approved</strong>
            ) : (
              <>
                <strong>{h.field}</strong> {auditValue(h.field, h.old)} → {auditValue(h.field, h.new)}
              </>
            )}{' '}
            <span className="muted">
              by {h.who} ({h.role}){h.reason ? `, ${h.reason}` : ''}
              {h.note ? ` — “${h.note}”` : ''}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}

export function RoView() {
  const stations = useLoaded('station.list', undefined);
  const [timerPref, setTimerPref] = usePref('timer', '');
  const [roName, setRoName] = usePref('ro-name', 'RO');
  const list = useMemo(() => stations.data?.stations ?? [], [stations.data]);
  const timerId = useMemo(() => {
    if (list.some((s) => s.timer_id === timerPref)) return timerPref;
    return (list.find((s) => s.match_id) ?? list[0])?.timer_id ?? '';
  }, [list, timerPref]);
  const [run, setRun] = useState<RunDetail | null>(null);
  const [origin, setOrigin] = useState<number | null>(null);
  const [pinned, setPinned] = useState<string | null>(null);
  const pinnedRef = useRef(pinned);
  useEffect(() => {
    pinnedRef.current = pinned;
  });
  const ro = useLoaded('ro.state', timerId ? { timer_id: timerId } : null, (d) => {
    if (pinnedRef.current) return;
    setRun(d.run);
    setOrigin(d.run ? clockOrigin(d.run, Date.now()) : null);
  });
  const [dialog, setDialog] = useState<Dialog>(null);
  const [help, setHelp] = useState(true);
  const { call, busy } = useCall();
  const who = roName.trim() || 'RO';

  const show = useCallback((d: RunDetail | null) => {
    setRun(d);
    setOrigin(d ? clockOrigin(d, Date.now()) : null);
  }, []);

  useRangePush((p: RangePush) => {
    if (p.stations.some((s) => !list.some((x) => x.timer_id === s.timer_id))) stations.refresh();
    let refresh = p.stations.some((s) => s.timer_id === timerId);
    for (const d of p.runs) {
      if (d.timer_id !== timerId) continue;
      if (run && d.run_id === run.run_id) {
        if (d.state === 'running') {
          // Keep the local clock: only a jump of more than 250 ms re-anchors it.
          const o = clockOrigin(d, Date.now());
          setOrigin((prev) => (prev !== null && o !== null && Math.abs(prev - o) < 250 ? prev : o));
          setRun(d);
        } else show(d);
        if (run.state !== d.state) refresh = true;
      } else if (!pinned && (d.state === 'running' || !run || runSeq(d.run_id) > runSeq(run.run_id))) {
        show(d);
        refresh = true;
      }
    }
    if (refresh) ro.refresh();
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
              <button type="button" className="ro-btn" onClick={() => void act('stop')} data-testid="ro-stop">
                Stop string <kbd>X</kbd>
              </button>
            ) : (
              <button
                type="button"
                className="ro-btn"
                disabled={!timerId || busy || !!station?.running_run_id}
                onClick={() => void call('run.start', { timer_id: timerId, who }).then((r) => r && show(r))}
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
          {alerts.length ? (
            <ul className="ro-alerts" aria-label="Needs attention" data-testid="ro-alerts">
              {alerts.map((a) => (
                <li key={a.id} className={`ro-alert ro-alert--${a.tone}`} data-testid="ro-alert">
                  <span>{a.text}</span>
                  {a.fix && run.state !== 'void' ? (
                    <button
                      type="button"
                      disabled={busy}
                      onClick={() => {
                        const f = a.fix!.action;
                        if (typeof f === 'object') void accept(f.accept);
                        else void act(f);
                      }}
                    >
                      {a.fix.label}
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : null}
          <div className="ro-grid">
            <ShotsTable
              run={run}
              onAccept={(s) => void accept(s)}
              canEdit={run.state === 'review' || run.state === 'approved'}
            />
            <ScorePanel run={run} busy={busy} onAction={(a) => void act(a)} />
          </div>
          {!run.shooter_id && run.state !== 'running' ? (
            <AssignForm run={run} who={who} onDone={show} />
          ) : null}
          <History history={run.history} />
        </>
      ) : null}

      {st && st.squad.length ? (
        <section className="panel ro-squad" aria-label="Squad" data-testid="ro-squad-list">
          <h2 className="panel-title">Squad on {st.stage?.code ?? 'this stage'}</h2>
          <ol className="ro-squad-list">
            {st.squad.map((s) => (
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
                    onClick={() => onStation({ shooter_id: s.shooter_id })}
                  >
                    put up
                  </button>
                )}
              </li>
            ))}
          </ol>
        </section>
      ) : null}

      <section className="panel ro-help" aria-label="Keyboard shortcuts" data-testid="ro-shortcuts">
        <h2 className="panel-title">
          Keyboard{' '}
          <button type="button" className="small-btn" onClick={() => setHelp((h) => !h)} aria-expanded={help}>
            {help ? 'hide' : 'show'} <kbd>?</kbd>
          </button>
        </h2>
        {help ? (
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

      {dialog ? (
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

function AssignForm({ run, who, onDone }: { run: RunDetail; who: string; onDone: (d: RunDetail) => void }) {
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
