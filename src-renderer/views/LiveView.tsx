import { memo, useEffect, useRef } from 'react';
import { EmptyState, Status } from '../components/Status';
import { useApp } from '../components/context';
import { formatClockTime, formatSeconds } from '../lib/format';
import type { ImpactRow, ShotRow, TimerString } from '../state/strings';
import { BigClock } from './BigClock';
import { TableHead, num } from '../components/TableHead';

const TIMER_TOPIC = 'leadville/timer/events';

function stringTitle(s: TimerString): string {
  return s.string_number !== null ? `String ${s.string_number}` : 'String';
}

const ShotTableRow = memo(function ShotTableRow({ shot, index }: { shot: ShotRow; index: number }) {
  return (
    <tr data-testid="shot-row" data-shot-number={shot.shot_number ?? undefined}>
      <th scope="row" className="num">
        {shot.shot_number ?? index + 1}
      </th>
      <td className="num time">{formatSeconds(shot.time_ms)}</td>
      <td className="num split">{formatSeconds(shot.split_ms)}</td>
      <td className="muted">{formatClockTime(shot.received_at)}</td>
    </tr>
  );
});

function ShotsTable({ s }: { s: TimerString }) {
  const scroller = useRef<HTMLDivElement>(null);
  const count = s.shots.length;
  useEffect(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count]);
  return (
    <div className="panel shots-panel">
      <h2 className="panel-title">Shots</h2>
      <div className="table-scroll" ref={scroller}>
        <table className="table shots" aria-label={`Shots of ${stringTitle(s)}`}>
          <TableHead columns={[num('Shot'), num('Time (s)'), num('Split (s)'), 'Received']} />
          <tbody>
            <tr className="marker-row" data-testid="start-row">
              <th scope="row">Start</th>
              <td className="num">{s.implicit ? '—' : '0.00'}</td>
              <td className="num" />
              <td className="muted">
                {s.implicit ? 'start not seen (joined mid-string)' : formatClockTime(s.started_at)}
              </td>
            </tr>
            {s.shots.map((shot, i) => (
              <ShotTableRow key={shot.id} shot={shot} index={i} />
            ))}
            {s.shots.length === 0 ? (
              <tr className="placeholder-row">
                <td colSpan={4}>No shots yet in this string</td>
              </tr>
            ) : null}
            {s.stopped ? (
              <tr className="marker-row" data-testid="stop-row">
                <th scope="row">Stop</th>
                <td className="num time">{formatSeconds(s.final_ms)}</td>
                <td className="num" />
                <td className="muted">
                  {s.total_shots !== null ? `${s.total_shots} shot${s.total_shots === 1 ? '' : 's'}` : ''}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function ImpactsTable({ impacts, title }: { impacts: readonly ImpactRow[]; title: string }) {
  return (
    <div className="panel impacts-panel">
      <h2 className="panel-title">{title}</h2>
      {impacts.length === 0 ? (
        <p className="muted pad">No impacts reported — waiting for leadville/detection/impacts</p>
      ) : (
        <div className="table-scroll">
          <table className="table impacts">
            <TableHead
              columns={['Sensor', 'Plate', num('t since start (s)'), num('Peak (mm/s)'), 'Seen by']}
            />
            <tbody>
              {impacts.map((i) => (
                <tr key={i.id} data-testid="impact-row" data-sensor-id={i.sensor_id}>
                  <td className="mono nowrap">{i.sensor_id}</td>
                  <td className="strong">{i.plate_id ?? '—'}</td>
                  <td className="num">{formatSeconds(i.t_rel_ms)}</td>
                  <td className="num">{i.peak_amplitude !== null ? i.peak_amplitude.toFixed(1) : '—'}</td>
                  <td
                    className="muted"
                    title={
                      i.source === 'console'
                        ? 'detected by Marshal from raw telemetry'
                        : 'reported by the range bridge'
                    }
                  >
                    {i.source}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function CurrentString({ s }: { s: TimerString }) {
  return (
    <section className="current-string" aria-label="Current string" data-testid="current-string">
      <div className="string-head">
        <div className="string-meta">
          <h1 className="string-title" data-testid="string-number">
            {stringTitle(s)}
          </h1>
          <div className="string-sub">
            <span className="mono">{s.device_id}</span>
            <span>
              {s.shots.length} shot{s.shots.length === 1 ? '' : 's'}
            </span>
            <span>
              {s.impacts.length} impact{s.impacts.length === 1 ? '' : 's'}
            </span>
          </div>
        </div>
        <BigClock s={s} />
      </div>
      <div className="string-body">
        <ShotsTable s={s} />
        <ImpactsTable impacts={s.impacts} title="Impacts" />
      </div>
    </section>
  );
}

function PreviousStrings({ strings }: { strings: readonly TimerString[] }) {
  return (
    <section className="panel previous" aria-label="Previous strings">
      <h2 className="panel-title">Previous strings</h2>
      <ul className="previous-list">
        {strings.map((s) => {
          const last = s.shots[s.shots.length - 1]?.time_ms ?? null;
          return (
            <li key={s.key} className="previous-item" data-testid="previous-string">
              <span className="previous-title">{stringTitle(s)}</span>
              <span className="previous-time num">{formatSeconds(s.final_ms ?? last)} s</span>
              <span>
                {s.shots.length} shot{s.shots.length === 1 ? '' : 's'}, {s.impacts.length} impact
                {s.impacts.length === 1 ? '' : 's'}
              </span>
              <span className="mono muted">{s.device_id}</span>
              <span className="muted">{formatClockTime(s.started_at)}</span>
              {s.stopped ? <Status tone="ok">stopped</Status> : <Status tone="warn">no stop</Status>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function LiveView() {
  const strings = useApp((s) => s.strings);
  const { current, previous, looseImpacts } = strings;
  return (
    <div className="view view-live">
      {current ? (
        <CurrentString s={current} />
      ) : (
        <>
          <h1 className="view-title">Live</h1>
          <EmptyState title={`No shots yet — waiting for a timer on ${TIMER_TOPIC}`} testId="live-empty">
            A string begins when the timer beeps (a START event). Shots, splits and the stop appear here as
            they arrive.
          </EmptyState>
          {looseImpacts.length > 0 ? (
            <ImpactsTable impacts={looseImpacts} title="Impacts (no string)" />
          ) : null}
        </>
      )}
      {previous.length > 0 ? <PreviousStrings strings={previous} /> : null}
    </div>
  );
}
