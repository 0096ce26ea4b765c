import { describe, expect, it } from 'vitest';
import { defaultDrivers } from '../families/bridged';
import { AMG_SERVICE_UUID } from '../decoders/amg';
import { BT50_SERVICE_UUID } from '../decoders/bt50';
import { parseMessage } from '../ingest';
import { CommandPacer, DriverRegistry, intArg, type BridgeMessage, type TimerDriver } from './driver';
import { fullUuid, sameUuid } from './gatt';
import { ManualClock } from './manual-clock';
import { TimerEvents } from './timer';

describe('driver registry', () => {
  it('ships the AMG Commander and the BT50, matched by name or advertised service', () => {
    const r = defaultDrivers();
    expect(r.list().map((d) => d.id)).toEqual(['amg-commander', 'bt50']);
    expect(r.match({ name: 'AMG LAB COMM 7', serviceUuids: [] })?.id).toBe('amg-commander');
    expect(r.match({ name: null, serviceUuids: [BT50_SERVICE_UUID] })?.id).toBe('bt50');
    expect(r.match({ name: null, serviceUuids: [AMG_SERVICE_UUID] })?.id).toBe('amg-commander');
    expect(r.match({ name: 'Headphones', serviceUuids: [fullUuid('110b')] })).toBeNull();
  });

  it('takes another timer driver (pluggable) and refuses a duplicate id', () => {
    const r = defaultDrivers();
    const sg: TimerDriver = {
      id: 'sg-timer',
      label: 'SG Timer',
      role: 'timer',
      services: [fullUuid('7520ffff-14d2-4cda-8b6b-697c554c9311')],
      commands: [],
      matches: (adv) => (adv.name ?? '').startsWith('SG-'),
      defaultDeviceId: () => 'sg-1',
      create: () => {
        throw new Error('not used here');
      },
    };
    r.register(sg);
    expect(r.match({ name: 'SG-SST-4E2A', serviceUuids: [] })?.id).toBe('sg-timer');
    expect(() => r.register(sg)).toThrow(/twice/);
    expect(new DriverRegistry(r.list()).get('sg-timer')).toBe(sg);
  });
});

describe('TimerEvents (shared by timer drivers)', () => {
  it('stamps millisecond timers the same way: start receive time plus the timer time', () => {
    const clock = new ManualClock();
    const out: BridgeMessage[] = [];
    const t = new TimerEvents({ clock, emit: (m) => out.push(m) }, 'sg-1');
    const beep = Date.UTC(2026, 1, 17, 9, 0, 0);
    t.start(beep, 1);
    t.shot(beep + 1333, 1, 1287, { shot_number: 1, split_ms: 1287 });
    t.stop(beep + 2000, 1);
    const events = out.map((m) => {
      const r = parseMessage(
        `leadville/${m.path}`,
        new TextEncoder().encode(JSON.stringify(m.payload)),
        m.at,
        {
          rangePrefix: 'leadville',
          maxPayloadBytes: 1 << 18,
        },
      );
      if (r.outcome !== 'events') throw new Error(JSON.stringify(r));
      return r.events[0]!;
    });
    expect(events.map((e) => [e.kind, e.ts - beep])).toEqual([
      ['timer.start', 0],
      ['timer.shot', 1287],
      ['timer.stop', 2000],
    ]);
    expect(events[1]!.data).toMatchObject({ time_ms: 1287, split_ms: 1287, shot_number: 1 });
    expect(t.running).toBe(false);
  });
});

describe('helpers', () => {
  it('paces steps at least the gap apart and keeps going after a failure', async () => {
    const clock = new ManualClock();
    const pacer = new CommandPacer(clock, 100);
    const at: number[] = [];
    const a = pacer.run(async () => at.push(clock.now()));
    const b = pacer.run(async () => {
      at.push(clock.now());
      throw new Error('boom');
    });
    b.catch(() => undefined);
    const c = pacer.run(async () => at.push(clock.now()));
    await clock.advance(500);
    await a;
    await expect(b).rejects.toThrow('boom');
    await c;
    expect(at[1]! - at[0]!).toBe(100);
    expect(at[2]! - at[1]!).toBe(100);
  });

  it('reads integer arguments under several names', () => {
    expect(intArg({ value: '7' }, ['level', 'value'], 1, 10)).toBe(7);
    expect(() => intArg({ level: 0 }, ['level'], 1, 10)).toThrow(/1..10/);
  });

  it('normalizes UUIDs', () => {
    expect(fullUuid('0x180F')).toBe('0000180f-0000-1000-8000-00805f9b34fb');
    expect(sameUuid('2a19', '00002A19-0000-1000-8000-00805F9B34FB')).toBe(true);
    // WitMotion's UUIDs are not in the Bluetooth base range: kept as they are.
    expect(fullUuid(BT50_SERVICE_UUID)).toBe('0000ffe5-0000-1000-8000-00805f9a34fb');
  });
});
