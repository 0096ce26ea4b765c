import { describe, expect, it } from 'vitest';
import { backoffMs } from './external';

describe('external reconnect backoff', () => {
  it('tries again at once, then waits a random time within a window that doubles up to 10 s', () => {
    expect(backoffMs(0, () => 0.99)).toBe(0);
    expect(backoffMs(1, () => 1)).toBe(500);
    expect(backoffMs(1, () => 0)).toBe(0);
    expect(backoffMs(3, () => 1)).toBe(2000);
    expect(backoffMs(20, () => 1)).toBe(10_000);
    expect(backoffMs(20, () => 0.5)).toBe(5000);
  });
});
