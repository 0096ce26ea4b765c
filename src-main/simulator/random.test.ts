import { describe, expect, it } from 'vitest';
import { createRng, hash32, normalizeSeed } from './random';

describe('seeded PRNG', () => {
  it('the same seed gives the same sequence', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 100 }, () => a.next());
    const ys = Array.from({ length: 100 }, () => b.next());
    expect(xs).toEqual(ys);
    expect(new Set(xs).size).toBe(100);
  });

  it('different seeds differ', () => {
    expect(createRng(1).next()).not.toBe(createRng(2).next());
  });

  it('forks are independent of what the parent draws', () => {
    const a = createRng(7);
    const b = createRng(7);
    b.next();
    b.next();
    expect(a.fork('x').next()).toBe(b.fork('x').next());
    expect(a.fork('x').next()).not.toBe(a.fork('y').next());
  });

  it('int stays inside its inclusive bounds and hits both ends', () => {
    const r = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(35, 40);
      expect(v).toBeGreaterThanOrEqual(35);
      expect(v).toBeLessThanOrEqual(40);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([35, 36, 37, 38, 39, 40]);
  });

  it('normal() has roughly the asked mean and sd', () => {
    const r = createRng(11);
    const xs = Array.from({ length: 20000 }, () => r.normal(5, 2));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(5, 1);
    expect(sd).toBeCloseTo(2, 1);
  });

  it('normalizes string and large seeds to 32 bits', () => {
    expect(normalizeSeed(123)).toBe(123);
    expect(normalizeSeed('abc')).toBe(hash32('abc'));
    expect(normalizeSeed(2 ** 40)).toBe(hash32(String(2 ** 40)));
  });
});
