import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, parseRetryAfter, retryDelay } from './backoff';

const o = { baseMs: 100, factor: 1.5, capMs: 10_000 };

describe('backoff with full jitter', () => {
  it('grows by the factor from the base and stops at the cap', () => {
    expect(backoffCeiling(0, o)).toBe(100);
    expect(backoffCeiling(1, o)).toBe(150);
    expect(backoffCeiling(2, o)).toBe(225);
    expect(backoffCeiling(50, o)).toBe(10_000);
    expect(backoffCeiling(100_000, o)).toBe(10_000);
  });

  it('picks uniformly between zero and the ceiling', () => {
    expect(backoffDelay(3, o, () => 0)).toBe(0);
    expect(backoffDelay(3, o, () => 0.5)).toBe(Math.floor(0.5 * 100 * 1.5 ** 3));
    expect(backoffDelay(3, o, () => 0.999999)).toBeLessThan(100 * 1.5 ** 3);
  });

  it('waits at least what Retry-After asked, and its own backoff when that is longer', () => {
    expect(retryDelay(0, 5000, o, () => 0.5)).toBe(5000);
    expect(retryDelay(40, 1000, o, () => 0.5)).toBe(5000);
    expect(retryDelay(2, null, o, () => 0)).toBe(0);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-12-02T06:00:00Z');

  it('reads delta seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
  });

  it('reads an HTTP date, and a past one as now', () => {
    expect(parseRetryAfter('Wed, 02 Dec 2026 06:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 02 Dec 2026 05:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read, leaving the backoff to decide', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
    expect(parseRetryAfter('-3', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});
