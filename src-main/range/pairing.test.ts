/**
 * Shot ↔ impact pairing cases. Expected pairs are worked out by hand from domain.md §4: window
 * 1,500 ms, expected delay 500 ms unless learnt.
 */
import { describe, expect, it } from 'vitest';
import { correlate } from '../../src-shared/range/correlation';
import { pairShotsAndImpacts } from './pairing';

const shot = (timeMs: number) => ({ timeMs, id: `s${timeMs}` });
const hit = (sensorId: string, onsetMs: number) => ({ sensorId, onsetMs, id: `${sensorId}@${onsetMs}` });
const ids = (r: ReturnType<typeof pairShotsAndImpacts<ReturnType<typeof shot>, ReturnType<typeof hit>>>) => ({
  pairs: r.pairs.map((p) => `${p.shot.id}>${p.impact.id}`),
  shots: r.unmatchedShots.map((s) => s.id),
  impacts: r.unmatchedImpacts.map((i) => i.id),
});

describe('pairing shots with impacts', () => {
  it('one hit per shot: every shot pairs with the hit about 500 ms after it', () => {
    const r = pairShotsAndImpacts(
      [shot(1000), shot(1800), shot(2600)],
      [hit('p1', 1450), hit('p2', 2300), hit('p3', 3150)],
    );
    expect(ids(r)).toEqual({
      pairs: ['s1000>p1@1450', 's1800>p2@2300', 's2600>p3@3150'],
      shots: [],
      impacts: [],
    });
    expect(r.pairs.map((p) => p.delayMs)).toEqual([450, 500, 550]);
  });

  it('a miss before a hit: the miss is the shot left alone, not the next one', () => {
    // Shots at 2160 and 2690; one hit at 3100. Delays: 940 from the first, 410 from the second.
    // |410 − 500| = 90 beats |940 − 500| = 440: the hit is the second shot's, the first missed.
    const shots = [shot(2160), shot(2690)];
    const impacts = [hit('p2', 3100)];
    expect(ids(pairShotsAndImpacts(shots, impacts))).toEqual({
      pairs: ['s2690>p2@3100'],
      shots: ['s2160'],
      impacts: [],
    });
    // The shared greedy rule alone pairs it with the first shot (what this module corrects).
    expect(correlate(shots, impacts).pairs.map((p) => p.shot.timeMs)).toEqual([2160]);
  });

  it('a stray hit (no shot within the window before it) is left unmatched, and so is a late one', () => {
    const r = pairShotsAndImpacts([shot(5000)], [hit('p1', 4000), hit('p1', 5400), hit('p4', 6600)]);
    // 4000 precedes the shot; 6600 is 1600 ms after it (> 1500).
    expect(ids(r)).toEqual({ pairs: ['s5000>p1@5400'], shots: [], impacts: ['p1@4000', 'p4@6600'] });
  });

  it('uses the learnt delay of each sensor', () => {
    // Two hits after one shot at 0: p1 at 300, p2 at 700. Default 500: tie of 200 → the earlier (p1).
    expect(ids(pairShotsAndImpacts([shot(0)], [hit('p1', 300), hit('p2', 700)])).pairs).toEqual([
      's0>p1@300',
    ]);
    // p2 learnt 700 ms (distance 0) and p1 learnt 100 (distance 200): p2 wins.
    const r = pairShotsAndImpacts([shot(0)], [hit('p1', 300), hit('p2', 700)], {
      expectedDelays: { p1: 100, p2: 700 },
    });
    expect(ids(r)).toEqual({ pairs: ['s0>p2@700'], shots: [], impacts: ['p1@300'] });
    expect(r.pairs[0]!.expectedDelayMs).toBe(700);
  });

  it('an echo after the last shot has no hit; the window and expected delay are settings', () => {
    const r = pairShotsAndImpacts([shot(4000), shot(4300)], [hit('stop', 4480)], {
      settings: { windowMs: 1000, expectedDelayMs: 450 },
    });
    // From 4000: 480 (|30|); from 4300: 180 (|270|): the stop plate is shot 1's, the echo is left.
    expect(ids(r)).toEqual({ pairs: ['s4000>stop@4480'], shots: ['s4300'], impacts: [] });
  });

  it('no shots or no impacts', () => {
    expect(ids(pairShotsAndImpacts([], [hit('p1', 10)]))).toEqual({
      pairs: [],
      shots: [],
      impacts: ['p1@10'],
    });
    expect(ids(pairShotsAndImpacts([shot(10)], []))).toEqual({ pairs: [], shots: ['s10'], impacts: [] });
  });
});
