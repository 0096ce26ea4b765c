import { describe, expect, it } from 'vitest';
import {
  correlate,
  correlationSettingsSchema,
  DEFAULT_CORRELATION_SETTINGS,
  expectedDelayFor,
  learnDelay,
  learnFromPairs,
  type ExpectedDelays,
} from './correlation';
import { seededRandom } from './seeded-random';

interface Shot {
  id: string;
  timeMs: number;
}
interface Impact {
  id: string;
  sensorId: string;
  onsetMs: number;
}

const shot = (id: string, timeMs: number): Shot => ({ id, timeMs });
const hit = (id: string, sensorId: string, onsetMs: number): Impact => ({ id, sensorId, onsetMs });
const ids = (items: ReadonlyArray<{ id: string }>): string[] => items.map((i) => i.id);
const pairIds = (r: ReturnType<typeof correlate<Shot, Impact>>): Array<[string, string]> =>
  r.pairs.map((p) => [p.shot.id, p.impact.id]);

describe('settings', () => {
  it('has the §4 defaults', () => {
    expect(DEFAULT_CORRELATION_SETTINGS).toEqual({ windowMs: 1500, expectedDelayMs: 500, alpha: 0.2 });
    expect(correlationSettingsSchema.safeParse({ alpha: 0 }).success).toBe(false);
    expect(correlationSettingsSchema.safeParse({ alpha: 1.5 }).success).toBe(false);
    expect(correlationSettingsSchema.safeParse({ windowMs: -1 }).success).toBe(false);
  });
});

describe('correlate', () => {
  it('pairs the obvious case', () => {
    const shots = [shot('s1', 1000), shot('s2', 3000), shot('s3', 5000)];
    const impacts = [hit('a', 'P1', 1480), hit('b', 'P2', 3510), hit('c', 'P3', 5495)];
    const r = correlate(shots, impacts);
    expect(pairIds(r)).toEqual([
      ['s1', 'a'],
      ['s2', 'b'],
      ['s3', 'c'],
    ]);
    expect(r.pairs.map((p) => p.delayMs)).toEqual([480, 510, 495]);
    expect(r.pairs.map((p) => p.expectedDelayMs)).toEqual([500, 500, 500]);
    expect(r.unmatchedShots).toEqual([]);
    expect(r.unmatchedImpacts).toEqual([]);
  });

  it('handles two shots whose windows overlap', () => {
    // Shot 0 sees a@480 (|480 − 500| = 20) and b@820 (320) → a. Shot 300 sees b (delay 520, 20).
    const r = correlate([shot('s1', 0), shot('s2', 300)], [hit('a', 'P1', 480), hit('b', 'P2', 820)]);
    expect(pairIds(r)).toEqual([
      ['s1', 'a'],
      ['s2', 'b'],
    ]);
  });

  it('is greedy in shot time order: an earlier shot keeps the impact it took', () => {
    // One impact at 700 in both windows: shot 0 (distance 200) takes it, shot 300 (distance 100)
    // is left unmatched.
    const r = correlate([shot('late', 300), shot('early', 0)], [hit('a', 'P1', 700)]);
    expect(pairIds(r)).toEqual([['early', 'a']]);
    expect(r.pairs[0]?.shotIndex).toBe(1);
    expect(ids(r.unmatchedShots)).toEqual(['late']);
  });

  it('reports an echo after the last shot as an unmatched impact', () => {
    const r = correlate(
      [shot('s1', 0)],
      [hit('echo2', 'P1', 2400), hit('echo', 'P1', 1200), hit('a', 'P1', 500)],
    );
    expect(pairIds(r)).toEqual([['s1', 'a']]);
    expect(ids(r.unmatchedImpacts)).toEqual(['echo', 'echo2']); // in onset order
  });

  it('reports a missed plate as an unmatched shot', () => {
    const r = correlate(
      [shot('s1', 0), shot('s2', 2000), shot('s3', 4000)],
      [hit('a', 'P1', 500), hit('c', 'P3', 4500)],
    );
    expect(pairIds(r)).toEqual([
      ['s1', 'a'],
      ['s3', 'c'],
    ]);
    expect(ids(r.unmatchedShots)).toEqual(['s2']);
  });

  it('breaks ties by the earlier impact, then by input order', () => {
    const r1 = correlate([shot('s', 0)], [hit('late', 'P1', 600), hit('early', 'P1', 400)]);
    expect(pairIds(r1)).toEqual([['s', 'early']]);
    const r2 = correlate([shot('s', 0)], [hit('first', 'P1', 500), hit('second', 'P2', 500)]);
    expect(pairIds(r2)).toEqual([['s', 'first']]);
  });

  it('uses each sensor’s own expected delay', () => {
    const delays: ExpectedDelays = { P1: 300, P2: 700 };
    // Both at 650: P1 is 350 from its 300 ms, P2 is 50 from its 700 ms.
    const r = correlate([shot('s', 0)], [hit('p1', 'P1', 650), hit('p2', 'P2', 650)], {
      expectedDelays: delays,
    });
    expect(pairIds(r)).toEqual([['s', 'p2']]);
    expect(r.pairs[0]?.expectedDelayMs).toBe(700);
  });

  it('has an inclusive window [shot, shot + window]', () => {
    const r = correlate(
      [shot('a', 10_000), shot('b', 20_000), shot('c', 30_000), shot('d', 40_000)],
      [
        hit('edge', 'P', 11_500),
        hit('past', 'P', 21_501),
        hit('zero', 'P', 30_000),
        hit('before', 'P', 39_999),
      ],
    );
    expect(pairIds(r)).toEqual([
      ['a', 'edge'],
      ['c', 'zero'],
    ]);
    expect(ids(r.unmatchedShots)).toEqual(['b', 'd']);
    expect(ids(r.unmatchedImpacts)).toEqual(['past', 'before']);
    const narrow = correlate([shot('a', 0)], [hit('x', 'P', 400)], { settings: { windowMs: 399 } });
    expect(narrow.pairs).toEqual([]);
  });

  it('does not mutate its inputs', () => {
    const shots = Object.freeze([shot('s2', 300), shot('s1', 0)]);
    const impacts = Object.freeze([hit('b', 'P', 820), hit('a', 'P', 480)]);
    correlate(shots, impacts);
    expect(ids(shots)).toEqual(['s2', 's1']);
    expect(ids(impacts)).toEqual(['b', 'a']);
  });
});

describe('learning the expected delay', () => {
  it('starts from the default and moves by alpha toward each observation', () => {
    expect(expectedDelayFor({}, 'P1')).toBe(500);
    const d1 = learnDelay({}, 'P1', 400); // 500 + 0.2·(400 − 500) = 480
    expect(d1).toEqual({ P1: 480 });
    const d2 = learnDelay(d1, 'P1', 400); // 480 + 0.2·(400 − 480) = 464
    expect(d2.P1).toBeCloseTo(464, 10);
    expect(learnDelay(d2, 'P2', 600, { alpha: 0.5 })).toEqual({ P1: d2.P1, P2: 550 });
    expect(d1).toEqual({ P1: 480 }); // the old record is untouched
  });

  it('learns from confirmed pairs in order', () => {
    // alpha 0.5: 500 → 300 gives 400 → 300 gives 350; P2: 500 → 700 gives 600.
    const learnt = learnFromPairs(
      {},
      [
        { impact: { sensorId: 'P1', onsetMs: 300 }, delayMs: 300 },
        { impact: { sensorId: 'P2', onsetMs: 700 }, delayMs: 700 },
        { impact: { sensorId: 'P1', onsetMs: 1300 }, delayMs: 300 },
      ],
      { alpha: 0.5 },
    );
    expect(learnt).toEqual({ P1: 350, P2: 600 });
  });

  it('moves monotonically toward a constant observed delay, and the pairing follows', () => {
    let delays: ExpectedDelays = {};
    let prevGap = Infinity;
    for (let i = 0; i < 30; i++) {
      delays = learnDelay(delays, 'P1', 800);
      const gap = Math.abs(800 - expectedDelayFor(delays, 'P1'));
      expect(gap).toBeLessThan(prevGap);
      prevGap = gap;
    }
    expect(prevGap).toBeLessThan(1);
    // Default 500: 300 (distance 200) beats 750 (250). Learnt ≈ 800: 750 (≈ 50) wins.
    const impacts = [hit('near', 'P1', 300), hit('far', 'P1', 750)];
    expect(pairIds(correlate([shot('s', 0)], impacts))).toEqual([['s', 'near']]);
    expect(pairIds(correlate([shot('s', 0)], impacts, { expectedDelays: delays }))).toEqual([['s', 'far']]);
  });

  it('ignores a non-finite observation', () => {
    expect(learnDelay({ P1: 450 }, 'P1', Number.NaN)).toEqual({ P1: 450 });
  });
});

describe('properties', () => {
  it('pairs and leftovers partition the inputs; an unmatched shot had no free impact in its window', () => {
    const r = seededRandom(42);
    for (let k = 0; k < 400; k++) {
      const windowMs = r.int(100, 2000);
      const shots = Array.from({ length: r.int(0, 12) }, (_, i) => shot(`s${i}`, r.int(0, 10_000)));
      const impacts = Array.from({ length: r.int(0, 12) }, (_, i) =>
        hit(`i${i}`, r.pick(['P1', 'P2', 'P3']), r.int(0, 12_000)),
      );
      const delays: ExpectedDelays = { P1: r.int(0, 1000), P2: r.int(0, 1000) };
      const res = correlate(shots, impacts, { settings: { windowMs }, expectedDelays: delays });

      const pairedShots = res.pairs.map((p) => p.shot.id);
      const pairedImpacts = res.pairs.map((p) => p.impact.id);
      expect(new Set(pairedImpacts).size).toBe(pairedImpacts.length);
      expect([...pairedShots, ...ids(res.unmatchedShots)].sort()).toEqual(ids(shots).sort());
      expect([...pairedImpacts, ...ids(res.unmatchedImpacts)].sort()).toEqual(ids(impacts).sort());
      for (const p of res.pairs) {
        expect(p.delayMs).toBeGreaterThanOrEqual(0);
        expect(p.delayMs).toBeLessThanOrEqual(windowMs);
      }
      // pairs come in shot time order
      const times = res.pairs.map((p) => p.shot.timeMs);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      // every impact inside an unmatched shot's window went to a shot no later than it
      const owner = new Map(res.pairs.map((p) => [p.impact.id, p.shot]));
      for (const s of res.unmatchedShots) {
        for (const i of impacts) {
          if (i.onsetMs < s.timeMs || i.onsetMs > s.timeMs + windowMs) continue;
          const o = owner.get(i.id);
          expect(o).toBeDefined();
          expect((o as Shot).timeMs).toBeLessThanOrEqual(s.timeMs);
        }
      }
    }
  });
});
