import { memo, useMemo } from 'react';
import type { ReadingSeries } from '../../../src-shared/contract/games';
import type { Threshold } from '../../../src-shared/ingest/gateway';
import { linePath, makeScale, metricLabel, niceTicks, valueRange, ZONE_COLORS } from './chart';

const W = 640;
const H = 220;
const BOX = { left: 58, right: W - 12, top: 12, bottom: H - 28 };

function timeLabel(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

function formatValue(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/**
 * One metric of one gateway over a time window: a line per zone, the console thresholds that
 * apply as dashed lines, the latest value per zone in the legend. SVG, redrawn per pushed batch.
 */
export const MetricChart = memo(function MetricChart({
  deviceId,
  metric,
  series,
  zones,
  thresholds,
  fromMs,
  toMs,
}: {
  deviceId: string;
  metric: string;
  /** This metric's series (one per zone). */
  series: readonly ReadingSeries[];
  /** Every zone of the gateway, for stable colours across charts. */
  zones: readonly string[];
  thresholds: readonly Threshold[];
  fromMs: number;
  toMs: number;
}) {
  const unit = series.find((s) => s.unit)?.unit ?? '';
  const lines = useMemo(
    () =>
      thresholds
        .filter((t) => t.metric.toLowerCase() === metric.toLowerCase())
        .flatMap((t) => [
          ...(t.above !== undefined
            ? [{ value: t.above, label: `${t.severity} above ${t.above}`, zone: t.zone }]
            : []),
          ...(t.below !== undefined
            ? [{ value: t.below, label: `${t.severity} below ${t.below}`, zone: t.zone }]
            : []),
        ]),
    [thresholds, metric],
  );
  const range = valueRange(
    series,
    fromMs,
    lines.map((l) => l.value),
  );
  const ticks = range ? niceTicks(range[0], range[1], 4) : [];
  const scale = makeScale(BOX, fromMs, toMs, ticks[0] ?? 0, ticks[ticks.length - 1] ?? 1);
  const latest = series.map((s) => ({ zone: s.zone, last: s.points[s.points.length - 1] }));
  const color = (zone: string) => ZONE_COLORS[Math.max(0, zones.indexOf(zone)) % ZONE_COLORS.length]!;
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => fromMs + f * (toMs - fromMs));
  const summary = latest
    .map((l) => (l.last ? `${l.zone} ${formatValue(l.last[1])} ${unit}` : `${l.zone} no data`))
    .join(', ');

  return (
    <figure className="gw-chart" data-testid="gateway-chart" data-metric={metric} data-device-id={deviceId}>
      <figcaption className="gw-chart-caption">
        <span className="gw-chart-title">
          {metricLabel(metric)}
          {unit ? <span className="muted"> ({unit})</span> : null}
        </span>
        <span className="legend">
          {latest.map((l) => (
            <span className="legend-item" key={l.zone}>
              <span className="legend-swatch" style={{ background: color(l.zone) }} aria-hidden="true" />
              {l.zone} <span className="mono">{l.last ? formatValue(l.last[1]) : '—'}</span>
            </span>
          ))}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        className="gw-chart-svg"
        role="img"
        aria-label={`${metricLabel(metric)} of ${deviceId} per zone; latest: ${summary || 'no data'}`}
        preserveAspectRatio="none"
      >
        {ticks.map((v) => (
          <g key={`y${v}`}>
            <line x1={BOX.left} x2={BOX.right} y1={scale.y(v)} y2={scale.y(v)} className="gw-grid" />
            <text x={BOX.left - 6} y={scale.y(v) + 4} className="gw-axis" textAnchor="end">
              {formatValue(v)}
            </text>
          </g>
        ))}
        {xTicks.map((t, i) => (
          <text
            key={`x${i}`}
            x={scale.x(t)}
            y={H - 8}
            className="gw-axis"
            textAnchor={i === 0 ? 'start' : i === 4 ? 'end' : 'middle'}
          >
            {timeLabel(t)}
          </text>
        ))}
        {lines.map((l, i) => (
          <g key={`t${i}`}>
            <line
              x1={BOX.left}
              x2={BOX.right}
              y1={scale.y(l.value)}
              y2={scale.y(l.value)}
              className="gw-threshold"
            />
            <text x={BOX.right - 4} y={scale.y(l.value) - 4} className="gw-threshold-label" textAnchor="end">
              {l.zone ? `${l.label} (${l.zone})` : l.label}
            </text>
          </g>
        ))}
        {series.map((s) => (
          <path
            key={s.zone}
            d={linePath(s.points, scale, fromMs)}
            stroke={color(s.zone)}
            className="gw-line"
          />
        ))}
      </svg>
      {!range ? (
        <p className="hint">No {metricLabel(metric).toLowerCase()} readings in this window.</p>
      ) : null}
    </figure>
  );
});
