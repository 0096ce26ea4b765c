import { describe, expect, it } from 'vitest';
import { RMonitorFeed, splitRecord } from './rmonitor';
import { detectProtocol } from './detect';
import { formatLapMs, parseDisplayTime, parseGapCell, parseLapTime, parseRmTime } from './times';

const ENTRIES = [
  '$C,1,"SPORT"',
  '$C,2,"CLUB"',
  '$A,"9","9",1200456,"Ana","SILVA","Kart 9",1',
  '$A,"26","26",NE4,"Bo","LANG","Kart 26",2',
  '$COMP,"31","31",1,"Cy","NORD","","Team Nord"',
  '$E,"TRACKNAME","Marshal Park"',
];

function feedAt(
  lines: string[],
  start = 1000,
): { feed: RMonitorFeed; events: ReturnType<RMonitorFeed['push']>['events'] } {
  const feed = new RMonitorFeed({ circuitId: 'rm' });
  const events = lines.flatMap((l, i) => feed.push(l, start + i * 100).events);
  return { feed, events };
}

const RACE = [
  '$B,26,"Race 3"',
  ...ENTRIES,
  '$F,9999,"00:10:00","14:00:00","00:00:00","Green "',
  '$G,1,"9",,"00:00:00.000"',
  '$G,2,"26",,"00:00:00.000"',
  '$H,1,"9",0,"00:00:00.000"',
  '$J,"9","00:00:00.000","00:00:05.100"',
  '$J,"9","00:00:55.888","00:01:01.000"',
  '$G,1,"9",1,"00:01:01.000"',
  '$J,"26","00:00:57.923","00:01:04.600"',
  '$G,2,"26",1,"00:01:04.600"',
  '$J,"31","00:01:03.000","00:01:10.000"',
  '$G,3,"31",1,"00:01:10.000"',
  '$J,"9","00:00:54.500","00:01:55.500"',
  '$G,1,"9",2,"00:01:55.500"',
];

describe('RMonitor records', () => {
  it('splits CSV with quotes, commas inside quotes and spaces after commas', () => {
    expect(splitRecord('I, "00:00:00", "0/0/0000"')).toEqual(['I', '00:00:00', '0/0/0000']);
    expect(splitRecord('A,"1","1",NE4,"A, B","C","",2')).toEqual([
      'A',
      '1',
      '1',
      'NE4',
      'A, B',
      'C',
      '',
      '2',
    ]);
    expect(splitRecord('G,1,"9",,"00:00:05.966"')).toEqual(['G', '1', '9', '', '00:00:05.966']);
  });

  it('detects the protocol from the first lines', () => {
    expect(detectProtocol('$F,9999,"00:00:00","07:59:36","00:59:59","      "\r\n')).toBe('rmonitor');
    expect(detectProtocol('\ninit|r|\ntitle1||X\n')).toBe('apex');
    expect(detectProtocol('GET / HTTP/1.1')).toBeNull();
  });
});

describe('RMonitor race', () => {
  it('counts passings as laps, skipping the placeholder before the first crossing', () => {
    const { events } = feedAt(RACE);
    const laps = events
      .filter((e) => e.kind === 'lap')
      .map((e) => [e.data.row_id, e.data.lap, e.data.lap_ms]);
    expect(laps).toEqual([
      ['9', 1, 55888],
      ['26', 1, 57923],
      ['31', 1, 63000],
      ['9', 2, 54500],
    ]);
  });

  it('computes gaps: laps down, else race time behind the leader', () => {
    const { feed } = feedAt(RACE);
    const s = feed.snapshot();
    expect(s.entries.map((e) => [e.kart, e.position, e.gap_laps, e.gap_ms])).toEqual([
      ['9', 1, 0, 0],
      ['26', 2, 1, null],
      ['31', 3, 1, null],
    ]);
    const board = feedAt([...RACE.slice(0, 16)]).feed.snapshot();
    expect(board.entries.find((e) => e.kart === '26')!.gap_ms).toBe(3600);
  });

  it('keeps alphanumeric transponders and class names, renamed later', () => {
    const { feed } = feedAt([...RACE, '$C,2,"CLUB CUP"']);
    const e = feed.snapshot().entries.find((x) => x.kart === '26')!;
    expect(e.transponder).toBe('NE4');
    expect(e.class).toBe('CLUB CUP');
  });

  it('a reset mid-race keeps lap history and bests', () => {
    const { feed } = feedAt([...RACE, '$I, "00:00:00", "0/0/0000"', ...ENTRIES, '$G,1,"9",2,"00:01:55.500"']);
    const e = feed.snapshot().entries.find((x) => x.kart === '9')!;
    expect(e.laps).toBe(2);
    expect(e.last_lap_ms).toBe(54500);
    expect(e.best_lap_ms).toBe(54500);
    expect(feed.snapshot().session!.name).toBe('Race 3');
  });

  it('never lets a lap count go backwards, and logs the lap a $G skipped', () => {
    const { feed, events } = feedAt([
      ...RACE,
      '$G,1,"9",1,"00:01:01.000"',
      '$J,"9","00:00:56.000","00:02:51.500"',
      '$G,1,"9",3,"00:02:51.500"',
    ]);
    expect(feed.snapshot().entries.find((x) => x.kart === '9')!.laps).toBe(3);
    expect(events.filter((e) => e.kind === 'lap' && e.data.row_id === '9').map((e) => e.data.lap)).toEqual([
      1, 2, 3,
    ]);
  });

  it('a standings record counting a lap before its passing arrives does not skip a lap number', () => {
    const { events } = feedAt([...RACE, '$G,1,"9",3,"00:02:50.000"', '$J,"9","00:00:54.500","00:02:50.000"']);
    expect(events.filter((e) => e.kind === 'lap' && e.data.row_id === '9').map((e) => e.data.lap)).toEqual([
      1, 2, 3,
    ]);
  });

  it('a passing repeated verbatim is one lap', () => {
    const { events } = feedAt([...RACE, '$J,"9","00:00:54.500","00:01:55.500"']);
    expect(events.filter((e) => e.kind === 'lap' && e.data.row_id === '9')).toHaveLength(2);
  });

  it('$B,95 ends the run; a new run opens a new session with the same competitors', () => {
    const { feed, events } = feedAt([
      ...RACE,
      '$B,95,"Race 3"',
      '$B,27,"Race 4"',
      '$J,"9","00:00:56.000","00:00:56.000"',
    ]);
    const sessions = events
      .filter((e) => e.kind === 'karting.session')
      .map((e) => [e.data.state, e.data.name ?? e.data.reason]);
    expect(sessions).toEqual([
      ['started', 'Race 3'],
      ['ended', 'end of run'],
      ['started', 'Race 4'],
    ]);
    const e = feed.snapshot().entries.find((x) => x.kart === '9')!;
    expect(e.laps).toBe(1);
    expect(e.name).toBe('Ana SILVA');
  });

  it('a refresh that re-sends $B does not open a new session', () => {
    const { events } = feedAt([...RACE, '$B,26,"Race 3"', ...ENTRIES]);
    expect(events.filter((e) => e.kind === 'karting.session')).toHaveLength(1);
  });

  it('flags from the fixed six-character field, once per change', () => {
    const { events } = feedAt([
      ...RACE,
      '$F,9999,"00:09:00","14:01:00","00:01:00","Green "',
      '$F,9999,"00:08:00","14:02:00","00:02:00","Yellow"',
      '$F,9999,"00:00:00","14:10:00","00:10:00","Finish"',
    ]);
    expect(events.filter((e) => e.kind === 'flag').map((e) => e.data.flag)).toEqual([
      'green',
      'yellow',
      'chequered',
    ]);
  });

  it('serves the app a board in its labels', () => {
    const { feed } = feedAt(RACE);
    expect(feed.compat().drivers['9']).toMatchObject({
      Classement: '1',
      Kart: '9',
      Tours: '2',
      'Dernier T.': '54.500',
      'Meilleur T.': '54.500',
    });
  });
});

describe('times', () => {
  it('reads display times in every real form', () => {
    expect(parseLapTime('1:04.500')).toBe(64500);
    expect(parseLapTime('59.123')).toBe(59123);
    expect(parseDisplayTime('1:18.')).toBe(78000);
    expect(parseLapTime('1:00.6')).toBe(60600);
    expect(parseLapTime('1:02:03.456')).toBe(3723456);
    expect(parseLapTime('0:00.000')).toBeNull();
    expect(parseLapTime('--:--')).toBeNull();
    expect(parseLapTime('')).toBeNull();
    expect(parseLapTime('Tour 3')).toBeNull();
    expect(parseRmTime('00:02:25.077')).toBe(145077);
    expect(formatLapMs(64500)).toBe('1:04.500');
    expect(formatLapMs(59123)).toBe('59.123');
  });

  it('reads gap cells in several languages', () => {
    expect(parseGapCell('Tour 9')).toEqual({ leader_lap: 9 });
    expect(parseGapCell('Lap 23/1')).toEqual({ leader_lap: 23 });
    expect(parseGapCell('Varv 1')).toEqual({ leader_lap: 1 });
    expect(parseGapCell('Volta 20')).toEqual({ leader_lap: 20 });
    expect(parseGapCell('9 Tours')).toEqual({ laps_down: 9 });
    expect(parseGapCell('1 Tour')).toEqual({ laps_down: 1 });
    expect(parseGapCell('3 Giri')).toEqual({ laps_down: 3 });
    expect(parseGapCell('2 Trs')).toBeNull();
    expect(parseGapCell('0.512')).toEqual({ gap_ms: 512 });
    expect(parseGapCell('1:07.413')).toEqual({ gap_ms: 67413 });
  });
});
