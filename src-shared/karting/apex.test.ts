import { describe, expect, it } from 'vitest';
import { ApexFeed, parseGridHtml } from './apex';
import { apexGrid, apexInit, FOREIGN_LINES, THREE_KARTS } from './fixtures';
import { columnLabel } from './labels';
import type { KartingEvent } from './model';

const laps = (events: KartingEvent[]) => events.filter((e) => e.kind === 'lap');

function started(): ApexFeed {
  const feed = new ApexFeed({ circuitId: 'circ1' });
  feed.push(apexInit('r', 'COURSE', THREE_KARTS), 1000);
  return feed;
}

describe('Apex grid', () => {
  it('maps cells by data-id, also when the id sits inside nested markup', () => {
    const g = parseGridHtml(apexGrid(THREE_KARTS).slice('grid||'.length));
    expect(g.columns.map((c) => c.type)).toEqual([
      'grp',
      'sta',
      'rk',
      'no',
      'dr',
      'llp',
      '',
      'gap',
      'tlp',
      'pit',
    ]);
    expect(g.rows.get('5001')!.get(3)!.value).toBe('1');
    expect(g.rows.get('5002')!.get(5)!.value).toBe('LES TORTUES & CO');
  });

  it('labels columns: configured cN, else data-type, else header text, never Non utilisé', () => {
    expect(columnLabel({ n: 3, type: 'rk', text: 'Clt' })).toBe('Classement');
    expect(columnLabel({ n: 7, type: '', text: 'M. Vuelta' })).toBe('Meilleur T.');
    expect(columnLabel({ n: 7, type: '', text: 'Giro mig.' })).toBe('Meilleur T.');
    expect(columnLabel({ n: 12, type: '', text: 'Péna.' })).toBe('Penalites');
    expect(columnLabel({ n: 12, type: '', text: '' })).toBe('C12');
    expect(columnLabel({ n: 4, type: 'no', text: 'Kart' }, { c4: 'Numéro' })).toBe('Numéro');
    expect(columnLabel({ n: 4, type: 'no', text: 'Kart' }, { c4: 'Non utilisé' })).toBe('Kart');
    expect(columnLabel({ n: 4, type: 'no', text: 'Kart' }, { c4: '' })).toBe('Kart');
    expect(columnLabel({ n: 5, type: 'dr', text: 'Förare' })).toBe('Pilote');
  });

  it('serves the app the whole board keyed by row id with raw display strings', () => {
    const feed = started();
    const c = feed.compat();
    expect(Object.keys(c.drivers).sort()).toEqual(['5001', '5002', '5003']);
    expect(c.drivers['5001']).toMatchObject({
      Classement: '1',
      Kart: '7',
      Equipe: 'BLUE FALCONS',
      'Dernier T.': '1:04.900',
      'Meilleur T.': '1:04.500',
      Ecart: 'Tour 3',
      Tours: '3',
    });
    expect(c.column_order.slice(2, 7)).toEqual(['Classement', 'Kart', 'Equipe', 'Dernier T.', 'Meilleur T.']);
  });
});

describe('Apex laps', () => {
  it('takes the lap from the last-lap cell, not from the r|*| value', () => {
    const feed = started();
    const r = feed.push('r5001c6|tn|1:04.700\nr5001|*|63990|\n', 2000);
    const l = laps(r.events);
    expect(l).toHaveLength(1);
    expect(l[0]!.data).toMatchObject({
      row_id: '5001',
      kart: '7',
      lap_ms: 64700,
      lap_raw: '1:04.700',
      lap: 4,
    });
  });

  it('counts two crossings with the same time as two laps', () => {
    const feed = started();
    const a = feed.push('r5002c6|tn|1:05.000\nr5002|*|65000|\n', 2000);
    const b = feed.push('r5002c6|tn|1:05.000\nr5002|*|65000|\n', 67000);
    expect(laps(a.events)).toHaveLength(1);
    expect(laps(b.events)).toHaveLength(1);
    expect(laps(b.events)[0]!.data.lap).toBe(5);
    expect(a.events[0]!.data.dedup_key).not.toBe(b.events[0]!.data.dedup_key);
  });

  it('two crossings of one row received in the same millisecond are two laps', () => {
    const feed = started();
    const a = laps(feed.push('r5001c6|tn|1:04.700\n', 2000).events)[0]!;
    const b = laps(feed.push('r5001c6|tn|1:04.800\n', 2000).events)[0]!;
    expect(a.data.dedup_key).not.toBe(b.data.dedup_key);
  });

  it('reads every real lap-time form', () => {
    const feed = started();
    const ms = ['1:04.500', '59.123', '1:00.6'].map(
      (v, i) => laps(feed.push(`r5003c6|tn|${v}\n`, 2000 + i * 1000).events)[0]!.data.lap_ms,
    );
    expect(ms).toEqual([64500, 59123, 60600]);
    // A running timer truncated at the dot (the on-track cell) is no lap.
    expect(laps(feed.push('r5003c6|tn|--\n', 9000).events)).toHaveLength(0);
  });

  it('marks personal and overall bests', () => {
    const feed = started();
    const r = feed.push('r5003c6|ti|1:05.900\n', 2000);
    expect(laps(r.events)[0]!.data).toMatchObject({ personal_best: true, overall_best: false });
    const r2 = feed.push('r5002c6|tb|1:03.900\n', 3000);
    expect(laps(r2.events)[0]!.data).toMatchObject({ personal_best: true, overall_best: true });
    expect(feed.snapshot().best_lap_row).toBe('5002');
  });

  it('a crossing whose message also carries the leader lap counter is one lap, not two', () => {
    const feed = started();
    const l = laps(feed.push('r5001c6|tn|1:04.700\nr5001c8|in|Tour 4\nr5001|*|64000|\n', 2000).events);
    expect(l[0]!.data.lap).toBe(4);
    expect(feed.snapshot().entries.find((e) => e.row_id === '5001')!.laps).toBe(4);
  });

  it('uses the leader gap cell as a lap counter and laps down for the others', () => {
    const feed = started();
    feed.push('r5001c8|in|Tour 9\nr5003c8|in|2 Tours\n', 2000);
    const s = feed.snapshot();
    const leader = s.entries.find((e) => e.row_id === '5001')!;
    expect(leader.laps).toBe(9);
    expect(leader.gap_ms).toBe(0);
    expect(s.entries.find((e) => e.row_id === '5003')!.gap_laps).toBe(2);
  });
});

describe('Apex entries and sessions', () => {
  it('keeps an entry when its kart number changes mid-session', () => {
    const feed = started();
    feed.push('r5001c6|tn|1:04.700\n', 2000);
    const r = feed.push('r5001c4|no1|47\n', 3000);
    expect(r.events.filter((e) => e.kind === 'karting.entry')[0]!.data).toMatchObject({
      row_id: '5001',
      kart: '47',
    });
    const l = laps(feed.push('r5001c6|tn|1:04.800\n', 70000).events)[0]!;
    expect(l.data).toMatchObject({ kart: '47', lap: 5 });
  });

  it('a row going back to an earlier kart number is not announced twice', () => {
    const feed = started();
    const entries = ['r5001c4|no1|47\n', 'r5001c4|no1|36\n', 'r5001c4|no1|47\n'].flatMap((m, i) =>
      feed
        .push(m, 2000 + i)
        .events.filter((e) => e.kind === 'karting.entry')
        .map((e) => e.data.kart),
    );
    expect(entries).toEqual(['47', '36']);
  });

  it('a last-lap cell re-sent with another class in the same message is one lap', () => {
    const feed = started();
    expect(
      laps(feed.push('r5001c6|tb|1:03.100\nr5001|*|63100|\nr5001c6|in|1:03.100\n', 2000).events),
    ).toHaveLength(1);
  });

  it('separates team and driver in the alternating cell', () => {
    const feed = started();
    const r = feed.push('r5001c5|drteam|DUPONT Marie [0:12]\n', 2000);
    expect(r.delta['5001']).toEqual({ Pilote: 'DUPONT Marie' });
    const e = feed.snapshot().entries.find((x) => x.row_id === '5001')!;
    expect(e.team).toBe('BLUE FALCONS');
    expect(e.driver).toBe('DUPONT Marie');
    expect(feed.compat().drivers['5001']).toMatchObject({ Equipe: 'BLUE FALCONS', Pilote: 'DUPONT Marie' });
  });

  it('carries a session over an init that re-sends the same grid (a reconnect, a layout change)', () => {
    const feed = started();
    const id = feed.snapshot().session!.id;
    feed.push('r5001c6|tn|1:04.700\n', 2000);
    const r = feed.push(
      apexInit(
        'r',
        'COURSE',
        THREE_KARTS.map((k) => ({ ...k, laps: '4' })),
        'b',
      ),
      3000,
    );
    expect(r.events.filter((e) => e.kind === 'karting.session')).toHaveLength(0);
    expect(feed.snapshot().session!.id).toBe(id);
    // The layout moved the columns: the last-lap cell is c6 in both, rk moved c3 → c2.
    feed.push('r5001c2||2\n', 4000);
    expect(feed.snapshot().entries.find((e) => e.row_id === '5001')!.position).toBe(2);
    expect(laps(feed.push('r5001c6|tn|1:04.600\n', 5000).events)[0]!.data.lap).toBe(5);
  });

  it('opens a new session when row ids are reused by another heat', () => {
    const feed = new ApexFeed({ circuitId: 'c' });
    feed.push(
      apexInit('p', 'Session 2', [
        { id: '1', pos: 1, kart: '5', team: 'ANNA' },
        { id: '2', pos: 2, kart: '9', team: 'BEN' },
      ]),
      1000,
    );
    const first = feed.snapshot().session!.id;
    const r = feed.push(
      apexInit('p', 'Session 2', [
        { id: '1', pos: 1, kart: '14', team: 'CARL' },
        { id: '2', pos: 2, kart: '3', team: 'DANA' },
      ]),
      500000,
    );
    expect(r.events.filter((e) => e.kind === 'karting.session').map((e) => e.data.state)).toEqual([
      'ended',
      'started',
    ]);
    expect(feed.snapshot().session!.id).not.toBe(first);
  });

  it('opens a new session when practice turns into a race on the same grid', () => {
    const feed = new ApexFeed({ circuitId: 'c' });
    feed.push(apexInit('p', 'Essais', THREE_KARTS), 1000);
    const r = feed.push(apexInit('r', 'Course', THREE_KARTS), 2000);
    expect(
      r.events.some(
        (e) => e.kind === 'karting.session' && e.data.state === 'started' && e.data.type === 'race',
      ),
    ).toBe(true);
  });

  it('ends a session after silence', () => {
    const feed = started();
    expect(feed.checkSilence(60_000, 600_000).events).toHaveLength(0);
    const r = feed.checkSilence(1000 + 600_000, 600_000);
    expect(r.events.map((e) => e.data.state)).toEqual(['ended']);
    expect(feed.snapshot().session).toBeNull();
  });
});

describe('Apex feed hygiene', () => {
  it('drops and counts foreign lines, keeping the protocol lines around them', () => {
    const feed = started();
    const r = feed.push(
      ['r5001c6|tn|1:04.700', ...FOREIGN_LINES, 'r5002c6|tn|1:05.100', ''].join('\n'),
      2000,
    );
    expect(r.foreign).toBe(FOREIGN_LINES.length);
    expect(laps(r.events)).toHaveLength(2);
    expect(feed.foreign).toBe(FOREIGN_LINES.length);
  });

  it('an update line containing "init" is still an update', () => {
    const feed = started();
    const r = feed.push('r5001c5|dr|INITIAL D\nr5001c6|tn|1:04.700\n', 2000);
    expect(laps(r.events)).toHaveLength(1);
    expect(feed.compat().drivers['5001']!.Equipe).toBe('INITIAL D');
  });

  it('emits a flag once however often the light line repeats', () => {
    const feed = started();
    const flags = [
      feed.push('light|lg|\n', 2000),
      feed.push('light|lg|\n', 3000),
      feed.push('light|lf|\n', 4000),
    ].flatMap((r) => r.events.filter((e) => e.kind === 'flag').map((e) => e.data.flag));
    expect(flags).toEqual(['green', 'chequered']);
  });

  it('positions and pits from row lines', () => {
    const feed = started();
    const r = feed.push('r5003|#|1\nr5003|*in|0\n', 2000);
    expect(r.events.find((e) => e.kind === 'pit')!.data).toMatchObject({ row_id: '5003', state: 'in' });
    const e = feed.snapshot().entries.find((x) => x.row_id === '5003')!;
    expect(e.position).toBe(1);
    expect(e.in_pit).toBe(true);
    expect(feed.push('r5003|*out|0\n', 3000).events.find((x) => x.kind === 'pit')!.data.state).toBe('out');
  });

  it('rebuilds the same events from the same raw lines (replay after restart)', () => {
    const input: [string, number][] = [
      [apexInit('r', 'COURSE', THREE_KARTS), 1000],
      ['r5001c6|tn|1:04.700\nlight|lg|\n', 2000],
      ['r5002c6|tn|1:05.000\nr5002|*in|0\n', 3000],
    ];
    const run = () => {
      const f = new ApexFeed({ circuitId: 'c' });
      return input.flatMap(([m, t]) => f.push(m, t).events.map((e) => e.data.dedup_key));
    };
    expect(run()).toEqual(run());
  });
});
