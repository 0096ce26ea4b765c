import { useEffect, useRef, useState } from 'react';
import { useActions, useBridge, useStoreApi } from '../components/context';
import { InlineError } from '../components/Status';
import { errorMessage } from '../state/sync';
import { AXIS_COLORS, drawChart, layoutFor, rightEdge, WINDOW_MS } from './chartDraw';

/**
 * Live x/y/z of one sensor over the last 10 s, drawn on a canvas from the sample ring on each
 * animation frame. React renders this component once per selection, not per batch.
 */
export function TelemetryChart({ sensorId }: { sensorId: string }) {
  const bridge = useBridge();
  const store = useStoreApi();
  const { seedSamples, notifyError } = useActions();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const readout = useRef<HTMLSpanElement>(null);
  const [seedError, setSeedError] = useState<string | null>(null);

  // Seed with recent history so the chart is full immediately.
  useEffect(() => {
    let cancelled = false;
    bridge
      .call('telemetry.recent', { sensor_id: sensorId, seconds: WINDOW_MS / 1000 })
      .then((batch) => {
        if (cancelled) return;
        setSeedError(null);
        seedSamples(batch);
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        const message = errorMessage(err);
        setSeedError(`Could not load recent telemetry: ${message}`);
        notifyError(`telemetry.recent: ${message}`);
      });
    return () => {
      cancelled = true;
    };
  }, [bridge, sensorId, seedSamples, notifyError]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    let raf = 0;
    let right = -Infinity;
    let lastKey = '';
    let lastReadout = '';

    const frame = () => {
      raf = requestAnimationFrame(frame);
      const ring = store.getState().samples.get(sensorId);
      const dpr = window.devicePixelRatio || 1;
      const w = canvas.clientWidth;
      const h = canvas.clientHeight;
      if (w === 0 || h === 0) return;
      if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
        canvas.width = Math.round(w * dpr);
        canvas.height = Math.round(h * dpr);
        lastKey = '';
      }
      right = ring ? rightEdge(ring.latestT, ring.lastArrival, Date.now(), right) : right;
      // Skip the redraw when nothing visible changed (same data, same pixel position).
      const key = `${ring?.version ?? -1}:${Math.round(right / (WINDOW_MS / w))}:${w}:${h}`;
      if (key === lastKey) return;
      lastKey = key;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const result = drawChart(ctx, layoutFor(w, h), ring, Number.isFinite(right) ? right : Date.now());

      let text = 'no samples in the last 10 s';
      if (ring && result.samples > 0) {
        const last = ring.latest();
        if (last)
          text = `x ${last[1].toFixed(1)} · y ${last[2].toFixed(1)} · z ${last[3].toFixed(1)} mm/s · ±${result.range} scale`;
      }
      if (text !== lastReadout && readout.current) {
        readout.current.textContent = text;
        lastReadout = text;
      }
    };
    raf = requestAnimationFrame(frame);
    return () => cancelAnimationFrame(raf);
  }, [store, sensorId]);

  return (
    <figure className="telemetry" data-testid="telemetry-chart" data-sensor-id={sensorId}>
      <figcaption className="telemetry-caption">
        <span className="telemetry-title">
          Telemetry <span className="mono">{sensorId}</span> — velocity, last 10 s
        </span>
        <span className="legend" aria-hidden="true">
          <span className="legend-item">
            <span className="legend-swatch" style={{ background: AXIS_COLORS.x }} /> x
          </span>
          <span className="legend-item">
            <span className="legend-swatch" style={{ background: AXIS_COLORS.y }} /> y
          </span>
          <span className="legend-item">
            <span className="legend-swatch" style={{ background: AXIS_COLORS.z }} /> z
          </span>
        </span>
      </figcaption>
      <canvas
        ref={canvasRef}
        className="telemetry-canvas"
        role="img"
        aria-label={`Live x, y and z velocity in mm/s of sensor ${sensorId} over the last 10 seconds`}
      />
      <p className="telemetry-readout mono" aria-live="off">
        <span ref={readout} data-testid="telemetry-readout" />
      </p>
      <InlineError message={seedError} />
    </figure>
  );
}
