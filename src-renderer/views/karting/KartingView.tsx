import { useEffect, useState } from 'react';
import type { KartingCircuitRow, KartingStandings } from '../../../src-shared/contract/karting';
import { formatLapMs } from '../../../src-shared/karting/times';
import { useActions, useBridge } from '../../components/context';
import { Field } from '../../components/Field';
import { useNow } from '../../components/hooks';
import { EmptyState, InlineError, Status } from '../../components/Status';
import { TableHead, num } from '../../components/TableHead';
import type { Tone } from '../../lib/format';
import { errorMessage } from '../../state/sync';
import { useCommand } from '../games/hooks';

const FEED_TONE: Record<string, Tone> = {
  connected: 'ok',
  connecting: 'warn',
  waiting: 'bad',
  stopped: 'idle',
};
const FLAG_TONE: Record<string, Tone> = {
  green: 'ok',
  yellow: 'warn',
  red: 'bad',
  chequered: 'idle',
  none: 'idle',
};

function gapOf(e: KartingStandings['entries'][number]): string {
  if (e.position === 1) return '';
  if (e.gap_laps) return `${e.gap_laps} lap${e.gap_laps > 1 ? 's' : ''}`;
  return e.gap_ms !== null ? `+${formatLapMs(e.gap_ms)}` : (e.gap ?? '');
}

function clockOf(s: KartingStandings, now: number): string {
  const c = s.clock;
  if (!c) return '';
  if (c.remaining_ms !== null) {
    const left = Math.max(0, c.remaining_ms - (now - Date.parse(c.at)));
    return new Date(left).toISOString().slice(11, 19);
  }
  return c.text ?? '';
}

/** Polls while shown: the board changes with every crossing. */
function useStandings(circuit: string | null) {
  const standings = useCommand('karting.standings', circuit ? { circuit } : undefined);
  const { refresh } = standings;
  useEffect(() => {
    const t = setInterval(refresh, 1000);
    return () => clearInterval(t);
  }, [refresh]);
  return standings;
}

function Board({ s }: { s: KartingStandings }) {
  const now = useNow(1000);
  return (
    <section className="panel" aria-labelledby="kt-board">
      <h2 className="panel-title" id="kt-board">
        {s.session?.name || 'Standings'}{' '}
        <Status tone={FLAG_TONE[s.flag] ?? 'idle'} testId="karting-flag">
          {s.flag}
        </Status>{' '}
        <span data-testid="karting-clock">{clockOf(s, now)}</span>{' '}
        {s.feed.stale ? (
          <Status tone="bad" testId="karting-stale">
            feed stale
          </Status>
        ) : null}
      </h2>
      {s.entries.length === 0 ? (
        <EmptyState title="No entries yet">
          The board fills with the feed&apos;s first grid or records.
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="table karting" aria-label="Standings" data-testid="karting-standings">
            <TableHead
              columns={[num('Pos'), 'Kart', 'Name', num('Laps'), num('Last'), num('Best'), num('Gap'), 'Pit']}
            />
            <tbody>
              {s.entries.map((e) => (
                <tr key={e.row_id}>
                  <td className="num">{e.position ?? ''}</td>
                  <td>{e.kart}</td>
                  <td>{e.name}</td>
                  <td className="num">{e.laps}</td>
                  <td className="num" data-pb={e.personal_best || undefined}>
                    {formatLapMs(e.last_lap_ms)}
                    {e.personal_best ? ' ●' : ''}
                  </td>
                  <td className="num" data-ob={e.overall_best || undefined}>
                    {formatLapMs(e.best_lap_ms)}
                    {e.overall_best ? ' ★' : ''}
                  </td>
                  <td className="num">{gapOf(e)}</td>
                  <td>{e.in_pit ? 'PIT' : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="view-sub">● personal best · ★ best lap of the session</p>
    </section>
  );
}

function CircuitForm({ onSaved }: { onSaved: () => void }) {
  const bridge = useBridge();
  const { notifyError } = useActions();
  const [id, setId] = useState('');
  const [nom, setNom] = useState('');
  const [url, setUrl] = useState('');
  const [protocol, setProtocol] = useState<'auto' | 'apex' | 'rmonitor'>('auto');
  const [error, setError] = useState<string | null>(null);
  const save = () => {
    bridge
      .call('karting.circuit.put', { id: id.trim(), nom, wssUrl: url.trim(), protocol })
      .then(() => {
        setError(null);
        onSaved();
      })
      .catch((err: unknown) => {
        setError(errorMessage(err));
        notifyError(`karting: ${errorMessage(err)}`);
      });
  };
  return (
    <form
      className="toolbar"
      aria-label="Add a circuit"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <Field label="App id (Firestore)">
        <input value={id} onChange={(e) => setId(e.target.value)} data-testid="karting-id" required />
      </Field>
      <Field label="Name">
        <input value={nom} onChange={(e) => setNom(e.target.value)} data-testid="karting-nom" required />
      </Field>
      <Field label="Feed URL (ws://, wss://, tcp://)">
        <input value={url} onChange={(e) => setUrl(e.target.value)} data-testid="karting-url" />
      </Field>
      <Field label="Protocol">
        <select value={protocol} onChange={(e) => setProtocol(e.target.value as typeof protocol)}>
          <option value="auto">detect</option>
          <option value="apex">Apex Timing</option>
          <option value="rmonitor">RMonitor</option>
        </select>
      </Field>
      <button type="submit" data-testid="karting-save">
        Save circuit
      </button>
      <InlineError message={error} />
    </form>
  );
}

function FeedLog({ id }: { id: string }) {
  const status = useCommand('karting.status', { id });
  const { refresh } = status;
  useEffect(() => {
    const t = setInterval(refresh, 2000);
    return () => clearInterval(t);
  }, [refresh]);
  const s = status.data;
  if (!s) return null;
  return (
    <section className="panel" aria-labelledby="kt-log">
      <h2 className="panel-title" id="kt-log">
        Feed {id}: {s.state}
        {s.protocol ? ` (${s.protocol})` : ''}
      </h2>
      <p className="view-sub">
        {s.message_count} units · {s.laps} laps · {s.foreign_lines} foreign lines dropped · {s.reconnects}{' '}
        reconnects · {s.watchdog_kills} silent sockets replaced
        {s.last_error ? ` · last error: ${s.last_error}` : ''}
      </p>
      <ul className="karting-log" data-testid="karting-log">
        {s.log
          .slice(-15)
          .reverse()
          .map((l, i) => (
            <li key={`${l.ts}-${i}`}>
              {l.ts.slice(11, 19)} {l.event} {l.detail ?? ''}
            </li>
          ))}
      </ul>
    </section>
  );
}

export function KartingView() {
  const bridge = useBridge();
  const { notifyError } = useActions();
  const circuits = useCommand('karting.circuits', undefined);
  const list: KartingCircuitRow[] = circuits.data?.circuits ?? [];
  const [selected, setSelected] = useState<string | null>(null);
  const current = selected ?? list.find((c) => c.state !== 'stopped')?.id ?? list[0]?.id ?? null;
  const standings = useStandings(current);
  const capture = (id: string, action: 'start' | 'stop') =>
    bridge
      .call('karting.capture', { id, action })
      .then(() => circuits.refresh())
      .catch((err: unknown) => notifyError(`karting: ${errorMessage(err)}`));

  return (
    <div className="view view-karting">
      <div className="view-head">
        <h1 className="view-title">Karting</h1>
        <span className="view-sub">
          {list.length} circuits · the karting app connects to /circuits/…/live
        </span>
        {bridge.features.spectatorUrl ? (
          <a
            href={`/karting${current ? `?circuit=${encodeURIComponent(current)}` : ''}`}
            target="_blank"
            rel="noopener noreferrer"
          >
            Spectator page ↗
          </a>
        ) : null}
      </div>
      <section className="panel" aria-labelledby="kt-circuits">
        <h2 className="panel-title" id="kt-circuits">
          Circuits
        </h2>
        <CircuitForm onSaved={circuits.refresh} />
        {list.length === 0 ? (
          <EmptyState title="No circuits yet">
            Add one with the karting app&apos;s id, or import the original&apos;s mapping.json (POST
            /api/circuits/import).
          </EmptyState>
        ) : (
          <div className="table-scroll">
            <table className="table" aria-label="Circuits" data-testid="karting-circuits">
              <TableHead columns={['Name', 'Id', 'Feed', 'State', num('App clients'), 'Capture', '']} />
              <tbody>
                {list.map((c) => (
                  <tr key={c.id} aria-selected={c.id === current} onClick={() => setSelected(c.id)}>
                    <td>{c.nom}</td>
                    <td>{c.id}</td>
                    <td>{c.wssUrl}</td>
                    <td>
                      <Status tone={FEED_TONE[c.state] ?? 'idle'}>
                        {c.state}
                        {c.protocol_detected ? ` · ${c.protocol_detected}` : ''}
                      </Status>
                    </td>
                    <td className="num">{c.clients}</td>
                    <td>{c.capture.join(', ')}</td>
                    <td>
                      {c.state === 'stopped' ? (
                        <button
                          type="button"
                          onClick={() => void capture(c.id, 'start')}
                          data-testid={`karting-start-${c.id}`}
                        >
                          Start
                        </button>
                      ) : (
                        <button
                          type="button"
                          onClick={() => void capture(c.id, 'stop')}
                          data-testid={`karting-stop-${c.id}`}
                        >
                          Stop
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {standings.data ? <Board s={standings.data} /> : null}
      {current ? <FeedLog id={current} /> : null}
    </div>
  );
}
