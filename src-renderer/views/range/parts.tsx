/** Building blocks of the range views: the RO clock, the plate map, the split chart, a reason dialog. */
import { memo, useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { PlateState, RunDetail } from '../../../src-shared/contract/range';
import { formatSeconds } from '../../lib/format';
import { clockMs } from './model';

/**
 * The RO's clock. While the run is running it is redrawn every animation frame by writing the text
 * node (no React render per frame); otherwise React renders the accepted time.
 */
export function RoClock({ run, origin }: { run: RunDetail | null; origin: number | null }) {
  const ref = useRef<HTMLSpanElement>(null);
  const running = run?.state === 'running';
  useLayoutEffect(() => {
    if (!running) return;
    let raf = 0;
    const draw = () => {
      if (ref.current) ref.current.textContent = formatSeconds(clockMs(run, origin, Date.now()));
      raf = requestAnimationFrame(draw);
    };
    draw();
    return () => cancelAnimationFrame(raf);
  }, [run, origin, running]);
  const state = run ? run.state : 'idle';
  const ms = running ? null : clockMs(run, null, 0);
  return (
    <div className={`ro-clock ro-clock--${state}`} data-testid="ro-clock-box" data-state={state}>
      <span className="ro-clock-digits" role="timer" aria-label="String time in seconds">
        {running ? (
          <span key="run" ref={ref} data-testid="ro-clock" />
        ) : (
          <span key="static" data-testid="ro-clock">
            {run ? formatSeconds(ms) : '0.00'}
          </span>
        )}
      </span>
      <span className="ro-clock-unit" aria-hidden="true">
        s
      </span>
    </div>
  );
}

/** One tile per plate; a hit lights it up (the animation restarts on every new hit). */
export const PlateMap = memo(function PlateMap({ plates }: { plates: readonly PlateState[] }) {
  if (plates.length === 0) {
    return (
      <p className="muted" data-testid="plate-map-empty">
        No plates on this stage — add targets in Match setup.
      </p>
    );
  }
  return (
    <ol className="plate-map" aria-label="Plates" data-testid="plate-map">
      {plates.map((p) => {
        const hit = p.hits > 0;
        const offline = p.sensor_online === false;
        return (
          <li
            key={`${p.plate_id}:${p.hits}`}
            className={`plate plate--${p.role}${hit ? ' plate--hit' : ''}${offline ? ' plate--offline' : ''}`}
            data-testid="plate"
            data-plate-id={p.plate_id}
            data-hit={hit ? 'true' : 'false'}
            aria-label={`${p.label}${p.role === 'stop' ? ' (stop plate)' : ''}: ${hit ? `hit ${p.hits} time${p.hits > 1 ? 's' : ''}` : 'not hit'}`}
          >
            <span className="plate-label">{p.role === 'stop' ? `${p.label} ■` : p.label}</span>
            <span className="plate-hit">{hit ? (p.hits > 1 ? `HIT ×${p.hits}` : 'HIT') : '—'}</span>
            <span className="plate-time">
              {p.first_hit_ms !== null ? `${formatSeconds(p.first_hit_ms)} s` : ' '}
            </span>
            <span className="plate-sensor">
              {p.sensor_id ? (
                <>
                  <span className="mono">{p.sensor_id}</span>
                  {offline ? (
                    <strong className="plate-warn"> offline</strong>
                  ) : p.detection === 'bridge' ? (
                    <span className="muted"> · bridge</span>
                  ) : null}
                </>
              ) : (
                <span className="muted">no sensor</span>
              )}
            </span>
          </li>
        );
      })}
    </ol>
  );
});

export interface SplitSeries {
  key: string;
  title: string;
  subtitle: string;
  shots: { shot_number: number; split_ms: number | null; time_ms: number }[];
}

/** Splits of one string as bars (first bar: the draw). */
export const SplitChart = memo(function SplitChart({ series }: { series: SplitSeries }) {
  const data = series.shots.map((s) => ({
    shot: `#${s.shot_number}`,
    split: s.split_ms !== null ? s.split_ms / 1000 : 0,
    time: s.time_ms / 1000,
    first: s.shot_number === 1,
  }));
  return (
    <figure className="split-chart" data-testid="split-chart">
      <figcaption>
        <span className="strong">{series.title}</span> <span className="muted">{series.subtitle}</span>
      </figcaption>
      <div
        className="split-chart-box"
        role="img"
        aria-label={`Splits of ${series.title}: ${data.map((d) => `${d.shot} ${d.split.toFixed(2)} s`).join(', ')}`}
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 6, right: 8, bottom: 0, left: -18 }}>
            <CartesianGrid stroke="#262e38" vertical={false} />
            <XAxis dataKey="shot" tick={{ fill: '#b8c2cc', fontSize: 12 }} stroke="#4a5563" />
            <YAxis tick={{ fill: '#b8c2cc', fontSize: 12 }} stroke="#4a5563" />
            <Tooltip
              cursor={{ fill: 'rgba(255,255,255,0.06)' }}
              contentStyle={{ background: '#151a21', border: '1px solid #4a5563', color: '#f2f5f8' }}
              formatter={(v) => [`${typeof v === 'number' ? v.toFixed(2) : String(v)} s`, 'split']}
            />
            <Bar dataKey="split" isAnimationActive={false}>
              {data.map((d) => (
                <Cell key={d.shot} fill={d.first ? '#ffb020' : '#5cc8ff'} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
});

/** A modal asking for a reason (reshoot, void): Escape cancels; Enter in the field confirms. */
export function ReasonDialog({
  title,
  label,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  title: string;
  label: string;
  confirmLabel: string;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [text, setText] = useState('');
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const ok = text.trim().length > 0;
  return (
    <dialog
      ref={ref}
      className="range-dialog"
      aria-labelledby={`${id}-t`}
      data-testid="reason-dialog"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (ok) onConfirm(text.trim());
        }}
      >
        <h2 id={`${id}-t`} className="range-dialog-title">
          {title}
        </h2>
        <label className="field" htmlFor={`${id}-r`}>
          <span className="field-label">{label}</span>
          <input
            id={`${id}-r`}
            value={text}
            maxLength={500}
            autoFocus
            data-testid="reason-input"
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <div className="range-dialog-actions">
          <button type="button" onClick={onCancel} data-testid="reason-cancel">
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!ok} data-testid="reason-ok">
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** Asks before an action that would change or duplicate what exists; Escape cancels. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      className="range-dialog"
      aria-labelledby={`${id}-t`}
      aria-describedby={`${id}-d`}
      data-testid="confirm-dialog"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={`${id}-t`} className="range-dialog-title">
        {title}
      </h2>
      <div id={`${id}-d`}>{children}</div>
      <div className="range-dialog-actions">
        <button type="button" onClick={onCancel} data-testid="confirm-cancel">
          Cancel
        </button>
        <button type="button" className="primary" autoFocus onClick={onConfirm} data-testid="confirm-ok">
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
