import { memo } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { SensorRow } from '../../src-shared/contract/types';

/** Measured sample rate per sensor: a small summary chart, re-rendered only on each 2 s refresh. */
export const RateChart = memo(function RateChart({ sensors }: { sensors: readonly SensorRow[] }) {
  const data = sensors.map((s) => ({ id: s.sensor_id, rate: s.rate_hz ?? 0, online: s.online }));
  return (
    <figure className="rate-chart" data-testid="rate-chart">
      <figcaption className="panel-title">Measured rate per sensor (Hz)</figcaption>
      <div
        className="rate-chart-box"
        role="img"
        aria-label="Bar chart of measured sample rate per sensor"
        style={{ height: Math.max(120, data.length * 22 + 40) }}
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} layout="vertical" margin={{ top: 4, right: 12, bottom: 4, left: 4 }}>
            <CartesianGrid stroke="#262e38" horizontal={false} />
            <XAxis type="number" tick={{ fill: '#b8c2cc', fontSize: 12 }} stroke="#4a5563" />
            <YAxis
              type="category"
              dataKey="id"
              tick={{ fill: '#b8c2cc', fontSize: 12 }}
              stroke="#4a5563"
              width={84}
              interval={0}
            />
            <Tooltip
              cursor={{ fill: 'rgba(255,255,255,0.06)' }}
              contentStyle={{ background: '#151a21', border: '1px solid #4a5563', color: '#f2f5f8' }}
              formatter={(v) => [`${typeof v === 'number' ? v.toFixed(0) : String(v)} Hz`, 'rate']}
            />
            <Bar dataKey="rate" isAnimationActive={false}>
              {data.map((d) => (
                <Cell key={d.id} fill={d.online ? '#63b3ff' : '#5b6673'} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
});
