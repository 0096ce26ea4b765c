/**
 * Every rule of domain.md §5. Expected values are worked out by hand in the comments — never
 * computed by the code under test.
 */
import { describe, expect, it } from 'vitest';
import {
  applyChanges,
  CLASSIFIER_STAGES,
  classifierStage,
  CLASSES,
  competitionRank,
  compareStageResults,
  DIVISIONS,
  historyOf,
  lastShotMs,
  rankByDivision,
  rankMatch,
  scoreChangeSchema,
  scoreLogEntrySchema,
  scoreStage,
  scoreString,
  stageDefinitionSchema,
  stringRecordSchema,
  type MatchDefinition,
  type ScoreChange,
  type ScoreLogEntry,
  type Shooter,
  type StringApproval,
  type StringRecord,
} from './scoring';

let seq = 0;
function mk(
  shooter: string,
  stage: string,
  n: number,
  raw: number | null,
  extra: Partial<StringRecord> = {},
): StringRecord {
  seq++;
  return {
    string_id: `${shooter}/${stage}/${n}/${seq}`,
    shooter_id: shooter,
    stage_id: stage,
    string_number: n,
    raw_ms: raw,
    timer_shots_ms: raw === null ? [] : [raw],
    misses: 0,
    procedurals: 0,
    creeping: 0,
    foot_faults: 0,
    stop_plate_hit: true,
    finished: true,
    voided: false,
    approved: false,
    ...extra,
  };
}
/** Clean strings numbered 1.. with these accepted times. */
const strings = (shooter: string, stage: string, raws: readonly number[]): StringRecord[] =>
  raws.map((r, i) => mk(shooter, stage, i + 1, r));

const SC101 = classifierStage('SC-101');
const SC104 = classifierStage('SC-104');

function shooter(
  id: string,
  division: Shooter['division'] = 'OPN',
  cls: Shooter['class'] = 'A',
  categories: string[] = [],
): Shooter {
  return { shooter_id: id, name: id.toUpperCase(), division, class: cls, categories };
}

describe('constants', () => {
  it('lists the divisions and classes of §5', () => {
    expect(DIVISIONS).toEqual([
      'ISR',
      'LTD',
      'OSR',
      'RFPI',
      'RFPO',
      'RFRI',
      'RFRO',
      'PROD',
      'OPN',
      'SS',
      'CO',
      'PCCO',
      'PCCI',
    ]);
    expect(CLASSES).toEqual(['GM', 'M', 'A', 'B', 'C', 'D', 'U']);
  });

  it('has the eight classifier presets: 5 strings best 4, Outer Limits 4 best 3', () => {
    expect(CLASSIFIER_STAGES.map((s) => [s.code, s.name, s.stringsPerStage, s.countedStrings])).toEqual([
      ['SC-101', '5 To Go', 5, 4],
      ['SC-102', 'Showdown', 5, 4],
      ['SC-103', 'Smoke & Hope', 5, 4],
      ['SC-104', 'Outer Limits', 4, 3],
      ['SC-105', 'Accelerator', 5, 4],
      ['SC-106', 'The Pendulum', 5, 4],
      ['SC-107', 'Speed Option', 5, 4],
      ['SC-108', 'Roundabout', 5, 4],
    ]);
    expect(classifierStage('SC-104', 'stage-3')).toMatchObject({ id: 'stage-3', code: 'SC-104' });
    expect(stageDefinitionSchema.safeParse({ ...SC101, countedStrings: 6 }).success).toBe(false);
  });

  it('validates string records as integer milliseconds', () => {
    expect(stringRecordSchema.safeParse(mk('a', 's', 1, 3450)).success).toBe(true);
    expect(stringRecordSchema.safeParse(mk('a', 's', 1, 3450.5)).success).toBe(false);
    expect(stringRecordSchema.safeParse(mk('a', 's', 1, 3000, { misses: -1 })).success).toBe(false);
  });
});

describe('string score', () => {
  const cases: Array<[string, Partial<StringRecord> & { raw_ms: number | null }, number, string]> = [
    ['clean string', { raw_ms: 3450 }, 3450, 'scored'],
    // 3450 + 3000 × (1 + 1 + 1 + 1) = 3450 + 12000 = 15450
    [
      'one of each penalty',
      { raw_ms: 3450, misses: 1, procedurals: 1, creeping: 1, foot_faults: 1 },
      15450,
      'scored',
    ],
    // 2810 + 3000 × 2 = 8810
    ['two misses', { raw_ms: 2810, misses: 2 }, 8810, 'scored'],
    // 25000 + 6000 = 31000 → capped at 30000
    ['capped at 30 s', { raw_ms: 25000, misses: 2 }, 30000, 'scored'],
    // 24000 + 6000 = 30000 exactly, not over
    ['exactly 30 s', { raw_ms: 24000, misses: 2 }, 30000, 'scored'],
    ['raw time over 30 s', { raw_ms: 31234 }, 30000, 'scored'],
    ['stop plate not hit', { raw_ms: 4000, stop_plate_hit: false }, 30000, 'no_stop_plate'],
    ['stop plate not hit, fast and clean', { raw_ms: 1500, stop_plate_hit: false }, 30000, 'no_stop_plate'],
    ['not finished (DNF)', { raw_ms: 4000, finished: false }, 30000, 'dnf'],
    ['finished without an accepted time', { raw_ms: null }, 30000, 'dnf'],
  ];
  it.each(cases)('%s', (_name, rec, score, status) => {
    const r = scoreString(mk('a', 's', 1, rec.raw_ms, rec));
    expect(r.score_ms).toBe(score);
    expect(r.status).toBe(status);
  });

  it('flags the cap only when it applied', () => {
    expect(scoreString(mk('a', 's', 1, 25000, { misses: 2 })).capped).toBe(true);
    expect(scoreString(mk('a', 's', 1, 24000, { misses: 2 })).capped).toBe(false);
    expect(scoreString(mk('a', 's', 1, 3450, { misses: 1, creeping: 1 }))).toMatchObject({
      penalties: 2,
      penalty_ms: 6000,
    });
  });

  it('scores the accepted time, not the timer’s last shot (RO override of an echo)', () => {
    // Timer saw an echo at 5400 after the stop plate at 4700; the RO accepted 4700.
    const rec = mk('a', 's', 1, 4700, { timer_shots_ms: [1200, 2100, 2900, 3800, 4700, 5400] });
    expect(lastShotMs(rec.timer_shots_ms)).toBe(5400);
    expect(scoreString(rec).score_ms).toBe(4700);
    expect(rec.timer_shots_ms).toEqual([1200, 2100, 2900, 3800, 4700, 5400]);
    expect(lastShotMs([])).toBeNull();
  });

  it('gives a voided string no score', () => {
    expect(scoreString(mk('a', 's', 1, 3000, { voided: true }))).toMatchObject({
      status: 'void',
      score_ms: null,
    });
  });

  it('refuses non-integer milliseconds', () => {
    expect(() => scoreString(mk('a', 's', 1, 3000.5))).toThrow(RangeError);
    expect(() => scoreString(mk('a', 's', 1, 3000, { misses: 0.5 }))).toThrow(RangeError);
  });
});

describe('stage score', () => {
  it('drops the worst string AFTER penalties', () => {
    // raw 3000, 3500, 4000, 4200, 3900; string 2 has a miss → 6500.
    // Before penalties the worst would be string 4 (4200); after, it is string 2 (6500).
    // Counted 1, 3, 4, 5: 3000 + 4000 + 4200 + 3900 = 15100.
    const s = strings('a', 'SC-101', [3000, 3500, 4000, 4200, 3900]);
    s[1] = { ...(s[1] as StringRecord), misses: 1 };
    const r = scoreStage(SC101, s);
    expect(r.status).toBe('complete');
    expect(r.time_ms).toBe(15100);
    expect(r.dropped_numbers).toEqual([2]);
    expect(r.counted_numbers).toEqual([1, 3, 4, 5]);
  });

  it('drops the LATER string on a tie', () => {
    // 3000, 5000, 4000, 5000, 3500: strings 2 and 4 tie at 5000 → 4 is dropped.
    // 3000 + 5000 + 4000 + 3500 = 15500
    const r = scoreStage(SC101, strings('a', 'SC-101', [3000, 5000, 4000, 5000, 3500]));
    expect(r.dropped_numbers).toEqual([4]);
    expect(r.time_ms).toBe(15500);
  });

  it('ties after penalties count too: the later one is dropped', () => {
    // string 1: 3000 + 1 miss = 6000; string 5: 6000 clean → tie at 6000, drop 5.
    // 6000 + 4000 + 4100 + 4200 = 18300
    const s = strings('a', 'SC-101', [3000, 4000, 4100, 4200, 6000]);
    s[0] = { ...(s[0] as StringRecord), misses: 1 };
    const r = scoreStage(SC101, s);
    expect(r.dropped_numbers).toEqual([5]);
    expect(r.time_ms).toBe(18300);
  });

  it('Outer Limits: 4 strings, best 3', () => {
    // 5000, 6000, 5500 and a DNF string (30000) → drop 4; 5000 + 6000 + 5500 = 16500
    const s = strings('a', 'SC-104', [5000, 6000, 5500, 4000]);
    s[3] = { ...(s[3] as StringRecord), finished: false };
    const r = scoreStage(SC104, s);
    expect(r.strings).toHaveLength(4);
    expect(r.dropped_numbers).toEqual([4]);
    expect(r.time_ms).toBe(16500);
  });

  it('a string without the stop plate scores 30 s inside the stage', () => {
    // 3000 × 4 + 30000 → the 30000 is dropped: 12000
    const s = strings('a', 'SC-101', [3000, 3000, 3000, 3000, 2500]);
    s[4] = { ...(s[4] as StringRecord), stop_plate_hit: false };
    expect(scoreStage(SC101, s)).toMatchObject({ time_ms: 12000, dropped_numbers: [5] });
  });

  it('two bad strings: one is dropped, the other counts at 30 s', () => {
    // 30000 (DNF, string 2), 3000, 3000, 3000, 30000 (no stop plate, string 5): drop 5.
    // 30000 + 3000 + 3000 + 3000 = 39000
    const s = strings('a', 'SC-101', [3000, 3000, 3000, 3000, 3000]);
    s[1] = { ...(s[1] as StringRecord), finished: false };
    s[4] = { ...(s[4] as StringRecord), stop_plate_hit: false };
    expect(scoreStage(SC101, s)).toMatchObject({ time_ms: 39000, dropped_numbers: [5] });
  });

  it('a voided string does not count; its reshoot replaces it', () => {
    // string 3 (9000) voided, reshoot of 3 at 3200 → 3000, 3100, 3200, 3300, 3400 → drop 5:
    // 3000 + 3100 + 3200 + 3300 = 12600
    const s = strings('a', 'SC-101', [3000, 3100, 9000, 3300, 3400]);
    s[2] = { ...(s[2] as StringRecord), voided: true };
    const reshoot = mk('a', 'SC-101', 3, 3200);
    const r = scoreStage(SC101, [...s, reshoot]);
    expect(r.time_ms).toBe(12600);
    expect(r.voided_string_ids).toEqual([(s[2] as StringRecord).string_id]);
    expect(r.strings[2]?.string_id).toBe(reshoot.string_id);
  });

  it('a voided string with no reshoot yet leaves its slot empty (30 s), stage incomplete', () => {
    // 3000, 3000, [void], 3000, 3000 → slot 3 scores 30000 and is dropped: 12000
    const s = strings('a', 'SC-101', [3000, 3000, 3000, 3000, 3000]);
    s[2] = { ...(s[2] as StringRecord), voided: true };
    expect(scoreStage(SC101, s)).toMatchObject({
      status: 'incomplete',
      time_ms: 12000,
      dropped_numbers: [3],
    });
  });

  it('scores missing strings of a partly shot stage as 30 s', () => {
    // 3000 × 3, slots 4 and 5 missing (30000 each) → drop the later, 5:
    // 3000 × 3 + 30000 = 39000
    const r = scoreStage(SC101, strings('a', 'SC-101', [3000, 3000, 3000]));
    expect(r).toMatchObject({ status: 'incomplete', time_ms: 39000, dropped_numbers: [5] });
    expect(r.strings[3]).toMatchObject({ status: 'missing', string_id: null, score_ms: 30000 });
  });

  it('a stage never attempted is DNF; so is one whose only strings were voided', () => {
    expect(scoreStage(SC101, [])).toMatchObject({ status: 'dnf', time_ms: null, strings: [] });
    const v = mk('a', 'SC-101', 1, 3000, { voided: true });
    expect(scoreStage(SC101, [v]).status).toBe('dnf');
  });

  it('ignores strings numbered outside the stage and of other stages; the last duplicate wins', () => {
    const s = strings('a', 'SC-104', [4000, 4000, 4000, 4000]);
    const extra = mk('a', 'SC-104', 5, 1000);
    const other = mk('a', 'SC-101', 1, 1000);
    const dup = mk('a', 'SC-104', 2, 5000);
    const r = scoreStage(SC104, [...s, extra, other, dup]);
    // 4000, 5000, 4000, 4000 → drop 2: 12000
    expect(r.time_ms).toBe(12000);
    expect(r.ignored_string_ids).toEqual([
      extra.string_id,
      other.string_id,
      (s[1] as StringRecord).string_id,
    ]);
  });
});

describe('competition ranking', () => {
  it('gives true ties the same rank and skips: 1, 2, 2, 4', () => {
    const ranked = competitionRank([5, 3, 4, 4], (a, b) => a - b);
    expect(ranked.map((r) => [r.item, r.rank])).toEqual([
      [3, 1],
      [4, 2],
      [4, 2],
      [5, 4],
    ]);
  });
});

describe('stage ranking', () => {
  // All total 11000 after dropping the 9000:
  //   A: 2000 3000 3000 3000 | 9000   sorted: 2000, 3000, 3000, 3000, 9000
  //   B: 2500 2500 3000 3000 | 9000   sorted: 2500, …            → fastest single 2500: last
  //   C: 2000 2500 3000 3500 | 9000   sorted: 2000, 2500, …      → ties A on 2000, wins on 2500
  //   D: the same strings as A in another order                  → true tie with A
  //   E: never attempted                                         → last
  // Expected: C 1, A 2, D 2, B 4, E 5.
  const results = {
    A: scoreStage(SC101, strings('A', 'SC-101', [2000, 3000, 3000, 3000, 9000])),
    B: scoreStage(SC101, strings('B', 'SC-101', [2500, 2500, 3000, 3000, 9000])),
    C: scoreStage(SC101, strings('C', 'SC-101', [2000, 2500, 3000, 3500, 9000])),
    D: scoreStage(SC101, strings('D', 'SC-101', [3000, 9000, 3000, 2000, 3000])),
    E: scoreStage(SC101, []),
  };

  it('all four attempted stages total 11000', () => {
    expect([results.A, results.B, results.C, results.D].map((r) => r.time_ms)).toEqual([
      11000, 11000, 11000, 11000,
    ]);
  });

  it('breaks ties by the fastest single string, then the next fastest; DNF last', () => {
    const ranked = competitionRank(Object.entries(results), (a, b) => compareStageResults(a[1], b[1]));
    expect(ranked.map((r) => [r.item[0], r.rank])).toEqual([
      ['C', 1],
      ['A', 2],
      ['D', 2],
      ['B', 4],
      ['E', 5],
    ]);
  });

  it('shows stage ranks in the match standings', () => {
    const shooters = ['A', 'B', 'C', 'D', 'E'].map((id) => shooter(id));
    const all = [
      ...strings('A', 'SC-101', [2000, 3000, 3000, 3000, 9000]),
      ...strings('B', 'SC-101', [2500, 2500, 3000, 3000, 9000]),
      ...strings('C', 'SC-101', [2000, 2500, 3000, 3500, 9000]),
      ...strings('D', 'SC-101', [3000, 9000, 3000, 2000, 3000]),
    ];
    const st = rankMatch({ stages: [SC101] }, shooters, all);
    const stageRank = Object.fromEntries(
      st.map((s) => [s.shooter_id, [s.stages[0]?.rank, s.stages[0]?.win]]),
    );
    expect(stageRank).toEqual({
      A: [2, false],
      B: [4, false],
      C: [1, true],
      D: [2, false],
      E: [5, false],
    });
  });
});

describe('match ranking', () => {
  const MATCH: MatchDefinition = { stages: [SC101, SC104] };

  it('match time = sum of stage times; lowest wins', () => {
    // X: SC-101 3000 ×4 + 5000 → 12000; SC-104 4000 ×4 → 12000; total 24000
    // Y: SC-101 2500 ×5 → 10000;         SC-104 5000 ×4 → 15000; total 25000
    const all = [
      ...strings('x', 'SC-101', [3000, 3000, 3000, 3000, 5000]),
      ...strings('x', 'SC-104', [4000, 4000, 4000, 4000]),
      ...strings('y', 'SC-101', [2500, 2500, 2500, 2500, 2500]),
      ...strings('y', 'SC-104', [5000, 5000, 5000, 5000]),
    ];
    const st = rankMatch(MATCH, [shooter('y'), shooter('x')], all);
    expect(st.map((s) => [s.shooter_id, s.rank, s.match_time_ms, s.stage_wins])).toEqual([
      ['x', 1, 24000, 1],
      ['y', 2, 25000, 1],
    ]);
  });

  it('overall tie: most stage wins, then the faster Outer Limits time', () => {
    // P: SC-101 3000×4 (+5000 dropped) = 12000; SC-104 5000 5000 5000 (+6000 dropped) = 15000 → 27000
    // Q: SC-101 2900×4 = 11600;                 SC-104 5100 5100 5200 = 15400                → 27000
    // R: SC-101 3100×4 = 12400;                 SC-104 4900 4900 4800 = 14600                → 27000
    // Wins: SC-101 → Q (11600); SC-104 → R (14600). Q and R 1 win, P 0 → P last.
    // Q vs R: Outer Limits 14600 (R) < 15400 (Q) → R first.  Expected: R 1, Q 2, P 3.
    const all = [
      ...strings('p', 'SC-101', [3000, 3000, 3000, 3000, 5000]),
      ...strings('p', 'SC-104', [5000, 5000, 5000, 6000]),
      ...strings('q', 'SC-101', [2900, 2900, 2900, 2900, 5000]),
      ...strings('q', 'SC-104', [5100, 5100, 5200, 6000]),
      ...strings('r', 'SC-101', [3100, 3100, 3100, 3100, 5000]),
      ...strings('r', 'SC-104', [4900, 4900, 4800, 6000]),
    ];
    const st = rankMatch(MATCH, [shooter('p'), shooter('q'), shooter('r')], all);
    expect(st.map((s) => [s.shooter_id, s.rank, s.match_time_ms, s.stage_wins, s.outer_limits_ms])).toEqual([
      ['r', 1, 27000, 1, 14600],
      ['q', 2, 27000, 1, 15400],
      ['p', 3, 27000, 0, 15000],
    ]);
  });

  it('overall tie on stage wins is decided before Outer Limits', () => {
    // Three stages: SC-101, SC-102, SC-104.
    // F: 101 = 2000×4 (+9000) = 8000;  102 = 8000;  104 = 6000 + 7000 + 7000 (+9000) = 20000 → 36000
    // G: 101 = 3000×4 (+9000) = 12000; 102 = 12000; 104 = 4000×3 (+9000) = 12000            → 36000
    // F won 101 and 102 (2 wins), G won 104 (1 win). G's Outer Limits is faster, but wins come
    // first → F 1, G 2.
    const SC102 = classifierStage('SC-102');
    const all = [
      ...strings('f', 'SC-101', [2000, 2000, 2000, 2000, 9000]),
      ...strings('f', 'SC-102', [2000, 2000, 2000, 2000, 9000]),
      ...strings('f', 'SC-104', [6000, 7000, 7000, 9000]),
      ...strings('g', 'SC-101', [3000, 3000, 3000, 3000, 9000]),
      ...strings('g', 'SC-102', [3000, 3000, 3000, 3000, 9000]),
      ...strings('g', 'SC-104', [4000, 4000, 4000, 9000]),
    ];
    const st = rankMatch({ stages: [SC101, SC102, SC104] }, [shooter('g'), shooter('f')], all);
    expect(st.map((s) => [s.shooter_id, s.rank, s.match_time_ms, s.stage_wins, s.outer_limits_ms])).toEqual([
      ['f', 1, 36000, 2, 20000],
      ['g', 2, 36000, 1, 12000],
    ]);
  });

  it('a never-attempted stage puts the shooter last; DNFs rank by stages attempted, then time', () => {
    // K: complete, 3000×4 (+9000) = 12000 and 9000×3 (+9000) = 27000 → 39000
    // T: SC-101 only, 2000×4 (+2000) = 8000 — fastest there but DNF on SC-104 → after K
    // V: SC-104 only, 3000×3 (+3000) = 9000 → 1 stage like T, slower → after T
    // U: nothing → 0 stages → last
    const all = [
      ...strings('k', 'SC-101', [3000, 3000, 3000, 3000, 9000]),
      ...strings('k', 'SC-104', [9000, 9000, 9000, 9000]),
      ...strings('t', 'SC-101', [2000, 2000, 2000, 2000, 2000]),
      ...strings('v', 'SC-104', [3000, 3000, 3000, 3000]),
    ];
    const st = rankMatch(MATCH, [shooter('u'), shooter('v'), shooter('t'), shooter('k')], all);
    expect(st.map((s) => [s.shooter_id, s.rank, s.status, s.stages_attempted, s.match_time_ms])).toEqual([
      ['k', 1, 'complete', 2, 39000],
      ['t', 2, 'dnf', 1, 8000],
      ['v', 3, 'dnf', 1, 9000],
      ['u', 4, 'dnf', 0, 0],
    ]);
    const u = st[3];
    expect(u?.stages.map((s) => [s.status, s.time_ms, s.win])).toEqual([
      ['dnf', null, false],
      ['dnf', null, false],
    ]);
  });

  it('uses standard competition ranking for true ties (1, 2, 2, 4)', () => {
    // SC-101 only. w: 2000×4 = 8000; x and y: identical 3000×4 = 12000; z: 4000×4 = 16000.
    const all = [
      ...strings('w', 'SC-101', [2000, 2000, 2000, 2000, 5000]),
      ...strings('x', 'SC-101', [3000, 3000, 3000, 3000, 5000]),
      ...strings('y', 'SC-101', [3000, 5000, 3000, 3000, 3000]),
      ...strings('z', 'SC-101', [4000, 4000, 4000, 4000, 5000]),
    ];
    const st = rankMatch(
      { stages: [SC101] },
      ['z', 'y', 'x', 'w'].map((id) => shooter(id)),
      all,
    );
    expect(st.map((s) => [s.shooter_id, s.rank])).toEqual([
      ['w', 1],
      ['x', 2],
      ['y', 2],
      ['z', 4],
    ]);
  });

  it('ranks per division; class and category filter the population', () => {
    // SC-101 only. Totals: o1 10000, o2 12000, o3 14000 (OPN); l1 11000, l2 9000 (LTD).
    const shooters = [
      shooter('o1', 'OPN', 'A'),
      shooter('o2', 'OPN', 'B', ['Lady']),
      shooter('o3', 'OPN', 'B', ['Lady', 'Senior']),
      shooter('l1', 'LTD', 'A', ['Lady']),
      shooter('l2', 'LTD', 'GM'),
    ];
    const all = [
      ...strings('o1', 'SC-101', [2500, 2500, 2500, 2500, 9000]),
      ...strings('o2', 'SC-101', [3000, 3000, 3000, 3000, 9000]),
      ...strings('o3', 'SC-101', [3500, 3500, 3500, 3500, 9000]),
      ...strings('l1', 'SC-101', [2750, 2750, 2750, 2750, 9000]),
      ...strings('l2', 'SC-101', [2250, 2250, 2250, 2250, 9000]),
    ];
    const m = { stages: [SC101] };
    const byDiv = rankByDivision(m, shooters, all);
    expect(Object.keys(byDiv)).toEqual(['LTD', 'OPN']);
    expect(byDiv.OPN?.map((s) => [s.shooter_id, s.rank, s.match_time_ms])).toEqual([
      ['o1', 1, 10000],
      ['o2', 2, 12000],
      ['o3', 3, 14000],
    ]);
    expect(byDiv.LTD?.map((s) => [s.shooter_id, s.rank, s.match_time_ms])).toEqual([
      ['l2', 1, 9000],
      ['l1', 2, 11000],
    ]);
    // Stage wins are counted within the division: o1 wins SC-101 in OPN although l2 is faster.
    expect(byDiv.OPN?.[0]?.stage_wins).toBe(1);
    expect(
      rankMatch(m, shooters, all, { division: 'OPN', class: 'B' }).map((s) => [s.shooter_id, s.rank]),
    ).toEqual([
      ['o2', 1],
      ['o3', 2],
    ]);
    expect(
      rankMatch(m, shooters, all, { division: 'OPN', category: 'Lady' }).map((s) => [s.shooter_id, s.rank]),
    ).toEqual([
      ['o2', 1],
      ['o3', 2],
    ]);
    expect(rankByDivision(m, shooters, all, { category: 'Lady' }).LTD?.map((s) => s.shooter_id)).toEqual([
      'l1',
    ]);
    expect(rankMatch(m, shooters, all, { division: 'PCCO' })).toEqual([]);
  });

  it('rejects a match with duplicate stage ids', () => {
    expect(() => rankMatch({ stages: [SC101, SC101] }, [], [])).toThrow(RangeError);
  });
});

describe('audit log', () => {
  const AT = '2025-06-01T10:00:00Z';
  const change = (
    over: Partial<ScoreChange> & Pick<ScoreChange, 'string_id' | 'field' | 'old' | 'new'>,
  ): ScoreChange => ({
    reason: 'correction',
    who: 'ro-1',
    role: 'RO',
    at: AT,
    ...over,
  });
  const approve = (string_id: string, role: StringApproval['role'] = 'shooter'): StringApproval => ({
    kind: 'approval',
    string_id,
    who: 'shooter-1',
    role,
    at: AT,
  });

  it('folds the log in order; after approval only an RO/RM may change the string', () => {
    const base = Object.freeze(mk('a', 'SC-101', 1, 4000, { string_id: 's1' }));
    const snapshot = structuredClone(base);
    const log: ScoreLogEntry[] = [
      change({ string_id: 's1', field: 'misses', old: 0, new: 1, reason: 'penalty', role: 'RO' }), // ok
      approve('s1'), // the shooter approves
      change({
        string_id: 's1',
        field: 'misses',
        old: 1,
        new: 0,
        reason: 'correction',
        who: 'sc-1',
        role: 'scorer',
      }), // rejected
      change({ string_id: 's1', field: 'misses', old: 1, new: 0, reason: 'appeal', who: 'rm-1', role: 'RM' }), // ok
      change({ string_id: 's1', field: 'raw_ms', old: 4000, new: 3900, reason: 'correction', role: 'RO' }), // ok
    ];
    const r = applyChanges([base], log);
    expect(r.strings[0]).toMatchObject({ string_id: 's1', misses: 0, raw_ms: 3900, approved: true });
    expect(r.applied).toHaveLength(4);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]?.index).toBe(2);
    expect(r.rejected[0]?.reason).toMatch(/approved: changes need an RO or Range Master/);
    // nothing overwritten in place
    expect(base).toEqual(snapshot);
    expect(r.strings[0]).not.toBe(base);
  });

  it('lets anyone change the string before approval, and respects an approval already on record', () => {
    const open = mk('a', 'SC-101', 1, 4000, { string_id: 'open' });
    const signed = mk('a', 'SC-101', 2, 4000, { string_id: 'signed', approved: true });
    const r = applyChanges(
      [open, signed],
      [
        change({
          string_id: 'open',
          field: 'procedurals',
          old: 0,
          new: 1,
          reason: 'penalty',
          role: 'scorer',
        }),
        change({
          string_id: 'signed',
          field: 'procedurals',
          old: 0,
          new: 1,
          reason: 'penalty',
          role: 'scorer',
        }),
        change({
          string_id: 'signed',
          field: 'procedurals',
          old: 0,
          new: 1,
          reason: 'penalty',
          role: 'shooter',
        }),
      ],
    );
    expect(r.strings.map((s) => s.procedurals)).toEqual([1, 0]);
    expect(r.rejected.map((x) => x.index)).toEqual([1, 2]);
    expect(r.strings[1]).toBe(signed); // untouched strings are passed through
  });

  it('rejects stale, unknown, invalid and no-op changes, and double approvals', () => {
    const s = mk('a', 'SC-101', 1, 4000, { string_id: 's' });
    const r = applyChanges(
      [s],
      [
        change({ string_id: 's', field: 'misses', old: 2, new: 3 }), // stale: misses is 0
        change({ string_id: 'nope', field: 'misses', old: 0, new: 1 }),
        change({ string_id: 's', field: 'misses', old: 0, new: -1 }),
        change({ string_id: 's', field: 'raw_ms', old: 4000, new: 3999.5 }),
        change({ string_id: 's', field: 'finished', old: true, new: 0 }),
        change({ string_id: 's', field: 'raw_ms', old: 4000, new: 4000 }),
        approve('s', 'scorer'), // a scorer cannot sign for the shooter
        approve('s'),
        approve('s'),
      ],
    );
    expect(r.rejected.map((x) => [x.index, x.reason.split(' ')[0]])).toEqual([
      [0, 'stale'],
      [1, 'unknown'],
      [2, 'invalid'],
      [3, 'invalid'],
      [4, 'invalid'],
      [5, 'no'],
      [6, 'a'],
      [8, 'string'],
    ]);
    expect(r.applied).toEqual([approve('s')]);
  });

  it('a void through the log takes the string out of the stage; the reshoot replaces it', () => {
    // 3000, 3000, 8000, 3000, 3000 → string 3 voided (reason void), reshoot at 2800 as string 3:
    // 3000, 3000, 2800, 3000, 3000 → drop the later 3000 (string 5): 3000 + 3000 + 2800 + 3000 = 11800
    const s = strings('a', 'SC-101', [3000, 3000, 8000, 3000, 3000]);
    const voidedId = (s[2] as StringRecord).string_id;
    const folded = applyChanges(s, [
      change({ string_id: voidedId, field: 'voided', old: false, new: true, reason: 'void' }),
    ]);
    const reshoot = mk('a', 'SC-101', 3, 2800);
    const r = scoreStage(SC101, [...folded.strings, reshoot]);
    expect(r.time_ms).toBe(11800);
    expect(r.dropped_numbers).toEqual([5]);
    expect(r.voided_string_ids).toEqual([voidedId]);
  });

  it('keeps the history of a string and validates log entries at the boundary', () => {
    const log: ScoreLogEntry[] = [
      change({ string_id: 'a', field: 'misses', old: 0, new: 1, reason: 'penalty' }),
      change({ string_id: 'b', field: 'misses', old: 0, new: 1, reason: 'penalty' }),
      approve('a'),
    ];
    expect(historyOf(log, 'a')).toEqual([log[0], log[2]]);
    expect(scoreLogEntrySchema.safeParse(log[2]).success).toBe(true);
    expect(scoreChangeSchema.safeParse(log[0]).success).toBe(true);
    expect(scoreChangeSchema.safeParse({ ...log[0], reason: 'because' }).success).toBe(false);
    expect(scoreChangeSchema.safeParse({ ...log[0], field: 'approved' }).success).toBe(false);
  });
});
