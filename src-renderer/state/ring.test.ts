import { describe, expect, it } from 'vitest';
import { appendCapped, prependCapped, SampleBuffers, SampleRing } from './ring';

describe('appendCapped', () => {
  it('returns the same array when nothing is added', () => {
    const a = [1, 2, 3];
    expect(appendCapped(a, [], 10)).toBe(a);
  });
  it('keeps the newest items up to the cap and does not mutate the input', () => {
    const a = [1, 2, 3, 4];
    const out = appendCapped(a, [5, 6, 7], 5);
    expect(out).toEqual([3, 4, 5, 6, 7]);
    expect(a).toEqual([1, 2, 3, 4]);
  });
  it('handles a batch larger than the cap', () => {
    expect(appendCapped([1], [2, 3, 4, 5, 6], 3)).toEqual([4, 5, 6]);
  });
});

describe('prependCapped', () => {
  it('puts new items first and caps the tail', () => {
    expect(prependCapped([3, 2, 1], [5, 4], 4)).toEqual([5, 4, 3, 2]);
  });
});

describe('SampleRing', () => {
  it('wraps around and keeps the newest samples in time order', () => {
    const r = new SampleRing(3);
    for (let i = 0; i < 5; i++) r.push(i * 10, i, -i, i * 2);
    expect(r.size).toBe(3);
    expect(r.toTuples()).toEqual([
      [20, 2, -2, 4],
      [30, 3, -3, 6],
      [40, 4, -4, 8],
    ]);
    expect(r.oldestT).toBe(20);
    expect(r.latest()).toEqual([40, 4, -4, 8]);
    expect(new SampleRing(2).latest()).toBeNull();
    expect(r.latestT).toBe(40);
  });

  it('drops samples older than the newest and non-finite times', () => {
    const r = new SampleRing(8);
    expect(r.push(100, 1, 1, 1)).toBe(true);
    expect(r.push(90, 2, 2, 2)).toBe(false);
    expect(r.push(100, 3, 3, 3)).toBe(true);
    expect(r.push(NaN, 4, 4, 4)).toBe(false);
    expect(r.size).toBe(2);
  });

  it('bumps its version only when samples were kept', () => {
    const r = new SampleRing(8);
    const v0 = r.version;
    expect(r.pushMany([[1, 0, 0, 0]])).toBe(1);
    expect(r.version).toBe(v0 + 1);
    expect(r.pushMany([[0, 0, 0, 0]])).toBe(0);
    expect(r.version).toBe(v0 + 1);
  });

  it('visits only the window since a time, after wrapping', () => {
    const r = new SampleRing(4);
    for (let t = 0; t < 10; t++) r.push(t, t, 0, 0);
    const seen: number[] = [];
    r.forEachSince(7.5, (t) => seen.push(t));
    expect(seen).toEqual([8, 9]);
    const all: number[] = [];
    r.forEachSince(-Infinity, (t) => all.push(t));
    expect(all).toEqual([6, 7, 8, 9]);
  });

  it('seeds older history under live samples without duplicating', () => {
    const r = new SampleRing(10);
    r.pushMany([
      [50, 5, 5, 5],
      [60, 6, 6, 6],
    ]);
    r.seed([
      [30, 3, 3, 3],
      [40, 4, 4, 4],
      [50, 5, 5, 5],
    ]);
    expect(r.toTuples().map((s) => s[0])).toEqual([30, 40, 50, 60]);
  });
});

describe('SampleBuffers', () => {
  it('routes a batch to one ring per sensor', () => {
    const b = new SampleBuffers(100);
    const kept = b.apply(
      {
        s1: [
          [1, 1, 2, 3],
          [2, 1, 2, 3],
        ],
        s2: [[1, 0, 0, 0]],
        s3: [],
      },
      1000,
    );
    expect(kept).toBe(3);
    expect(b.get('s1')?.size).toBe(2);
    expect(b.get('s2')?.lastArrival).toBe(1000);
    expect(b.get('s3')).toBeUndefined();
  });

  it('forgets the least recently heard sensor beyond its sensor cap', () => {
    const b = new SampleBuffers(10, 2);
    b.apply({ a: [[1, 0, 0, 0]] }, 1);
    b.apply({ b: [[1, 0, 0, 0]] }, 2);
    b.apply({ c: [[1, 0, 0, 0]] }, 3);
    expect(b.ids().sort()).toEqual(['b', 'c']);
  });
});
