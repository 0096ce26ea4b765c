import { describe, expect, it } from 'vitest';
import { EventQueue, startTicker } from './clock';

describe('EventQueue', () => {
  it('runs due items in time order, ties in insertion order, including items they schedule', () => {
    const q = new EventQueue();
    const ran: string[] = [];
    q.schedule(30, () => ran.push('c'));
    q.schedule(10, () => ran.push('a1'));
    q.schedule(10, () => ran.push('a2'));
    q.schedule(20, (at) => {
      ran.push('b');
      q.schedule(at + 5, () => ran.push('b+5'));
      q.schedule(at + 100, () => ran.push('later'));
    });
    expect(q.runDue(25)).toBe(4);
    expect(ran).toEqual(['a1', 'a2', 'b', 'b+5']);
    expect(q.nextDue()).toBe(30);
    q.runDue(1000);
    expect(ran.slice(4)).toEqual(['c', 'later']);
    expect(q.size).toBe(0);
  });

  it('stays ordered with many random items', () => {
    const q = new EventQueue();
    const times: number[] = [];
    for (let i = 0; i < 500; i++) {
      const at = (i * 7919) % 1000;
      q.schedule(at, (t) => times.push(t));
    }
    q.runDue(1000);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times).toHaveLength(500);
  });
});

describe('startTicker', () => {
  it('ticks on a grid and reports lag', async () => {
    const seen: number[] = [];
    const ticker = startTicker(5, (now) => seen.push(now));
    await new Promise((r) => setTimeout(r, 120));
    ticker.stop();
    const count = seen.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(seen.length).toBe(count); // stopped
    expect(count).toBeGreaterThan(5);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    const s = ticker.stats();
    expect(s.ticks).toBe(count);
    expect(s.p99LagMs).toBeLessThanOrEqual(Math.ceil(s.maxLagMs));
  });
});
