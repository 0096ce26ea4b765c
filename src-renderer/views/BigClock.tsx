import { useLayoutEffect, useRef, useState } from 'react';
import { formatSeconds } from '../lib/format';
import { clockFor, type TimerString } from '../state/strings';

/**
 * The range clock. While a string runs it is redrawn on every animation frame by writing the
 * text node directly (no React render per frame); otherwise React renders the final value.
 */
export function BigClock({ s }: { s: TimerString | null }) {
  const [now, setNow] = useState(() => Date.now());
  const reading = clockFor(s, now);
  const ref = useRef<HTMLSpanElement>(null);

  useLayoutEffect(() => {
    if (!reading.running) return;
    let raf = 0;
    const tick = () => {
      const r = clockFor(s, Date.now());
      if (ref.current) ref.current.textContent = formatSeconds(r.ms);
      if (!r.running) {
        // The string went stale: let React render the static state.
        setNow(Date.now());
        return;
      }
      raf = requestAnimationFrame(tick);
    };
    tick();
    return () => cancelAnimationFrame(raf);
  }, [s, reading.running]);

  const state = !s ? 'idle' : reading.running ? 'running' : s.stopped ? 'final' : 'open';
  const label = !s ? 'waiting' : reading.running ? 'running' : s.stopped ? 'final' : (reading.note ?? 'open');

  return (
    <div className={`clock clock--${state}`} data-testid="live-clock-box" data-clock-state={state}>
      <span className="clock-digits" role="timer" aria-label="String time in seconds">
        {/* Keyed so React never reconciles text the animation loop wrote. */}
        {reading.running ? (
          <span key="run" ref={ref} data-testid="live-clock" />
        ) : (
          <span key="static" data-testid="live-clock">
            {formatSeconds(reading.ms)}
          </span>
        )}
      </span>
      <span className="clock-unit" aria-hidden="true">
        s
      </span>
      <span className={`clock-state clock-state--${state}`}>{label}</span>
    </div>
  );
}
