import { describe, expect, it } from 'vitest';
import type { RunRec } from './repo';
import { STALE_RUN_MS, StringMachine, T0_FLAG, T0_IDLE_MS } from './string-machine';

const NOW = Date.parse('2026-03-14T09:00:00.000Z');

function runRec(id: string, flags: string[], lastShot: number): RunRec & { lastShot: number } {
  return { id, flags, start_received_ms: lastShot, created_at: lastShot, lastShot } as unknown as RunRec & {
    lastShot: number;
  };
}

describe('string machine: strings that lost their stop', () => {
  it('closes a T0-fed string after the idle time, a framed one only after the stale time', () => {
    const quiet = NOW - T0_IDLE_MS - 1;
    const runs = [
      runRec('t0', [T0_FLAG], quiet),
      runRec('framed', [], quiet),
      runRec('old', [], NOW - STALE_RUN_MS - 1),
    ];
    const byId = new Map(runs.map((r) => [r.id, r]));
    const repo = { lastShotReceived: (id: string) => byId.get(id)!.lastShot };
    const machine = new StringMachine({ repo: repo as never, now: () => NOW }, null as never, null as never);
    expect(machine.stale(runs, NOW).map((r) => r.id)).toEqual(['t0', 'old']);
  });
});
