import { describe, expect, it } from 'vitest';
import {
  decodeAmgFrame,
  hexToBytes,
  type AmgShotFrame,
  type AmgStartFrame,
} from '../../../src-shared/decoders/amg';
import { createRng } from '../random';
import {
  DRAW_CS,
  NOTIFY_DELAY_MS,
  planString,
  SLOW_TRANSITION_CS,
  summarizeString,
  timerEventPayload,
  TRANSITION_CS,
  type TimerStyle,
} from './timer';

const iso = (ms: number): string => new Date(ms).toISOString();
const STYLES: TimerStyle[] = [
  { shape: 'flat', startName: 'START', units: 's' },
  { shape: 'nested', startName: 'T0', units: 'cs' },
  { shape: 'flat', startName: 'T0', units: 'cs' },
  { shape: 'nested', startName: 'START', units: 's' },
];

describe('timer strings', () => {
  it('splits stay within human ranges: draw 1.6–2.4 s, transitions 0.35–0.9 s, occasionally up to 1.6 s', () => {
    const rng = createRng(1234);
    let slow = 0;
    let transitions = 0;
    for (let n = 1; n <= 1000; n++) {
      const plan = planString(rng, n, 1_000_000 * n);
      expect(plan.shots).toHaveLength(5);
      let time = 0;
      plan.shots.forEach((shot, i) => {
        expect(Number.isInteger(shot.splitCs)).toBe(true);
        if (i === 0) {
          expect(shot.splitCs).toBeGreaterThanOrEqual(DRAW_CS.min);
          expect(shot.splitCs).toBeLessThanOrEqual(DRAW_CS.max);
        } else {
          transitions++;
          expect(shot.splitCs).toBeGreaterThanOrEqual(TRANSITION_CS.min);
          expect(shot.splitCs).toBeLessThanOrEqual(SLOW_TRANSITION_CS.max);
          if (shot.splitCs > TRANSITION_CS.max) slow++;
        }
        time += shot.splitCs;
        expect(shot.timeCs).toBe(time);
        expect(shot.shotNumber).toBe(i + 1);
      });
    }
    // Slow transitions happen, but only occasionally.
    expect(slow / transitions).toBeGreaterThan(0.03);
    expect(slow / transitions).toBeLessThan(0.25);
  });

  it('START, five SHOTs, then a STOP repeating the last shot; notifications 10–99 ms late', () => {
    const plan = planString(createRng(5), 3, 1_700_000_000_000);
    expect(plan.events.map((e) => e.type)).toEqual(['START', 'SHOT', 'SHOT', 'SHOT', 'SHOT', 'SHOT', 'STOP']);
    for (const e of plan.events) {
      expect(e.receivedMs - e.atMs).toBeGreaterThanOrEqual(NOTIFY_DELAY_MS.min);
      expect(e.receivedMs - e.atMs).toBeLessThanOrEqual(NOTIFY_DELAY_MS.max);
    }
    const lastShot = plan.events[5]!;
    const stop = plan.events[6]!;
    expect(stop.atMs).toBe(plan.stopMs);
    expect(plan.stopMs).toBeGreaterThan(lastShot.atMs);
    expect(stop.rawHex.slice(0, 4)).toBe('0108');
    expect(stop.rawHex.slice(4)).toBe(lastShot.rawHex.slice(4));
    expect(plan.events.slice(1, 6).map((e) => e.atMs - plan.beepMs)).toEqual(
      plan.shots.map((s) => s.timeCs * 10),
    );
  });

  it('a start frame carries the previous string (count, first and last shot)', () => {
    const rng = createRng(9);
    const first = planString(rng, 1, 0);
    const second = planString(rng, 2, 60_000, summarizeString(first));
    const start = decodeAmgFrame(second.events[0]!.frame) as AmgStartFrame;
    expect(start.kind).toBe('start');
    expect(start.stringNumber).toBe(2);
    expect(start.previousTotalShots).toBe(5);
    expect(start.previousFirstCs).toBe(first.shots[0]!.timeCs);
    expect(start.previousLastCs).toBe(first.shots[4]!.timeCs);
  });

  it('raw_hex decodes to the same numbers as the JSON fields, in every payload style', () => {
    const rng = createRng(77);
    for (let n = 1; n <= 50; n++) {
      const plan = planString(rng, n, 1_000_000 + n * 60_000);
      for (const event of plan.events) {
        for (const style of STYLES) {
          const p = timerEventPayload(event, style, 'amg-01', iso);
          const fields = (style.shape === 'nested' ? p.data : p) as Record<string, unknown>;
          expect(p.timestamp).toBe(iso(event.receivedMs));
          const frame = decodeAmgFrame(hexToBytes(String(fields.raw_hex)));
          expect(frame).not.toBeNull();
          expect(frame!.stringNumber).toBe(fields.string_number);
          if (event.type === 'START') {
            expect(p.event_type).toBe(style.startName);
            expect(frame!.kind).toBe('start');
            continue;
          }
          const shot = frame as AmgShotFrame;
          expect(p.event_type).toBe(event.type);
          expect(shot.kind).toBe(event.type === 'SHOT' ? 'shot' : 'stop');
          expect(shot.shotNumber).toBe(fields.shot_number);
          expect(shot.totalShots).toBe(fields.total_shots);
          if (style.units === 's') {
            expect(shot.timeCs).toBe(Math.round((fields.time as number) * 100));
            expect(shot.splitCs).toBe(Math.round((fields.split as number) * 100));
            expect(shot.firstCs).toBe(Math.round((fields.first_shot as number) * 100));
            expect(shot.timeMs / 1000).toBeCloseTo(fields.time as number, 10);
          } else {
            expect(shot.timeCs).toBe(fields.time_cs);
            expect(shot.splitCs).toBe(fields.split_cs);
            expect(shot.firstCs).toBe(fields.first_shot_cs);
          }
        }
      }
    }
  });
});
