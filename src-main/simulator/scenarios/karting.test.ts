import { describe, expect, it } from 'vitest';
import { ApexFeed, RMonitorFeed } from '../../../src-shared/karting';
import { createRng } from '../random';
import {
  apexInitMessage,
  apexMessage,
  RaceModel,
  readRecording,
  rmonitorHeartbeat,
  rmonitorLines,
  rmonitorRefresh,
} from './karting';

function race(minutes: number) {
  const start = 1_800_000_000_000;
  const model = new RaceModel(createRng('karting-test'), start, 10, 52_000, minutes * 60_000);
  const apex = new ApexFeed({ circuitId: 'sim' });
  const rm = new RMonitorFeed({ circuitId: 'sim' });
  apex.push(apexInitMessage(model), start);
  rm.push(rmonitorRefresh(model).join('\r\n'), start);
  const crossings: { kart: string; lapMs: number }[] = [];
  const apexLaps: { kart: unknown; lap_ms: unknown }[] = [];
  const rmLaps: { kart: unknown; lap_ms: unknown }[] = [];
  let pits = 0;
  const flags: string[] = [];
  for (let t = start; t <= start + (minutes + 2) * 60_000; t += 1000) {
    rm.push(rmonitorHeartbeat(model, t), t);
    for (const e of model.advance(t)) {
      if (e.type === 'crossing') crossings.push({ kart: e.kart.kart, lapMs: e.lapMs });
      if (e.type === 'pit-in') pits++;
      if (e.type === 'flag') flags.push(e.flag);
      for (const ev of apex.push(apexMessage(e), e.t).events)
        if (ev.kind === 'lap') apexLaps.push({ kart: ev.data.kart, lap_ms: ev.data.lap_ms });
      for (const ev of rm.push(rmonitorLines(e).join('\r\n'), e.t).events)
        if (ev.kind === 'lap') rmLaps.push({ kart: ev.data.kart, lap_ms: ev.data.lap_ms });
    }
  }
  return { model, apex, rm, crossings, apexLaps, rmLaps, pits, flags };
}

describe('karting race model', () => {
  it('both feeds carry every lap the model ran, and nothing else', () => {
    const r = race(20);
    const expected = r.crossings.map((c) => ({ kart: c.kart, lap_ms: c.lapMs }));
    expect(r.apexLaps).toEqual(expected);
    expect(r.rmLaps).toEqual(expected);
    // Realistic: around 52 s a lap, pit stops, a chequered flag at the end.
    for (const c of r.crossings) expect(c.lapMs).toBeGreaterThan(45_000);
    expect(r.pits).toBeGreaterThan(0);
    expect(r.flags.at(-1)).toBe('chequered');
    expect(r.apex.snapshot().flag).toBe('chequered');
    expect(r.rm.snapshot().flag).toBe('chequered');
  });

  it('the boards agree on positions and laps', () => {
    const r = race(10);
    const a = r.apex.snapshot().entries.map((e) => [e.kart, e.laps]);
    const m = r.rm.snapshot().entries.map((e) => [e.kart, e.laps]);
    const truth = [...r.model.karts].sort((x, y) => x.position - y.position).map((k) => [k.kart, k.laps]);
    expect(a).toEqual(truth);
    expect(m).toEqual(truth);
  });
});

describe('recordings', () => {
  it('reads every format of the karting samples', () => {
    const apexv3 = [
      '{"v": 1, "circuit_url": "x", "ws_port": 1, "name": "n", "started_at": "2026-01-01T00:00:00+00:00"}',
      '{"t": 0.5, "msg": "init|r|\\n"}',
      '{"event_meta": {"event_key": "k"}}',
      '{"t": 2.25, "msg": "r1c2|tn|59.100\\n"}',
    ].join('\n');
    expect(readRecording(apexv3)).toEqual([
      { at: 0, protocol: 'apex', data: 'init|r|\n' },
      { at: 1750, protocol: 'apex', data: 'r1c2|tn|59.100\n' },
    ]);
    const stint = '{"t":1786083267452,"raw":"r6c9|ti|26.138\\n"}\n{"t":1786083267653,"raw":"r6c10||\\n"}\n';
    expect(readRecording(stint).map((u) => u.at)).toEqual([0, 201]);
    const packets =
      '\uFEFF##2025-04-26 14:44:13.478\r\n$I, "00:00:00", "0/0/0000"\r\n\r\n##2025-04-26 14:44:14.000\r\n$F,1\r\n';
    expect(readRecording(packets)).toEqual([
      { at: 0, protocol: 'rmonitor', data: '$I, "00:00:00", "0/0/0000"' },
      { at: 522, protocol: 'rmonitor', data: '$F,1' },
    ]);
    const stamped =
      '# capture\n2026-04-18T13:26:55.326Z $H,1,"9",0,"00:00:00.000"\n2026-04-18T13:26:56.326Z $F,9999\n';
    expect(readRecording(stamped).map((u) => [u.at, u.data.slice(0, 3)])).toEqual([
      [0, '$H,'],
      [1000, '$F,'],
    ]);
    const bare = '$F,9999,"a"\n$G,1,"21",,"x"\n$F,9999,"b"\n';
    expect(readRecording(bare).map((u) => u.at)).toEqual([1000, 1000, 2000]);
  });
});
