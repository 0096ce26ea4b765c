import { describe, expect, it } from 'vitest';
import type { MarshalEvent } from '../../../src-shared/events/model';
import { linePath, makeScale, mergeReadings, metricOrder, niceTicks, valueRange } from './chart';

const reading = (
  device_id: string,
  zone: string,
  metric: string,
  value: number,
  tMs: number,
): MarshalEvent => ({
  id: 0,
  kind: 'gateway.reading',
  family: 'gateway',
  device_id,
  ts: new Date(tMs).toISOString(),
  received_at: new Date(tMs).toISOString(),
  topic: `devices/${device_id}/sensor_data`,
  data: { zone, metric, value, unit: 'ppm' },
});

describe('gateway chart helpers', () => {
  it('picks round ticks that cover the range', () => {
    expect(niceTicks(812, 1640, 5)).toEqual([800, 1000, 1200, 1400, 1600, 1800]);
    expect(niceTicks(20.1, 24.9, 4)).toEqual([20, 22, 24, 26]);
    // 5 ± 5 %: [4.75, 5.25] in steps of 0.2.
    expect(niceTicks(5, 5, 4)).toEqual([4.6, 4.8, 5, 5.2, 5.4]);
    expect(niceTicks(NaN, 1)).toEqual([]);
  });

  it('takes the value range of the points in view and the threshold lines', () => {
    const s = [
      {
        zone: 'a',
        metric: 'co2',
        unit: 'ppm',
        points: [
          [0, 5000],
          [10, 800],
          [20, 900],
        ] as [number, number][],
      },
    ];
    expect(valueRange(s, 5)).toEqual([800, 900]);
    expect(valueRange(s, 5, [1500])).toEqual([800, 1500]);
    expect(valueRange(s, 100)).toBeNull();
  });

  it('draws lines with a break at a long silence', () => {
    const scale = makeScale({ left: 0, right: 100, top: 0, bottom: 100 }, 0, 100_000, 0, 10);
    expect(
      linePath(
        [
          [0, 0],
          [10_000, 5],
          [90_000, 10],
        ],
        scale,
        0,
        60_000,
      ),
    ).toBe('M0.0,100.0L10.0,50.0M90.0,0.0');
    expect(
      linePath(
        [
          [0, 0],
          [10_000, 5],
        ],
        scale,
        5_000,
      ),
    ).toBe('M10.0,50.0');
  });

  it('merges live readings of the selected gateway into its series, in time order', () => {
    const loaded = [
      { zone: 'fruiting', metric: 'co2', unit: 'ppm', points: [[1000, 800]] as [number, number][] },
    ];
    const merged = mergeReadings(loaded, 'gw-1', [
      reading('gw-1', 'fruiting', 'co2', 820, 3000),
      reading('gw-1', 'fruiting', 'co2', 810, 2000),
      reading('gw-1', 'incubation', 'co2', 1000, 3000),
      reading('gw-2', 'fruiting', 'co2', 9999, 3000),
    ]);
    expect(merged.map((s) => [s.zone, s.points])).toEqual([
      [
        'fruiting',
        [
          [1000, 800],
          [2000, 810],
          [3000, 820],
        ],
      ],
      ['incubation', [[3000, 1000]]],
    ]);
    expect(mergeReadings(loaded, 'gw-1', [])).toBe(loaded);
  });

  it('orders metrics temperature, humidity, CO2, then the rest', () => {
    expect(metricOrder(['lux', 'co2', 'humidity', 'temp', 'co2'])).toEqual([
      'temp',
      'humidity',
      'co2',
      'lux',
    ]);
  });
});
