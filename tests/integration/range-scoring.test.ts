/**
 * Steel Challenge scoring through the console (domain.md §5): strings shot on a real timer over
 * MQTT, penalties and corrections through the contract, rankings from /api/results, the CSV
 * exports parsed back, the audit trail, roster import. Every expected figure is worked out by hand
 * in the comments (times in seconds; a penalty is 3.00; a string is capped at 30.00).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupServes, getJson, startServe, type ServeHandle } from '../helpers/serve';
import type { MatchDetail, ResultsRes, RunSummary } from '../../src-shared/contract/range';
import { Bridge, contract, parseCsv, waitRun, type Contract } from './range-support';
import type { EventsPage } from '../helpers/serve';

let serve: ServeHandle;
let api: Contract;
let bridge: Bridge;
let match: MatchDetail;
let S1: string; // SC-101, 5 strings, best 4
let S2: string; // SC-104 Outer Limits, 4 strings, best 3
const T = Date.parse('2026-06-06T08:00:00.000Z');
let timerString = 0;
const shot: Record<string, RunSummary[]> = {};

const ROSTER = [
  ['Ann', 'OPN'],
  ['Bob', 'OPN'],
  ['Cat', 'OPN'],
  ['Dan', 'LTD'],
  ['Eve', 'PROD'],
  ['Fay', 'PROD'],
  ['Gus', 'ISR'],
  ['Hal', 'ISR'],
  ['=HYPERLINK("http://x","y")', 'OPN'],
] as const;

function id(name: string): string {
  return match.shooters.find((s) => s.name === name)!.shooter_id;
}

/** The shooter shoots one string per time (centiseconds) on a stage, each closed by the timer. */
async function shoot(name: string, stage: string, timesCs: number[]): Promise<RunSummary[]> {
  await api.call('station.set', { timer_id: 'amg-01', stage_id: stage, shooter_id: id(name) });
  const out: RunSummary[] = [];
  for (const t of timesCs) {
    const n = ++timerString;
    await bridge.string(n, T + n * 60_000, [t]);
    out.push(await waitRun(serve.httpUrl, n, (r) => r.state === 'review', `${name}'s string (timer ${n})`));
  }
  (shot[`${name}/${stage}`] ??= []).push(...out);
  return out;
}

const change = (
  run: RunSummary,
  field: 'misses' | 'procedurals' | 'stop_plate_hit' | 'voided',
  value: number | boolean,
  reason: 'penalty' | 'reshoot' = 'penalty',
) =>
  api.call('score.change', {
    run_id: run.run_id,
    field,
    ...(typeof value === 'number' ? { delta: value } : { new: value }),
    reason,
    who: 'Rita RO',
    role: 'RO',
  });

beforeAll(async () => {
  serve = await startServe();
  api = await contract(serve.httpUrl);
  bridge = await Bridge.connect(serve.mqttUrl);
  match = await api.call('match.create', {
    name: 'Scoring table',
    date: '2026-06-06',
    classifier_stages: ['SC-101', 'SC-104'],
    timer_id: 'amg-01',
  });
  for (const [name, division] of ROSTER) {
    await api.call('shooter.create', { match_id: match.match.match_id, name, division, class: 'B' });
  }
  match = await api.call('match.get', { match_id: match.match.match_id });
  S1 = match.stages.find((s) => s.code === 'SC-101')!.stage_id;
  S2 = match.stages.find((s) => s.code === 'SC-104')!.stage_id;
  expect(match.stages.map((s) => [s.code, s.strings_per_stage, s.counted_strings])).toEqual([
    ['SC-101', 5, 4],
    ['SC-104', 4, 3],
  ]);

  // Ann: S1 5, 6 (+1 miss = 9), 7, 8, 9 → 5 + 9 + 7 + 8 = 29 (9 and 9 tie: the later, string 5,
  // is dropped). S2 10, 28.5 (+1 procedural = 31.5 → capped 30), 11, 12 → 10 + 11 + 12 = 33.
  const annS1 = await shoot('Ann', S1, [500, 600, 700, 800, 900]);
  await change(annS1[1]!, 'misses', 1);
  const annS2 = await shoot('Ann', S2, [1000, 2850, 1100, 1200]);
  await change(annS2[1]!, 'procedurals', 1);
  // Bob: S1 all 6.00, string 3 voided for a reshoot (also 6.00) → 24. S2 9.00 × 4, string 1's
  // stop plate not hit (30) → 9 + 9 + 9 = 27. Match 51.
  const bobS1 = await shoot('Bob', S1, [600, 600, 600]);
  await change(bobS1[2]!, 'voided', true, 'reshoot');
  await shoot('Bob', S1, [600, 600, 600]);
  const bobS2 = await shoot('Bob', S2, [900, 900, 900, 900]);
  await change(bobS2[0]!, 'stop_plate_hit', false);
  // Cat: S1 7.00 × 5 → 28; never shoots S2 (DNF).
  await shoot('Cat', S1, [700, 700, 700, 700, 700]);
  // Dan: S1 5.00 × 4 and a string the RO opened and stopped with no shot (DNF, 30) → 20; S2 5 × 4 → 15.
  await shoot('Dan', S1, [500, 500, 500, 500]);
  await api.call('station.set', { timer_id: 'amg-01', stage_id: S1, shooter_id: id('Dan') });
  const dnf = await api.call('run.start', { timer_id: 'amg-01', who: 'Rita RO' });
  await api.call('run.stop', { run_id: dnf.run_id, who: 'Rita RO' });
  await shoot('Dan', S2, [500, 500, 500, 500]);
  // Eve: S1 4, 4, 6, 6, 9 → 20; Fay: S1 5 × 4, 9 → 20 (a tie: Eve's fastest string, 4, wins).
  // Both S2 5 × 4 → 15 (a true tie: both rank 1, both win). Match: 35 each; wins Eve 2, Fay 1.
  await shoot('Eve', S1, [400, 400, 600, 600, 900]);
  await shoot('Eve', S2, [500, 500, 500, 500]);
  await shoot('Fay', S1, [500, 500, 500, 500, 900]);
  await shoot('Fay', S2, [500, 500, 500, 500]);
  // Gus: S1 5 × 4, 9 → 20; S2 6, 6, 6, 9 → 18; Hal: S1 4.75 × 4, 9 → 19; S2 6.33, 6.33, 6.34, 9 →
  // 19. Match 38 each, one stage win each: the faster Outer Limits (Gus, 18) ranks first.
  await shoot('Gus', S1, [500, 500, 500, 500, 900]);
  await shoot('Gus', S2, [600, 600, 600, 900]);
  await shoot('Hal', S1, [475, 475, 475, 475, 900]);
  await shoot('Hal', S2, [633, 633, 634, 900]);
}, 120_000);

afterAll(async () => {
  api?.close();
  await bridge?.close();
  await cleanupServes();
});

async function results(query: string): Promise<ResultsRes> {
  const r = await getJson<ResultsRes>(`${serve.httpUrl}/api/results${query}`);
  expect(r.status).toBe(200);
  return r.body;
}

describe('rankings from /api/results', () => {
  it('match ranking per division: penalties, the cap, drop-worst (later on a tie), DNF last', async () => {
    const r = await results(`?match=${match.match.match_id}&division=OPN`);
    expect(r.divisions.map((d) => d.division)).toEqual(['OPN']);
    const rows = r.divisions[0]!.rows.map((x) => [
      x.rank,
      x.name,
      x.status,
      x.match_time_ms,
      x.stage_wins,
      x.stages_attempted,
    ]);
    expect(rows).toEqual([
      [1, 'Bob', 'complete', 51_000, 2, 2],
      [2, 'Ann', 'complete', 62_000, 0, 2],
      [3, 'Cat', 'dnf', 28_000, 0, 1],
      [4, '=HYPERLINK("http://x","y")', 'dnf', 0, 0, 0],
    ]);
    expect(r.divisions[0]!.rows[1]!.stages.map((s) => [s.time_ms, s.rank])).toEqual([
      [29_000, 3],
      [33_000, 2],
    ]);
  });

  it('stage ranking: a tie on time goes to the fastest string; a true tie shares the rank', async () => {
    const s1 = await results(`?match=${match.match.match_id}&stage=${S1}&division=PROD`);
    expect(s1.stage!.divisions[0]!.rows.map((x) => [x.rank, x.name, x.time_ms])).toEqual([
      [1, 'Eve', 20_000],
      [2, 'Fay', 20_000],
    ]);
    const eve = s1.stage!.divisions[0]!.rows[0]!;
    expect(eve.strings.map((s) => [s.string_number, s.score_ms, s.counted])).toEqual([
      [1, 4000, true],
      [2, 4000, true],
      [3, 6000, true],
      [4, 6000, true],
      [5, 9000, false],
    ]);
    const s2 = await results(`?match=${match.match.match_id}&stage=${S2}&division=PROD`);
    expect(s2.stage!.divisions[0]!.rows.map((x) => [x.rank, x.name])).toEqual([
      [1, 'Eve'],
      [1, 'Fay'],
    ]);
    const prod = await results(`?match=${match.match.match_id}&division=PROD`);
    expect(prod.divisions[0]!.rows.map((x) => [x.rank, x.name, x.match_time_ms, x.stage_wins])).toEqual([
      [1, 'Eve', 35_000, 2],
      [2, 'Fay', 35_000, 1],
    ]);
  });

  it('equal match time and stage wins: the faster Outer Limits ranks first', async () => {
    const isr = await results(`?match=${match.match.match_id}&division=ISR`);
    expect(
      isr.divisions[0]!.rows.map((x) => [x.rank, x.name, x.match_time_ms, x.stage_wins, x.outer_limits_ms]),
    ).toEqual([
      [1, 'Gus', 38_000, 1, 18_000],
      [2, 'Hal', 38_000, 1, 19_000],
    ]);
  });

  it('a voided string does not count: its reshoot takes the number; a DNF string scores 30', async () => {
    const bob = await results(`?match=${match.match.match_id}&stage=${S1}&division=OPN`);
    const row = bob.stage!.divisions[0]!.rows.find((x) => x.name === 'Bob')!;
    expect(row.strings.map((s) => s.score_ms)).toEqual([6000, 6000, 6000, 6000, 6000]);
    expect(row.strings.map((s) => s.counted)).toEqual([true, true, true, true, false]);
    const dan = (await results(`?match=${match.match.match_id}&stage=${S1}&division=LTD`)).stage!
      .divisions[0]!.rows[0]!;
    expect(dan.strings.map((s) => [s.status, s.score_ms, s.counted])).toEqual([
      ['scored', 5000, true],
      ['scored', 5000, true],
      ['scored', 5000, true],
      ['scored', 5000, true],
      ['dnf', 30000, false],
    ]);
    expect(dan.time_ms).toBe(20_000);
  });

  it('every division has its own ranking; unknown filters are refused', async () => {
    const all = await results(`?match=${match.match.match_id}`);
    expect(all.divisions.map((d) => [d.division, d.rows[0]!.name])).toEqual([
      ['ISR', 'Gus'],
      ['LTD', 'Dan'],
      ['PROD', 'Eve'],
      ['OPN', 'Bob'],
    ]);
    expect(
      (await getJson(`${serve.httpUrl}/api/results?match=${match.match.match_id}&division=XYZ`)).status,
    ).toBe(400);
    expect((await getJson(`${serve.httpUrl}/api/results?match=nope`)).status).toBe(404);
  });
});

describe('integrity and the audit trail', () => {
  it('after the shooter approved, only an RO or Range Master may change the string', async () => {
    // A match of its own: what this test approves and appeals leaves the scoring table alone.
    const timer = 'amg-audit';
    const own = await Bridge.connect(serve.mqttUrl, timer);
    const m = await api.call('match.create', {
      name: 'Appeal',
      classifier_stages: ['SC-101'],
      timer_id: timer,
    });
    await api.call('shooter.create', {
      match_id: m.match.match_id,
      name: 'Ann',
      division: 'OPN',
      class: 'B',
    });
    await api.call('station.set', {
      timer_id: timer,
      match_id: m.match.match_id,
      stage_id: m.stages[0]!.stage_id,
    });
    await own.string(1, T, [500]);
    const ann = await waitRun(serve.httpUrl, 1, (r) => r.state === 'review', 'Ann’s string', timer);
    await own.close();
    const approved = await api.call('score.approve', { run_id: ann.run_id, who: 'Ann', role: 'shooter' });
    expect(approved.state).toBe('approved');
    expect(await api.fail('score.approve', { run_id: ann.run_id, who: 'Ann', role: 'shooter' })).toMatch(
      /already approved/,
    );
    const refused = await api.fail('score.change', {
      run_id: ann.run_id,
      field: 'misses',
      delta: 1,
      reason: 'appeal',
      who: 'Sam Scorer',
      role: 'scorer',
    });
    expect(refused).toMatch(/approved: changes need an RO or Range Master decision/);
    // Even the RO cannot key in one more penalty after the sign-off, nor decide without saying why.
    expect(
      await api.fail('score.change', {
        run_id: ann.run_id,
        field: 'misses',
        delta: 1,
        reason: 'penalty',
        who: 'Rita RO',
        role: 'RO',
      }),
    ).toMatch(/approved: a change now is an RO or Range Master decision .*not a penalty/);
    expect(
      await api.fail('score.change', {
        run_id: ann.run_id,
        field: 'misses',
        delta: 1,
        reason: 'appeal',
        who: 'Rita RO',
        role: 'RO',
        note: '  ',
      }),
    ).toMatch(/approved: say why/);
    const appeal = await api.call('score.change', {
      run_id: ann.run_id,
      field: 'misses',
      delta: 1,
      reason: 'appeal',
      who: 'Max RM',
      role: 'RM',
      note: 'video shows no hit on P3',
    });
    expect(appeal.score).toMatchObject({ penalties: 1, score_ms: 8000 });
    // Undo by the same route: one more entry, nothing rewritten.
    const undone = await api.call('score.change', {
      run_id: ann.run_id,
      field: 'misses',
      delta: -1,
      reason: 'correction',
      who: 'Max RM',
      role: 'RM',
      note: 'the appeal was entered on the wrong string',
    });
    expect(undone.score?.score_ms).toBe(5000);
    expect(undone.history.map((h) => [h.kind, h.field, h.old, h.new, h.who, h.role])).toEqual([
      ['approval', null, null, null, 'Ann', 'shooter'],
      ['change', 'misses', 0, 1, 'Max RM', 'RM'],
      ['change', 'misses', 1, 0, 'Max RM', 'RM'],
    ]);
    expect(
      await api.fail('score.change', {
        run_id: ann.run_id,
        field: 'misses',
        delta: -1,
        reason: 'correction',
        who: 'x',
        role: 'RO',
      }),
    ).toMatch(/below 0/);
    expect(
      await api.fail('score.change', {
        run_id: ann.run_id,
        field: 'voided',
        new: true,
        reason: 'penalty',
        who: 'x',
        role: 'RO',
      }),
    ).toMatch(/void or reshoot/);

    // Every change is an event with who, when, old, new and reason.
    const r = await getJson<EventsPage>(`${serve.httpUrl}/api/events?kind=run.event&device_id=${ann.run_id}`);
    const appealed = r.body.events.find((e) => e.data.event_type === 'SCORE' && e.data.reason === 'appeal')!;
    expect(appealed.data).toMatchObject({
      field: 'misses',
      old: 0,
      new: 1,
      who: 'Max RM',
      role: 'RM',
      note: 'video shows no hit on P3',
      source: 'marshal',
    });
    expect(Date.parse(appealed.ts)).toBeGreaterThan(0);
    expect(r.body.events.some((e) => e.data.event_type === 'APPROVED' && e.data.who === 'Ann')).toBe(true);
    // The match's trail, newest first: the undo, the appeal, the approval.
    const history = await api.call('score.history', { match_id: m.match.match_id });
    expect(history.entries.map((e) => [e.kind, e.field, e.new, e.who])).toEqual([
      ['change', 'misses', 0, 'Max RM'],
      ['change', 'misses', 1, 'Max RM'],
      ['approval', null, null, 'Ann'],
    ]);
  });

  it('the scoring table’s penalties and reshoot are in its trail with who, what and why', async () => {
    const r = await getJson<EventsPage>(`${serve.httpUrl}/api/events?kind=run.event&limit=1000`);
    const annMiss = r.body.events.find(
      (e) =>
        e.data.event_type === 'SCORE' &&
        e.data.match_id === match.match.match_id &&
        e.data.shooter === 'Ann' &&
        e.data.field === 'misses',
    );
    expect(annMiss?.data).toMatchObject({ old: 0, new: 1, who: 'Rita RO', role: 'RO', reason: 'penalty' });
    // Ann's miss and procedural, then Bob's reshoot and stop plate (beforeAll), newest first.
    const history = await api.call('score.history', { match_id: match.match.match_id });
    expect(
      history.entries.map((e) => [
        e.shooter_name,
        e.stage_code,
        e.string_number,
        e.field,
        e.old,
        e.new,
        e.reason,
      ]),
    ).toEqual([
      ['Bob', 'SC-104', 1, 'stop_plate_hit', true, false, 'penalty'],
      ['Bob', 'SC-101', 3, 'voided', false, true, 'reshoot'],
      ['Ann', 'SC-104', 2, 'procedurals', 0, 1, 'penalty'],
      ['Ann', 'SC-101', 2, 'misses', 0, 1, 'penalty'],
    ]);
  });
});

describe('CSV exports', () => {
  it('strings.csv shows every string with its penalties and score; formula-safe; a download', async () => {
    const res = await fetch(`${serve.httpUrl}/api/export/strings.csv?match=${match.match.match_id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="strings-scoring-table.csv"');
    const text = await res.text();
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text);
    const ann = rows.filter((r) => r.shooter === 'Ann' && r.stage === 'SC-101');
    expect(ann.map((r) => [r.string_number, r.raw_s, r.misses, r.score_s, r.counted])).toEqual([
      ['1', '5', '0', '5', 'true'],
      ['2', '6', '1', '9', 'true'],
      ['3', '7', '0', '7', 'true'],
      ['4', '8', '0', '8', 'true'],
      ['5', '9', '0', '9', 'false'],
    ]);
    const capped = rows.find((r) => r.shooter === 'Ann' && r.stage === 'SC-104' && r.string_number === '2')!;
    expect([capped.raw_s, capped.procedurals, capped.score_s, capped.capped, capped.score_ms]).toEqual([
      '28.5',
      '1',
      '30',
      'true',
      '30000',
    ]);
    const bob = rows.filter((r) => r.shooter === 'Bob' && r.stage === 'SC-101');
    expect(bob.map((r) => [r.string_number, r.state])).toEqual([
      ['1', 'review'],
      ['2', 'review'],
      ['3', 'void'],
      ['3', 'review'],
      ['4', 'review'],
      ['5', 'review'],
    ]);
    const stopPlate = rows.find(
      (r) => r.shooter === 'Bob' && r.stage === 'SC-104' && r.string_number === '1',
    )!;
    expect([stopPlate.stop_plate_hit, stopPlate.score_s]).toEqual(['false', '30']);
  });

  it('match names are unique: a second match of the same name is refused with a reason', async () => {
    expect(await api.fail('match.create', { name: ' scoring TABLE ' })).toMatch(
      /a match named "Scoring table" already exists/,
    );
    const names = (await api.call('match.list', undefined)).matches.map((m) => m.name.toLowerCase());
    expect(names.filter((n) => n === 'scoring table')).toHaveLength(1);
  });

  it('results.csv ranks per division; a hostile name is neutralized', async () => {
    const res = await fetch(
      `${serve.httpUrl}/api/export/results.csv?match=${match.match.match_id}&division=OPN`,
    );
    const text = await res.text();
    const rows = parseCsv(text);
    // An unshot stage has no time and no place (not "DNF" ranked 1 with everyone else); a shooter
    // with nothing shot is "not started", without a time, after everyone who has shot.
    expect(
      rows.map((r) => [
        r.rank,
        r.name,
        r.status,
        r.match_time_s,
        r['SC-101_s'],
        r['SC-101_rank'],
        r['SC-104_s'],
        r['SC-104_rank'],
      ]),
    ).toEqual([
      ['1', 'Bob', 'complete', '51', '24', '1', '27', '1'],
      ['2', 'Ann', 'complete', '62', '29', '3', '33', '2'],
      ['3', 'Cat', 'dnf', '28', '28', '2', '', ''],
      ['4', `'=HYPERLINK("http://x","y")`, 'not started', '', '', '', '', ''],
    ]);
    expect(text).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    const stage = parseCsv(
      await (
        await fetch(
          `${serve.httpUrl}/api/export/results.csv?match=${match.match.match_id}&stage=${S1}&division=PROD`,
        )
      ).text(),
    );
    expect(stage.map((r) => [r.rank, r.name, r.stage_time_s, r.string_5_s, r.dropped_strings])).toEqual([
      ['1', 'Eve', '20', '9', '5'],
      ['2', 'Fay', '20', '9', '5'],
    ]);
  });

  it('shots.csv has the timer’s shots; impacts.csv its header; errors are JSON', async () => {
    const shots = parseCsv(
      await (await fetch(`${serve.httpUrl}/api/export/shots.csv?match=${match.match.match_id}`)).text(),
    );
    const gus = shots.filter((r) => r.shooter === 'Gus');
    expect(gus).toHaveLength(9);
    expect(
      gus.slice(0, 2).map((r) => [r.stage, r.string_number, r.shot_number, r.time_s, r.time_ms]),
    ).toEqual([
      ['SC-101', '1', '1', '5', '5000'],
      ['SC-101', '2', '1', '5', '5000'],
    ]);
    const impacts = await (
      await fetch(`${serve.httpUrl}/api/export/impacts.csv?match=${match.match.match_id}`)
    ).text();
    expect(impacts.split('\r\n')[0]).toBe(
      'run_id,stage,shooter_id,shooter,string_number,impact_id,sensor_id,plate_id,source,counted,onset_time,t_s,peak_mm_s,duration_ms,shot_number,delay_ms',
    );
    const bad = await fetch(`${serve.httpUrl}/api/export/strings.csv?match=nope`);
    expect(bad.status).toBe(404);
    expect(await bad.json()).toEqual({ error: 'unknown match nope' });
  });
});

describe('roster import', () => {
  it('reports every bad row by line and imports nothing, or the valid rows on request', async () => {
    const m = await api.call('match.create', { name: 'Import test' });
    const csv = [
      'name,division,class,categories,squad',
      'Ivy Ito,opn,a,Lady;Junior,1',
      ',OPN,A,,1',
      'Jon Jay,XYZ,A,,1',
      'Kim Koh,LTD,Q,,2',
      'Ivy Ito,LTD,B,,2',
      '"Lou, Jr.",SS,U,Senior,2',
    ].join('\r\n');
    const dry = await api.call('shooter.import', { match_id: m.match.match_id, csv });
    expect(dry.imported).toBe(0);
    expect(dry.valid).toBe(2);
    expect(dry.errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(dry.errors[0]!.error).toMatch(/name is empty/);
    expect(dry.errors[1]!.error).toMatch(/division "XYZ" is not one of/);
    expect(dry.errors[2]!.error).toMatch(/class "Q" is not one of/);
    expect(dry.errors[3]!.error).toMatch(/Ivy Ito is already on line 2/);
    expect((await api.call('match.get', { match_id: m.match.match_id })).shooters).toHaveLength(0);

    const partial = await api.call('shooter.import', { match_id: m.match.match_id, csv, partial: true });
    expect(partial.imported).toBe(2);
    const d = await api.call('match.get', { match_id: m.match.match_id });
    expect(d.shooters.map((s) => [s.name, s.division, s.class, s.categories, s.squad])).toEqual([
      ['Ivy Ito', 'OPN', 'A', ['Lady', 'Junior'], '1'],
      ['Lou, Jr.', 'SS', 'U', ['Senior'], '2'],
    ]);
    // The export imports back: with shooter_id the rows update, they do not duplicate.
    const exported = await api.call('export.csv', { name: 'roster', match_id: m.match.match_id });
    const again = await api.call('shooter.import', { match_id: m.match.match_id, csv: exported.content });
    expect(again).toEqual({ imported: 2, valid: 2, errors: [] });
    expect((await api.call('match.get', { match_id: m.match.match_id })).shooters).toHaveLength(2);
    const plain = await api.call('shooter.import', {
      match_id: m.match.match_id,
      csv: 'name,division\nIvy Ito,OPN\n',
    });
    expect(plain.errors[0]!.error).toMatch(/already on the roster/);
  });
});
