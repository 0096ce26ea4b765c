import { useCallback, useEffect, useMemo, useState } from 'react';
import type {
  CabinetRow,
  GameSessionRow,
  SessionLeaderboardRow,
  TaskLeaderboardRow,
} from '../../../src-shared/contract/games';
import type { MarshalEvent } from '../../../src-shared/events/model';
import { useActions, useBridge } from '../../components/context';
import { useNow } from '../../components/hooks';
import { EmptyState, InlineError, Status } from '../../components/Status';
import { onRowNavKeyDown } from '../../components/tableKeys';
import { batteryTone, formatRelative, rssiTone } from '../../lib/format';
import { errorMessage } from '../../state/sync';
import { downloadText, useCommand, useEventsOf } from './hooks';
import { TableHead, num } from '../../components/TableHead';
import { Field } from '../../components/Field';

const DIFFICULTIES = ['easy', 'normal', 'hard'];
const LEVELS = ['1', '2', '3', '4', '5', '6', '7', '8'];

function intOrUndefined(text: string, min: number): number | undefined {
  const n = Number(text);
  return text.trim() !== '' && Number.isInteger(n) && n >= min ? n : undefined;
}

function formatScore(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1);
}

function SessionBoard({ entries, now }: { entries: readonly SessionLeaderboardRow[]; now: number }) {
  return (
    <div className="table-scroll">
      <table
        className="table leaderboard"
        aria-label="Whack-a-mole leaderboard"
        data-testid="games-leaderboard"
      >
        <TableHead columns={[num('Rank'), 'Player', num('Best score'), num('Sessions'), 'Last played']} />
        <tbody onKeyDown={onRowNavKeyDown}>
          {entries.map((e) => (
            <tr
              key={e.player}
              tabIndex={0}
              data-testid="leaderboard-row"
              data-player={e.player}
              data-rank={e.rank}
            >
              <td className="num strong">{e.rank}</td>
              <th scope="row">{e.player}</th>
              <td className="num strong">{formatScore(e.best_score)}</td>
              <td className="num">{e.sessions}</td>
              <td>{formatRelative(e.last_played, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TaskBoard({ entries }: { entries: readonly TaskLeaderboardRow[] }) {
  return (
    <div className="table-scroll">
      <table
        className="table leaderboard"
        aria-label="Cognitive-task leaderboard"
        data-testid="tasks-leaderboard"
      >
        <TableHead columns={[num('Rank'), 'User', num('Accuracy'), num('Mean RT'), num('Correct / tasks')]} />
        <tbody onKeyDown={onRowNavKeyDown}>
          {entries.map((e) => (
            <tr key={e.user_id} tabIndex={0} data-testid="tasks-row" data-user={e.user_id} data-rank={e.rank}>
              <td className="num strong">{e.rank}</td>
              <th scope="row" className="mono">
                {e.user_id}
              </th>
              <td className="num strong">{(e.accuracy * 100).toFixed(1)} %</td>
              <td className="num">{e.mean_rt_ms === null ? '—' : `${e.mean_rt_ms} ms`}</td>
              <td className="num">
                {e.correct} / {e.tasks}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type CommandOutcome = { id: string; state: string; error?: string | null };

function Cabinets({ cabinets, now }: { cabinets: readonly CabinetRow[]; now: number }) {
  const bridge = useBridge();
  const { notifyError } = useActions();
  const [outcome, setOutcome] = useState<Record<string, CommandOutcome | { pending: string }>>({});
  const [difficulty, setDifficulty] = useState<Record<string, string>>({});

  // The commands sent from here, followed to their end (acknowledged, failed, or — for cabinets,
  // which never answer — delivered) through the command service's pushes.
  useEffect(
    () =>
      bridge.on('commands', (records) =>
        setOutcome((o) => {
          let next = o;
          for (const r of records) {
            const cur = next[r.device_id];
            if (!cur || !('id' in cur) || cur.id !== r.id) continue;
            next = { ...next, [r.device_id]: { id: r.id, state: r.state, error: r.error } };
          }
          return next;
        }),
      ),
    [bridge],
  );

  const send = (deviceId: string, command: 'start' | 'pause' | 'reset' | 'identify' | 'set_level') => {
    const args = command === 'set_level' ? { level: Number(difficulty[deviceId] ?? '1') } : {};
    setOutcome((o) => ({ ...o, [deviceId]: { pending: command } }));
    bridge
      .call('games.cabinet.command', { device_id: deviceId, command, args })
      .then((res) => setOutcome((o) => ({ ...o, [deviceId]: { id: res.id, state: res.state } })))
      .catch((err: unknown) => {
        const message = errorMessage(err);
        setOutcome((o) => ({ ...o, [deviceId]: { id: '', state: 'failed', error: message } }));
        notifyError(`${command} ${deviceId}: ${message}`);
      });
  };

  if (cabinets.length === 0) {
    return (
      <EmptyState title="No cabinets yet — waiting for whackamole/+/hello or status" testId="cabinets-empty">
        Cabinets appear when they say hello or publish their status.
      </EmptyState>
    );
  }
  return (
    <div className="table-scroll">
      <table className="table cabinets" aria-label="Whack-a-mole cabinets">
        <TableHead
          columns={[
            'Cabinet',
            'State',
            num('Battery'),
            num('RSSI'),
            num('Sessions'),
            'Last game',
            'Commands',
          ]}
        />
        <tbody>
          {cabinets.map((c) => {
            const o = outcome[c.device_id];
            return (
              <tr
                key={c.device_id}
                data-testid="cabinet-row"
                data-device-id={c.device_id}
                data-online={String(c.online)}
              >
                <th scope="row" className="mono">
                  {c.device_id}
                </th>
                <td>
                  <Status tone={!c.online ? 'bad' : c.state === 'playing' ? 'ok' : 'idle'}>
                    {c.online ? (c.state ?? 'online') : 'offline'}
                  </Status>
                </td>
                <td className="num">
                  {c.battery !== null ? (
                    <Status tone={batteryTone(c.battery)}>{c.battery.toFixed(0)} %</Status>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="num">
                  {c.rssi !== null ? <Status tone={rssiTone(c.rssi)}>{c.rssi.toFixed(0)} dBm</Status> : '—'}
                </td>
                <td className="num">{c.sessions}</td>
                <td>{formatRelative(c.last_session_at, now)}</td>
                <td>
                  <div className="cabinet-actions" role="group" aria-label={`Commands for ${c.device_id}`}>
                    <button type="button" onClick={() => send(c.device_id, 'start')}>
                      Start
                    </button>
                    <button type="button" onClick={() => send(c.device_id, 'pause')}>
                      Pause
                    </button>
                    <button type="button" onClick={() => send(c.device_id, 'reset')}>
                      Reset
                    </button>
                    <button type="button" onClick={() => send(c.device_id, 'identify')}>
                      Identify
                    </button>
                    <select
                      aria-label={`Level for ${c.device_id}`}
                      value={difficulty[c.device_id] ?? '1'}
                      onChange={(e) => setDifficulty((d) => ({ ...d, [c.device_id]: e.target.value }))}
                    >
                      {LEVELS.map((d) => (
                        <option key={d}>{d}</option>
                      ))}
                    </select>
                    <button type="button" onClick={() => send(c.device_id, 'set_level')}>
                      Set
                    </button>
                  </div>
                  <span className="cabinet-outcome small" role="status" data-testid="cabinet-command-state">
                    {!o
                      ? ''
                      : 'pending' in o
                        ? `${o.pending}…`
                        : `${o.state}${o.error ? `: ${o.error}` : ''}`}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function RecentSessions({ sessions }: { sessions: readonly GameSessionRow[] }) {
  return (
    <div className="table-scroll">
      <table className="table sessions" aria-label="Recent sessions" data-testid="games-sessions">
        <TableHead
          columns={[
            'Ended',
            'Cabinet',
            'Player',
            'Difficulty',
            num('Score'),
            num(<abbr title="hits / misses / wrong hits">H / M / W</abbr>),
            'Done',
          ]}
        />
        <tbody onKeyDown={onRowNavKeyDown}>
          {sessions.map((s) => (
            <tr key={s.id} tabIndex={0} data-testid="session-row">
              <td className="nowrap">{new Date(s.ended_at).toLocaleTimeString()}</td>
              <td className="mono">{s.device_id}</td>
              <td>{s.player}</td>
              <td>{s.difficulty ?? '—'}</td>
              <td className="num strong">{formatScore(s.score)}</td>
              <td className="num nowrap">
                {s.hits ?? '—'} / {s.misses ?? '—'} / {s.wrong_hits ?? '—'}
              </td>
              <td>{s.complete === null ? '—' : s.complete ? 'yes' : <Status tone="warn">stopped</Status>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function GamesView() {
  const bridge = useBridge();
  const { notifyError } = useActions();
  const now = useNow(5000);
  const [game, setGame] = useState('');
  const [difficulty, setDifficulty] = useState('');
  const [device, setDevice] = useState('');
  const [minSessions, setMinSessions] = useState('1');
  const [limit, setLimit] = useState('25');
  const [minTasks, setMinTasks] = useState('30');
  const [exporting, setExporting] = useState<string | null>(null);

  const boardReq = useMemo(
    () => ({
      ...(game ? { game } : {}),
      ...(difficulty ? { difficulty } : {}),
      ...(device ? { device_id: device } : {}),
      ...(intOrUndefined(minSessions, 1) !== undefined
        ? { min_sessions: intOrUndefined(minSessions, 1) }
        : {}),
      limit: Number(limit),
    }),
    [game, difficulty, device, minSessions, limit],
  );
  const tasksReq = useMemo(
    () => ({
      limit: Number(limit),
      ...(intOrUndefined(minTasks, 0) !== undefined ? { min_tasks: intOrUndefined(minTasks, 0) } : {}),
    }),
    [limit, minTasks],
  );
  const board = useCommand('games.leaderboard', boardReq);
  const tasks = useCommand('games.tasks.leaderboard', tasksReq);
  const options = useCommand('games.options', undefined);
  const cabinets = useCommand('games.cabinets', undefined);
  const recent = useCommand('games.sessions', { limit: 50 });

  // Live: a finished session or task result refreshes what it changes.
  const onEvents = useCallback(
    (events: MarshalEvent[]) => {
      const kinds = new Set(events.map((e) => e.kind));
      if (kinds.has('game.session')) {
        board.refresh();
        recent.refresh();
        options.refresh();
      }
      if (kinds.has('task.result')) tasks.refresh();
      if (kinds.has('game.session') || kinds.has('device.status') || kinds.has('device.hello'))
        cabinets.refresh();
    },
    [board, recent, options, tasks, cabinets],
  );
  useEventsOf(['game.session', 'task.result', 'device.status', 'device.hello'], onEvents, 500);

  const exportCsv = (what: 'sessions' | 'tasks') => {
    setExporting(what);
    bridge
      .call('games.export', { what })
      .then((res) => downloadText(res.filename, res.csv))
      .catch((err: unknown) => notifyError(`Export ${what}.csv: ${errorMessage(err)}`))
      .finally(() => setExporting(null));
  };

  const entries = board.data?.entries ?? [];
  const cabinetRows = (cabinets.data?.cabinets ?? []).filter((c) => c.device_id);
  const opts = options.data ?? { games: [], difficulties: [], devices: [] };
  const difficulties = [...new Set([...DIFFICULTIES, ...opts.difficulties])];

  return (
    <div className="view view-games">
      <div className="view-head">
        <h1 className="view-title">Games</h1>
        <span className="view-sub">
          {recent.data ? `${recent.data.total} sessions stored` : ''} · updates live
        </span>
        <div className="games-exports">
          <button
            type="button"
            onClick={() => exportCsv('sessions')}
            disabled={exporting !== null}
            data-testid="export-sessions"
          >
            Export sessions.csv
          </button>
          <button
            type="button"
            onClick={() => exportCsv('tasks')}
            disabled={exporting !== null}
            data-testid="export-tasks"
          >
            Export tasks.csv
          </button>
          {bridge.features.spectatorUrl ? (
            <a
              className="games-spectator-link"
              href={bridge.features.spectatorUrl}
              target="_blank"
              rel="noopener noreferrer"
            >
              Spectator page ↗
            </a>
          ) : null}
        </div>
      </div>

      <section className="panel" aria-labelledby="lb-title">
        <h2 className="panel-title" id="lb-title">
          Leaderboard
        </h2>
        <div className="toolbar" role="group" aria-label="Leaderboard filters">
          <Field label="Game">
            <select value={game} onChange={(e) => setGame(e.target.value)} data-testid="filter-game">
              <option value="">all games</option>
              {opts.games.map((g) => (
                <option key={g}>{g}</option>
              ))}
            </select>
          </Field>
          <Field label="Difficulty">
            <select
              value={difficulty}
              onChange={(e) => setDifficulty(e.target.value)}
              data-testid="filter-difficulty"
            >
              <option value="">all</option>
              {difficulties.map((d) => (
                <option key={d}>{d}</option>
              ))}
            </select>
          </Field>
          <Field label="Cabinet">
            <select value={device} onChange={(e) => setDevice(e.target.value)} data-testid="filter-device">
              <option value="">all cabinets</option>
              {opts.devices.map((d) => (
                <option key={d}>{d}</option>
              ))}
            </select>
          </Field>
          <Field label="Min. sessions">
            <input
              type="number"
              min={1}
              value={minSessions}
              onChange={(e) => setMinSessions(e.target.value)}
              className="input-narrow"
              data-testid="filter-min-sessions"
            />
          </Field>
          <Field label="Show">
            <select value={limit} onChange={(e) => setLimit(e.target.value)}>
              {['10', '25', '100', '1000'].map((l) => (
                <option key={l} value={l}>
                  top {l}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <InlineError message={board.error ? `Could not load the leaderboard: ${board.error}` : null} />
        {board.data && entries.length === 0 ? (
          <EmptyState title="No sessions match yet" testId="leaderboard-empty">
            Finished games from whack-a-mole cabinets (whackamole/+/session) rank here by best score.
          </EmptyState>
        ) : null}
        {entries.length > 0 ? <SessionBoard entries={entries} now={now} /> : null}
      </section>

      <section className="panel" aria-labelledby="cab-title">
        <h2 className="panel-title" id="cab-title">
          Cabinets
        </h2>
        <InlineError message={cabinets.error ? `Could not load cabinets: ${cabinets.error}` : null} />
        {cabinets.data ? <Cabinets cabinets={cabinetRows} now={now} /> : null}
        <p className="hint">
          Configuration is pushed on hello; edit per-cabinet overrides in the device panel.
        </p>
      </section>

      <div className="games-grid">
        <section className="panel" aria-labelledby="tasks-title">
          <h2 className="panel-title" id="tasks-title">
            Cognitive tasks
          </h2>
          <div className="toolbar" role="group" aria-label="Task leaderboard filters">
            <Field label="Min. tasks">
              <input
                type="number"
                min={0}
                value={minTasks}
                onChange={(e) => setMinTasks(e.target.value)}
                className="input-narrow"
                data-testid="filter-min-tasks"
              />
            </Field>
            <span className="field-hint">
              accuracy, then faster mean RT of correct answers, then more tasks
            </span>
          </div>
          <InlineError message={tasks.error ? `Could not load task results: ${tasks.error}` : null} />
          {tasks.data && tasks.data.entries.length === 0 ? (
            <EmptyState title={`No user has ${tasks.data.min_tasks} counted tasks yet`} testId="tasks-empty">
              Game clients post to POST /v1/events (or publish on neurogame/+/events).
            </EmptyState>
          ) : null}
          {tasks.data && tasks.data.entries.length > 0 ? <TaskBoard entries={tasks.data.entries} /> : null}
        </section>
        <section className="panel" aria-labelledby="recent-title">
          <h2 className="panel-title" id="recent-title">
            Recent sessions
          </h2>
          <InlineError message={recent.error ? `Could not load sessions: ${recent.error}` : null} />
          {recent.data && recent.data.sessions.length === 0 ? (
            <EmptyState title="No sessions yet" testId="sessions-empty" />
          ) : null}
          {recent.data && recent.data.sessions.length > 0 ? (
            <RecentSessions sessions={recent.data.sessions} />
          ) : null}
        </section>
      </div>
    </div>
  );
}
